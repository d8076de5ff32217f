"""The auditor's export download: a zip of the export and its manifest, which both
verifiers accept, recorded as an audit event."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.audit.verify_export import verify_file
from app.extensions import db
from app.models import AuditEvent
from tests.web.client import csrf_token

ROOT = Path(__file__).resolve().parents[3]


def _standalone():
    spec = importlib.util.spec_from_file_location("verify_export", ROOT / "tools/verify_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _download(client, **form):
    token = csrf_token(client.get("/audit-log/verify"))
    return client.post("/audit-log/export", data={"csrf_token": token, **form})


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_an_auditor_downloads_a_zip_that_both_verifiers_accept(
    client_for, world, tmp_path, export_format
):
    world.submitted()
    db.session.commit()
    response = _download(client_for(world.auditor), format=export_format)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = sorted(archive.namelist())
    assert names[0].endswith(f".{export_format}")
    assert names[1] == names[0] + ".manifest.json"
    archive.extractall(tmp_path)
    export, manifest_path = tmp_path / names[0], tmp_path / names[1]
    manifest = json.loads(manifest_path.read_text())
    assert manifest["exported_by"] == world.auditor.email
    assert manifest["filtered"] is False

    verdict = verify_file(export, manifest=manifest)
    assert verdict.ok, verdict.problem
    chain, _notes = _standalone().verify(export, manifest, None, None)
    assert chain.count == verdict.count == manifest["event_count"]

    # The export is an audit event, with who and how, and the export ends with it.
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.event_type == EventType.AUDIT_EXPORTED
    assert event.actor_email == world.auditor.email
    assert event.payload["via"] == "web" and event.payload["format"] == export_format
    assert manifest["chain_head"] == {"seq": event.seq, "hash": event.hash}


def test_a_filtered_download_holds_only_that_request(client_for, world, tmp_path):
    first, second = world.submitted(), world.submitted()
    db.session.commit()
    response = _download(client_for(world.auditor), format="jsonl", reference=first.reference)
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    export_name = next(n for n in archive.namelist() if n.endswith(".jsonl"))
    lines = archive.read(export_name).decode().splitlines()
    references = {json.loads(line)["request_reference"] for line in lines}
    assert references == {first.reference} and second.reference not in references
    manifest = json.loads(archive.read(export_name + ".manifest.json"))
    assert manifest["filtered"] is True and manifest["filter"]["reference"] == first.reference


@pytest.mark.parametrize(
    "form",
    [
        {"format": "xlsx"},
        {"format": ""},
        # The date input sends its day, month and year under one name, as the page does.
        {"format": "csv", "date_from": ["31", "2", "2026"]},
    ],
)
def test_a_bad_export_request_is_refused_and_records_nothing(client_for, world, form):
    auditor = client_for(world.auditor)  # signing in is an event: before the count
    before = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    response = _download(auditor, **form)
    assert response.status_code == 400
    db.session.expire_all()
    after = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert after == before


def test_an_export_needs_a_csrf_token(client_for, world):
    response = client_for(world.auditor).post("/audit-log/export", data={"format": "csv"})
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["officer", "security", "admin"])
def test_only_auditors_export(client_for, world, who):
    client = client_for(getattr(world, who))
    token = csrf_token(client.get("/", follow_redirects=True))
    response = client.post("/audit-log/export", data={"csrf_token": token, "format": "csv"})
    assert response.status_code == 403


def test_the_audit_log_offers_an_export_of_what_it_shows(client_for, world):
    first = world.submitted()
    db.session.commit()
    auditor = client_for(world.auditor)
    page = auditor.get(f"/audit-log/?reference={first.reference}").get_data(as_text=True)
    assert 'action="/audit-log/export"' in page
    assert f'name="reference" value="{first.reference}"' in page
    assert 'value="csv"' in page and 'value="jsonl"' in page
