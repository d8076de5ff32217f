"""A mail setting that cannot work stops the worker at start, with one line that names it
(and never repeats the password it may hold)."""

from __future__ import annotations

import pytest
from flask import Flask

from app.extensions import db
from tests.factories import World
from tests.notifications.support import outbox


@pytest.mark.parametrize(
    "url",
    [
        "http://x",
        "smtp://",
        "mail.example.gov.uk:25",
        "smtp://mail.example.gov.uk:twenty-five",
        "smtps://permit:s3cret-Pw-991@mail.example.gov.uk:4x5",
    ],
)
def test_a_bad_smtp_url_stops_the_worker_at_start_naming_the_setting(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch, url: str
):
    world.submitted()
    db.session.commit()
    monkeypatch.setitem(app.config, "SMTP_URL", url)
    result = app.test_cli_runner().invoke(args=["notify", "work", "--once"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "SMTP_URL" in lines[0], result.output
    assert "s3cret-Pw-991" not in result.output  # the error goes to logs, often shared
    assert {row.status for row in outbox()} == {"pending"}  # nothing was tried
    assert {row.attempts for row in outbox()} == {0}
