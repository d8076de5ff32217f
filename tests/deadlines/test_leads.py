"""A stage's leads: a flag on a person who signs the stage, set by an audited operation,
from the command line, and by seed-demo (one lead per stage)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from app.operations.set_stage_lead import set_stage_lead
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from tests import factories


def test_changing_a_person_s_stages_keeps_the_ones_they_lead(world):
    person = factories.make_user(Role.APPROVER, stages=("security", "no10"))
    set_stage_lead(person, None, stage_code="security")
    person.stage_codes = {"security", "no10", "cabinet_office"}
    db.session.commit()
    assert person.lead_stage_codes == {"security"}
    person.stage_codes = {"no10"}  # no longer signs security: no longer leads it
    db.session.commit()
    assert person.lead_stage_codes == frozenset()
    with pytest.raises(ValueError, match="only stages they sign"):
        person.lead_stage_codes = {"security"}


def test_making_a_lead_is_audited_and_refused_for_a_stage_they_do_not_sign(world):
    assert set_stage_lead(world.security, world.admin, stage_code="security") is True
    assert set_stage_lead(world.security, world.admin, stage_code="security") is False
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "user_updated")
    ).one()
    assert event.actor_id == world.admin.id
    assert event.payload == {
        "user_id": world.security.id,
        "email": world.security.email,
        "stage": "security",
        "lead": True,
    }
    for person, stage in ((world.no10, "security"), (world.officer, "security")):
        with pytest.raises(InvalidContent):
            set_stage_lead(person, None, stage_code=stage)
    assert set_stage_lead(world.security, None, stage_code="security", lead=False) is True
    assert world.security.lead_stage_codes == frozenset()


def test_users_lead_on_the_command_line(app, world):
    runner = app.test_cli_runner()
    email = world.no10.email
    db.session.commit()
    result = runner.invoke(args=["users", "lead", email, "--stage", "no10"])
    assert result.exit_code == 0 and f"{email} is a lead of the no10 stage." in result.output
    db.session.remove()
    person = db.session.scalars(select(User).where(User.email == email)).one()
    assert person.lead_stage_codes == {"no10"}
    refused = runner.invoke(args=["users", "lead", email, "--stage", "security"])
    assert refused.exit_code == 1
    assert "A lead must be an active approver who signs the stage" in refused.output
    removed = runner.invoke(args=["users", "lead", email, "--stage", "no10", "--remove"])
    assert f"{email} is no longer a lead of the no10 stage." in removed.output


def test_seed_demo_makes_one_lead_per_stage(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    leads = {
        code: sorted(
            u.email for u in db.session.scalars(select(User)) if code in u.lead_stage_codes
        )
        for code in ("security", "no10", "cabinet_office")
    }
    assert leads == {
        "security": ["security@example.gov.uk"],
        "no10": ["no10@example.gov.uk"],
        "cabinet_office": ["cabinet.office@example.gov.uk"],
    }
