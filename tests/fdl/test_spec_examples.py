"""The specification's own examples (examples/spec/): every fragment of spec/fdl.md and the
CQL of spec/tools.md, completed into whole flows, checks clean, passes its flow tests on mocks,
and the log alert runs as written against a real SQLite table and a real HTTP mail service, and
as log_alert_mail.yaml through mail:// to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from click.testing import CliRunner, Result

from fdl.cli import main
from tests._http import JsonHandler, LocalServer, serving

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "spec"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_example_checks_without_errors_and_warns_only_where_the_spec_says() -> None:
    result = invoke("check", str(SPEC / "flows"))
    assert result.exit_code == 0, result.stdout
    headlines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    # tools.md §6: a bare word in a literal CQL text is read as a string and reported (W215)
    assert [h.split(": ")[1] for h in headlines] == ["warning[W215]"]
    assert headlines[0].startswith(str(SPEC / "flows" / "log_alert.yaml"))
    assert result.stderr.splitlines()[-1] == "1 warning in 9 files"


def test_every_example_passes_its_flow_tests() -> None:
    result = invoke("test", str(SPEC / "flows"))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("16 passed")


class _MailService(JsonHandler):
    def do_POST(self) -> None:
        self.server.log.append({"path": self.path, "body": self.read_json()})
        self.reply(200, {"id": f"m{len(self.server.log)}"})


@pytest.fixture
def mail() -> Iterator[LocalServer]:
    with serving(_MailService) as server:
        yield server


def _seed(project: Path) -> None:
    """Fill the project's ops.log table: two errors in the last five minutes."""
    (project / "seed.yaml").write_text(textwrap.dedent("""\
        flow:
            name: Seed the log
            node:
                init:
                    exec: db://ops.log/init
                    next: rows
                rows:
                    exec: db://ops.log/bulk
                    args: |
                        dataList = [
                            {id: 1, level: 'error', message: 'disk full', time: TIME('-1m')},
                            {id: 2, level: 'error', message: 'timeout', time: TIME('-2m')},
                            {id: 3, level: 'info', message: 'started', time: TIME('-1m')},
                            {id: 4, level: 'error', message: 'old news', time: TIME('-1h')}]
    """), encoding="utf-8")
    seeded = invoke("run", str(project / "seed.yaml"), "--json")
    assert seeded.exit_code == 0, seeded.output


def test_the_log_alert_runs_as_written_on_real_services(
        tmp_path: Path, mail: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "spec"
    shutil.copytree(SPEC, project, ignore=shutil.ignore_patterns(".fdl", "*.test.yaml"))
    config = project / "fdl.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "http://127.0.0.1:8083", mail.url), encoding="utf-8")
    _seed(project)
    monkeypatch.chdir(project)
    result = invoke("run", "flows/log_alert.yaml", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == {"errors": 2, "sent": True}
    assert mail.log == [{"path": "/mails", "body": {
        "to": "ops@example.com", "subject": "2 errors in the last five minutes",
        "text": "See the log."}}]


class _Inbox:
    """An aiosmtpd handler keeping every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_the_log_alert_sends_a_real_mail_through_smtp(
        tmp_path: Path, smtp: tuple[int, _Inbox], monkeypatch: pytest.MonkeyPatch) -> None:
    port, inbox = smtp
    project = tmp_path / "spec"
    shutil.copytree(SPEC, project, ignore=shutil.ignore_patterns(".fdl", "*.test.yaml"))
    config = project / "fdl.yaml"
    text = config.read_text(encoding="utf-8")
    assert "port: 8025" in text  # the port the README starts aiosmtpd on
    config.write_text(text.replace("port: 8025", f"port: {port}"), encoding="utf-8")
    _seed(project)
    monkeypatch.chdir(project)
    result = invoke("run", "flows/log_alert_mail.yaml", "--json", "--set",
                    "admin=oncall@example.com")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == {"errors": 2, "sent": True}
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "alerts@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com"]
    assert isinstance(envelope.content, bytes)
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "2 errors in the last five minutes"
    assert message["To"] == "oncall@example.com"
    assert message["From"] == "alerts@example.com"
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "See the log."
