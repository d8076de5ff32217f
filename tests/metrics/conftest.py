"""The metrics tests use the browser's and the API's fixtures: a signed-in `client_for`
and `api_client_for`, as the screens' and the API's own tests do."""

from __future__ import annotations

from tests.api.conftest import api_client_for  # noqa: F401  (a fixture)
from tests.web.conftest import client, client_for  # noqa: F401  (fixtures)
