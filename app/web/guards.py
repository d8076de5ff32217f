"""Who may reach a page. Deny by default: every endpoint needs a signed-in person except
the few listed in PUBLIC_ENDPOINTS; `role_required` then narrows a view to some roles.

    @blueprint.get("/")
    @role_required(Role.AUDITOR)
    def index() -> str: ...

or, for every view of a blueprint at once:

    blueprint.before_request(roles_guard(Role.AUDITOR))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import login_manager
from app.rules.roles import Role
from app.web.client import is_api_request

P = ParamSpec("P")
R = TypeVar("R")

#: Endpoints anyone may reach without signing in. Add to this list with care.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.sign_in",
        # Single sign-on: off the service to the provider, and back with its answer.
        "auth.sso_start",
        "auth.sso_callback",
        # A one-time link to set a password: the signed token is the proof.
        "auth.set_password",
        # The second step of signing in: each needs a pending sign-in (a right password).
        "auth.second_factor",
        "auth.recovery_code",
        "auth.set_up_two_factor",
        "auth.finish_two_factor_set_up",
        # The public register: 404 unless PERMIT_PUBLIC_REGISTER=1; nothing internal on it.
        "register.public",
        "health.healthz",
        "health.readyz",
        "static",
    }
)


def require_signed_in_user() -> ResponseReturnValue | None:
    """before_request for the whole app: send a signed-out person to sign in.

    Paths under /api/ are the JSON API's: it checks its own Bearer token on every call
    and never reads the session cookie (app.api.auth), so the cookie is not looked at here
    either, and an unknown /api/ path is a 404 problem rather than a trip to sign in.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or is_api_request() or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def check_roles(*roles: Role) -> None:
    """Abort with 403 unless the signed-in person holds at least one of `roles`."""
    if not any(current_user.has_role(role) for role in roles):
        abort(403)


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view so only people holding one of `roles` reach it (403 otherwise)."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()  # type: ignore[no-any-return]
            check_roles(*roles)
            return view(*args, **kwargs)

        return guarded

    return decorator


def roles_guard(*roles: Role) -> Callable[[], None]:
    """A before_request hook limiting a whole blueprint to `roles`."""
    if not roles:
        raise ValueError("roles_guard needs at least one role")

    def guard() -> None:
        if current_user.is_authenticated:  # the app-wide guard sends others to sign in
            check_roles(*roles)

    return guard
