"""The decision record on paper: its print stylesheet is linked, served, and says what the
page needs (A4, black on white, no chrome or buttons, entries kept whole)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from tests import optional
from tests.web.record.support import url

ROOT = Path(__file__).resolve().parents[3]
PRINT_CSS = ROOT / "frontend" / "print.css"
STATIC = ROOT / "app" / "static"


def rules(css: str) -> dict[str, dict[str, str]]:
    """Each selector's declarations, merged in order: {".govuk-footer": {"display": ...}}."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in body.split(";") if d.strip())
        }
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


def test_the_record_links_the_print_stylesheet_for_print_only(client_for, world):
    request = world.submitted()
    db.session.commit()
    page = client_for(world.auditor).get(url(request)).get_data(as_text=True)
    links = re.findall(r'<link rel="stylesheet"[^>]*print\.css[^>]*>', page)
    assert links == ['<link rel="stylesheet" href="/assets/print.css" media="print">']
    # The screen keeps the ordinary GOV.UK styles, and nothing is styled inline.
    for name in ("govuk-frontend.min.css", "moj-frontend.min.css", "permit.css"):
        assert f'<link rel="stylesheet" href="/assets/{name}">' in page
    assert "style=" not in page


def test_make_assets_serves_the_print_stylesheet_at_assets(client, app):
    optional.ASSETS.skip_unless_available()
    response = client.get("/assets/print.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.get_data(as_text=True) == PRINT_CSS.read_text(), "run `make assets` again"
    response.close()


@pytest.mark.parametrize(
    "selector",
    [
        ".govuk-skip-link",
        ".govuk-service-navigation",  # the header's navigation, sign-out included
        ".govuk-phase-banner",
        ".govuk-footer",
        ".govuk-template__footer",
        ".govuk-button",  # buttons and links styled as buttons
        ".govuk-back-link",
        ".app-screen-only",  # "use your browser's print command"
    ],
)
def test_paper_has_none_of_the_service_s_chrome(selector):
    assert rules(PRINT_CSS.read_text())[selector]["display"] == "none !important"


def test_paper_is_a4_black_on_white_without_link_addresses():
    found = rules(PRINT_CSS.read_text())
    assert found["@page"]["size"] == "A4"
    assert "margin" in found["@page"]
    assert found["*"]["color"] == "#000 !important"
    assert found["*"]["background"] == "transparent !important"
    assert found["body"]["background"] == "#fff !important"
    assert found["a[href]::after"]["content"] == "none !important"


def test_a_revision_or_decision_is_not_broken_across_pages():
    found = rules(PRINT_CSS.read_text())
    for selector in (".app-record-entry", ".govuk-table__row"):
        assert found[selector]["break-inside"] == "avoid"


def test_hashes_print_in_monospace_and_wrap_anywhere():
    hashes = rules(PRINT_CSS.read_text())[".app-hash"]
    assert "monospace" in hashes["font-family"]
    assert hashes["overflow-wrap"] == "anywhere"
