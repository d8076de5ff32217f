"""What every officer page owes a person: a title of its own, labelled fields, plain
forms that work without JavaScript, and no inline scripts or styles."""

from __future__ import annotations

import re

from app.rules.workflow import Status
from app.screens.requests.sections import SECTIONS
from tests.operations.support import request_in
from tests.web.requests.html import forms, title


def officer_pages(world, draft) -> dict[str, str]:
    submitted = request_in(world, Status.IN_REVIEW)
    ref = draft.reference
    pages = {
        "list": "/requests/",
        "new": "/requests/new",
        "check": f"/requests/{ref}/check",
        "withdraw": f"/requests/{ref}/withdraw",
        "submitted": f"/requests/{submitted.reference}/submitted",
    }
    pages.update({f"section {slug}": f"/requests/{ref}/edit/{slug}" for slug in SECTIONS})
    return pages


def test_every_page_has_its_own_title(officer, world, draft):
    titles = {}
    for name, url in officer_pages(world, draft).items():
        response = officer.get(url)
        assert response.status_code == 200, name
        titles[name] = title(response.get_data(as_text=True))
    assert len(set(titles.values())) == len(titles), titles


def test_pages_are_plain_accessible_html(officer, world, draft):
    for name, url in officer_pages(world, draft).items():
        page = officer.get(url).get_data(as_text=True)
        main = page[page.index('<main class="govuk-main-wrapper"') : page.index("</main>")]
        assert "<script" not in main and "style=" not in main, name
        assert re.search(r"\son[a-z]+=", main) is None, name  # no inline event handlers
        assert main.count("<h1") == 1, name
        for form in forms(page):
            assert form.method == "post", name
            assert "csrf_token" in form.hidden, name
        for field_id in re.findall(r'<(?:input|textarea)[^>]*\sid="([^"]+)"', main):
            if f'id="{field_id}" name="csrf_token"' in main or field_id in ("version",):
                continue
            assert f'for="{field_id}"' in main, (name, field_id)
        # Radios and date inputs are grouped under a legend.
        if 'class="govuk-radios"' in main or 'class="govuk-date-input"' in main:
            assert "<legend" in main, name
