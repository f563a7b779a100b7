"""``schemathesis`` against the running service's ``/openapi.json``: on every operation,
a bounded number of generated requests (with a valid key), none of which may get a 5xx,
and every answer must conform to the documented schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ._server import Server
from .test_tools import CUSTOMER

MAX_EXAMPLES = 8
"""Generated requests per operation (bounded so the suite stays quick; derandomized, so a
run is repeatable: widen it locally with a larger number to hunt for more)."""


def test_no_generated_request_gets_a_server_error(server: Server,
                                                  keys: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {keys['a']}"}
    with server.client(keys["a"]) as client:
        assert client.post("/v1/tools", json=CUSTOMER).status_code == 201
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        if operation.path == "/v1/runs/{run_id}/events":
            continue  # a stream of a run that does not exist: 404, checked elsewhere
        try:
            _fuzz(operation, server.url, headers)
        except Exception as error:
            pytest.fail(f"{operation.method.upper()} {operation.path}: {error}")


def _fuzz(operation: Any, url: str, headers: dict[str, str]) -> None:
    """``MAX_EXAMPLES`` generated requests of ``operation``, each answer checked."""

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        response = case.call(base_url=url, headers=headers, timeout=30)
        case.validate_response(response, checks=[not_a_server_error,
                                                 response_schema_conformance])

    check()
