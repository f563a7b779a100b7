"""``mail://<name>/send`` — mail over SMTP (spec/tools.md §6).

Each ``mail:`` entry of ``fdl.yaml`` (`stdlib.tools.mail_config.MailConfig`) is an SMTP server.
A call builds one message (`email.message.EmailMessage`: ``to``, ``cc``, ``bcc``, ``subject``,
the text ``content`` and an optional ``html`` alternative, attachments read from the entry's
``store``, an ``oss`` store) and sends it.

**Bridge to trio:** the standard library's blocking `smtplib`, run in a worker thread
(`trio.to_thread.run_sync`, abandoned on cancellation: the thread finishes on its own, its
socket bounded by the configured ``timeout``). One connection per message; SMTP servers close
idle connections quickly and a message is a few round trips.

- **TLS.** ``starttls: true`` upgrades the connection and refuses a server that does not offer
  STARTTLS (never sending credentials in clear); ``tls: true`` is implicit TLS (SMTPS).
  Certificates are verified against the system's store or ``cafile``.
- **Secrets.** ``user_env``/``password_env`` name environment variables, read at call time;
  the values never appear in messages, details or events (scrubbed from every error).
- **Errors** are `ToolError`: MAIL400 for arguments that cannot make a message, MAIL401 for
  missing credentials or a refused login (type ``auth``), the server's reply code for a
  refused message (``550``; retryable for 4xx replies), MAIL503 for a server that cannot be
  reached or drops the connection (type ``connection``, retryable), F407 when it does not
  answer in time.
- **Result** ``{messageId}``: the ``Message-ID`` header the message was sent with.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import Secrets, describe_exception
from .mail_config import MAIL_OPERATIONS, MailConfig, address

__all__ = ["Attachment", "AttachmentReader", "MailTools"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach: its name, bytes and media type."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


AttachmentReader = Callable[[str, str], Awaitable[Attachment]]
"""``(store, key)`` → the attachment (the ``oss`` adapter reads it); raises `ToolError`."""


def _addresses(value: Any, name: str, label: str, *, required: bool) -> list[str]:
    items = [] if value is None else [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ToolError("MAIL400", f"{label}: '{name}' must be an address or an array of "
                        "addresses", type="validation")
    if required and not items:
        raise ToolError("MAIL400", f"{label}: '{name}' needs at least one address",
                        type="validation")
    found = []
    for item in items:
        try:
            found.append(address(item))
        except ValueError:
            raise ToolError("MAIL400", f"{label}: {item!r} in '{name}' is not a mail address",
                            type="validation") from None
    return found


def _text(value: Any, name: str, label: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ToolError("MAIL400", f"{label}: '{name}' must be text", type="validation")


class MailTools:
    """A runtime `ToolProvider` for ``mail://<name>/send``.

    Args:
        servers: the ``mail:`` entries by name.
        base: the folder a relative ``cafile`` is relative to.
        attachments: reads an attachment from an ``oss`` store (None: attachments are
            refused).
        environ: where credentials are read (default: ``os.environ``).
    """

    def __init__(self, servers: Mapping[str, MailConfig], *, base: Path | None = None,
                 attachments: AttachmentReader | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.servers = dict(servers)
        self.base = base or Path.cwd()
        self.attachments = attachments
        self.environ = environ

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``mail://<name>/send``; None for others."""
        scheme, _, code = base.partition("://")
        name, _, operation = code.partition("/")
        if scheme != "mail" or operation not in MAIL_OPERATIONS or name not in self.servers:
            return None
        return _SendTool(self, name, self.servers[name])

    async def aclose(self) -> None:
        """Nothing stays open between calls."""

    def environment(self) -> Mapping[str, str]:
        """The mapping credentials are read from now."""
        return self.environ if self.environ is not None else os.environ


class _SendTool:
    arguments: Sequence[str] = ("to", "subject", "content", "html", "cc", "bcc",
                                "attachments")

    def __init__(self, owner: MailTools, name: str, server: MailConfig) -> None:
        self.owner = owner
        self.name = name
        self.server = server
        self.label = f"mail://{name}/send"

    async def call(self, call: ToolCall) -> Any:
        secrets = Secrets()
        try:
            message = await self._message(call.args)
            credentials = self._credentials(secrets)
            with trio.fail_after(self.server.timeout / 1000 * 4):
                await trio.to_thread.run_sync(self._send, message, credentials, secrets,
                                              abandon_on_cancel=True)
        except trio.TooSlowError:
            raise ToolError("F407", f"{self.label}: {self._where()} did not answer within "
                            f"{self.server.timeout} ms", type="timeout") from None
        return {"messageId": message["Message-ID"]}

    def _where(self) -> str:
        return f"the SMTP server {self.name} ({self.server.host}:{self.server.port})"

    async def _message(self, args: Mapping[str, Any]) -> EmailMessage:
        label = self.label
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = ", ".join(_addresses(args.get("to"), "to", label, required=True))
        cc = _addresses(args.get("cc"), "cc", label, required=False)
        if cc:
            message["Cc"] = ", ".join(cc)
        subject = _text(args.get("subject"), "subject", label) or ""
        if "\n" in subject or "\r" in subject:
            raise ToolError("MAIL400", f"{label}: the subject must be one line",
                            type="validation")
        message["Subject"] = subject
        domain = self.server.sender.rpartition("@")[2].rstrip(">") or None
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(_text(args.get("content"), "content", label) or "")
        html = _text(args.get("html"), "html", label)
        if html is not None:
            message.add_alternative(html, subtype="html")
        for key in args.get("attachments") or []:
            attachment = await self._attachment(key)
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(attachment.content, maintype=maintype or "application",
                                   subtype=subtype or "octet-stream",
                                   filename=attachment.filename)
        bcc = _addresses(args.get("bcc"), "bcc", label, required=False)
        if bcc:
            message["Bcc"] = ", ".join(bcc)   # smtplib sends to them and leaves the header out
        return message

    async def _attachment(self, key: Any) -> Attachment:
        store = self.server.store
        if self.owner.attachments is None or store is None:
            raise ToolError("MAIL400", f"{self.label}: attachments need a store: set "
                            f"mail.{self.name}.store to an oss entry", type="validation")
        if not isinstance(key, str) or not key:
            raise ToolError("MAIL400", f"{self.label}: an attachment is an object key (text)",
                            type="validation")
        return await self.owner.attachments(store, key)

    def _credentials(self, secrets: Secrets) -> tuple[str, str] | None:
        server = self.server
        if server.user_env is None or server.password_env is None:
            return None
        environ = self.owner.environment()
        values = []
        for name in (server.user_env, server.password_env):
            value = environ.get(name)
            if not value:
                state = "is empty" if name in environ else "is not set"
                raise ToolError("MAIL401", f"{self.label}: the environment variable {name} "
                                f"{state}", type="auth")
            secrets.add(value)
            values.append(value)
        return values[0], values[1]

    def _context(self) -> ssl.SSLContext:
        cafile = self.server.cafile
        if cafile is not None and not Path(cafile).is_absolute():
            cafile = str(self.owner.base / cafile)
        return ssl.create_default_context(cafile=cafile)

    def _send(self, message: EmailMessage, credentials: tuple[str, str] | None,
              secrets: Secrets) -> None:
        """Send ``message`` (in a worker thread)."""
        server = self.server
        timeout = server.timeout / 1000
        try:
            smtp: smtplib.SMTP
            if server.tls:
                smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                        context=self._context())
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
            with smtp:
                smtp.ehlo()
                if server.starttls:
                    if not smtp.has_extn("starttls"):
                        raise ToolError("MAIL502", f"{self.label}: {self._where()} does not "
                                        "offer STARTTLS (starttls is true): nothing was sent",
                                        type="connection")
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if credentials is not None:
                    smtp.login(*credentials)
                smtp.send_message(message)
        except ToolError:
            raise
        except smtplib.SMTPAuthenticationError as error:
            raise ToolError("MAIL401", f"{self.label}: {self._where()} refused the login "
                            f"({error.smtp_code})", type="auth") from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise ToolError(str(codes[0]) if codes else "550",
                            f"{self.label}: {self._where()} refused the recipients "
                            f"{', '.join(error.recipients)}", type="tool",
                            retryable=bool(codes) and all(400 <= c < 500 for c in codes),
                            details={"refused": sorted(error.recipients)}) from None
        except smtplib.SMTPResponseException as error:
            reply = secrets.scrub(error.smtp_error.decode("utf-8", "replace")
                                  if isinstance(error.smtp_error, bytes)
                                  else str(error.smtp_error))
            raise ToolError(str(error.smtp_code), f"{self.label}: {self._where()} answered "
                            f"{error.smtp_code} {reply}", type="tool",
                            retryable=400 <= error.smtp_code < 500) from None
        except TimeoutError:
            raise ToolError("F407", f"{self.label}: {self._where()} did not answer within "
                            f"{server.timeout} ms", type="timeout") from None
        except (OSError, smtplib.SMTPException) as error:
            raise ToolError("MAIL503", f"{self.label}: could not send through "
                            f"{self._where()}: {describe_exception(error, secrets)}",
                            type="connection") from None
