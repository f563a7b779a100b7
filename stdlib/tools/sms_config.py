"""An ``sms:`` entry of ``fdl.yaml``: an SMS gateway, described as any other tool (tools.md §6)
— ``sms://<name>/send`` calls the tool the entry names with ``to`` and ``content``:

```yaml
sms:
    default: {tool: 'api://sms-gateway/send'}     # an HTTP gateway described like any api tool
```

This module imports no adapter.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from compiler.catalog import ToolArg, ToolSignature
from compiler.validate import Invalid, Wording
from gml.types import ANY, STRING

from .config import ConfigModel

__all__ = ["SMS_OPERATIONS", "SmsConfig", "sms_signatures"]

SMS_OPERATIONS = ("send",)
"""The operations of an ``sms`` entry (``sms://<name>/<operation>``)."""

_TOOL_URI = re.compile(r"[a-z][a-z0-9+.-]*://[^?\s]+")


def _tool_uri(value: str) -> str:
    if not _TOOL_URI.fullmatch(value) or value.startswith("sms://"):
        raise Invalid(f"must be the URI of the gateway's tool without options, such as "
                      f"api://sms-gateway/send, not {value!r}")
    return value


class SmsConfig(ConfigModel):
    """An SMS gateway: the tool that sends."""

    tool: Annotated[str, AfterValidator(_tool_uri), Wording(
        expect="a tool URI such as api://sms-gateway/send",
        missing="names the gateway's tool: {tool: 'api://sms-gateway/send'}")] = Field(
        description="the tool called with {to, content}")


def sms_signatures(name: str) -> list[ToolSignature]:
    """What ``sms://<name>/send`` takes (its result is the gateway's: ``any``)."""
    return [ToolSignature("sms", f"{name}/send", {
        "to": ToolArg("to", ANY, True, "the phone number (or what the gateway takes)"),
        "content": ToolArg("content", STRING, True, "the message text"),
    }, ANY, f"send an SMS through {name}")]
