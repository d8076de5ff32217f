"""CSV: opens cleanly in Excel (UTF-8 with a BOM, one header row), spreadsheet-safe
cells that still verify, names in any script, and empty cells that mean null."""

from __future__ import annotations

import pytest

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from tests.audit_export.conftest import (
    BOM,
    COLUMNS,
    TrailExports,
    Verifiers,
    csv_bytes,
    csv_records,
    export_with,
    read_csv,
)
from tests.audit_export.trail import AWKWARD_TEXT, RISKY_TEXT


def test_starts_with_a_bom_and_one_header_row_and_opens_with_the_csv_module(
    trail_exports: TrailExports,
):
    exported = trail_exports.files["csv"]
    data = exported.path.read_bytes()
    assert data.startswith(BOM)
    assert data[len(BOM) :].startswith((",".join(COLUMNS) + "\r\n").encode())
    assert data.count(BOM) == 1

    records = csv_records(exported.path)

    assert records[0] == list(COLUMNS)
    assert list(COLUMNS) not in records[1:]
    assert all(len(record) == len(COLUMNS) for record in records)
    assert len(records) - 1 == exported.manifest["event_count"]


def test_the_file_is_exactly_the_documented_format(trail_exports: TrailExports):
    exported = trail_exports.files["csv"]
    assert csv_bytes(read_csv(exported.path)) == exported.path.read_bytes()


def cells_by_seq(trail_exports: TrailExports) -> dict[int, dict[str, str]]:
    header, *rows = csv_records(trail_exports.files["csv"].path)
    return {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}


@pytest.mark.asvs("v5.0:1.2.10")
@pytest.mark.parametrize(
    ("label", "column", "text"),
    [
        ("dsit_security", "comment", RISKY_TEXT["equals"]),
        ("dsit_security", "actor_email", "=cmd|calc@example.gov.uk"),
        ("ho_changes", "comment", RISKY_TEXT["at"]),
        ("dsit_2_withdrawn", "comment", RISKY_TEXT["minus"]),
        ("risky_sign_in", "client_address", "+1.2.3.4"),
        ("risky_sign_in", "correlation_id", "=2*3"),
        ("tab", "comment", RISKY_TEXT["tab"]),
        ("cr", "comment", RISKY_TEXT["carriage_return"]),
        ("quote", "comment", RISKY_TEXT["quote"]),
        ("quote_then_trigger", "comment", RISKY_TEXT["quote_then_trigger"]),
        ("lone_quote", "comment", RISKY_TEXT["lone_quote"]),
        ("emoji", "client_address", "@host"),
        ("emoji", "correlation_id", "-id"),
    ],
)
def test_a_cell_starting_with_a_formula_trigger_or_quote_gets_one_leading_quote(
    trail_exports: TrailExports, label: str, column: str, text: str
):
    seq = trail_exports.trail.seq[label]
    cell = cells_by_seq(trail_exports)[seq][column]

    assert cell == "'" + text
    by_seq = {event["seq"]: event for event in read_csv(trail_exports.files["csv"].path)}
    assert by_seq[seq][column] == text


@pytest.mark.asvs("v5.0:1.2.10")
def test_no_cell_a_spreadsheet_would_run_is_left_unquoted(trail_exports: TrailExports):
    for row in cells_by_seq(trail_exports).values():
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)


@pytest.mark.asvs("v5.0:1.2.10")
def test_a_file_with_neutralised_cells_passes_both_verifiers(
    trail_exports: TrailExports, module_verifiers: Verifiers
):
    by_app, by_tool = module_verifiers.both(trail_exports.files["csv"].path)

    assert by_app.ok, by_app.output
    assert by_tool.ok, by_tool.output
    count = trail_exports.files["csv"].manifest["event_count"]
    assert f"Export OK: {count} events, seq 1 to {count}" in by_app.output
    assert f"VERIFIED: {count} events, seq 1 to {count}" in by_tool.output


@pytest.mark.parametrize(
    ("label", "column", "text"),
    [
        ("dsit_no10", "actor_email", "siân.ó.briain@example.gov.uk"),
        ("dsit_no10", "comment", AWKWARD_TEXT["welsh_irish"]),
        ("dsit_cabinet", "actor_email", "张伟@example.cn"),
        ("dsit_cabinet", "comment", AWKWARD_TEXT["chinese"]),
        ("emoji", "comment", AWKWARD_TEXT["emoji"]),
        ("escapes", "comment", AWKWARD_TEXT["escapes"]),
        ("controls", "comment", AWKWARD_TEXT["controls"]),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_non_ascii_names_and_awkward_text_round_trip(
    trail_exports: TrailExports, fmt: str, label: str, column: str, text: str
):
    events = {e["seq"]: e for e in trail_exports.files[fmt].events()}
    assert events[trail_exports.trail.seq[label]][column] == text


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_payload_in_any_script_round_trips(trail_exports: TrailExports, fmt: str):
    events = {e["seq"]: e for e in trail_exports.files[fmt].events()}
    assert events[trail_exports.trail.seq["payload"]]["payload"] == {
        "code": "CY",
        "name": "Llywodraeth Cymru — Siân Ó Briain",
        "nested": {"张伟": ["🎉", None, True, False, -1, 0, 2**53 + 1]},
        'quote"key': "back\\slash",
        "=formula": "+1",
    }


def test_empty_cells_mean_null(trail_exports: TrailExports):
    csv_events = {e["seq"]: e for e in trail_exports.files["csv"].events()}
    jsonl_events = {e["seq"]: e for e in trail_exports.files["jsonl"].events()}
    cells = cells_by_seq(trail_exports)
    sign_in = trail_exports.trail.seq["risky_sign_in"]  # no actor, no request

    for column in ("actor_id", "actor_email", "request_id", "request_reference", "comment"):
        assert cells[sign_in][column] == ""
        assert csv_events[sign_in][column] is None
        assert jsonl_events[sign_in][column] is None
    # And the other way round: every empty cell is a null in the JSON Lines export.
    for seq, row in cells.items():
        if seq in jsonl_events:
            for column, cell in row.items():
                assert (cell == "") == (jsonl_events[seq][column] is None), (seq, column)


@pytest.mark.parametrize("column", ["stage", "from_status", "to_status"])
def test_a_code_column_starting_with_a_quote_round_trips(app, run, verifiers, tmp_path, column):
    # Regression: only people's text was neutralised, so a code column holding "'\t"
    # was written as it was and read back as "\t" (the verifiers strip one quote).
    append_event(db.session, EventType.REQUEST_CREATED, **{column: "'\t"})
    db.session.commit()
    exported = export_with(run, tmp_path / "codes.csv", "csv")
    assert read_csv(exported.path)[0][column] == "'\t"
    by_app, by_tool = verifiers.both(exported.path)
    assert by_app.ok and by_tool.ok
