"""Handles TikTok's rule (app.seed.reference: 24 characters of letters a to z, numbers,
underscores and full stops, after an optional @) takes and refuses, and the words of the
refusal: the content check, the question page and the API are tested over the same lists."""

from __future__ import annotations

import pytest

TIKTOK_REFUSAL = (
    "Account name or handle must be 24 characters or fewer and only include letters a to z, "
    "numbers, underscores (_) and full stops (.), with an optional @ at the start"
)

ACCEPTED = [
    pytest.param("@gov_uk", id="at-and-underscore"),
    pytest.param("cabinet.office", id="full-stop-no-at"),
    pytest.param("UKGov2026", id="capitals-and-digits"),
    pytest.param("a", id="one-letter"),
    pytest.param("x" * 24, id="24-characters"),
    pytest.param("@" + "x" * 24, id="24-characters-after-the-at"),
]

REFUSED = [
    pytest.param("<script>alert(1)</script>", id="markup"),
    pytest.param("gov uk", id="space"),
    pytest.param("@@double", id="two-ats"),
    pytest.param("gov_uk@", id="at-at-the-end"),
    pytest.param("name!", id="exclamation-mark"),
    pytest.param("café_uk", id="accented-letter"),
    pytest.param("\uff47\uff4f\uff56", id="full-width-letters"),
    pytest.param("x" * 25, id="25-characters"),
    pytest.param("@", id="lone-at"),
]
