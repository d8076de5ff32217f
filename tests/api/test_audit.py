"""The audit trail over the API: events a page at a time with the exports' filters, exports
streamed as CSV or JSON Lines with a manifest that verifies, and the chain head."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from app.audit.chain import append_event, chain_head
from app.audit.events import EventType
from app.audit.export import ExportFormat, write_export
from app.audit.filters import AuditFilters
from app.audit.manifest import generate_key_pair, load_public_key
from app.audit.verify_export import verify_file
from app.extensions import db
from app.models import AuditEvent
from app.rules.workflow import Status
from tests.security.route_table import request_of


def all_events(api, url: str) -> tuple[list[dict], str]:
    """Every event from `url` on, following `next` until a page is empty."""
    found: list[dict] = []
    while True:
        page = api.get(url).get_json()
        found += page["items"]
        url = page["next"]
        if not page["items"]:
            return found, url


def test_events_come_oldest_first_a_page_at_a_time_and_the_next_link_waits_for_more(
    world, api_client_for
):
    request_of(world, Status.IN_REVIEW)
    auditor = api_client_for(world.auditor)
    events, waiting = all_events(auditor, "/api/v1/audit/events?limit=3")
    stored = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e["seq"] for e in events] == [e.seq for e in stored]
    assert events[-1]["hash"] == stored[-1].hash
    assert events[1]["prev_hash"] == events[0]["hash"]
    # Later events are found at the link the last (empty) page gave.
    append_event(db.session, EventType.DEMO_DATA_SEEDED, payload={"users": 0, "requests": 0})
    db.session.commit()
    later = auditor.get(waiting).get_json()["items"]
    assert [e["event_type"] for e in later] == ["demo_data_seeded"]


def test_an_event_reads_as_its_json_lines_export_line(world, api_client_for, tmp_path):
    request_of(world, Status.IN_REVIEW)
    auditor = api_client_for(world.auditor)
    first = auditor.get("/api/v1/audit/events?limit=100").get_json()["items"][0]
    with (tmp_path / "all.jsonl").open("wb") as out:
        write_export(db.session, ExportFormat.JSONL, AuditFilters(), out, up_to_seq=first["seq"])
    line = (tmp_path / "all.jsonl").read_bytes().splitlines()[-1]
    assert json.loads(line) == first


def test_events_are_filtered_as_the_exports_are(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    request_of(world, Status.DRAFT, author=world.outsider)
    auditor = api_client_for(world.auditor)
    by_reference = auditor.get(
        f"/api/v1/audit/events?reference={access_request.reference.lower()}"
    ).get_json()["items"]
    assert {e["request_reference"] for e in by_reference} == {access_request.reference}
    assert [e["event_type"] for e in by_reference] == ["request_created", "request_submitted"]
    by_type = auditor.get("/api/v1/audit/events?event_type=request_created&department=HO")
    assert [e["actor_email"] for e in by_type.get_json()["items"]] == [world.outsider.email]
    assert "event_type=request_created" in by_type.get_json()["next"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("first_day=2027-02-01&last_day=2027-01-01", "last_day"),
        ("event_type=made_up", "event_type"),
        ("actor=" + "a" * 255, "actor"),
        ("reference=PRQ%00", "reference"),
        ("first_day=yesterday", "first_day"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
    ],
)
def test_a_filter_that_cannot_be_used_is_a_422_naming_it(world, api_client_for, query, parameter):
    response = api_client_for(world.auditor).get(f"/api/v1/audit/events?{query}")
    assert response.status_code == 422
    assert parameter in {error.get("parameter") for error in response.get_json()["errors"]}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_streams_the_file_and_its_manifest_verifies_it(
    world, api_client_for, tmp_path, fmt
):
    request_of(world, Status.IN_REVIEW)
    auditor = api_client_for(world.auditor)
    response = auditor.get(f"/api/v1/audit/export?format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == ExportFormat(fmt).media_type.split(";")[0]
    seq = int(response.headers["Permit-Export-Seq"])
    link = f"/api/v1/audit/exports/{seq}/manifest"
    assert response.headers["Link"] == f'<{link}>; rel="describedby"'
    data = response.get_data()

    export_event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    assert export_event.event_type == "audit_exported"
    assert export_event.actor_email == world.auditor.email
    assert export_event.payload["via"] == "api" and export_event.payload["format"] == fmt
    # The same bytes the command line would write, cut at the export's own event.
    expected = tmp_path / "expected"
    with expected.open("wb") as out:
        write_export(db.session, ExportFormat(fmt), AuditFilters(), out, up_to_seq=seq)
    assert data == expected.read_bytes()

    manifest = auditor.get(link).get_json()
    assert manifest["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["file"]["bytes"] == len(data)
    assert manifest["chain_head"] == {"seq": seq, "hash": export_event.hash}
    assert manifest["exported_by"] == world.auditor.email
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{manifest["file"]["name"]}"'
    )
    saved = tmp_path / manifest["file"]["name"]
    saved.write_bytes(data)
    verdict = verify_file(saved, manifest=manifest)
    assert verdict.ok, verdict.problem
    assert verdict.count == seq
    # Asked again later, the manifest is the same: the rows up to its seq never change.
    append_event(db.session, EventType.DEMO_DATA_SEEDED, payload={"users": 0, "requests": 0})
    db.session.commit()
    assert auditor.get(link).get_json() == manifest


def test_a_filtered_export_and_its_signed_manifest(
    world, app, api_client_for, tmp_path, monkeypatch
):
    private, public = generate_key_pair(tmp_path / "keys")
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(private))
    access_request = request_of(world, Status.IN_REVIEW)
    auditor = api_client_for(world.auditor)
    response = auditor.get(
        f"/api/v1/audit/export?format=jsonl&reference={access_request.reference}"
    )
    lines = [json.loads(line) for line in response.get_data().splitlines()]
    assert {line["request_reference"] for line in lines} == {access_request.reference}
    manifest = auditor.get(response.headers["Link"][1:].split(">")[0]).get_json()
    assert manifest["filtered"] is True
    assert manifest["filter"]["reference"] == access_request.reference
    assert manifest["event_count"] == len(lines) == 2
    saved = tmp_path / manifest["file"]["name"]
    saved.write_bytes(response.get_data())
    verdict = verify_file(saved, manifest=manifest, public_key=load_public_key(public))
    assert verdict.ok, verdict.problem


def test_only_an_api_exports_event_has_a_manifest_here(world, api_client_for):
    auditor = api_client_for(world.auditor)
    request_of(world, Status.DRAFT)
    for seq in (1, 999_999, 2**63 - 1):
        response = auditor.get(f"/api/v1/audit/exports/{seq}/manifest")
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
    too_big = auditor.get(f"/api/v1/audit/exports/{2**63}/manifest", validate=False)
    assert too_big.status_code == 404


def test_an_export_needs_a_format(world, api_client_for):
    response = api_client_for(world.auditor).get("/api/v1/audit/export?format=xlsx")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["parameter"] == "format"
    assert (
        db.session.scalar(
            select(AuditEvent.seq).where(AuditEvent.event_type == str(EventType.AUDIT_EXPORTED))
        )
        is None
    )


def test_the_chain_head_is_the_last_events_seq_and_hash(world, api_client_for):
    auditor = api_client_for(world.auditor)
    request_of(world, Status.IN_REVIEW)
    assert auditor.get("/api/v1/audit/head").get_json() == dict(
        zip(("seq", "hash"), chain_head(db.session), strict=True)
    )
