"""The people and requests a fault test needs, made in the deployment's own database by
the app's own operations, run as a program with the instance's environment:

    python -m tests.faults.cast --approvers 50 --requests 2   (prints JSON on stdout)

- approvers of the security stage (racer1@example.gov.uk ...), made by `create_user`
  without a password; each gets a personal API token (`create_api_token`, as the Account
  page makes one) and a signed-in web session, opened by `app.web.login.start_session` (what
  the sign-in pages call once every factor has passed) and put in a cookie by the app's own
  session interface, signed with the deployment's SECRET_KEY. Signing fifty approvers in
  through the pages would cost each a password hash and a TOTP step; the session the
  server then keeps is this one.
- requests filed by seed-demo's officer and submitted (create_request, submit_request):
  each waits for the security stage;
- a token for that officer, to create requests through the API.

Nothing here reaches the running instances: they see the rows, as they would see rows
written by another instance.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from typing import Any

from flask import Flask, session
from sqlalchemy import select

from app import create_app
from app.audit.chain import Client
from app.extensions import db
from app.models.platforms import Platform
from app.models.users import User
from app.operations.create_api_token import create_api_token
from app.operations.create_request import create_request
from app.operations.create_user import create_user
from app.operations.submit_request import submit_request
from app.rules.roles import Role
from app.rules.workflow import RequestKind
from app.security.api_tokens import Scope
from app.web.login import start_session

#: seed-demo's officer (app/seed/demo.py), in DSIT.
OFFICER = "officer@example.gov.uk"
STAGE = "security"


def content(number: int) -> dict[str, Any]:
    """A request complete enough to submit, starting a month from today."""
    start = date.today() + timedelta(days=30)
    return {
        "kind": RequestKind.NEW_ACCOUNT,
        "account_handle": f"@dsit_fault_{number}",
        "purpose": "Reach young people with public health messages",
        "target_audience": "16 to 24 year olds in the UK",
        "justification": "They are not reached by our other channels",
        "start_date": start,
        "end_date": start + timedelta(days=180),
        "senior_responsible_owner": "Director of Communications",
        "account_managers": "Two named members of the digital team",
        "device_arrangement": "A dedicated phone kept in a locked cabinet",
        "device_attestation": True,
        "dpia_reference": "DPIA-2026-001",
        "ad_budget_pounds": None,
        "risk_mitigations": "Two-person rule for every post",
    }


def session_cookie(app: Flask, user: User) -> str:
    """`name=value` of a cookie holding a new signed-in session of `user`."""
    with app.test_request_context("/", base_url="https://127.0.0.1"):
        start_session(user, client=Client(address="127.0.0.1"))
        db.session.commit()
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        return response.headers["Set-Cookie"].split(";", 1)[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--approvers", type=int, default=0)
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--first", type=int, default=1, help="number of the first approver")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        platform = db.session.scalar(select(Platform).where(Platform.name == "TikTok"))
        if officer is None or platform is None:
            raise SystemExit("run seed-demo first: no officer or no TikTok")
        references = []
        for number in range(args.requests):
            access_request = create_request(officer, platform=platform, content=content(number))
            submit_request(access_request, officer)
            references.append(access_request.reference)
        _, officer_token = create_api_token(
            officer,
            name="Fault test",
            scopes=[Scope.REQUESTS_READ, Scope.REQUESTS_WRITE],
            expires_in_days=30,
        )
        db.session.commit()
        approvers = []
        for number in range(args.first, args.first + args.approvers):
            email = f"racer{number}@example.gov.uk"
            user = create_user(
                None,
                email=email,
                display_name=f"Racer {number}",
                password=None,
                roles={Role.APPROVER},
                stage_codes={STAGE},
            )
            _, token = create_api_token(
                user,
                name="Fault test",
                scopes=[Scope.REQUESTS_READ, Scope.DECISIONS_WRITE],
                expires_in_days=30,
            )
            db.session.commit()
            approvers.append({"email": email, "token": token, "cookie": session_cookie(app, user)})
    json.dump(
        {"requests": references, "officer_token": officer_token, "approvers": approvers},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
