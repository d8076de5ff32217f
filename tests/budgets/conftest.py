"""The API's and the screens' fixtures, for counting what their calls cost."""

from tests.api.conftest import api_client_for  # noqa: F401  (fixture)
from tests.web.conftest import client, client_for  # noqa: F401  (fixtures)
