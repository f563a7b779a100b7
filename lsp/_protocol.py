"""The server's JSON-RPC protocol: a request the server cannot read gets an error reply.

pygls turns a request whose parameters do not fit its method (``textDocument/hover`` with
``{"foo": 1}``, a position with a negative line) into an exception while decoding the
message, logs it and answers nothing, so the client waits forever. Here such a request is
answered with a JSON-RPC error: Invalid params (-32602) naming the method, or Internal error
(-32603) when the message could not be decoded for another reason. Notifications have no
reply; they are logged and dropped as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

__all__ = ["FdlProtocol"]


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A request that could not be decoded, kept until it is answered with an error."""

    id: int | str
    method: str
    error: JsonRpcException


class FdlProtocol(LanguageServerProtocol):
    """pygls' protocol, answering unreadable requests with JSON-RPC errors."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """The message of a decoded JSON object (pygls'), or `_Unreadable` for a request
        whose parameters do not fit."""
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            method = data.get("method")
            if isinstance(msg_id, int | str) and isinstance(method, str):
                return _Unreadable(msg_id, method, error)
            raise

    def handle_message(self, message: Any) -> None:
        """Answer an unreadable request with its error; hand the others to pygls."""
        if isinstance(message, _Unreadable):
            if isinstance(message.error, JsonRpcInvalidParams):
                text = (f"invalid parameters for {message.method}: they do not match the "
                        "Language Server Protocol's definition of this request")
            else:
                text = f"the request {message.method} could not be read"
            self._send_response(message.id, error=ResponseError(code=message.error.code,
                                                                message=text))
            return
        super().handle_message(message)
