"""Form fields drawn by govuk-frontend-wtf are remembered by their params
(app.web.templating._render_widget): a field drawn again shows what it shows now, its value
and its error, never an earlier drawing of it."""

from __future__ import annotations

from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired

from app.web.templating import WidgetCache, _frozen


class HandleForm(FlaskForm):
    handle = StringField(
        "Account handle",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the account handle")],
    )


def draw(app: Flask, data: dict[str, str] | None = None, hint: str | Markup = "") -> str:
    with app.test_request_context("/", method="POST", data=data or {}):
        form = HandleForm(meta={"csrf": False})
        if data is not None:
            form.validate()
        params = {"hint": {"html" if isinstance(hint, Markup) else "text": hint}} if hint else {}
        return str(form.handle(params=params))


def test_the_same_field_twice_is_the_same_html_and_drawn_once(app: Flask):
    first = draw(app)
    before = len(app.extensions["permit.widgets"]._entries)
    assert draw(app) == first
    assert len(app.extensions["permit.widgets"]._entries) == before
    assert 'name="handle"' in first and "Account handle" in first


def test_a_field_drawn_again_shows_its_new_value_and_its_error(app: Flask):
    draw(app)
    filled = draw(app, {"handle": "@dsit_health"})
    assert 'value="@dsit_health"' in filled
    assert "Enter the account handle" not in filled
    empty = draw(app, {"handle": ""})
    assert "Enter the account handle" in empty
    assert "@dsit_health" not in empty


def test_html_and_text_of_the_same_words_are_drawn_differently(app: Flask):
    as_text = draw(app, hint="<b>bold</b>")
    as_html = draw(app, hint=Markup("<b>bold</b>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in as_text
    assert "<b>bold</b>" in as_html


def test_keys_tell_apart_what_renders_differently():
    assert _frozen({"a": True}) != _frozen({"a": 1})
    assert _frozen({"a": "x"}) != _frozen({"a": Markup("x")})
    assert _frozen({"a": ["x"]}) != _frozen({"a": "x"})
    assert _frozen({"a": object()}) is None  # not remembered at all


def test_the_cache_keeps_only_the_most_recent_fields():
    cache = WidgetCache(2)
    for key in ("a", "b", "a", "c"):
        cache.put(key, Markup(key))
    assert cache.get("b") is None
    assert cache.get("a") == Markup("a") and cache.get("c") == Markup("c")
