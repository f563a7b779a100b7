"""E301's did-you-mean compares a tool code part by part: the service first, then the
operation of that service (compiler.toolcodes)."""

from __future__ import annotations

import pytest

from compiler import StaticCatalog, ToolSignature
from compiler.toolcodes import operations_of, split_code, suggest_code

from .conftest import compile_text

CODES = ["crm-service/user", "crm-service/customer", "ec-service/order", "ec.order/count",
         "ec.order/list", "mail-service/send"]


@pytest.mark.parametrize(("code", "expected"), [
    ("ec-service/order_page", "ec-service/order"),   # its own service's closest operation
    ("ec-service/ordr", "ec-service/order"),         # a typo in the operation
    ("crm-servce/user", "crm-service/user"),         # a typo in the service
    ("crm-servce/custmer", "crm-service/customer"),  # in both
    ("crm-service/send", None),                      # send is mail-service's, not crm's
    ("shop/user", None),                             # no such service
    ("ec.order/cont", "ec.order/count"),             # a db table's operations
    ("CRM-Service/User", "crm-service/user"),        # case only
])
def test_suggestions_go_by_service_then_operation(code: str, expected: str | None) -> None:
    assert suggest_code(code, CODES) == expected


def test_a_service_that_is_not_known_gets_no_other_services_operation() -> None:
    # The whole codes are close (a long shared "-service/"), the parts are not.
    assert suggest_code("ec-service/order_page", ["crm-service/user"]) is None


def test_a_known_code_needs_no_suggestion() -> None:
    assert suggest_code("crm-service/user", CODES) is None


def test_codes_split_at_the_last_slash() -> None:
    assert split_code("a/b/c") == ("a/b", "c")
    assert split_code("plain") == ("plain", "")


def test_e301_does_not_suggest_an_unrelated_tool() -> None:
    catalog = StaticCatalog([ToolSignature("api", "crm-service/user"),
                             ToolSignature("api", "mail-service/send")])
    flow = """\
        flow:
            name: x
            node:
                page:
                    exec: api://ec-service/order_page
                typo:
                    exec: api://crm-servce/user
        """
    messages = [d.message for d in compile_text(flow, catalog).diagnostics if d.code == "E301"]
    assert messages == [
        "unknown tool 'api://ec-service/order_page'; register it or check the --tools folder",
        "unknown tool 'api://crm-servce/user'; did you mean 'api://crm-service/user'?"]


def test_the_operations_of_a_known_service_are_listed_when_none_is_close() -> None:
    codes = ["files/put", "files/get", "files/list", "crm/user"]
    assert suggest_code("files/upload", codes) is None
    assert operations_of("files/upload", codes) == ["get", "list", "put"]
    assert operations_of("nothing/upload", codes) == []
    assert operations_of("files", codes) == []
