"""JSON Lines: each line is the event's canonical JSON, byte for byte, with prev_hash and
hash added at the end; whatever the text, both verifiers accept what the export wrote."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit import chain
from app.audit.chain import ActorSnapshot, Client, append_event, chain_head
from app.audit.events import EventType
from app.audit.export import WRITERS, ExportFormat, stream_rows
from app.audit.filters import AuditFilters
from app.audit.verify_export import verify_file
from app.extensions import db
from tests.audit_export.conftest import (
    COLUMNS,
    HASHED,
    TRIGGERS,
    TrailExports,
    Verifiers,
    event_hash,
    read_csv,
)

TAIL = len(',"prev_hash":"') + 64 + len('","hash":"') + 64 + len('"}\n')

# Any Unicode text that can be encoded (no lone surrogates), often starting with a
# character a spreadsheet would act on, and often with quotes, backslashes, line
# breaks, other control characters, U+2028 and emoji.
_awkward = st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "🎉"])
_any_text = st.text(
    st.one_of(st.characters(exclude_categories=("Cs",)), _awkward), min_size=0, max_size=12
)


def _text(max_size: int) -> st.SearchStrategy[str | None]:
    started = st.tuples(st.sampled_from(TRIGGERS), _any_text).map("".join)
    return st.one_of(st.none(), _any_text, started).map(
        lambda value: value if value is None else value[:max_size]
    )


_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), _text(40).filter(bool)
)
_payload = st.dictionaries(
    _any_text,
    st.recursive(
        _leaf,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_any_text, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)
_event = st.fixed_dictionaries(
    {
        "event_type": st.sampled_from(list(EventType)),
        "actor": st.one_of(
            st.just(ActorSnapshot(None, None, ())),
            st.builds(
                ActorSnapshot,
                st.integers(1, 2**31 - 1),
                _text(254),
                st.lists(_any_text, max_size=3).map(tuple),
            ),
        ),
        "request": st.one_of(
            st.none(),
            st.builds(SimpleNamespace, id=st.integers(1, 2**31 - 1), reference=_text(20)),
        ),
        "client": st.builds(Client, _text(64), _text(64)),
        "from_status": _text(32),
        "to_status": _text(32),
        "stage": _text(32),
        "comment": _text(300),
        "payload": _payload,
    }
)


def _storable(options: dict[str, Any], backend: str) -> dict[str, Any]:
    """PostgreSQL's text columns cannot hold U+0000 (its json payload column can)."""
    if backend != "postgresql":
        return options

    def clean(value: Any) -> Any:
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value

    actor, request, client = options["actor"], options["request"], options["client"]
    return {
        **{name: clean(value) for name, value in options.items()},
        "actor": ActorSnapshot(actor.id, clean(actor.email), tuple(map(clean, actor.roles))),
        "request": request and SimpleNamespace(id=request.id, reference=clean(request.reference)),
        "client": Client(clean(client.address), clean(client.correlation_id)),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(_event, min_size=1, max_size=4))
def test_each_line_is_the_canonical_json_the_hash_was_computed_over(
    app, backend, tmp_path: Path, tool: ModuleType, events: list[dict[str, Any]]
):
    try:
        appended = [append_event(db.session, **_storable(e, backend)) for e in events]
        canonical = {e.seq: chain.canonical_json(chain.hashed_fields(e)) for e in appended}
        stored = {e.seq: (e.prev_hash, e.hash) for e in appended}
        head = chain_head(db.session)[0]
        rows = list(stream_rows(db.session, AuditFilters(), up_to_seq=head))
        jsonl = b"".join(WRITERS[ExportFormat.JSONL].chunks(rows))
        csv_file = b"".join(WRITERS[ExportFormat.CSV].chunks(rows))
    finally:
        db.session.rollback()  # every example starts from an empty chain

    lines = jsonl.split(b"\n")
    assert lines.pop() == b""
    assert len(lines) == len(appended)
    for line, (seq, expected) in zip(lines, canonical.items(), strict=True):
        # The line up to its fixed 155-byte tail, plus "}", is exactly what was hashed.
        body, tail = line[: -TAIL + 1], line[-TAIL + 1 :]
        assert body + b"}" == expected
        assert tail == f',"prev_hash":"{stored[seq][0]}","hash":"{stored[seq][1]}"}}'.encode()
        event = json.loads(line)
        assert list(event) == [*sorted(HASHED), "prev_hash", "hash"]
        assert event_hash(event) == event["hash"] == stored[seq][1]

    # The CSV of the same rows reads back to the same values, formula triggers and all.
    (tmp_path / "events.csv").write_bytes(csv_file)
    from_csv = read_csv(tmp_path / "events.csv")
    assert [{k: e[k] for k in COLUMNS} for e in from_csv] == [json.loads(x) for x in lines]

    # And both verifiers accept both files.
    (tmp_path / "events.jsonl").write_bytes(jsonl)
    for name in ("events.jsonl", "events.csv"):
        verdict = verify_file(tmp_path / name)
        assert verdict.ok, (name, str(verdict.problem))
        assert verdict.count == len(appended)
        exported, _notes = tool.verify(tmp_path / name, None, None, None)
        assert exported.count == len(appended)


def test_every_line_parses_with_exactly_the_export_columns(trail_exports: TrailExports):
    exported = trail_exports.files["jsonl"]
    data = exported.path.read_bytes()
    assert data.endswith(b"\n") and b"\r\n" not in data
    lines = data.split(b"\n")[:-1]
    assert len(lines) == exported.manifest["event_count"]
    for line in lines:
        event = json.loads(line.decode("utf-8"))
        assert set(event) == set(COLUMNS)
        assert len(event) == len(COLUMNS)
        # Keys in canonical (sorted) order, then prev_hash and hash; no spaces.
        assert list(event) == [*sorted(HASHED), "prev_hash", "hash"]
        assert line == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_a_payload_key_named_prev_hash_does_not_confuse_either_verifier(
    app, tmp_path: Path, verifiers: Verifiers
):
    append_event(db.session, EventType.SIGNED_OUT, payload={"a": 1, "prev_hash": "0" * 64})
    db.session.commit()
    head = chain_head(db.session)[0]
    rows = stream_rows(db.session, AuditFilters(), up_to_seq=head)
    path = tmp_path / "key.jsonl"
    path.write_bytes(b"".join(WRITERS[ExportFormat.JSONL].chunks(rows)))

    by_app, by_tool = verifiers.both(path)

    assert by_app.ok and by_tool.ok
