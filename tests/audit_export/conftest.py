"""Fixtures for exports: the trail, the command line, and both verifiers.

The export format is written out again here from its documentation (columns, the
spreadsheet-safety quote, canonical JSON, the hash) rather than imported from the app,
so the tests check the app against the format and not against itself.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import sys
from collections.abc import Callable, Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from app.extensions import db
from tests.audit_export.trail import Trail, build_trail
from tests.database import wipe_database

ROOT = Path(__file__).resolve().parents[2]
TOOL_PATH = ROOT / "tools" / "verify_export.py"

COLUMNS = (
    "seq",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_email",
    "actor_roles",
    "request_id",
    "request_reference",
    "from_status",
    "to_status",
    "stage",
    "comment",
    "payload",
    "client_address",
    "correlation_id",
    "prev_hash",
    "hash",
)
HASHED = COLUMNS[:-2]
INTEGERS = ("seq", "actor_id", "request_id")
JSON_VALUES = ("actor_roles", "payload")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
BOM = b"\xef\xbb\xbf"
GENESIS = "0" * 64
FORMATS = ("csv", "jsonl")

Event = dict[str, Any]
Run = Callable[..., Result]


# The format, independently ---------------------------------------------------------


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Event) -> str:
    """SHA-256(prev_hash || canonical JSON of the hashed fields), from the row alone."""
    document = canonical({name: event[name] for name in HASHED}).encode("utf-8")
    return hashlib.sha256(event["prev_hash"].encode("ascii") + document).hexdigest()


def rehash(event: Event) -> Event:
    """The event with its hash recomputed, as a forger who knows the format would."""
    return {**event, "hash": event_hash(event)}


def jsonl_line(event: Event) -> bytes:
    """A JSON Lines row: the canonical JSON with prev_hash and hash added at the end."""
    body = canonical({name: event[name] for name in HASHED})
    tail = f',"prev_hash":{json.dumps(event["prev_hash"])},"hash":{json.dumps(event["hash"])}}}'
    return (body[:-1] + tail + "\n").encode("utf-8")


def read_jsonl(path: Path) -> list[Event]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in JSON_VALUES:
        return canonical(value)
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def csv_value(name: str, cell: str) -> Any:
    if cell[:1] == "'" and cell[1:2] != "" and cell[1] in TRIGGERS:
        cell = cell[1:]
    if cell == "":
        return None
    if name in INTEGERS:
        return int(cell)
    if name in JSON_VALUES:
        return json.loads(cell)
    return cell


def csv_records(path: Path) -> list[list[str]]:
    """The CSV's records as the csv module reads them, header first."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def read_csv(path: Path) -> list[Event]:
    header, *rows = csv_records(path)
    assert tuple(header) == COLUMNS
    return [
        {name: csv_value(name, cell) for name, cell in zip(COLUMNS, row, strict=True)}
        for row in rows
    ]


def csv_bytes(events: Iterable[Event]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in events:
        writer.writerow([csv_cell(name, event[name]) for name in COLUMNS])
    return BOM + buffer.getvalue().encode("utf-8")


def read_export(path: Path) -> list[Event]:
    return read_csv(path) if path.suffix == ".csv" else read_jsonl(path)


def export_bytes(fmt: str, events: Iterable[Event]) -> bytes:
    """The bytes Permit writes for `events`, per the documented format."""
    return csv_bytes(events) if fmt == "csv" else b"".join(jsonl_line(e) for e in events)


# Exports and verdicts --------------------------------------------------------------


@dataclass
class Exported:
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]
    output: str

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")

    def events(self) -> list[Event]:
        return read_export(self.path)


def export_with(invoke: Run, out: Path, fmt: str, *filters: str) -> Exported:
    """`flask audit export --format FMT --out OUT [filters]`, which must succeed."""
    result = invoke("audit", "export", "--format", fmt, "--out", str(out), *filters)
    assert result.exit_code == 0, result.output
    manifest_path = out.with_name(out.name + ".manifest.json")
    return Exported(out, manifest_path, json.loads(manifest_path.read_text("utf-8")), result.output)


@dataclass(frozen=True)
class Verdict:
    code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.code == 0


def load_tool() -> ModuleType:
    """tools/verify_export.py, imported from its path as an auditor's copy would run."""
    spec = importlib.util.spec_from_file_location("standalone_verify_export", TOOL_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def invoker(app: Flask) -> Run:
    """Run `flask <args>` in-process; a crash is re-raised rather than read as a verdict."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(args=list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        db.session.remove()
        return result

    return invoke


@dataclass
class Verifiers:
    """Both verifiers, given the same file and options."""

    invoke: Run
    tool: ModuleType

    def app(self, path: Path, *options: str) -> Verdict:
        result = self.invoke("audit", "verify", "--file", str(path), *options)
        return Verdict(result.exit_code, result.output)

    def standalone(self, path: Path, *options: str) -> Verdict:
        output = io.StringIO()
        with redirect_stdout(output), redirect_stderr(output):
            try:
                code = self.tool.main([str(path), *options])
            except SystemExit as leaving:  # argparse's usage errors
                code = leaving.code if isinstance(leaving.code, int) else 2
        return Verdict(code, output.getvalue())

    def both(self, path: Path, *options: str) -> tuple[Verdict, Verdict]:
        """Both verdicts, which must agree on pass or fail."""
        by_app, by_tool = self.app(path, *options), self.standalone(path, *options)
        assert by_app.ok == by_tool.ok, f"app:\n{by_app.output}\nstandalone:\n{by_tool.output}"
        return by_app, by_tool


# Fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tool() -> ModuleType:
    return load_tool()


@pytest.fixture
def run(app: Flask) -> Run:
    return invoker(app)


@pytest.fixture
def verifiers(run: Run, tool: ModuleType) -> Verifiers:
    return Verifiers(run, tool)


@pytest.fixture
def trail(app: Flask) -> Trail:
    return build_trail()


@dataclass
class TrailExports:
    """The trail exported once per backend, in both formats, for tests that only read."""

    trail: Trail
    files: dict[str, Exported]
    #: `audit head` before the exports: SEQ:HASH of the trail's last event.
    head: str


@pytest.fixture(scope="module")
def trail_exports(session_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> TrailExports:
    folder = tmp_path_factory.mktemp("trail")
    with session_app.app_context():
        wipe_database()
        trail = build_trail()
        invoke = invoker(session_app)
        head = invoke("audit", "head").output.strip()
        files = {fmt: export_with(invoke, folder / f"trail.{fmt}", fmt) for fmt in FORMATS}
        db.session.remove()
    return TrailExports(trail, files, head)


@pytest.fixture
def module_verifiers(session_app: Flask, tool: ModuleType) -> Iterable[Verifiers]:
    """Verifiers for `trail_exports`: no database is touched by `verify --file`."""
    with session_app.app_context():
        yield Verifiers(invoker(session_app), tool)


@pytest.fixture(scope="module")
def shared_trail(session_app: Flask) -> Iterable[Trail]:
    """One trail for a whole module, in an app context the module's tests share.

    For modules whose tests only add to the trail (exports add their own event) and
    never need an empty database: none of their tests may use the `app` fixture.
    """
    with session_app.app_context():
        wipe_database()
        yield build_trail()
        db.session.remove()


@pytest.fixture
def shared_run(session_app: Flask, shared_trail: Trail) -> Run:
    return invoker(session_app)


@pytest.fixture
def shared_verifiers(shared_run: Run, tool: ModuleType) -> Verifiers:
    return Verifiers(shared_run, tool)
