"""Form bodies must be UTF-8: our pages are, and a browser sends a form in its page's
encoding, so anything else was made by hand.

Werkzeug decodes a url-encoded body leniently: percent-escapes that are not UTF-8 once
decoded (`%ff%fe`, an encoded lone surrogate `%ed%a0%80`) come back re-quoted as the
text "%FF%FE", and would be stored as characters nobody typed. `Utf8Request` refuses
such a body with 400 the first time anything reads the form (CSRFProtect, before any
view), so no check downstream has to think about it (ASVS 5.1.3).

Multipart bodies are left to Werkzeug (it puts U+FFFD for bytes that are not UTF-8):
no form of ours sends one.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser

if TYPE_CHECKING:
    from werkzeug.formparser import t_parse_result

URLENCODED = "application/x-www-form-urlencoded"
NOT_UTF8 = "The form was sent in a way the service cannot read. Go back and try again."


def is_utf8_form(body: bytes) -> bool:
    """True when `body` and every percent-escape in it decode as UTF-8."""
    try:
        parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


class Utf8FormDataParser(FormDataParser):
    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> t_parse_result:
        if mimetype != URLENCODED:
            return super().parse(stream, mimetype, content_length, options)
        # The stream is already limited to MAX_CONTENT_LENGTH: reading it whole is safe.
        body = stream.read()
        if not is_utf8_form(body):
            raise BadRequest(NOT_UTF8)
        return super().parse(io.BytesIO(body), mimetype, content_length, options)


class Utf8Request(Request):
    """Flask's request, refusing a url-encoded form that is not UTF-8 (400)."""

    form_data_parser_class = Utf8FormDataParser
