"""end_user_sessions, without HTTP: a person ends one of their other sessions or all but
the one in use, an admin ends all of a person's; each once, audited, and only one's own."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.operations.end_user_sessions import (
    IN_USE,
    NOT_YOURS,
    OWN_FROM_ADMIN,
    end_all_sessions,
    end_other_sessions,
    end_user_session,
)
from app.rules.workflow import NotPermitted
from app.security.user_sessions import open_session
from tests.audit_trail import events
from tests.operations.support import assert_actor

pytestmark = pytest.mark.asvs("3.3.4")


def test_a_person_ends_one_of_their_other_sessions(world):
    current, _token = open_session(world.officer)
    other, _token = open_session(world.officer)
    assert end_user_session(other, world.officer, current=current) is True
    db.session.commit()
    assert other.end_reason == "ended_by_user" and current.ended_at is None
    [event] = events(EventType.SESSION_ENDED)
    assert_actor(event, world.officer)
    assert event.payload["session_id"] == other.id
    # Again: already ended, so nothing more is recorded.
    assert end_user_session(other, world.officer, current=current) is False
    assert len(events(EventType.SESSION_ENDED)) == 1


def test_nobody_ends_someone_elses_session_or_the_one_in_use(world):
    theirs, _token = open_session(world.outsider)
    current, _token = open_session(world.officer)
    with pytest.raises(NotPermitted) as refused:
        end_user_session(theirs, world.officer, current=current)
    assert refused.value.message == NOT_YOURS
    with pytest.raises(NotPermitted) as refused:
        end_user_session(current, world.officer, current=current)
    assert refused.value.message == IN_USE
    with pytest.raises(NotPermitted):
        end_other_sessions(world.officer, current=theirs)
    assert theirs.ended_at is None and current.ended_at is None
    assert events(EventType.SESSION_ENDED) == []


def test_ending_the_other_sessions_writes_one_event_and_none_when_there_were_none(world):
    current, _token = open_session(world.officer)
    assert end_other_sessions(world.officer, current=current) == 0
    assert events(EventType.OTHER_SESSIONS_ENDED) == []
    others = [open_session(world.officer)[0] for _ in range(3)]
    open_session(world.colleague)
    assert end_other_sessions(world.officer, current=current) == 3
    db.session.commit()
    [event] = events(EventType.OTHER_SESSIONS_ENDED)
    assert event.payload["sessions_ended"] == 3
    assert all(row.ended_at is not None for row in others) and current.ended_at is None


def test_an_admin_ends_all_of_a_persons_sessions_but_not_their_own_this_way(world):
    for _ in range(2):
        open_session(world.officer)
    assert end_all_sessions(world.officer, world.admin) == 2
    db.session.commit()
    [event] = events(EventType.USER_SESSIONS_ENDED)
    assert_actor(event, world.admin)
    assert event.payload["user_id"] == world.officer.id and event.payload["sessions_ended"] == 2
    assert end_all_sessions(world.officer, world.admin) == 0  # none left: no second event
    assert len(events(EventType.USER_SESSIONS_ENDED)) == 1
    with pytest.raises(NotPermitted) as refused:
        end_all_sessions(world.admin, world.admin)
    assert refused.value.message == OWN_FROM_ADMIN
