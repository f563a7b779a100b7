"""A ``mail:`` entry of ``fdl.yaml``: an SMTP server that ``mail://<name>/send`` sends through
(tools.md §6), as a pydantic model read by the configuration (`stdlib.config`) and by the
adapter (`stdlib.tools.mail`).

```yaml
mail:
    default: {host: 127.0.0.1, port: 25, starttls: false, user_env: SMTP_USER,
              password_env: SMTP_PASSWORD, from: 'noreply@example.com'}
```

Credentials are the *names* of environment variables, read when a message is sent. This
module imports no SMTP client.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address, HeaderRegistry
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from compiler.catalog import ToolArg, ToolSignature
from compiler.validate import Invalid, Wording
from gml.types import ANY, STRING, ArrayType, ObjectType, nullable

from .config import ConfigModel, EnvName

__all__ = ["MAIL_OPERATIONS", "MailConfig", "address", "mail_signatures"]


def address(value: str) -> str:
    """``value`` when it is one mail address (``a@b.c`` or ``Name <a@b.c>``).

    Raises:
        Invalid: it is not.
    """
    text = value.strip()
    if not text or "\n" in text or "\r" in text:
        raise Invalid(f"must be a mail address such as noreply@example.com, not {value!r}")
    try:
        header = HeaderRegistry()("to", text)
        addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
    except (HeaderParseError, IndexError, ValueError):
        addresses = ()
    if len(addresses) != 1 or not isinstance(addresses[0], Address) or \
            not addresses[0].domain:
        raise Invalid(f"must be a mail address such as noreply@example.com, not {value!r}")
    return text


class MailConfig(ConfigModel):
    """An SMTP server to send through."""

    host: Annotated[str, Field(min_length=1), Wording(expect="a host name or address")]
    port: Annotated[int, Field(ge=1, le=65535), Wording(expect="a port number")] = Field(
        25, description="25 (or 587 with starttls, 465 with tls)")
    starttls: bool = Field(False, description="upgrade the connection with STARTTLS (and "
                                              "refuse a server that does not offer it)")
    tls: bool = Field(False, description="implicit TLS from the start (SMTPS, port 465)")
    cafile: str | None = Field(None, description="a PEM file of the certificates to trust "
                                                 "(default: the system's)")
    user_env: EnvName | None = Field(None, description="the variable holding the user name")
    password_env: EnvName | None = Field(None, description="the variable holding the "
                                                           "password")
    sender: Annotated[str, AfterValidator(address), Wording(
        expect="a mail address", missing="names the sender: from: noreply@example.com")] = \
        Field(alias="from", description="the sender address")
    store: Annotated[str | None, Wording(expect="the name of an oss entry")] = Field(
        None, description="the oss store attachments are read from (their keys)")
    timeout: Annotated[int, Field(gt=0), Wording(expect="a positive number of ms")] = Field(
        30_000, description="the limit of connecting and of each SMTP command, in ms")

    @model_validator(mode="after")
    def _consistent(self) -> MailConfig:
        if (self.user_env is None) != (self.password_env is None):
            raise Invalid(": user_env and password_env go together")
        if self.tls and self.starttls:
            raise Invalid(": give tls (implicit TLS) or starttls (upgrade), not both",
                          at=("starttls",), key=True)
        return self


MAIL_OPERATIONS = ("send",)
"""The operations of a ``mail`` entry (``mail://<name>/<operation>``)."""


def mail_signatures(name: str) -> list[ToolSignature]:
    """What ``mail://<name>/send`` takes and answers (tools.md §6), for checking, completion
    and hover."""
    text, texts = nullable(STRING), nullable(ArrayType(STRING))
    return [ToolSignature("mail", f"{name}/send", {
        "to": ToolArg("to", ANY, True, "a recipient address, or an array of them"),
        "subject": ToolArg("subject", STRING, True, "the subject line"),
        "content": ToolArg("content", STRING, True, "the text body"),
        "html": ToolArg("html", text, False, "an HTML alternative of the body"),
        "cc": ToolArg("cc", ANY, False, "an address or an array of them"),
        "bcc": ToolArg("bcc", ANY, False, "an address or an array of them (not shown to "
                                          "the other recipients)"),
        "attachments": ToolArg("attachments", texts, False,
                               "keys of objects in the entry's attachments store (oss)"),
    }, ObjectType({"messageId": STRING}, closed=True), f"send a mail through {name}")]
