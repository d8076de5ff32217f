"""`seed-reference` and `seed-demo`."""

from __future__ import annotations

import sys

import click
from flask import current_app

from app.extensions import db
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS, seed_demo_data
from app.seed.reference import ensure_reference_data
from app.seed.scale import gather_statistics, seed_scale


@click.command("seed-reference")
def seed_reference_command() -> None:
    """Add the departments, stages and platforms every installation needs."""
    added = ensure_reference_data()
    db.session.commit()
    click.echo(
        "Reference data: {departments} departments, {stages} stages, "
        "{platforms} platforms added.".format(**added)
    )


@click.command("seed-demo")
@click.option(
    "--password",
    default=DEFAULT_DEMO_PASSWORD,
    show_default=True,
    help="Password for demo users created by this run.",
)
def seed_demo_command(password: str) -> None:
    """Add demo users and requests in every status (never in production)."""
    if current_app.config["PERMIT_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production")
    result = seed_demo_data(password)
    db.session.commit()
    click.echo(f"Demo data ready: {result['requests_created']} requests created.")
    click.echo("Sign in as any of these (users created earlier keep their password):")
    for demo in DEMO_USERS:
        fresh = demo.email in result["users_created"]  # type: ignore[operator]
        click.echo(
            f"  {', '.join(demo.roles):<10} {demo.email:<32} "
            f"{password if fresh else '(unchanged)'}"
            + (f"  stages: {', '.join(demo.stages)}" if demo.stages else "")
            + (f"  department: {demo.department}" if demo.department else "")
        )


@click.command("seed-scale")
@click.option("--requests", "requests", type=click.IntRange(0), default=1000, show_default=True)
@click.option("--events", "events", type=click.IntRange(0), default=100_000, show_default=True)
def seed_scale_command(requests: int, events: int) -> None:
    """Add many requests and a long, valid audit chain quickly (never in production)."""
    if current_app.config["PERMIT_ENV"] == "production":
        raise click.ClickException("seed-scale refuses to run in production")
    with click.progressbar(length=events, label="Events", file=sys.stderr) as bar:
        result = seed_scale(requests, events, progress=bar.update)
    db.session.commit()
    gather_statistics()
    click.echo(
        f"Added {result.requests} requests and {result.events} events "
        "(and, on a database without them, the demo users and requests)."
    )
    click.echo(f"Chain head: {result.head_seq}:{result.head_hash}")
