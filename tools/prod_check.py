"""`make prod-check`: Permit as production runs it, on this machine, in about a minute.

Two gunicorn instances (gunicorn.conf.py) on two ports, against one throw-away PostgreSQL
database and one Redis database, sharing SECRET_KEY as a deployment's instances do; the
migrations run once as a release step before either starts (docs/deploy.md). Then a
journey across both: a person signs in on one and carries on on the other, a request is
filed on one and decided stage by stage on the other, a sign-in rate limit reached on
one holds on the other, a sign-out on one ends the session on both, and the audit chain
verifies. One line per check; exit status 1 at the first that fails.

    .venv/bin/python tools/prod_check.py [--database-url URL] [--redis-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import instances
from permit_client import DRAFT, Answer, Browser, People, csrf_token

PASSWORD = "violet-harbour-quietly-42"
OFFICER = "officer@example.gov.uk"
APPROVERS = {
    "security": "security@example.gov.uk",
    "no10": "no10@example.gov.uk",
    "cabinet_office": "cabinet.office@example.gov.uk",
}


class CheckFailed(Exception):
    pass


class Checks:
    """Prints one line per check as it passes; the first failure stops the run."""

    def __init__(self) -> None:
        self.passed = 0

    def check(self, name: str, step: Callable[[], str | None]) -> None:
        started = time.perf_counter()
        try:
            detail = step()
        except Exception as error:
            print(f"FAIL  {name}: {error}", flush=True)
            raise CheckFailed(name) from error
        self.passed += 1
        took = time.perf_counter() - started
        print(f"PASS  {name}" + (f" ({detail})" if detail else "") + f" [{took:.1f} s]", flush=True)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def carried_to(browser: Browser, port: int) -> Browser:
    """The same person's cookies, sent to another instance."""
    other = Browser(port)
    other.cookies = dict(browser.cookies)
    return other


def api(
    browser: Browser,
    token: str,
    method: str,
    path: str,
    *,
    body: object = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    sent = {"Authorization": f"Bearer {token}", **(headers or {})}
    return browser.call(method, path, body=body, headers=sent)


def decide_on_the_web(browser: Browser, reference: str) -> int:
    """Approve the stage waiting for this approver, through the decision page."""
    page = browser.call("GET", f"/review/{reference}/decide")
    expect(page.status == 200, f"the decision page answered {page.status}")
    stage = re.search(r'name="stage"[^>]*value="([^"]*)"', page.text)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page.text)
    expect(bool(stage and version), "the decision page has no stage or version")
    assert stage and version
    form = [
        ("csrf_token", csrf_token(page)),
        ("outcome", "approve"),
        ("stage", stage.group(1)),
        ("version", version.group(1)),
    ]
    answer = browser.call("POST", f"/review/{reference}/decide", form=form)
    return answer.status


def sign_in_attempt(browser: Browser, email: str) -> int:
    page = browser.call("GET", "/sign-in")
    form = [("csrf_token", csrf_token(page)), ("email", email), ("password", "not-the-password")]
    # An address of its own (PERMIT_PROXY_HOPS=1), so that only the account's limit counts.
    headers = {"X-Forwarded-For": "203.0.113.7"}
    return browser.call("POST", "/sign-in", form=form, headers=headers).status


def run(args: argparse.Namespace, folder: Path) -> int:
    checks = Checks()
    env = instances.production_env(
        args.database_url,
        redis_url=args.redis_url,
        secret_key=secrets.token_urlsafe(48),
        PERMIT_VERSION="prod-check",
    )
    seeding = {**env, "PERMIT_ENV": "development"}
    started: list[instances.Instance] = []

    def release() -> str:
        instances.run_flask(["db", "upgrade"], env=env)
        instances.run_flask(["seed-demo", "--password", PASSWORD], env=seeding)
        return "db upgrade once, then seed-demo"

    checks.check("release step: migrations before any instance starts", release)

    metrics_ports: dict[str, int] = {}

    def start_both() -> str:
        for name in ("a", "b"):
            # Each instance serves its metrics on a private port of its own (docs/metrics.md).
            metrics_ports[name] = instances.free_port()
            own = {**env, "METRICS_BIND": f"127.0.0.1:{metrics_ports[name]}"}
            one = instances.instance(
                name, env=own, workers=args.workers, log=folder / f"{name}.log"
            )
            started.append(one.start(ready="/readyz"))
        return ", ".join(f"{one.name} on :{one.port}" for one in started)

    checks.check(f"two instances under gunicorn -w {args.workers} answer /readyz", start_both)
    a, b = started
    people = {a.port: People(a.port, PASSWORD), b.port: People(b.port, PASSWORD)}
    state: dict[str, object] = {}

    def session_crosses() -> str:
        officer = people[a.port].sign_in(OFFICER)
        state["officer"] = officer
        home = carried_to(officer, b.port).call("GET", "/", follow=True)
        expect(home.status == 200, f"b answered {home.status}")
        expect(not home.path.startswith("/sign-in"), f"b sent the officer to {home.path}")
        return "signed in on a, the home page on b"

    checks.check("a session started on one instance is good on the other", session_crosses)

    def file_request() -> str:
        officer = state["officer"]
        assert isinstance(officer, Browser)
        token = people[a.port].token(officer, ["requests:read", "requests:write"])
        on_b = Browser(b.port)
        key = {"Idempotency-Key": secrets.token_hex(16)}
        made = api(on_b, token, "POST", "/api/v1/requests", body=DRAFT, headers=key)
        expect(made.status == 201, f"create on b answered {made.status}: {made.text[:200]}")
        reference = made.json()["reference"]
        submit = {"If-Match": made.headers["ETag"], "Idempotency-Key": secrets.token_hex(16)}
        on_a = Browser(a.port)
        done = api(on_a, token, "POST", f"/api/v1/requests/{reference}/submit", headers=submit)
        expect(done.status == 200, f"submit on a answered {done.status}")
        state["reference"], state["token"] = reference, token
        return f"{reference}: created on b, submitted on a"

    checks.check(
        "a request filed through the API on one instance, submitted on the other", file_request
    )

    def decide_across() -> str:
        reference = str(state["reference"])
        ports = [a.port, b.port]
        steps = []
        for number, (stage, email) in enumerate(APPROVERS.items()):
            sign_in_port, decide_port = ports[number % 2], ports[(number + 1) % 2]
            approver = people[sign_in_port].sign_in(email)
            status = decide_on_the_web(carried_to(approver, decide_port), reference)
            expect(status == 302, f"{stage}'s decision on :{decide_port} answered {status}")
            steps.append(f"{stage} :{sign_in_port}→:{decide_port}")
        on_a = Browser(a.port)
        seen = api(on_a, str(state["token"]), "GET", f"/api/v1/requests/{reference}")
        status = seen.json()["status"]
        expect(status == "approved", f"the request is {status}, not approved")
        return "; ".join(steps) + "; approved"

    checks.check("three stages signed in on one instance, decided on the other", decide_across)

    def shared_limit() -> str:
        email = f"limit-{secrets.token_hex(4)}@example.gov.uk"
        on_a, on_b = Browser(a.port), Browser(b.port)
        statuses = [sign_in_attempt(on_a, email) for _ in range(10)]
        expect(429 not in statuses, f"a refused before its limit: {statuses}")
        last = sign_in_attempt(on_b, email)
        expect(last == 429, f"the 11th attempt, on b, answered {last}")
        return "10 wrong passwords on a, the 11th refused by b with 429"

    checks.check("a sign-in rate limit reached on one instance holds on the other", shared_limit)

    def sign_out_everywhere() -> str:
        officer = state["officer"]
        assert isinstance(officer, Browser)
        on_b = carried_to(officer, b.port)
        page = on_b.call("GET", "/", follow=True)
        on_b.call("POST", "/sign-out", form=[("csrf_token", csrf_token(page))])
        home = Browser(a.port)
        home.cookies = dict(officer.cookies)
        after = home.call("GET", "/", follow=True)
        expect(after.path.startswith("/sign-in"), f"a still served {after.path} after sign-out")
        return "signed out on b; a asks for a sign-in"

    checks.check("signing out on one instance ends the session on the other", sign_out_everywhere)

    def metrics_add_up() -> str:
        decisions = 0.0
        for one in started:
            status, body = instances.get(metrics_ports[one.name], "/metrics")
            expect(status == 200, f"{one.name}'s metrics answered {status}")
            text = body.decode()
            decisions += sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("permit_decisions_total{") and 'outcome="approve"' in line
            )
            expect("permit_database_up 1.0" in text, f"{one.name}: the database is not up")
            # Anonymous on the public port: sent to sign in, as for any page, never metrics.
            public, served = instances.get(one.port, "/metrics")
            expect(
                public in (302, 404) and b"permit_" not in served,
                f"{one.name}'s public port answered {public} for /metrics",
            )
        expect(decisions == 3, f"the instances counted {decisions:g} approvals, not 3")
        return "3 approvals counted across both; none on the public ports"

    checks.check("each instance's private metrics, summed, count the journey", metrics_add_up)

    def stop_gracefully() -> str:
        codes = []
        for one in started:
            one.stop()
            assert one.process is not None
            codes.append(one.process.returncode)
        expect(codes == [0, 0], f"exit statuses {codes}")
        return "SIGTERM; both exited 0"

    checks.check("both instances stop gracefully", stop_gracefully)

    def verify() -> str:
        output = instances.run_flask(["audit", "verify"], env=seeding)
        return output.strip().splitlines()[0]

    checks.check("the audit chain verifies", verify)
    print(f"prod-check: all {checks.passed} checks passed", flush=True)
    return 0


def throwaway_database() -> tuple[str, Callable[[], None]]:
    name = f"permit_prodcheck_{os.getpid()}_{int(time.time())}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)

    def drop() -> None:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: made)")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/13", help="rate limits (flushed first)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w for each instance")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args(argv)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if not args.database_url:
        args.database_url, drop = throwaway_database()
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)
    folder = Path(tempfile.mkdtemp(prefix="permit-prod-check-"))
    print(f"prod-check: PostgreSQL {args.database_url}, Redis {args.redis_url}, logs in {folder}")
    try:
        return run(args, folder)
    except CheckFailed:
        for log in sorted(folder.glob("*.log")):
            print(f"--- {log.name} (last lines)\n{log.read_text(errors='replace')[-2000:]}")
        return 1
    finally:
        instances.stop_all()
        if args.keep:
            print(f"kept: {args.database_url} and {folder}")
        else:
            drop()


if __name__ == "__main__":
    sys.exit(main())
