"""Command-line tools: `flask --app wsgi <command>`."""

from app.cli.api import api_cli
from app.cli.audit import audit_cli
from app.cli.demo import demo_serve_command
from app.cli.lifecycle import lifecycle_cli
from app.cli.notify import notify_cli
from app.cli.seed import seed_demo_command, seed_reference_command, seed_scale_command
from app.cli.sla import sla_cli
from app.cli.users import users_cli

__all__ = [
    "api_cli",
    "audit_cli",
    "demo_serve_command",
    "lifecycle_cli",
    "notify_cli",
    "seed_demo_command",
    "seed_reference_command",
    "seed_scale_command",
    "sla_cli",
    "users_cli",
]
