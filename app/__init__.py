"""The application factory."""

from __future__ import annotations

import os

from flask import Flask

from app.web.form_encoding import Utf8Request
from config import INSTANCE_DIR, Config


class ConfigurationError(SystemExit):
    """Raised at start-up when the configuration must not serve (one line, exit 1)."""


def create_app(config: Config | None = None) -> Flask:
    if config is None:
        try:
            config = Config()
        except ValueError as error:  # a setting that cannot be read, such as a bad date
            raise ConfigurationError(f"Permit will not start: {error}") from None
    problems = config.problems()
    if problems:
        where = " in production" if config.PERMIT_ENV == "production" else ""
        raise ConfigurationError(f"Permit will not start{where}: " + "; ".join(problems))
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        # app/static/ is filled by `make assets`; GOV.UK Frontend's CSS asks for /assets/...
        static_url_path="/assets",
    )
    # A url-encoded form that is not UTF-8 is refused (400), never read as something else.
    app.request_class = Utf8Request
    app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    register_extensions(app)
    register_metrics(app)
    register_templates(app)
    register_access_control(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table known before the first query)
    from app.database import configure_engine, engine_options
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.security import passwords
    from app.web import headers, logs, request_checks
    from app.web.login import load_user

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    configure_engine(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # the sign-in page says what to do; no banner
    login_manager.user_loader(load_user)
    request_checks.init_app(app)  # before CSRF: a body that is not a form is not read at all
    csrf.init_app(app)
    limiter.init_app(app)
    passwords.init_app(app)
    logs.init_app(app)
    headers.init_app(app)


def register_metrics(app: Flask) -> None:
    """Request latency and decisions, counted for Prometheus (app.metrics, docs/metrics.md)."""
    from app.metrics import init_app

    init_app(app)


def register_templates(app: Flask) -> None:
    from app.web.templating import register_templates as register

    register(app)


def register_access_control(app: Flask) -> None:
    """Deny by default: every page needs a signed-in person (app.web.guards)."""
    from app.web.guards import require_signed_in_user

    app.before_request(require_signed_in_user)


def register_blueprints(app: Flask) -> None:
    from app.api import init_api
    from app.health import blueprint as health
    from app.screens.account import blueprint as account
    from app.screens.admin import blueprint as admin
    from app.screens.audit_log import blueprint as audit_log
    from app.screens.auth import blueprint as auth
    from app.screens.register import blueprint as register
    from app.screens.requests import blueprint as requests
    from app.screens.review import blueprint as review

    app.register_blueprint(health)
    app.register_blueprint(auth)
    app.register_blueprint(account)
    app.register_blueprint(requests)
    app.register_blueprint(review)
    app.register_blueprint(audit_log)
    app.register_blueprint(admin)
    app.register_blueprint(register)
    init_api(app)  # the JSON API, on an Api object of this app's own (app.api)


def register_errorhandlers(app: Flask) -> None:
    from app.web.errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import (
        api_cli,
        audit_cli,
        demo_serve_command,
        lifecycle_cli,
        notify_cli,
        seed_demo_command,
        seed_reference_command,
        seed_scale_command,
        sla_cli,
        users_cli,
    )

    app.cli.add_command(seed_reference_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_serve_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(lifecycle_cli)
    app.cli.add_command(api_cli)
