"""Filters: whole London days, department, platform, event type, reference, and any mix;
everything by default. A filtered export still verifies, says so in its manifest, and
the export itself is recorded in the trail."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.audit.export import stream_rows
from app.audit.filters import AuditFilters
from app.extensions import db
from app.models.audit import AuditEvent
from tests.audit_export.conftest import FORMATS, Run, Verifiers, export_with
from tests.audit_export.trail import Trail, clock_at, moment

#: When the exports in this module happen: after every event of the trail.
EXPORTED_AT = "2027-03-01T12:00:00"

DSIT = (
    "dsit_created",
    "dsit_submitted",
    "dsit_security",
    "dsit_no10",
    "dsit_cabinet",
    "dsit_2_created",
    "dsit_2_withdrawn",
    "tab",  # about the first DSIT request, though written straight to the chain
)
HO = ("ho_created", "ho_submitted", "ho_changes")
DIRECT = (
    "risky_sign_in",
    "tab",
    "cr",
    "quote",
    "quote_then_trigger",
    "lone_quote",
    "emoji",
    "escapes",
    "controls",
    "payload",
)

#: (options, the labelled events expected; "export" is the export's own event).
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 1 July in London (BST) runs from 23:00 UTC on 30 June to 22:59:59.999999 on 1 July.
    "summer_day": (("--from", "2026-07-01", "--to", "2026-07-01"), ("dsit_no10", "dsit_cabinet")),
    # 15 January (GMT) is the UTC day.
    "winter_day": (("--from", "2026-01-15", "--to", "2026-01-15"), ("dsit_submitted",)),
    "up_to_a_day": (("--to", "2026-01-14"), ("dsit_created",)),
    "from_a_day": (("--from", "2026-12-02"), (*DIRECT, "export")),
    "several_days": (
        ("--from", "2026-06-30", "--to", "2026-07-02"),
        ("dsit_security", "dsit_no10", "dsit_cabinet", *HO),
    ),
    "department": (("--department", "DSIT"), DSIT),
    "department_any_case": (("--department", "ho"), HO),
    "platform": (("--platform", "Instagram"), HO),
    "other_platform": (("--platform", "TikTok"), DSIT),
    "event_type": (("--event-type", "stage_approved"), ("dsit_security", "dsit_cabinet")),
    "own_event_type": (("--event-type", "audit_exported"), ("export",)),
    "reference": (("--reference", "{dsit}"), (*DSIT[:5], "tab")),
    "reference_any_case": (("--reference", "{ho_lower}"), HO),
    "department_and_days": (
        ("--department", "DSIT", "--from", "2026-07-01", "--to", "2026-07-01"),
        ("dsit_no10", "dsit_cabinet"),
    ),
    "department_and_type": (
        ("--department", "DSIT", "--event-type", "stage_approved"),
        ("dsit_security", "dsit_cabinet"),
    ),
    "platform_and_reference": (
        ("--platform", "Instagram", "--reference", "{ho}", "--event-type", "request_submitted"),
        ("ho_submitted",),
    ),
    "nothing_matches": (("--platform", "TikTok", "--reference", "{ho}"), ()),
}


# One trail for the whole module: these tests only add exports to it.
@pytest.fixture
def trail(shared_trail: Trail) -> Trail:
    return shared_trail


@pytest.fixture
def run(shared_run: Run) -> Run:
    return shared_run


@pytest.fixture
def verifiers(shared_verifiers: Verifiers) -> Verifiers:
    return shared_verifiers


@pytest.fixture
def backend_name(trail: Trail) -> str:
    return db.engine.dialect.name


@pytest.fixture
def exporting_at() -> Iterator[None]:
    """Exports in this module are recorded at EXPORTED_AT, after the whole trail."""
    with clock_at(moment(EXPORTED_AT)):
        yield


def options_for(options: tuple[str, ...], trail: Trail) -> list[str]:
    refs = trail.references
    fill = {"dsit": refs["dsit"], "ho": refs["ho"], "ho_lower": refs["ho"].lower()}
    return [option.format(**fill) for option in options]


def head() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()


@pytest.mark.parametrize("case", list(CASES))
def test_a_filter_exports_exactly_the_matching_events_and_verifies(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers, exporting_at, case: str
):
    options, labels = CASES[case]

    exported = export_with(run, tmp_path / "filtered.jsonl", "jsonl", *options_for(options, trail))

    export_seq = head().seq
    # "export": this module's exports so far, this one included (all at EXPORTED_AT).
    exports = db.session.scalars(
        select(AuditEvent.seq).where(AuditEvent.event_type == "audit_exported")
    ).all()
    expected = sorted(
        {seq for label in labels for seq in (exports if label == "export" else [trail.seq[label]])}
    )
    assert [e["seq"] for e in exported.events()] == expected
    manifest = exported.manifest
    assert manifest["filtered"] is True
    assert manifest["event_count"] == len(expected)
    assert manifest["first_seq"] == (expected[0] if expected else None)
    assert manifest["last_seq"] == (expected[-1] if expected else None)
    assert manifest["chain_head"] == {"seq": export_seq, "hash": head().hash}
    by_app, by_tool = verifiers.both(exported.path)
    assert by_app.ok, by_app.output
    assert by_tool.ok, by_tool.output


def test_the_filter_is_described_in_the_manifest_and_in_the_export_event(
    run: Run, trail: Trail, tmp_path: Path, exporting_at
):
    exported = export_with(
        run,
        tmp_path / "filtered.csv",
        "csv",
        "--from",
        "2026-06-30",
        "--to",
        "2026-07-02",
        "--department",
        "dsit",
        "--platform",
        "TikTok",
        "--event-type",
        "stage_approved",
        "--reference",
        trail.references["dsit"].lower(),
    )

    described = {
        "first_day": "2026-06-30",
        "last_day": "2026-07-02",
        "department": "DSIT",
        "platform": "TikTok",
        "event_type": "stage_approved",
        "actor": None,
        "reference": trail.references["dsit"],
    }
    assert exported.manifest["filter"] == described
    event = head()
    assert event.event_type == "audit_exported"
    assert event.payload == {"format": "csv", "filter": described, "via": "cli"}
    assert [e["seq"] for e in exported.events()] == trail.seqs("dsit_security", "dsit_cabinet")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_default_exports_everything_ending_with_the_exports_own_event(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers, fmt: str
):
    before = head().seq

    exported = export_with(run, tmp_path / f"all.{fmt}", fmt)

    event = head()
    assert event.seq == before + 1
    assert (event.event_type, event.actor_id, event.actor_email) == ("audit_exported", None, None)
    assert event.actor_roles == []
    assert event.payload["format"] == fmt
    assert event.payload["via"] == "cli"
    assert set(event.payload["filter"].values()) == {None}
    rows = exported.events()
    assert [e["seq"] for e in rows] == list(range(1, event.seq + 1))
    assert rows[-1]["event_type"] == "audit_exported"
    assert rows[-1]["hash"] == event.hash
    assert exported.manifest["filtered"] is False
    assert exported.manifest["chain_head"] == {"seq": event.seq, "hash": event.hash}
    assert f"Chain head at export: {event.seq}:{event.hash}" in exported.output
    by_app, by_tool = verifiers.both(exported.path)
    assert by_app.ok and by_tool.ok


def test_a_filtered_export_is_checked_for_links_only_between_consecutive_seqs(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers
):
    # DSIT's events are 1-5, 9-10 and 12: consecutive runs, with gaps between them.
    exported = export_with(run, tmp_path / "dsit.jsonl", "jsonl", "--department", "DSIT")
    events = exported.events()
    seqs = [e["seq"] for e in events]
    assert seqs == trail.seqs(*DSIT)
    for previous, event in itertools.pairwise(events):
        if event["seq"] == previous["seq"] + 1:
            assert event["prev_hash"] == previous["hash"]
        else:
            assert event["prev_hash"] != previous["hash"]

    by_app, by_tool = verifiers.both(exported.path)

    assert by_app.ok, by_app.output
    assert by_tool.ok, by_tool.output
    assert f"{len(seqs)} events, seq {seqs[0]} to {seqs[-1]}" in by_app.output
    assert f"{len(seqs)} events, seq {seqs[0]} to {seqs[-1]}" in by_tool.output


def test_without_its_manifest_a_filtered_export_is_taken_for_a_complete_one_and_fails(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers
):
    exported = export_with(run, tmp_path / "dsit.jsonl", "jsonl", "--department", "DSIT")
    exported.manifest_path.unlink()

    by_app, by_tool = verifiers.both(exported.path)

    assert not by_app.ok
    assert "gap: expected seq 6" in by_app.output
    assert "gap: expected seq 6" in by_tool.output
    # The standalone tool can be told the export is filtered.
    assert verifiers.standalone(exported.path, "--filtered").ok


def test_an_export_is_recorded_even_when_nothing_matches(
    run: Run, trail: Trail, tmp_path: Path, verifiers: Verifiers
):
    exported = export_with(run, tmp_path / "none.csv", "csv", "--reference", "PRQ-1999-00001")

    assert exported.events() == []
    assert exported.manifest["event_count"] == 0
    assert exported.manifest["first_seq"] is None
    assert head().event_type == "audit_exported"
    by_app, by_tool = verifiers.both(exported.path)
    assert by_app.ok and by_tool.ok


def test_a_backwards_date_range_is_refused_and_records_nothing(
    run: Run, trail: Trail, tmp_path: Path
):
    before = head().seq

    result = run(
        "audit", "export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
        "--from", "2026-07-02", "--to", "2026-07-01",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "--to must be on or after --from" in result.output
    assert head().seq == before
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Tokyo"])
@pytest.mark.postgresql_only  # only PostgreSQL has a session time zone
def test_day_filters_do_not_depend_on_the_database_sessions_time_zone(
    trail: Trail, backend_name: str, zone: str
):
    # Regression: stream_rows passed the filter's aware datetimes to the driver without
    # the column type's processing, so PostgreSQL read them in the session's TimeZone
    # (its server default may well be Europe/London) and shifted every day by its offset.
    filters = AuditFilters(first_day=date(2026, 7, 1), last_day=date(2026, 7, 1))
    try:
        db.session.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
        rows = list(stream_rows(db.session, filters, up_to_seq=10**9))
    finally:
        db.session.rollback()

    assert [row[0] for row in rows] == trail.seqs("dsit_no10", "dsit_cabinet")
