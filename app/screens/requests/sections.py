"""The question pages an officer fills in after choosing the platform and kind of request,
in the order "Save and continue" walks them.

A kind of request asks only what it needs: paid advertising has no account of its own,
so no handle and no device. Every section can still be opened from "Check your answers".
"""

from __future__ import annotations

from dataclasses import dataclass

from app.rules.workflow import RequestKind
from app.screens.requests import forms


@dataclass(frozen=True)
class Section:
    #: In the URL: /requests/<reference>/edit/<slug>.
    slug: str
    #: The page's heading and title.
    title: str
    form: type[forms.SectionForm]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.form.CONTENT

    @property
    def template(self) -> str:
        return f"requests/sections/{self.slug.replace('-', '_')}.html"


SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in (
        Section("kind", "What is the request for?", forms.KindForm),
        Section("account", "The account", forms.AccountForm),
        Section("purpose", "Purpose and audience", forms.PurposeForm),
        Section("dates", "When the platform will be used", forms.DatesForm),
        Section("people", "Who is responsible", forms.PeopleForm),
        Section("device", "The standalone device", forms.DeviceForm),
        Section("data-protection", "Data protection", forms.DataProtectionForm),
        Section("advertising", "Paid advertising", forms.AdvertisingForm),
        Section("risks", "Risks", forms.RisksForm),
    )
}

_ALL = ("account", "purpose", "dates", "people", "device", "data-protection", "advertising")
#: The sections each kind of request walks through, in order ("kind" is asked first, on
#: the page that creates the request, so it is not among them).
SEQUENCES: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.NEW_ACCOUNT: (*_ALL, "risks"),
    RequestKind.REACTIVATE_ACCOUNT: (*_ALL, "risks"),
    RequestKind.PAID_ADVERTISING: tuple(
        slug for slug in (*_ALL, "risks") if slug not in ("account", "device")
    ),
}


def sequence(kind: str) -> tuple[str, ...]:
    """The sections a request of `kind` asks, in order."""
    try:
        return SEQUENCES[RequestKind(kind)]
    except ValueError:
        return SEQUENCES[RequestKind.NEW_ACCOUNT]


def first_section(kind: str) -> str:
    return sequence(kind)[0]


def next_section(slug: str, kind: str) -> str | None:
    """The section after `slug` for a request of `kind`; None after the last."""
    slugs = sequence(kind)
    if slug not in slugs:
        return slugs[0] if slug == "kind" else None
    index = slugs.index(slug)
    return slugs[index + 1] if index + 1 < len(slugs) else None


def previous_section(slug: str, kind: str) -> str | None:
    """The section before `slug` for a request of `kind`; None before the first."""
    slugs = sequence(kind)
    if slug not in slugs or slug == slugs[0]:
        return None
    return slugs[slugs.index(slug) - 1]


def section_of(field: str) -> str | None:
    """The slug of the section that asks content field `field`."""
    for section in SECTIONS.values():
        if field in section.fields:
            return section.slug
    return None
