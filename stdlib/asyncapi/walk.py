"""The operations of an AsyncAPI 2.x or 3.0 document, in one form (`Operation`).

Which way a message goes is said from the flow's side (``view="client"``, the default): the
document describes an application, and the flow talks to it.

- **2.x**: a channel's ``publish`` operation is what others send to the application, so the
  flow *publishes*; ``subscribe`` is what the application sends, so the flow *consumes*. The
  operation's ``message`` (or its ``oneOf``) are the messages; the channel's name is the topic.
- **3.0**: ``action: receive`` (the application receives) is a flow *publish*, or a *request*
  when the operation has a ``reply``; ``action: send`` is a flow *consume*. The operation's
  ``messages`` (default: all of its channel's), its channel's ``address`` is the topic.

With ``view="application"`` the flow is the application itself and each direction is the
other one (2.x ``subscribe`` and 3.0 ``send`` publish; a 3.0 ``send`` with a ``reply`` is a
request).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from stdlib.openapi.load import Document, at, unescape

__all__ = ["Action", "Operation", "View", "operations"]

Action = Literal["publish", "consume", "request"]
View = Literal["client", "application"]

Node = tuple[Any, str]
"""A node of the document and its place."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation, whichever AsyncAPI version it was written in.

    Attributes:
        pointer: where the operation is.
        key: its operationId (2.x) or its key under ``operations`` (3.0), if any.
        action: what the flow does: publish, consume or request.
        address: the topic (the channel's name in 2.x, its ``address`` in 3.0).
        node: the operation object.
        parameters: the channel's parameters by name (resolved), with their places.
        messages: the messages the operation sends or receives (resolved).
        replies: the messages of its reply (3.0 requests).
    """

    pointer: str
    key: str | None
    action: Action
    address: str
    node: Mapping[str, Any]
    parameters: Mapping[str, Node]
    messages: tuple[Node, ...]
    replies: tuple[Node, ...] = ()


def _mapping(doc: Document, node: Any, pointer: str, what: str) -> Node | None:
    """``node`` with ``$ref``s followed, when it is a mapping (reported otherwise)."""
    found = doc.deref(node, pointer, what)
    if found is None:
        return None
    if not isinstance(found[0], Mapping):
        doc.problem(found[1], f"a {what} is a mapping: ignored")
        return None
    return found


def _parameters(doc: Document, node: Any, pointer: str) -> dict[str, Node]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        doc.problem(pointer, "parameters are a mapping of names: ignored")
        return {}
    found: dict[str, Node] = {}
    for name, raw in node.items():
        resolved = _mapping(doc, raw, at(pointer, str(name)), "parameter")
        if resolved is not None:
            found[str(name)] = resolved
    return found


def _report_extras(doc: Document, node: Mapping[str, Any], pointer: str) -> None:
    for key, advice in (("bindings", "the broker is configured under mq: in fdl.yaml"),
                        ("traits", "declare what they add on the operation itself"),
                        ("security", "the broker's credentials are part of its URL in "
                                     "fdl.yaml"),
                        ("servers", "the broker is configured under mq: in fdl.yaml")):
        if node.get(key):
            doc.problem(at(pointer, key), f"{key} are not translated: {advice}")


def operations(doc: Document, major: int, view: View = "client") -> Iterator[Operation]:
    """The operations of a checked document (`check_document`), in document order."""
    if major == 2:
        yield from _v2(doc, view)
    else:
        yield from _v3(doc, view)


def _v2_messages(doc: Document, node: Any, pointer: str) -> tuple[Node, ...]:
    if node is None:
        doc.problem(pointer, "the operation has no message: the message is typed any")
        return ()
    found = _mapping(doc, node, pointer, "message")
    if found is None:
        return ()
    message, where = found
    choices = message.get("oneOf")
    if not isinstance(choices, list):
        return (found,)
    listed = (_mapping(doc, m, at(where, "oneOf", i), "message") for i, m in enumerate(choices))
    return tuple(m for m in listed if m is not None)


def _v2(doc: Document, view: View) -> Iterator[Operation]:
    directions: dict[str, Action] = ({"publish": "publish", "subscribe": "consume"}
                                     if view == "client" else
                                     {"publish": "consume", "subscribe": "publish"})
    for name, raw in doc.document["channels"].items():
        found = _mapping(doc, raw, at("#/channels", str(name)), "channel")
        if found is None:
            continue
        item, item_pointer = found
        _report_extras(doc, item, item_pointer)
        parameters = _parameters(doc, item.get("parameters"), at(item_pointer, "parameters"))
        for keyword, action in directions.items():
            if keyword not in item:
                continue
            op = _mapping(doc, item[keyword], at(item_pointer, keyword), "operation")
            if op is None:
                continue
            node, pointer = op
            _report_extras(doc, node, pointer)
            op_id = node.get("operationId")
            yield Operation(pointer, op_id if isinstance(op_id, str) else None, action,
                            str(name), node, parameters,
                            _v2_messages(doc, node.get("message"), at(pointer, "message")))


def _channel_messages(doc: Document, channel: Mapping[str, Any], pointer: str
                      ) -> tuple[Node, ...]:
    messages = channel.get("messages")
    if not isinstance(messages, Mapping):
        return ()
    listed = (_mapping(doc, m, at(pointer, "messages", str(k)), "message")
              for k, m in messages.items())
    return tuple(m for m in listed if m is not None)


def _listed_messages(doc: Document, node: Any, pointer: str) -> tuple[Node, ...]:
    if not isinstance(node, list):
        doc.problem(pointer, "messages are a list of $refs: ignored")
        return ()
    listed = (_mapping(doc, m, at(pointer, i), "message") for i, m in enumerate(node))
    return tuple(m for m in listed if m is not None)


def _v3(doc: Document, view: View) -> Iterator[Operation]:
    for key, raw in doc.document["operations"].items():
        found = _mapping(doc, raw, at("#/operations", str(key)), "operation")
        if found is None:
            continue
        node, pointer = found
        _report_extras(doc, node, pointer)
        action = node.get("action")
        if action not in ("send", "receive"):
            doc.problem(at(pointer, "action"), f"the action {action!r} is neither send nor "
                        "receive: the operation is not imported")
            continue
        channel = _mapping(doc, node.get("channel"), at(pointer, "channel"), "channel")
        if channel is None:
            doc.problem(at(pointer, "channel"), "the operation names no channel it can use: "
                        "it is not imported")
            continue
        item, item_pointer = channel
        _report_extras(doc, item, item_pointer)
        address = item.get("address")
        if not isinstance(address, str) or not address:
            address = unescape(item_pointer.rpartition("/")[2])
            doc.problem(at(item_pointer, "address"), f"the channel has no address (it is "
                        f"chosen at run time): the topic is the channel's name '{address}'; "
                        "change config.topic of the tool if that is not right")
        messages = (_listed_messages(doc, node["messages"], at(pointer, "messages"))
                    if "messages" in node else
                    _channel_messages(doc, item, item_pointer))
        if not messages:
            doc.problem(pointer, "neither the operation nor its channel names a message: the "
                        "message is typed any")
        replies: tuple[Node, ...] = ()
        reply = node.get("reply")
        outgoing = (action == "receive") == (view == "client")
        chosen: Action = "publish" if outgoing else "consume"
        if reply is not None:
            replied = _mapping(doc, reply, at(pointer, "reply"), "reply")
            if replied is not None and outgoing:
                chosen = "request"
                replies = _reply_messages(doc, *replied)
            elif replied is not None:
                doc.problem(replied[1], "the reply is not imported: the tool consumes the "
                            "requests; answer each one by publishing to its headers.replyTo")
        yield Operation(pointer, str(key), chosen, address, node,
                        _parameters(doc, item.get("parameters"),
                                    at(item_pointer, "parameters")), messages, replies)


def _reply_messages(doc: Document, reply: Mapping[str, Any], pointer: str
                    ) -> tuple[Node, ...]:
    if "address" in reply or "channel" in reply:
        doc.problem(pointer, "the reply address is chosen by the adapter (a fresh address "
                    "named in the request's replyTo header): the responder must answer there")
    if "messages" in reply:
        return _listed_messages(doc, reply["messages"], at(pointer, "messages"))
    channel = _mapping(doc, reply.get("channel"), at(pointer, "channel"), "channel") \
        if "channel" in reply else None
    if channel is None:
        doc.problem(pointer, "the reply names no messages: the reply is typed any")
        return ()
    return _channel_messages(doc, *channel)
