"""Operations as ``mq`` ToolSpecs (`Tools`): a code, arguments from the channel parameters and
the message payload, the result, and the ``config`` the ``mq://`` adapter reads
(`stdlib.tools.mq_config.MqToolConfig`: ``operation`` and ``topic``).

- **Code**: ``<broker>/<operationId>`` (2.x) or ``<broker>/<operation key>`` (3.0), characters
  other than letters, digits, ``_ . -`` becoming ``-``; without an operationId, the action and
  the address (``publish-user-signedup``). A taken code gets ``-2``, ``-3``, ...
- **Arguments**: one per ``{parameter}`` of the address (renamed to an identifier when needed,
  the topic's placeholder with it; typed by the 2.x parameter ``schema``, ``string`` in 3.0,
  whose parameters have none, ``enum`` and ``default`` kept), then the operation's own:
  publish ``message`` (the payload's type), ``headers: map<string>?``; consume ``max: int?``,
  ``timeout: int?``; request ``message``, ``timeout: int?``.
- **Result**: publish ``{id: string}``; consume an array of ``<Code>Message`` (``{message:
  payload, headers: map<string>, id: string}``); request the reply's payload type.
- **Payloads**: JSON Schema (AsyncAPI's default schema format) through the OpenAPI import's
  translation (`stdlib.openapi.schemas.Schemas`: components are ``components.schemas``).
  Several messages of different payloads are ``any``; a payload in another schema format
  (Avro, RAML, Protobuf) or a content type that is not JSON is ``any`` too, reported.
- **Name and description**: ``summary`` and ``description`` of the operation (else of its
  single message); tags: ``mq``, the broker, the document's and the operation's tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from stdlib.openapi.load import at, unescape
from stdlib.openapi.operations import CODE_BAD, Common, arg_type, identifier
from stdlib.openapi.schemas import ANY, WORDS, Schemas, Typed, join, one_line, pascal, unique
from stdlib.registry import ToolSpec

from .walk import Node, Operation

__all__ = ["Tools"]

_OWN_ARGUMENTS = ("message", "headers", "max", "timeout")
_JSON_FORMATS = ("application/vnd.aai.asyncapi", "application/schema+json",
                 "application/schema+yaml")


class Tools:
    """The operations of one document as ToolSpecs of one broker."""

    __slots__ = ("_codes", "broker", "common", "schemas")

    def __init__(self, schemas: Schemas, broker: str, common: Common) -> None:
        self.schemas = schemas
        self.broker = broker
        self.common = common
        self._codes: set[str] = set()

    def code(self, op: Operation) -> str:
        """The operation's code (without the broker), unique in the document."""
        code = CODE_BAD.sub("-", op.key.strip()).strip("-") if op.key else ""
        if not code:
            code = "-".join([op.action, *(w.lower() for w in WORDS.findall(op.address))])
        free, number = code, 2
        while free in self._codes:
            free, number = f"{code}-{number}", number + 1
        if free != code:
            self.schemas.doc.problem(op.pointer, f"the code {self.broker}/{code} is taken by "
                                     f"an earlier operation: this one is "
                                     f"{self.broker}/{free}")
        self._codes.add(free)
        return free

    # ------------------------------------------------------------------ parts

    def parameters(self, op: Operation, hint: str
                   ) -> tuple[str, dict[str, str], dict[str, str]]:
        """The topic template and the arguments of the address's ``{parameters}``."""
        doc = self.schemas.doc
        inputs: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        renamed: dict[str, str] = {}
        for name in dict.fromkeys(_placeholders(op.address)):
            arg = identifier(name)
            if arg in _OWN_ARGUMENTS or arg in inputs:
                arg = unique(arg, {*inputs, *_OWN_ARGUMENTS}, "Param")
            renamed[name] = arg
            found = op.parameters.get(name)
            if found is None:
                doc.problem(op.pointer, f"the address parameter {{{name}}} is not declared "
                            "in the channel's parameters: typed string")
                inputs[arg] = "string"
                continue
            node, pointer = found
            schema = node.get("schema")
            if schema is not None:  # 2.x
                typed = self.schemas.schema(schema, at(pointer, "schema"), hint + pascal(arg))
                default = schema.get("default") if isinstance(schema, Mapping) else None
            else:  # 3.0: enum, default, description, examples, location
                values = node.get("enum")
                notes = (f"one of: {', '.join(map(str, values))}",) \
                    if isinstance(values, list) and values else ()
                typed = Typed("string", notes=notes)
                default = node.get("default")
                if "location" in node:
                    doc.problem(at(pointer, "location"), "a parameter taken from the message "
                                "(location) is an argument the flow passes")
            if typed.text not in ("string", "int", "long", "double", "decimal", "bool", ANY):
                doc.problem(pointer, f"the parameter {name} is a {typed.text}, not text or a "
                            "number: typed string")
                typed = Typed("string")
            inputs[arg] = arg_type(doc.problem, arg, typed, True, default, pointer)
            text = join(one_line(node.get("description")), typed.description, *typed.notes)
            if text:
                descriptions[f"in.{arg}"] = text
        topic = op.address
        for name, arg in renamed.items():
            topic = topic.replace("{" + name + "}", "{" + arg + "}")
        return topic, inputs, descriptions

    def payload(self, messages: Sequence[Node], pointer: str, hint: str) -> Typed:
        """The type of what the messages carry: ``any`` when they differ."""
        doc = self.schemas.doc
        found: list[Typed] = []
        for where, message in {where: message for message, where in messages}.items():
            found.append(self._payload(message, where, hint))
        if not found:
            return Typed(ANY)
        if len({t.written(False) for t in found}) == 1:
            return found[0]
        doc.problem(pointer, f"{len(found)} messages with different payloads are not "
                    "translated: the message is typed any (values pass unchecked)")
        return Typed(ANY)

    def _payload(self, message: Mapping[str, Any], pointer: str, hint: str) -> Typed:
        doc = self.schemas.doc
        content = message.get("contentType") or doc.document.get("defaultContentType")
        if isinstance(content, str) and "json" not in content.lower():
            doc.problem(at(pointer, "contentType"), f"the content type {content} is not "
                        "JSON: mq:// sends messages as JSON; the message is typed any")
            return Typed(ANY)
        for key, what in (("headers", "message headers are the tool's headers argument "
                                      "(text values); their schema is not checked"),
                          ("correlationId", "replies are matched by their reply address, "
                                            "not by a correlation id"),
                          ("traits", "traits are not applied: declare what they add on the "
                                     "message itself"),
                          ("bindings", "bindings are not translated: the broker is "
                                       "configured under mq: in fdl.yaml")):
            if message.get(key):
                doc.problem(at(pointer, key), what)
        if "payload" not in message:
            doc.problem(pointer, "the message has no payload: typed any")
            return Typed(ANY)
        payload, where = message["payload"], at(pointer, "payload")
        schema_format = message.get("schemaFormat")
        if isinstance(payload, Mapping) and "schemaFormat" in payload and "schema" in payload:
            schema_format = payload["schemaFormat"]  # 3.0 multi-format schema object
            payload, where = payload["schema"], at(where, "schema")
        if isinstance(schema_format, str) and not schema_format.startswith(_JSON_FORMATS):
            doc.problem(where, f"the schema format {schema_format} is not translated (only "
                        "JSON Schema and AsyncAPI schemas are): the message is typed any")
            return Typed(ANY)
        return self.schemas.schema(payload, where, _message_name(message, pointer) or hint)

    # ------------------------------------------------------------------ the tool

    def tool(self, op: Operation) -> ToolSpec | None:
        """The ToolSpec of an operation, or None when it cannot be made (reported)."""
        schemas = self.schemas
        code = self.code(op)
        hint = pascal(code) or "Operation"
        topic, inputs, descriptions = self.parameters(op, hint)
        out: Any
        if op.action in ("publish", "request"):
            typed = self.payload(op.messages, op.pointer, hint + "Payload")
            inputs["message"] = typed.written(False)
            text = join(typed.description, *typed.notes)
            if text:
                descriptions["in.message"] = text
        if op.action == "publish":
            inputs["headers"] = "map<string>?"
            descriptions["in.headers"] = "text headers sent with the message"
            out = {"id": "string"}
            descriptions["out.id"] = "the broker's id of the message"
        elif op.action == "consume":
            inputs["max"] = "int?"
            descriptions["in.max"] = "most messages to take (default 1)"
            typed = self.payload(op.messages, op.pointer, hint + "Payload")
            delivery = schemas.defs.fresh(hint + "Message")
            schemas.defs.types[delivery] = {"message": typed.written(False),
                                            "headers": "map<string>", "id": "string"}
            schemas.defs.objects.add(delivery)
            out = f"{delivery}[]"
        else:
            out = self.payload(op.replies, at(op.pointer, "reply"), hint + "Reply").text
        if op.action != "publish":
            inputs["timeout"] = "int?"
            descriptions["in.timeout"] = "ms to wait (default 1000)"
        args = schemas.args_of(inputs, None if out == ANY else out, descriptions)
        return self._spec(op, code, args, descriptions, topic)

    def _spec(self, op: Operation, code: str, args: dict[str, Any],
              descriptions: dict[str, str], topic: str) -> ToolSpec | None:
        doc = self.schemas.doc
        node = op.node
        summary = one_line(node.get("summary")) or one_line(node.get("title"))
        desp = one_line(node.get("description"))
        if len(op.messages) == 1 and not (summary or desp):
            message = op.messages[0][0]
            summary = one_line(message.get("summary")) or one_line(message.get("title"))
            desp = one_line(message.get("description"))
        tags = ["mq", self.broker, *self.common.tags]
        for tag in node.get("tags") or () if isinstance(node.get("tags"), list) else ():
            name = tag.get("name") if isinstance(tag, Mapping) else tag
            if isinstance(name, str) and name.strip():
                tags.append(name.strip())
        if node.get("deprecated") is True:
            tags.append("deprecated")
        try:
            spec = ToolSpec(type="mq", code=f"{self.broker}/{code}", name=summary, desp=desp,
                            version=self.common.version, tags=tuple(dict.fromkeys(tags)),
                            tenant=self.common.tenant, args=args, descriptions=descriptions,
                            config={"operation": op.action, "topic": topic})
        except ValidationError as error:
            detail = error.errors()[0]
            where = ".".join(map(str, detail["loc"]))
            doc.problem(op.pointer, f"the operation is not imported: its ToolSpec is not "
                        f"valid ({where}: {detail['msg']})")
            return None
        errors = [p for p in spec.problems() if p.is_error]
        if errors:
            doc.problem(op.pointer, "the operation is not imported: its ToolSpec is not "
                        "valid (" + "; ".join(str(p) for p in errors) + ")")
            return None
        return spec


def _message_name(message: Mapping[str, Any], pointer: str) -> str | None:
    """A name for an inline payload's def: the message's ``name``, else its key under
    ``messages`` (``#/components/messages/OrderCreated`` → ``OrderCreated``)."""
    name = message.get("name")
    if isinstance(name, str) and pascal(name):
        return pascal(name)
    head, _, key = pointer.rpartition("/")
    return pascal(unescape(key)) or None if head.endswith("/messages") else None


def _placeholders(address: str) -> list[str]:
    """The ``{name}`` parameters of a channel address, in order."""
    found: list[str] = []
    rest = address
    while "{" in rest:
        _, _, tail = rest.partition("{")
        name, closed, rest = tail.partition("}")
        if not closed:
            break
        if name:
            found.append(name)
    return found
