"""CSRF: every POST route refuses a form without the session's token, with a wrong one,
or with another session's, with the GOV.UK "Your form could not be sent" page (400) and
nothing changed. CSRF protection is on in the tests, as in production.

Each route is posted by someone who may use it, with its form otherwise as it should be,
so the token is the only thing wrong.
"""

from __future__ import annotations

import pytest

from tests.security.route_table import Use, Who, by_principal, rows
from tests.security.support import changes, prepared, stored

pytestmark = pytest.mark.asvs("4.2.2")

POSTS_BY_PRINCIPAL = by_principal(rows("POST"))


def tampered(token: str) -> str:
    """The token with one character changed: it no longer matches its signature."""
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


@pytest.mark.parametrize("who", sorted(POSTS_BY_PRINCIPAL), ids=str)
def test_every_post_refuses_a_missing_or_wrong_csrf_token(people, world, who, subtests):
    someone_else = people.client(Who.AUDITOR if who is not Who.AUDITOR else Who.OFFICER)
    tokens = {
        "no token": None,
        "wrong token": tampered(people.token(people.client(who))),
        "another session's token": people.token(someone_else),
    }
    for row in POSTS_BY_PRINCIPAL[who]:
        # Each refusal changes nothing, so one subject and browser serve every case.
        subject = row.subject(world)
        client = prepared(people, who, row, subject)
        form = row.form(Use(world, who, client), subject)
        for case, token in tokens.items():
            with subtests.test(route=row.key, case=case):
                data = form if token is None else {**form, "csrf_token": token}
                before = stored()
                response = client.post(row.url(subject), data=data)
                assert response.status_code == 400
                page = response.get_data(as_text=True)
                assert "Your form could not be sent" in page
                assert "govuk-template" in page
                assert not changes(before, stored())
