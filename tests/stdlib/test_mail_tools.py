"""``mail://`` (stdlib/tools/mail.py, tools.md §6) against a real SMTP server: aiosmtpd,
started by each test on loopback (with STARTTLS on a trustme certificate where tested)."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trio
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from stdlib.config import ConfigError, project_config
from stdlib.tools import ToolCall, ToolError
from stdlib.tools.mail import Attachment, MailTools
from stdlib.tools.mail_config import MailConfig
from tests.fdl.test_cli_adapters import invoke, output_of, write

PASSWORD = "pa55-w0rd-xyz"


@dataclass
class Inbox:
    """What the server received."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def message(self, index: int = -1) -> EmailMessage:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    inbox: Inbox
    ca: Path | None = None


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                  data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"robot" and \
        data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def plain() -> Iterator[Server]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield Server(controller.port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Server]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=context, require_starttls=True,
                            authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield Server(controller.port, inbox, ca_file)
    finally:
        controller.stop()


def config(port: int, **more: Any) -> MailConfig:
    return MailConfig.model_validate({"host": "127.0.0.1", "port": port,
                                      "from": "Robot <robot@example.com>", **more})


def send(tools: MailTools, args: Mapping[str, Any], name: str = "default") -> Any:
    tool = tools.resolve(f"mail://{name}/send")
    assert tool is not None

    async def go() -> Any:
        return await tool.call(ToolCall(uri=f"mail://{name}/send",
                                        base=f"mail://{name}/send", type="mail",
                                        code=f"{name}/send", args=dict(args)))

    return trio.run(go)


def fails(tools: MailTools, args: Mapping[str, Any]) -> ToolError:
    with pytest.raises(ToolError) as caught:
        send(tools, args)
    return caught.value


MESSAGE = {"to": ["ann@example.com", "Bob <bob@example.com>"], "subject": "Disk full",
           "content": "The disk is full.", "cc": "ops@example.com",
           "bcc": ["audit@example.com"], "html": "<p>The disk is <b>full</b>.</p>"}


def test_a_mail_reaches_every_recipient_and_bcc_stays_hidden(plain: Server) -> None:
    result = send(MailTools({"default": config(plain.port)}), MESSAGE)
    envelope = plain.inbox.envelopes[0]
    assert envelope.mail_from == "robot@example.com"
    assert sorted(envelope.rcpt_tos) == ["ann@example.com", "audit@example.com",
                                         "bob@example.com", "ops@example.com"]
    message = plain.inbox.message()
    assert message["Message-ID"] == result["messageId"]
    assert result["messageId"].endswith("@example.com>")
    assert (message["Subject"], message["Cc"]) == ("Disk full", "ops@example.com")
    assert "Bcc" not in message
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and text.get_content().strip() == "The disk is full."
    assert html is not None and "<b>full</b>" in html.get_content()


def test_attachments_are_read_from_the_entrys_store(plain: Server) -> None:
    async def read(store: str, key: str) -> Attachment:
        return Attachment(key.rpartition("/")[2], f"{store}:{key}".encode(), "text/csv")

    tools = MailTools({"default": config(plain.port, store="files")}, attachments=read)
    send(tools, {**MESSAGE, "attachments": ["reports/today.csv"]})
    parts = list(plain.inbox.message().iter_attachments())
    assert [(p.get_filename(), p.get_content_type(), p.get_content()) for p in parts] == [
        ("today.csv", "text/csv", "files:reports/today.csv")]


def test_attachments_without_a_store_are_refused(plain: Server) -> None:
    error = fails(MailTools({"default": config(plain.port)}),
                  {**MESSAGE, "attachments": ["a.txt"]})
    assert error.code == "MAIL400" and "store" in error.message
    assert plain.inbox.envelopes == []


def test_starttls_and_login_with_credentials_from_the_environment(secured: Server) -> None:
    tools = MailTools({"default": config(secured.port, starttls=True, cafile=str(secured.ca),
                                         user_env="SMTP_USER", password_env="SMTP_PASSWORD")},
                      environ={"SMTP_USER": "robot", "SMTP_PASSWORD": PASSWORD})
    send(tools, MESSAGE)
    assert len(secured.inbox.envelopes) == 1


def test_a_refused_login_is_an_auth_error_without_the_password(secured: Server) -> None:
    tools = MailTools({"default": config(secured.port, starttls=True, cafile=str(secured.ca),
                                         user_env="SMTP_USER", password_env="SMTP_PASSWORD")},
                      environ={"SMTP_USER": "robot", "SMTP_PASSWORD": "wrong-" + PASSWORD})
    error = fails(tools, MESSAGE)
    assert (error.code, error.type) == ("MAIL401", "auth")
    assert PASSWORD not in str(error.to_dict())
    assert secured.inbox.envelopes == []


def test_an_untrusted_certificate_is_refused(secured: Server) -> None:
    error = fails(MailTools({"default": config(secured.port, starttls=True)}), MESSAGE)
    assert error.code == "MAIL503" and "certificate" in error.message.lower()


def test_starttls_is_required_when_configured(plain: Server) -> None:
    tools = MailTools({"default": config(plain.port, starttls=True)})
    error = fails(tools, MESSAGE)
    assert error.code == "MAIL502" and "STARTTLS" in error.message
    assert plain.inbox.envelopes == []


def test_a_missing_credential_variable_is_named(plain: Server) -> None:
    tools = MailTools({"default": config(plain.port, user_env="SMTP_USER",
                                         password_env="SMTP_PASSWORD")},
                      environ={"SMTP_USER": "robot"})
    error = fails(tools, MESSAGE)
    assert (error.code, error.type) == ("MAIL401", "auth")
    assert "SMTP_PASSWORD is not set" in error.message


def test_a_server_that_is_not_there_is_a_retryable_connection_error() -> None:
    error = fails(MailTools({"default": config(_free_port())}), MESSAGE)
    assert (error.code, error.type, error.retryable) == ("MAIL503", "connection", True)


@pytest.mark.parametrize(("args", "message"), [
    ({**MESSAGE, "to": []}, "at least one address"),
    ({**MESSAGE, "to": "not an address"}, "is not a mail address"),
    ({**MESSAGE, "cc": [1]}, "address or an array"),
    ({**MESSAGE, "subject": "two\nlines"}, "one line"),
])
def test_arguments_that_cannot_make_a_message_are_validation_errors(
        plain: Server, args: dict[str, Any], message: str) -> None:
    error = fails(MailTools({"default": config(plain.port)}), args)
    assert (error.code, error.type) == ("MAIL400", "validation")
    assert message in error.message


def test_only_configured_names_and_send_resolve() -> None:
    tools = MailTools({"default": config(25)})
    assert tools.resolve("mail://other/send") is None
    assert tools.resolve("mail://default/receive") is None


# ---------------------------------------------------------------------------- fdl.yaml


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("entry", "key", "message"), [
    ("{host: 127.0.0.1}", "mail.default", "from"),
    ("{host: 127.0.0.1, from: nobody}", "mail.default.from", "mail address"),
    ("{host: 127.0.0.1, from: a@b.c, password: x}", "mail.default.password", ""),
    ("{host: 127.0.0.1, from: a@b.c, user_env: U}", "mail.default", "go together"),
])
def test_a_bad_mail_entry_is_a_configuration_error_with_its_line(
        project: Path, entry: str, key: str, message: str) -> None:
    write("fdl.yaml", f"mail:\n    default: {entry}\n")
    with pytest.raises(ConfigError) as caught:
        project_config(project)
    assert caught.value.key is not None and caught.value.key.startswith(key)
    assert caught.value.line == 2 and message in caught.value.message


FLOW = """\
    flow:
        name: Alert
        args:
            in:
                level: string
        node:
            notify:
                exec: mail://ops/send
                args: to = 'oncall@example.com', subject = 'alert - ' + level, content = 'Look.'
"""


def test_fdl_run_sends_through_the_configured_server(project: Path, plain: Server) -> None:
    write("fdl.yaml", f"mail:\n    ops: {{host: 127.0.0.1, port: {plain.port}, from: "
                      "'alerts@example.com'}\n")
    write("flows/alert.yaml", FLOW)
    result = invoke("run", "flows/alert.yaml", "--set", "level=error", "--json")
    output = output_of(result)["output"]
    assert output["messageId"] == plain.inbox.message()["Message-ID"]
    assert plain.inbox.message()["Subject"] == "alert - error"


def test_fdl_check_knows_the_arguments_of_a_configured_mail_entry(project: Path) -> None:
    write("fdl.yaml", "mail:\n    ops: {host: 127.0.0.1, from: 'alerts@example.com'}\n")
    write("flows/alert.yaml", FLOW.replace("subject =", "subjct ="))
    result = invoke("check", "flows/alert.yaml")
    assert result.exit_code == 1
    assert "subjct" in result.output and "subject" in result.output


def test_a_mock_answers_a_mail_call(project: Path) -> None:
    write("fdl.yaml", "mail:\n    ops: {host: 127.0.0.1, port: 9, from: 'a@example.com'}\n")
    write("flows/alert.yaml", FLOW)
    write("mocks.yaml", "mocks:\n    mail://ops/send: {result: {messageId: '<m@x>'}}\n")
    result = invoke("run", "flows/alert.yaml", "--set", "level=x", "--mock", "mocks.yaml",
                    "--json")
    assert output_of(result)["output"] == {"messageId": "<m@x>"}
