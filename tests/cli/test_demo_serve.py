"""`flask demo-serve`, which `make run` ends with: the demo seeded and served, and the
address and sign-ins printed last, in a box a newcomer cannot miss (issue 13)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli.demo import sign_in_box, sign_in_rows
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
STAGE_NAMES = {"security": "Security", "no10": "No10", "cabinet_office": "Cabinet Office"}


def test_the_box_gives_the_address_and_every_sign_in_with_its_password():
    rows = sign_in_rows(DEMO_USERS, [d.email for d in DEMO_USERS], "pw-123", STAGE_NAMES)
    shown = sign_in_box("http://127.0.0.1:5000", rows)

    lines = shown.splitlines()
    assert lines[0] == lines[-1] and set(lines[0]) == {"+", "-"}
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[1:-1])
    assert len({len(line) for line in lines}) == 1
    assert "Permit is running: open http://127.0.0.1:5000" in shown
    for demo in DEMO_USERS:
        row = next(line for line in lines if f" {demo.email} " in line)
        assert "pw-123" in row
        for where in [demo.department, *(STAGE_NAMES[stage] for stage in demo.stages)]:
            assert where is None or where in row
    assert "cabinet_office" not in shown  # stages by name
    assert "(unchanged)" not in shown


def test_people_made_by_an_earlier_run_show_no_password_and_the_box_says_why():
    rows = sign_in_rows(DEMO_USERS, [], "pw-123", STAGE_NAMES)
    shown = sign_in_box("http://127.0.0.1:5000", rows)
    assert "pw-123" not in shown
    assert "(unchanged): made by an earlier run" in shown
    assert "delete instance/permit.db" in shown


def test_it_refuses_in_production(app, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "PERMIT_ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo-serve"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_serves_the_seeded_demo_and_prints_the_box_last(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PERMIT_ENV": "development",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*flask, "demo-serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        printed = [server.stdout.readline() for _ in range(2)]
        while not (printed[-1].startswith("+") and len(printed) > 2):
            line = server.stdout.readline()
            assert line, f"the server stopped: {printed}"
            printed.append(line)
        # The box came first and last: nothing before it, and the server answers now.
        assert printed[0].startswith("+-")
        assert f"open http://127.0.0.1:{port}" in printed[1]
        assert all(demo.email in "".join(printed) for demo in DEMO_USERS)
        assert DEFAULT_DEMO_PASSWORD in "".join(printed)
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
