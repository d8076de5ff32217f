"""Jinja set-up: the GOV.UK macro packages on the loader path, filters and globals.

Templates import components by package prefix, for example
`{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}`,
and render WTForms fields with govuk-frontend-wtf widgets (`wtforms_errors(form)` builds
an error summary's options).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, Template
from markupsafe import Markup

from app.rules import formatting
from app.web.headers import csp_nonce
from app.web.navigation import navigation_items

#: Form fields whose HTML each process keeps (`_render_widget`): a few hundred kilobytes.
WIDGETS_REMEMBERED = 512
_WIDGETS_KEY = "permit.widgets"


def register_templates(app: Flask) -> None:
    """Loaders, WTForms helpers, filters and globals for every template."""
    own_templates = app.jinja_loader  # templates/ comes first, so ours win any clash
    assert own_templates is not None
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [
            own_templates,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.extensions[_WIDGETS_KEY] = WidgetCache(WIDGETS_REMEMBERED)
    GovFormBase.render = _render_widget  # type: ignore[method-assign]
    app.add_template_global(remembered_component, "remembered_component")
    app.add_template_global(component_slot, "component_slot")
    app.add_template_filter(formatting.uk_date, "uk_date")
    app.add_template_filter(formatting.uk_day_date, "uk_day_date")
    app.add_template_filter(formatting.uk_time, "uk_time")
    app.add_template_filter(formatting.uk_datetime, "uk_datetime")
    app.add_template_filter(formatting.iso_datetime, "iso_datetime")
    app.add_template_filter(formatting.thousands, "thousands")
    app.add_template_filter(formatting.role_names, "role_names")
    app.add_template_filter(formatting.or_dash, "or_dash")
    app.add_template_global(formatting.empty_cell, "empty_cell")
    app.add_template_global(formatting.status_tag_params, "status_tag_params")
    app.add_template_global(navigation_items, "navigation_items")
    app.jinja_env.globals["service_name"] = formatting.SERVICE_NAME
    app.context_processor(_per_response_values)


def _per_response_values() -> dict[str, Any]:
    # govuk_frontend_jinja/template.html puts `cspNonce` on its one inline script.
    return {"cspNonce": csp_nonce()}


def _render_widget(widget: GovFormBase, params: dict[str, Any]) -> Markup:
    """A govuk-frontend-wtf field, drawn from its template with nothing but `params`, and
    remembered: the same field with the same params is the same HTML.

    The library's own `render` goes through Flask's render_template, and the GOV.UK macros
    it calls (each importing others inside its body) are slow: the audit log's seven
    filter fields took more than half of that page's time, drawn the same on every visit.
    The widget templates read only `params`, so the output depends on nothing else."""
    template_name: str = widget.template  # type: ignore[attr-defined]
    return _remembered(
        template_name,
        params,
        lambda template: Markup(template.render(params=params)),
    )


def remembered_component(name: str, params: dict[str, Any], **fills: Markup) -> Markup:
    """A GOV.UK Frontend component drawn by its macro, such as
    `remembered_component("service-navigation", {...})` for govukServiceNavigation, and
    remembered by its params as form fields are (`_render_widget`): for the parts of the
    layout every page draws the same for the same person (header, navigation, banner).

    What changes from one request to the next (a CSRF token) stays out of the key: put
    `component_slot("sign_out")` where it goes in `params` and pass it as `sign_out=...`."""
    macro_name = "govuk" + "".join(part.capitalize() for part in name.split("-"))
    html = _remembered(
        f"govuk_frontend_jinja/components/{name}/macro.html",
        params,
        lambda template: Markup(getattr(template.module, macro_name)(params)),
    )
    for slot, value in fills.items():
        html = Markup(html.replace(component_slot(slot), value))
    return html


def _remembered(
    template_name: str, params: dict[str, Any], draw: Callable[[Template], Markup]
) -> Markup:
    """`draw(template)`, kept in the app's WidgetCache under the template and `params`.
    Params that cannot be a key (`_frozen` gives None), or an app that did not
    register_templates, are drawn every time."""
    key = _frozen(params)
    widgets: WidgetCache | None = current_app.extensions.get(_WIDGETS_KEY)
    if widgets is None or key is None:
        return draw(current_app.jinja_env.get_template(template_name))
    html = widgets.get((template_name, key))
    if html is None:
        html = draw(current_app.jinja_env.get_template(template_name))
        widgets.put((template_name, key), html)
    return html


def component_slot(name: str) -> Markup:
    """Where `remembered_component` puts what its caller passes as `name`."""
    return Markup(f"<!--permit-slot:{name}-->")


def _frozen(value: Any) -> Hashable | None:
    """`value` (params: dicts, lists, text, numbers) as a hashable key that tells apart
    what renders differently (Markup from text, True from 1); None if it holds anything
    else, which is then drawn without being remembered."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, bool) or value is None:
        return ("const", value)
    if isinstance(value, int | float):
        return ("number", type(value).__name__, value)
    if isinstance(value, dict):
        items = []
        for name, item in value.items():
            frozen = _frozen(item)
            if frozen is None or not isinstance(name, str):
                return None
            items.append((name, frozen))
        return ("dict", tuple(sorted(items)))
    if isinstance(value, list | tuple):
        members = [_frozen(item) for item in value]
        return None if any(m is None for m in members) else ("list", tuple(members))
    return None


class WidgetCache:
    """The HTML of the fields drawn most recently, at most `size` of them (the least
    recently used goes first). Thread-safe, for threaded workers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, html: Markup) -> None:
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
