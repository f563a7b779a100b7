"""``sms://`` (an HTTP gateway described as an api tool) and ``svc://`` (a named HTTP service,
the api machinery), run by ``fdl run`` against a real HTTP server on loopback (tools.md §6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from stdlib.config import ConfigError, project_config
from tests._http import JsonHandler, LocalServer, serving
from tests.fdl.test_cli_adapters import invoke, output_of, write


class _Gateway(JsonHandler):
    def do_POST(self) -> None:
        sent = self.read_json()
        self.server.log.append({"path": self.path, "body": sent,
                                "key": self.headers.get("Idempotency-Key")})
        status = 400 if sent.get("to") == "bad" else 200
        self.reply(status, {"accepted": status == 200, "id": "sms-1"})


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    monkeypatch.chdir(tmp_path)
    with serving(_Gateway) as server:
        write("fdl.yaml", f"""\
            tools: tools/
            services:
                sms-gateway: {{url: '{server.url}'}}
            sms:
                default: {{tool: 'api://sms-gateway/send'}}
        """)
        write("tools/send.yaml", """\
            type: api
            code: sms-gateway/send
            args: {in: {to: string, content: string}}
            config: {method: POST, path: /messages}
        """)
        yield server


SMS_FLOW = """\
    flow:
        name: Page
        args: {in: {to: string}}
        node:
            page:
                exec: sms://default/send
                args: content = 'disk full'
"""


def test_sms_send_calls_the_gateways_api_tool(gateway: LocalServer) -> None:
    write("flows/page.yaml", SMS_FLOW)
    result = invoke("run", "flows/page.yaml", "--set", "to=+8613800000000", "--json")
    assert output_of(result)["output"] == {"accepted": True, "id": "sms-1"}
    [request] = gateway.log
    assert request["path"] == "/messages"
    assert request["body"] == {"to": "+8613800000000", "content": "disk full"}
    assert request["key"]  # the call's idempotency key travels to the gateway


def test_the_gateways_error_is_the_sms_calls_error(gateway: LocalServer) -> None:
    write("flows/page.yaml", SMS_FLOW)
    result = invoke("run", "flows/page.yaml", "--set", "to=bad", "--json")
    assert json.loads(result.stdout)["error"]["code"] == "400"


def test_an_sms_gateway_the_project_does_not_have_is_f406(gateway: LocalServer) -> None:
    write("fdl.yaml", "tools: tools/\nsms:\n    default: {tool: 'api://nowhere/send'}\n")
    write("flows/page.yaml", SMS_FLOW)
    result = invoke("run", "flows/page.yaml", "--set", "to=1", "--json")
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "F406" and "api://nowhere/send" in error["message"]


def test_fdl_check_knows_the_arguments_of_sms_send(gateway: LocalServer) -> None:
    write("flows/page.yaml", SMS_FLOW.replace("content =", "contnet ="))
    result = invoke("check", "flows/page.yaml")
    assert result.exit_code == 1 and "contnet" in result.output


@pytest.mark.parametrize("tool", ["'sms://default/send'", "'api://x/y?timeout=5'", "x"])
def test_an_sms_entry_names_a_tool_uri_without_options(tmp_path: Path, tool: str) -> None:
    (tmp_path / "fdl.yaml").write_text(f"sms:\n    default: {{tool: {tool}}}\n")
    with pytest.raises(ConfigError) as caught:
        project_config(tmp_path)
    assert caught.value.key == "sms.default.tool" and caught.value.line == 2


def test_svc_calls_a_named_service_like_api(gateway: LocalServer) -> None:
    write("tools/notify.yaml", """\
        type: svc
        code: sms-gateway/notify
        args: {in: {to: string, content: string}}
        config: {method: POST, path: /messages}
    """)
    write("flows/notify.yaml", """\
        flow:
            name: Notify
            node:
                call:
                    exec: svc://sms-gateway/notify
                    args: to = 'x', content = 'y'
    """)
    result = invoke("run", "flows/notify.yaml", "--json")
    assert output_of(result)["output"]["id"] == "sms-1"
    assert gateway.log[0]["body"] == {"to": "x", "content": "y"}
