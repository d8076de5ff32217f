"""Every call that changes something runs as one unit of work, committed once at the edge:

1. with an Idempotency-Key (POST only), claim the key or replay its stored answer
   (app.api.idempotency);
2. run the view: it loads the request, checks If-Match, and calls one operation, which
   appends the change's own audit event;
3. store the answer with the key, and commit: the change, its event and the key's answer
   together. The operation's event says which token made the change (its payload's
   `api_token`, from app.web.client.client_from_request): one event per change.

A workflow refusal rolls the change back and becomes its problem (app.web.problems); its
answer is stored with the key too, so a repeat gets the same refusal. Anything refused
before the operation (an HTTP error: 404, 412, 422 ...) or a server error lets the key go.

    @blueprint.route("/requests/<reference>/submit", methods=["POST"])
    @requires(Scope.REQUESTS_WRITE)
    @write(idempotent=True)
    @blueprint.response(200, RequestSchema)
    def submit(reference): ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from flask import Response, request

from app.api import idempotency
from app.api.auth import current_token
from app.extensions import db
from app.rules.workflow import Refusal
from app.web.problems import problem_for_refusal

#: What a view under `write` returns for flask-smorest to finish: the request, and its
#: status and headers (ETag, Location).
Answer = tuple[Any, ...]

#: The Idempotency-Key header, as the document describes it for every POST.
IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any 1 to 255 printable ASCII characters (a UUID will do). A repeat of the same "
        "call with the same key gets the first answer again, with Idempotent-Replayed: "
        "true, and changes nothing; the same key with another body is a 422; a repeat "
        "while the first is still running is a 409. Keys are kept at least 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX},
}


def write(*, idempotent: bool) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Run the view (which returns the finished Response) as one unit of work;
    `idempotent` for the POSTs, which take an Idempotency-Key."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def unit_of_work(*args: Any, **kwargs: Any) -> Response:
            token = current_token()
            held = None
            key = request.headers.get(idempotency.HEADER) if idempotent else None
            if key is not None:
                digest = idempotency.fingerprint(request.method, request.path, request.get_data())
                claimed = idempotency.claim(token.user_id, key, digest)
                if isinstance(claimed, Response):
                    return claimed
                held = claimed
            try:
                response: Response = view(*args, **kwargs)
            except Refusal as refusal:
                db.session.rollback()
                response = problem_for_refusal(refusal)
                if held is not None:
                    idempotency.complete(held, response)
                    db.session.commit()
                return response
            except BaseException:
                if held is not None:
                    idempotency.release(held)
                else:
                    db.session.rollback()
                raise
            try:
                if held is not None:
                    idempotency.complete(held, response)
                db.session.commit()
            except BaseException:
                if held is not None:
                    idempotency.release(held)
                else:
                    db.session.rollback()
                raise
            return response

        if idempotent:
            doc = deepcopy(getattr(view, "_apidoc", {}))
            manual = doc.setdefault("manual_doc", {})
            manual["parameters"] = [*manual.get("parameters", []), IDEMPOTENCY_KEY_PARAMETER]
            responses = doc.setdefault("response", {}).setdefault("responses", {})
            responses.setdefault(409, []).append("CONFLICT")
            responses.setdefault(422, []).append("UNPROCESSABLE_ENTITY")
            unit_of_work._apidoc = doc  # type: ignore[attr-defined]
        return unit_of_work

    return decorator
