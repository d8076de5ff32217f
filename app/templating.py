"""Jinja set-up: the GOV.UK macro packages on the loader path, filters and globals.

Templates import components by package prefix, for example
`{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}`,
and render WTForms fields with govuk-frontend-wtf widgets (`wtforms_errors(form)` builds
an error summary's options).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from app import formatting
from app.navigation import navigation_items
from app.security_headers import csp_nonce


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
    app.add_template_filter(formatting.uk_date, "uk_date")
    app.add_template_filter(formatting.uk_day_date, "uk_day_date")
    app.add_template_filter(formatting.uk_time, "uk_time")
    app.add_template_filter(formatting.uk_datetime, "uk_datetime")
    app.add_template_filter(formatting.iso_datetime, "iso_datetime")
    app.add_template_filter(formatting.thousands, "thousands")
    app.add_template_filter(formatting.or_dash, "or_dash")
    app.add_template_global(formatting.empty_cell, "empty_cell")
    app.add_template_global(formatting.status_tag_params, "status_tag_params")
    app.add_template_global(navigation_items, "navigation_items")
    app.jinja_env.globals["service_name"] = formatting.SERVICE_NAME
    app.context_processor(_per_response_values)


def _per_response_values() -> dict[str, Any]:
    # govuk_frontend_jinja/template.html puts `cspNonce` on its one inline script.
    return {"cspNonce": csp_nonce()}
