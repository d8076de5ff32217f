from app.audit.verify import verify_database
from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome, Status


def test_a_request_passes_every_stage(world):
    request = world.submitted()
    for stage in ("security", "no10", "cabinet_office"):
        approver = world.approvers_for(stage)[0]
        decide_stage(
            request, approver, stage=stage, version=request.version, outcome=Outcome.APPROVE
        )
    db.session.commit()
    assert request.status == Status.APPROVED
    assert verify_database(db.session).ok
