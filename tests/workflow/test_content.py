"""What an officer must fill in: the checks on every save and on submission, and the
frozen form a revision stores and hashes."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from app.rules.content import (
    BUDGET_MAX_POUNDS,
    CONTENT_FIELDS,
    HANDLE_MAX,
    TEXT_FIELDS,
    HandleRule,
    canonical_content,
    check_complete,
    check_draft,
    content_sha256,
)
from app.rules.workflow import InvalidContent, RequestKind
from app.seed.reference import PLATFORMS
from tests import handles
from tests.factories import complete_content

REQUIRED_TEXT = [
    "purpose",
    "target_audience",
    "justification",
    "senior_responsible_owner",
    "account_managers",
    "dpia_reference",
    "risk_mitigations",
]


def errors_of(check, content) -> dict[str, str]:
    with pytest.raises(InvalidContent) as refused:
        check(content)
    return refused.value.errors


def paid_advertising(**overrides):
    return complete_content(
        kind=RequestKind.PAID_ADVERTISING,
        account_handle="",
        device_arrangement="",
        device_attestation=False,
        ad_budget_pounds=25_000,
        **overrides,
    )


# Every save --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [{}, {"kind": "new_account"}, {"purpose": "Only this so far"}, complete_content()],
    ids=["empty", "kind-only", "one-field", "complete"],
)
def test_a_draft_may_be_incomplete(content):
    check_draft(content)


def test_an_unknown_field_is_refused():
    assert set(errors_of(check_draft, {"status": "approved", "purpose": "x"})) == {"status"}


@pytest.mark.parametrize("kind", ["", "open_account", None])
def test_kind_must_be_one_we_know(kind):
    assert errors_of(check_draft, {"kind": kind}) == {"kind": "Select what the request is for"}


@pytest.mark.parametrize("field", TEXT_FIELDS, ids=lambda f: f.name)
def test_each_text_field_has_its_limit(field):
    check_draft({field.name: "x" * field.max_length})
    errors = errors_of(check_draft, {field.name: "x" * (field.max_length + 1)})
    assert errors == {field.name: f"{field.label} must be {field.max_length:,} characters or fewer"}


@pytest.mark.parametrize("field", TEXT_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("value", [None, 42, ["a list"]], ids=["none", "number", "list"])
def test_each_text_field_must_be_text(field, value):
    assert errors_of(check_draft, {field.name: value}) == {
        field.name: f"{field.label} must be text"
    }


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"])
def test_text_may_not_hide_control_characters(character):
    errors = errors_of(check_draft, {"purpose": f"Reach{character}people"})
    assert errors == {"purpose": "Purpose must not contain control characters"}


def test_text_may_have_line_breaks_and_tabs():
    check_draft({"purpose": "First line\r\nSecond line\n\tindented"})


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("value", ["2027-01-04", 20270104, True])
def test_dates_must_be_dates(field, value):
    assert errors_of(check_draft, {field: value}) == {field: "Enter a real date"}


def test_the_end_date_may_not_come_before_the_start_date():
    errors = errors_of(check_draft, {"start_date": date(2027, 3, 2), "end_date": date(2027, 3, 1)})
    assert errors == {"end_date": "End date must be the same as or after the start date"}


def test_a_one_day_campaign_ends_the_day_it_starts():
    check_draft({"start_date": date(2027, 3, 2), "end_date": date(2027, 3, 2)})


@pytest.mark.parametrize("budget", [0, 1, BUDGET_MAX_POUNDS, None])
def test_budgets_we_accept(budget):
    check_draft({"ad_budget_pounds": budget})


@pytest.mark.parametrize("budget", [-1, 2.5, "100", True, False])
def test_a_budget_is_a_whole_number_of_pounds(budget):
    errors = errors_of(check_draft, {"ad_budget_pounds": budget})
    assert errors == {
        "ad_budget_pounds": "Advertising budget must be a whole number of pounds, 0 or more"
    }


def test_a_budget_has_a_ceiling():
    errors = errors_of(check_draft, {"ad_budget_pounds": BUDGET_MAX_POUNDS + 1})
    assert errors == {"ad_budget_pounds": "Advertising budget must be £10,000,000 or less"}


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_device_attestation_is_yes_or_no(value):
    errors = errors_of(check_draft, {"device_attestation": value})
    assert errors == {"device_attestation": "Device attestation must be yes or no"}


def test_every_problem_is_reported_at_once():
    errors = errors_of(
        check_draft,
        {
            "kind": "nonsense",
            "purpose": 3,
            "start_date": date(2027, 2, 1),
            "end_date": date(2027, 1, 1),
            "ad_budget_pounds": -5,
        },
    )
    assert set(errors) == {"kind", "purpose", "end_date", "ad_budget_pounds"}


# Handles -----------------------------------------------------------------------------------

TIKTOK = next(data.handle_rule for data in PLATFORMS if data.name == "TikTok")


@pytest.mark.parametrize("handle", [*handles.ACCEPTED, pytest.param("", id="not-yet-given")])
def test_handles_the_platform_gives_out_are_accepted(handle):
    check_draft({"account_handle": handle}, handle_rule=TIKTOK)


@pytest.mark.parametrize("handle", handles.REFUSED)
def test_handles_of_another_shape_are_refused_saying_what_a_handle_may_hold(handle):
    errors = errors_of(lambda c: check_draft(c, handle_rule=TIKTOK), {"account_handle": handle})
    assert errors == {"account_handle": handles.TIKTOK_REFUSAL}


@pytest.mark.parametrize("handle", handles.REFUSED)
def test_submission_applies_the_handle_rule_too(handle):
    content = complete_content(account_handle=handle)
    errors = errors_of(lambda c: check_complete(c, handle_rule=TIKTOK), content)
    assert errors == {"account_handle": handles.TIKTOK_REFUSAL}


@pytest.mark.parametrize("handle", ["<script>alert(1)</script>", "gov uk", "@", "é" * HANDLE_MAX])
def test_a_platform_without_a_rule_takes_any_handle_within_the_limit(handle):
    check_draft({"account_handle": handle}, handle_rule=None)
    check_complete(complete_content(account_handle=handle), handle_rule=None)


def test_a_handle_over_the_limit_of_all_text_is_refused_in_the_same_words_with_a_rule():
    errors = errors_of(
        lambda c: check_draft(c, handle_rule=TIKTOK), {"account_handle": "x" * (HANDLE_MAX + 1)}
    )
    assert errors == {"account_handle": "Account name or handle must be 100 characters or fewer"}


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            HandleRule(15, "_"),
            "15 characters or fewer and only include letters a to z, numbers and underscores (_),",
        ),
        (HandleRule(30), "30 characters or fewer and only include letters a to z and numbers,"),
        (
            HandleRule(5000, "-.-"),
            "5,000 characters or fewer and only include letters a to z, "
            "numbers, hyphens (-) and full stops (.),",
        ),
        (
            HandleRule(20, "~"),
            "20 characters or fewer and only include letters a to z, numbers and ~,",
        ),
    ],
    ids=["underscores", "letters-and-numbers", "thousands", "unnamed-punctuation"],
)
def test_the_refusal_says_what_the_platforms_rule_allows(rule, words):
    assert rule.refusal("Account name or handle") == (
        f"Account name or handle must be {words} with an optional @ at the start"
    )
    assert rule.allows("@" + "a" * rule.max_length)
    assert not rule.allows("a" * (rule.max_length + 1))


# Submission --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        complete_content(),
        complete_content(kind=RequestKind.REACTIVATE_ACCOUNT),
        complete_content(end_date=None),
        complete_content(ad_budget_pounds=5_000),
        paid_advertising(),
    ],
    ids=["new-account", "reactivation", "open-ended", "account-with-budget", "paid-advertising"],
)
def test_complete_content_may_be_submitted(content):
    check_complete(content)


@pytest.mark.parametrize("field", REQUIRED_TEXT)
@pytest.mark.parametrize("blank", ["", "   \n"], ids=["empty", "whitespace"])
def test_every_answer_is_needed_to_submit(field, blank):
    errors = errors_of(check_complete, complete_content(**{field: blank}))
    assert set(errors) == {field}
    assert errors[field].startswith("Enter the ")


def test_a_start_date_is_needed_to_submit():
    errors = errors_of(check_complete, complete_content(start_date=None))
    assert errors == {"start_date": "Enter the start date"}


@pytest.mark.parametrize("kind", [RequestKind.NEW_ACCOUNT, RequestKind.REACTIVATE_ACCOUNT])
def test_an_account_needs_a_handle_a_standalone_device_and_the_attestation(kind):
    content = complete_content(
        kind=kind, account_handle=" ", device_arrangement="", device_attestation=False
    )
    assert errors_of(check_complete, content) == {
        "account_handle": "Enter the account name or handle",
        "device_arrangement": "Describe the standalone device arrangement",
        "device_attestation": "Confirm the app will not be installed on a government device",
    }


@pytest.mark.parametrize("budget", [None, 0])
def test_paid_advertising_needs_a_budget(budget):
    errors = errors_of(check_complete, paid_advertising() | {"ad_budget_pounds": budget})
    assert errors == {"ad_budget_pounds": "Enter the advertising budget in pounds"}


def test_paid_advertising_needs_no_handle_or_device():
    check_complete(paid_advertising())


def test_an_incomplete_draft_lists_every_missing_answer():
    errors = errors_of(check_complete, {"kind": RequestKind.NEW_ACCOUNT})
    assert set(errors) == {
        *REQUIRED_TEXT,
        "account_handle",
        "start_date",
        "device_arrangement",
        "device_attestation",
    }


def test_submission_applies_the_checks_of_every_save_too():
    content = complete_content(start_date=date(2027, 2, 1), end_date=date(2027, 1, 1))
    assert set(errors_of(check_complete, content)) == {"end_date"}


# The frozen form ---------------------------------------------------------------------------


def test_canonical_content_has_every_field_with_dates_as_text():
    canonical = canonical_content({"kind": "new_account", "start_date": date(2027, 1, 4)})
    assert list(canonical) == list(CONTENT_FIELDS)
    assert canonical["start_date"] == "2027-01-04"
    assert canonical["end_date"] is None
    assert canonical["purpose"] is None


def test_the_content_hash_is_sha256_of_sorted_compact_utf8_json():
    content = {name: None for name in CONTENT_FIELDS} | {
        "kind": "new_account",
        "purpose": "Café ☕",
        "start_date": "2027-01-04",
        "device_attestation": True,
        "ad_budget_pounds": 0,
    }
    # Written out by hand: keys sorted, no spaces, non-ASCII as UTF-8, not \u escapes.
    text = (
        '{"account_handle":null,"account_managers":null,"ad_budget_pounds":0,'
        '"device_arrangement":null,"device_attestation":true,"dpia_reference":null,'
        '"end_date":null,"justification":null,"kind":"new_account","purpose":"Café ☕",'
        '"risk_mitigations":null,"senior_responsible_owner":null,"start_date":"2027-01-04",'
        '"target_audience":null}'
    )
    assert content_sha256(content) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_content_hash_does_not_depend_on_field_order():
    canonical = canonical_content(complete_content())
    reordered = dict(reversed(list(canonical.items())))
    assert content_sha256(reordered) == content_sha256(canonical)


@pytest.mark.parametrize("field", [f for f in CONTENT_FIELDS if f != "kind"])
def test_any_change_changes_the_content_hash(field):
    original = complete_content()
    changed = dict(original)
    changed[field] = {
        "start_date": date(2027, 1, 5),
        "end_date": date(2027, 7, 3),
        "device_attestation": False,
        "ad_budget_pounds": 1,
    }.get(field, "something else")
    assert content_sha256(canonical_content(changed)) != content_sha256(canonical_content(original))
