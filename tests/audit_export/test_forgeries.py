"""The tamper matrix: forged exports an outside auditor tried, against both verifiers
(`flask audit verify --file` and tools/verify_export.py) on both formats.

Each case is refused by both with the same message, naming the line and seq where there
is one, or it is one of the two forgeries docs/audit-format.md (section 12.6) lists as
beyond an unsigned manifest, which both verifiers pass while saying that the manifest is
unsigned. Regressions (issue 12): with the manifest deleted the public key was ignored;
an empty file verified; a corrupted signature passed when no key was given; the
standalone verifier took a JSON Lines row with a key written twice; a CSV cell starting
with "=" without the "'" in front, and CSV records ending LF, verified; the format was
guessed from a byte-order mark, so the messages named the wrong problem.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from tests.audit_export.conftest import (
    BOM,
    FORMATS,
    GENESIS,
    HASHED,
    Event,
    Exported,
    Verifiers,
    canonical,
    export_bytes,
    export_with,
    invoker,
    rehash,
)
from tests.audit_export.trail import build_trail
from tests.database import wipe_database

MANIFEST_REQUIRED = (
    "no manifest: a public key was given, so the export's signed manifest is required"
)
EMPTY_COMPLETE = "no events: a complete export holds at least one, its own audit_exported event"
CARRIED_KEY_FAILS = (
    "manifest signature does not verify, not even against the public key the manifest carries"
)
CARRIED_KEY_ONLY = "the manifest's signature verifies against the public key it carries"
UNSIGNED = "the manifest is unsigned: it proves nothing on its own"
NOT_CANONICAL = "the line is not in the export's canonical form"
LF_ENDING = "the record does not end with CRLF (\\r\\n)"
NO_BOM = "no byte-order mark: a CSV export starts with EF BB BF (is this a JSON Lines export?)"
BOM_IN_JSONL = "a byte-order mark: a JSON Lines export has none (is this a CSV export?)"


@dataclass
class Signed:
    """A complete, signed export of the trail in one format, and the key pair."""

    export: Exported
    public_key: Path
    events: list[Event]


@pytest.fixture(scope="module")
def signed(session_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("forgeries")
    with session_app.app_context():
        wipe_database()
        build_trail()
        invoke = invoker(session_app)
        assert invoke("audit", "keygen", "--out-dir", str(folder)).exit_code == 0
        private, public = folder / "audit-signing-key.pem", folder / "audit-signing-key.pub.pem"
        before = session_app.config.get("AUDIT_SIGNING_KEY")
        session_app.config["AUDIT_SIGNING_KEY"] = str(private)
        try:
            exports = {fmt: export_with(invoke, folder / f"log.{fmt}", fmt) for fmt in FORMATS}
        finally:
            session_app.config["AUDIT_SIGNING_KEY"] = before
        db.session.remove()
    yield {fmt: Signed(e, public, e.events()) for fmt, e in exports.items()}


# Forging ---------------------------------------------------------------------------


def rechained(events: list[Event]) -> list[Event]:
    """The events linked and hashed afresh, as a forger who knows the format would."""
    chain, previous = [], GENESIS
    for event in events:
        event = rehash({**event, "prev_hash": previous})
        chain.append(event)
        previous = event["hash"]
    return chain


def unsigned_manifest_for(data: bytes, events: list[Event], original: dict, **changes) -> dict:
    """The original manifest rewritten to match forged bytes, its signature dropped."""
    manifest = copy.deepcopy(original)
    manifest.pop("signature", None)
    manifest["file"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest.update(
        event_count=len(events),
        first_seq=events[0]["seq"] if events else None,
        last_seq=events[-1]["seq"] if events else None,
    )
    if events:
        manifest["chain_head"] = {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}
    manifest.update(changes)
    return manifest


@dataclass
class Files:
    """Where a case writes its export (and manifest, when it keeps one)."""

    folder: Path
    fmt: str
    exports: dict[str, Signed]

    @property
    def signed(self) -> Signed:
        return self.exports[self.fmt]

    @property
    def path(self) -> Path:
        return self.folder / f"log.{self.fmt}"

    def write(self, data: bytes, manifest: dict[str, Any] | None, *options: str) -> list[str]:
        self.path.write_bytes(data)
        if manifest is not None:
            self.path.with_name(self.path.name + ".manifest.json").write_text(json.dumps(manifest))
        return list(options)

    def key(self) -> list[str]:
        return ["--public-key", str(self.signed.public_key)]

    def original(self) -> tuple[bytes, dict[str, Any]]:
        return self.signed.export.path.read_bytes(), self.signed.export.manifest


Forge = Callable[[Files], list[str]]


def genuine_with_key(files: Files) -> list[str]:
    data, manifest = files.original()
    return files.write(data, manifest, *files.key())


def genuine_without_key(files: Files) -> list[str]:
    data, manifest = files.original()
    return files.write(data, manifest)


def manifest_deleted_with_key(files: Files) -> list[str]:
    data, _ = files.original()
    return files.write(data, None, *files.key())


def rechained_manifest_deleted_with_key(files: Files) -> list[str]:
    events = copy.deepcopy(files.signed.events)
    events[2]["comment"] = "Approved, no conditions"
    return files.write(export_bytes(files.fmt, rechained(events)), None, *files.key())


def empty_file(files: Files) -> list[str]:
    return files.write(b"", None)


def empty_file_with_key(files: Files) -> list[str]:
    return files.write(b"", None, *files.key())


def empty_complete_export(files: Files) -> list[str]:
    data = export_bytes(files.fmt, [])
    _, original = files.original()
    return files.write(data, unsigned_manifest_for(data, [], original, filtered=False))


def corrupted_signature_without_key(files: Files) -> list[str]:
    data, manifest = files.original()
    manifest = copy.deepcopy(manifest)
    value = bytearray(base64.b64decode(manifest["signature"]["value"]))
    value[0] ^= 1
    manifest["signature"]["value"] = base64.b64encode(bytes(value)).decode()
    return files.write(data, manifest)


def key_given_twice(files: Files) -> list[str]:
    """JSON Lines: a row whose comment is written twice, hashed over its own bytes (a
    reader taking the first sees one text, the hash covers both). CSV: the same inside
    the payload cell, which the standalone verifier hashes as written."""
    events = files.signed.events
    if files.fmt == "jsonl":
        doubled = ('{"comment":"Rejected","actor_email"', '{"actor_email"')
        return files.write(forged_jsonl(events, 2, *doubled), None)
    payload = canonical(events[2]["payload"])
    data = forged_csv(events, 2, payload, '{"outcome":"reject",' + payload[1:])
    return files.write(data, None)


def forged_chain(events: list[Event], index: int, old: str, new: str) -> list[tuple[Event, str]]:
    """Each event re-chained with the text its hash covers; row `index`'s text has `old`
    replaced by `new`, and its hash is over that text, as a forger would make it."""
    chain, previous = [], GENESIS
    for position, event in enumerate(events):
        event = {**event, "prev_hash": previous}
        document = canonical({name: event[name] for name in HASHED})
        if position == index:
            assert old in document
            document = document.replace(old, new, 1)
        event["hash"] = hashlib.sha256((previous + document).encode()).hexdigest()
        chain.append((event, document))
        previous = event["hash"]
    return chain


def forged_jsonl(events: list[Event], index: int, new: str, old: str) -> bytes:
    return b"".join(
        (document[:-1] + f',"prev_hash":"{e["prev_hash"]}","hash":"{e["hash"]}"}}\n').encode()
        for e, document in forged_chain(events, index, old, new)
    )


def forged_csv(events: list[Event], index: int, payload: str, forged: str) -> bytes:
    chain = [event for event, _ in forged_chain(events, index, payload, forged)]
    data = export_bytes("csv", chain)
    return data.replace(csv_quoted(payload).encode(), csv_quoted(forged).encode(), 1)


def csv_quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def unprefixed_formula_cell(files: Files) -> list[str]:
    """CSV: a comment cell `=cmd|' /C calc'!A0`, without the "'" Permit writes in front,
    in an export re-chained to suit it (the quote is outside the hash)."""
    events = copy.deepcopy(files.signed.events)
    events[2]["comment"] = "=cmd|' /C calc'!A0"
    data = export_bytes("csv", rechained(events))
    return files.write(data.replace(b",'=cmd|' /C", b",=cmd|' /C", 1), None)


def crlf_turned_into_lf(files: Files) -> list[str]:
    data, _ = files.original()
    return files.write(data.replace(b"\r\n", b"\n"), None)


def lf_turned_into_crlf(files: Files) -> list[str]:
    data, _ = files.original()
    return files.write(data.replace(b"\n", b"\r\n"), None)


def csv_without_bom(files: Files) -> list[str]:
    data, _ = files.original()
    return files.write(data.removeprefix(BOM), None)


def jsonl_with_bom(files: Files) -> list[str]:
    data, _ = files.original()
    return files.write(BOM + data, None)


def space_after_seq(files: Files) -> list[str]:
    data, _ = files.original()
    seq = files.signed.events[5]["seq"]
    return files.write(data.replace(b'"seq":%d,' % seq, b'"seq": %d,' % seq, 1), None)


def csv_passed_off_as_jsonl(files: Files) -> list[str]:
    return files.write(files.exports["csv"].export.path.read_bytes(), None)


def empty_hash_cell(files: Files) -> list[str]:
    events = rechained(files.signed.events)
    events[2]["hash"] = ""
    return files.write(export_bytes(files.fmt, events), None)


def unknown_extension(files: Files) -> list[str]:
    data, _ = files.original()
    other = files.folder / "log.txt"
    other.write_bytes(data)
    return [str(other)]


def full_rechain_with_unsigned_manifest(files: Files) -> list[str]:
    events = copy.deepcopy(files.signed.events)
    events[2]["comment"] = "Approved, no conditions"
    events = rechained(events)
    data = export_bytes(files.fmt, events)
    return files.write(data, unsigned_manifest_for(data, events, files.original()[1]))


def row_deleted_filtered_flipped(files: Files) -> list[str]:
    events = [e for e in files.signed.events if e["seq"] != 3]
    data = export_bytes(files.fmt, events)
    manifest = unsigned_manifest_for(data, events, files.original()[1], filtered=True)
    return files.write(data, manifest)


@dataclass(frozen=True)
class Case:
    forge: Forge
    #: What both verifiers say; None: both verify (a forgery listed as beyond an
    #: unsigned manifest, or a genuine export).
    refused: dict[str, str | None]
    #: A note both print when they verify.
    note: str | None = None
    #: "line N" and "seq S" both must name, per format, where there is a row to name.
    where: dict[str, str] | None = None

    def formats(self) -> list[str]:
        return list(self.refused)


def both(message: str | None) -> dict[str, str | None]:
    return {"csv": message, "jsonl": message}


MATRIX: dict[str, Case] = {
    "genuine, signed, with the key": Case(
        genuine_with_key, both(None), note="manifest signature verified"
    ),
    "genuine, signed, no key given": Case(genuine_without_key, both(None), note=CARRIED_KEY_ONLY),
    "1. manifest deleted, key given": Case(manifest_deleted_with_key, both(MANIFEST_REQUIRED)),
    "1. re-chained, manifest deleted, key given": Case(
        rechained_manifest_deleted_with_key, both(MANIFEST_REQUIRED)
    ),
    "2. empty file": Case(
        empty_file,
        {
            "csv": "the file is empty: a CSV export has at least its header row",
            "jsonl": EMPTY_COMPLETE,
        },
    ),
    "2. empty file, key given": Case(empty_file_with_key, both(MANIFEST_REQUIRED)),
    "2. empty complete export": Case(empty_complete_export, both(EMPTY_COMPLETE)),
    "3. corrupted signature, no key": Case(
        corrupted_signature_without_key, both(CARRIED_KEY_FAILS)
    ),
    "4. a key written twice, re-hashed": Case(
        key_given_twice,
        {
            "csv": "payload is not canonical JSON (an object)",
            "jsonl": 'the key "comment" appears twice',
        },
        where={"csv": "line 4, seq 3", "jsonl": "line 3"},
    ),
    "5. unprefixed formula cell, re-chained": Case(
        unprefixed_formula_cell,
        {"csv": "the comment cell starts with '=' but lacks the \"'\" that Permit always writes"},
        where={"csv": "line 4, seq 3"},
    ),
    "5. CRLF turned into LF": Case(
        crlf_turned_into_lf,
        {"csv": LF_ENDING},
        where={"csv": "line 1"},
    ),
    "5. LF turned into CRLF": Case(
        lf_turned_into_crlf,
        {"jsonl": "the line ends with CRLF: a JSON Lines export's lines end with a line feed"},
        where={"jsonl": "line 1, seq 1"},
    ),
    "6. CSV without its byte-order mark": Case(
        csv_without_bom, {"csv": NO_BOM}, where={"csv": "line 1"}
    ),
    "6. JSON Lines with a byte-order mark": Case(
        jsonl_with_bom, {"jsonl": BOM_IN_JSONL}, where={"jsonl": "line 1"}
    ),
    "6. a space after seq's colon": Case(
        space_after_seq, {"jsonl": NOT_CANONICAL}, where={"jsonl": "line 6, seq 6"}
    ),
    "6. a CSV export named .jsonl": Case(
        csv_passed_off_as_jsonl, {"jsonl": BOM_IN_JSONL}, where={"jsonl": "line 1"}
    ),
    "a row with an empty hash cell, the rest re-chained": Case(
        empty_hash_cell,
        both("hash is not 64 lower-case hex characters"),
        where={"csv": "line 4, seq 3", "jsonl": "line 3, seq 3"},
    ),
    "6. a name ending neither .csv nor .jsonl": Case(
        unknown_extension, both("cannot tell the format")
    ),
    "beyond an unsigned manifest: full re-chain, manifest rewritten": Case(
        full_rechain_with_unsigned_manifest, both(None), note=UNSIGNED
    ),
    "beyond an unsigned manifest: row deleted, filtered flipped": Case(
        row_deleted_filtered_flipped, both(None), note=UNSIGNED
    ),
}

PARAMETERS = [
    pytest.param(name, fmt, id=f"{fmt}: {name}")
    for name, case in MATRIX.items()
    for fmt in case.formats()
]


@pytest.mark.parametrize(("name", "fmt"), PARAMETERS)
def test_the_tamper_matrix(
    signed: dict[str, Signed],
    session_app: Flask,
    tool: ModuleType,
    tmp_path: Path,
    name: str,
    fmt: str,
):
    case = MATRIX[name]
    files = Files(tmp_path, fmt, signed)
    options = case.forge(files)
    path = Path(options.pop(0)) if options and not options[0].startswith("--") else files.path

    with session_app.app_context():
        verdicts = Verifiers(invoker(session_app), tool).both(path, *options)

    expected = case.refused[fmt]
    for which, verdict in zip(("flask audit verify", "verify_export.py"), verdicts, strict=True):
        if expected is None:
            assert verdict.code == 0, f"{which}:\n{verdict.output}"
            if case.note:
                assert case.note in verdict.output, f"{which}:\n{verdict.output}"
            continue
        assert verdict.code == 1, f"{which}:\n{verdict.output}"
        assert expected in verdict.output, f"{which}:\n{verdict.output}"
        if case.where and fmt in case.where:
            assert f"{case.where[fmt]}:" in verdict.output, f"{which}:\n{verdict.output}"
