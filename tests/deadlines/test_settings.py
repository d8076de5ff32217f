"""The deadline settings: closure days and escalation, read from the environment."""

from __future__ import annotations

from datetime import date

import pytest

from app import ConfigurationError, create_app
from config import Config


def test_closure_days_and_escalation_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PERMIT_CLOSURE_DAYS", "2026-12-24, 2026-12-31")
    monkeypatch.setenv("SLA_ESCALATE_AFTER_DAYS", "3")
    config = Config()
    closed, after = config.PERMIT_CLOSURE_DAYS, config.SLA_ESCALATE_AFTER_DAYS
    assert closed == {date(2026, 12, 24), date(2026, 12, 31)}
    assert after == 3


def test_the_defaults_are_no_closure_days_and_escalation_after_2(monkeypatch):
    monkeypatch.delenv("PERMIT_CLOSURE_DAYS", raising=False)
    monkeypatch.delenv("SLA_ESCALATE_AFTER_DAYS", raising=False)
    config = Config()
    closed, after = config.PERMIT_CLOSURE_DAYS, config.SLA_ESCALATE_AFTER_DAYS
    assert (closed, after) == (frozenset(), 2)


@pytest.mark.parametrize("bad", ["24/12/2026", "20261224", "2026-02-30", "2026-12-24;2026-12-31"])
def test_a_bad_closure_day_stops_start_up_saying_which_and_how(monkeypatch, bad):
    monkeypatch.setenv("PERMIT_CLOSURE_DAYS", bad)
    with pytest.raises(ValueError) as refused:
        Config()
    message = str(refused.value)
    assert message.startswith("PERMIT_CLOSURE_DAYS: ") and "YYYY-MM-DD" in message
    assert "\n" not in message


@pytest.mark.parametrize("bad", ["-1", "two"])
def test_a_bad_escalation_setting_stops_start_up(monkeypatch, bad):
    monkeypatch.setenv("SLA_ESCALATE_AFTER_DAYS", bad)
    with pytest.raises(ValueError):
        Config()


def test_the_app_will_not_start_with_a_bad_closure_day(monkeypatch):
    monkeypatch.setenv("PERMIT_CLOSURE_DAYS", "2026-12-24,31/12/2026")
    with pytest.raises(ConfigurationError) as stopped:
        create_app()
    assert str(stopped.value.code) == (
        "Permit will not start: PERMIT_CLOSURE_DAYS: '31/12/2026' is not a date: write each "
        "day as YYYY-MM-DD, separated by commas, such as 2026-12-24,2026-12-31"
    )
