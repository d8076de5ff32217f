"""The application factory."""

from __future__ import annotations

import os

from flask import Flask

from config import INSTANCE_DIR, Config


class ConfigurationError(SystemExit):
    """Raised at start-up when the configuration must not serve (one line, exit 1)."""


def create_app(config: Config | None = None) -> Flask:
    config = config if config is not None else Config()
    problems = config.problems()
    if problems:
        raise ConfigurationError("Permit will not start in production: " + "; ".join(problems))
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
    )
    app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import (
        models,
        passwords,
    )
    from app.database import configure_engine
    from app.extensions import csrf, db, login_manager, migrate

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
    csrf.init_app(app)
    passwords.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> models.User | None:
        user = db.session.get(models.User, int(user_id))
        return user if user is not None and user.active else None


def register_blueprints(app: Flask) -> None:
    from app.health import blueprint as health

    app.register_blueprint(health)


def register_commands(app: Flask) -> None:
    from app.cli import audit_cli, seed_demo_command, seed_reference_command, users_cli

    app.cli.add_command(seed_reference_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
