"""Departments, stages and platforms every installation starts with. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.platforms import PipelineStage, Platform, Stage
from app.rules.content import HandleRule

#: The UK's ministerial departments: (code, name).
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("AGO", "Attorney General's Office"),
    ("CO", "Cabinet Office"),
    ("DBT", "Department for Business and Trade"),
    ("DCMS", "Department for Culture, Media and Sport"),
    ("DFE", "Department for Education"),
    ("DESNZ", "Department for Energy Security and Net Zero"),
    ("DEFRA", "Department for Environment, Food and Rural Affairs"),
    ("DSIT", "Department for Science, Innovation and Technology"),
    ("DFT", "Department for Transport"),
    ("DWP", "Department for Work and Pensions"),
    ("DHSC", "Department of Health and Social Care"),
    ("FCDO", "Foreign, Commonwealth and Development Office"),
    ("HMT", "HM Treasury"),
    ("HO", "Home Office"),
    ("MOD", "Ministry of Defence"),
    ("MHCLG", "Ministry of Housing, Communities and Local Government"),
    ("MOJ", "Ministry of Justice"),
    ("NIO", "Northern Ireland Office"),
    ("OAG", "Office of the Advocate General for Scotland"),
    ("LHC", "Office of the Leader of the House of Commons"),
    ("LHL", "Office of the Leader of the House of Lords"),
    ("PMO", "Prime Minister's Office, 10 Downing Street"),
    ("SO", "Scotland Office"),
    ("UKEF", "UK Export Finance"),
    ("WO", "Wales Office"),
)

STAGES: tuple[tuple[str, str], ...] = (
    ("security", "Security"),
    ("no10", "No10"),
    ("cabinet_office", "Cabinet Office"),
)


@dataclass(frozen=True)
class PlatformData:
    """A platform as every installation starts with it."""

    name: str
    risk_notes: str
    pipeline: tuple[str, ...]
    #: What its handles may hold; None: any handle (up to app.rules.content.HANDLE_MAX).
    handle_rule: HandleRule | None = None


PLATFORMS: tuple[PlatformData, ...] = (
    PlatformData(
        "TikTok",
        "Banned from government devices in March 2023 over data-security concerns. "
        "Use only on a standalone device that holds no government data, with permission.",
        ("security", "no10", "cabinet_office"),
        # A TikTok username holds letters, numbers, underscores and full stops. Public
        # sources disagree on how long it may be; 24 characters is the figure most often
        # given, so that is the limit here (the @ not counted). An admin can correct it.
        handle_rule=HandleRule(max_length=24, punctuation="_."),
    ),
)


def ensure_reference_data() -> dict[str, int]:
    """Add whatever is missing; change nothing that exists. Returns counts added."""
    added = {"departments": 0, "stages": 0, "platforms": 0}
    existing = set(db.session.scalars(select(Department.code)))
    for code, name in DEPARTMENTS:
        if code not in existing:
            db.session.add(Department(code=code, name=name))
            append_event(
                db.session, EventType.DEPARTMENT_CREATED, payload={"code": code, "name": name}
            )
            added["departments"] += 1
    existing = set(db.session.scalars(select(Stage.code)))
    for code, name in STAGES:
        if code not in existing:
            db.session.add(Stage(code=code, name=name))
            append_event(db.session, EventType.STAGE_CREATED, payload={"code": code, "name": name})
            added["stages"] += 1
    db.session.flush()
    existing = set(db.session.scalars(select(Platform.name)))
    for data in PLATFORMS:
        if data.name not in existing:
            platform = Platform(
                name=data.name,
                restricted=True,
                risk_notes=data.risk_notes,
                active=True,
                handle_rule=data.handle_rule,
            )
            platform.pipeline = [PipelineStage(stage_code=code) for code in data.pipeline]
            db.session.add(platform)
            append_event(
                db.session,
                EventType.PLATFORM_CREATED,
                payload={"name": data.name, "restricted": True, "pipeline": list(data.pipeline)},
            )
            added["platforms"] += 1
    db.session.flush()
    return added
