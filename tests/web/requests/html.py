"""Reading pages as a browser would, with the standard library's HTML parser: the forms
and what they would send, the error summary, the text a person sees."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    #: Hidden inputs, which a browser sends as they are.
    hidden: dict[str, str] = field(default_factory=dict)
    #: (name, value) of each submit button.
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = Form(unescape(values.get("action", "")), values.get("method", "get"))
            self.forms.append(self._open)
        elif self._open is not None and tag == "input" and values.get("type") == "hidden":
            self._open.hidden[values["name"]] = values.get("value", "")
        elif self._open is not None and tag == "button":
            self._open.buttons.append((values.get("name", ""), values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms(page: str) -> list[Form]:
    """The page's forms, except the header's sign-out button."""
    parser = _Forms()
    parser.feed(page)
    return [form for form in parser.forms if form.action != "/sign-out"]


def main_form(page: str) -> Form:
    found = forms(page)
    assert len(found) == 1, f"expected one form on the page, found {len(found)}"
    return found[0]


def error_summary(page: str) -> list[tuple[str, str | None]]:
    """(message, link) for each entry of the GOV.UK error summary, in order."""
    box = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    if box is None:
        return []
    entries = []
    for item in re.findall(r"<li>(.*?)</li>", box.group(0), re.S):
        href = re.search(r'href="([^"]*)"', item)
        entries.append((text(item), unescape(href.group(1)) if href else None))
    return entries


def text(fragment: str) -> str:
    """What a person reads: tags gone, entities decoded, runs of spaces as one."""
    without_tags = re.sub(r"<[^>]+>", " ", fragment)
    return re.sub(r"\s+", " ", unescape(without_tags)).strip()


def title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "page has no <title>"
    return unescape(match.group(1)).strip()


def banner(page: str) -> str:
    """The text of the page's notification banners (flashed messages)."""
    found = re.findall(r'<div class="govuk-notification-banner.*?</div>\s*</div>', page, re.S)
    return " ".join(text(item) for item in found)
