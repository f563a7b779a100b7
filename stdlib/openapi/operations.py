"""One operation as one ``api`` ToolSpec.

The code is ``<service>/<operationId>`` (characters other than letters, digits, ``_ . -``
become ``-``), or a slug of method and path without an operationId; a second operation
with the same code gets ``-2``, ``-3``, ... The arguments come from the parameters
(`stdlib.openapi._parameters`) and the request body (``_bodies``), the result
from the success response (``_responses``), the defs from what those use. ``config`` is
exactly what `stdlib.tools.Endpoint.from_config` reads (``method``, ``path``, ``query``,
``body``, ``headers``), so the imported tool can be called by the ``api://`` adapter.

Every spec made here is valid: a default that does not fit its type is dropped
(reported), and an operation whose spec is still not valid is left out (reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from stdlib.registry import ToolSpec

from ._bodies import request_body
from ._names import CODE_BAD
from ._parameters import arguments
from ._responses import response
from .load import at
from .schemas import WORDS, Schemas, one_line, pascal

__all__ = ["Common", "Operations"]

_BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True, slots=True)
class Common:
    """What every tool of an import gets: its version, extra tags and tenant."""

    version: str
    tags: tuple[str, ...]
    tenant: str | None


class Operations:
    """The operations of one document as ToolSpecs of one service.

    Attributes:
        schemas: the schema translation (and through it the document and its problems).
        service: the first segment of every code.
        common: the version, tags and tenant of every tool.
    """

    __slots__ = ("_codes", "common", "schemas", "service")

    def __init__(self, schemas: Schemas, service: str, common: Common) -> None:
        self.schemas = schemas
        self.service = service
        self.common = common
        self._codes: set[str] = set()

    def code(self, operation: Mapping[str, Any], method: str, path: str, pointer: str
             ) -> str:
        """The operation's code (without the service), unique in the document."""
        op_id = operation.get("operationId")
        if isinstance(op_id, str) and op_id.strip():
            code = CODE_BAD.sub("-", op_id.strip()).strip("-")
        else:
            code = "-".join([method, *(w.lower() for w in WORDS.findall(path))])
        code = code or method
        unique, number = code, 2
        while unique in self._codes:
            unique, number = f"{code}-{number}", number + 1
        if unique != code:
            self.schemas.doc.problem(pointer, f"the code {self.service}/{code} is taken by an "
                                     f"earlier operation: this one is "
                                     f"{self.service}/{unique}")
        self._codes.add(unique)
        return unique

    def operation(self, path: str, method: str, operation: Mapping[str, Any],
                  item: Mapping[str, Any], item_pointer: str) -> ToolSpec | None:
        """The ToolSpec of ``method`` on ``path``, or None when it cannot be made
        (reported)."""
        schemas, doc = self.schemas, self.schemas.doc
        pointer = at(item_pointer, method)
        code = self.code(operation, method, path, pointer)
        hint = pascal(code) or "Operation"
        verb = method.upper()
        for key in ("callbacks", "servers"):
            if key in operation:
                doc.problem(at(pointer, key), f"{key} of an operation are not translated"
                            + ("; the service URL comes from the configuration"
                               if key == "servers" else ""))
        args, placeholders, headers = arguments(schemas, path, operation, item, item_pointer,
                                                pointer, hint)
        body = request_body(schemas, operation, pointer, hint, args)
        out, out_descriptions = response(schemas, operation, pointer, hint)

        inputs = {a.name: a.type for a in args}
        descriptions = {f"in.{a.name}": a.description for a in args if a.description}
        descriptions.update({f"out.{k}": v for k, v in out_descriptions.items()})
        texts = [*inputs.values()]
        if isinstance(out, dict):
            texts.extend(out.values())
        elif out is not None:
            texts.append(out)
        schemas.drain()
        schemas.defs.resolve_alias_cycles(doc.problem)
        defs = {}
        for name in schemas.defs.closure(texts):
            defs[name] = schemas.defs.types[name]
            for field_name, text in schemas.defs.descriptions.get(name, {}).items():
                descriptions[f"defs.{name}.{field_name}"] = text
        spec_args: dict[str, Any] = {}
        if defs:
            spec_args["defs"] = defs
        if inputs:
            spec_args["in"] = inputs
        if out is not None:
            spec_args["out"] = out

        config: dict[str, Any] = {"method": verb, "path": placeholders}
        query = [a.name for a in args if a.where == "query"]
        sent = body.config if body is not None else None
        if query or (sent and verb not in _BODY_METHODS):
            config["query"] = query
        if sent:
            config["body"] = sent
        elif verb in _BODY_METHODS:
            config["body"] = []
        if body is not None and body.content_type is not None:
            headers["Content-Type"] = body.content_type
        if headers:
            config["headers"] = headers
        tags = list(self.common.tags)
        op_tags = operation.get("tags")
        if isinstance(op_tags, list):
            tags.extend(t.strip() for t in op_tags if isinstance(t, str) and t.strip())
        if operation.get("deprecated") is True:
            tags.append("deprecated")
        try:
            spec = ToolSpec(type="api", code=f"{self.service}/{code}",
                            name=one_line(operation.get("summary")),
                            desp=one_line(operation.get("description")),
                            version=self.common.version, tags=tuple(tags),
                            tenant=self.common.tenant, args=spec_args,
                            descriptions=descriptions, config=config)
        except ValidationError as error:
            detail = error.errors()[0]
            where = ".".join(map(str, detail["loc"]))
            doc.problem(pointer, f"the operation is not imported: its ToolSpec is not valid "
                        f"({where}: {detail['msg']})")
            return None
        return self.checked(spec, pointer)

    def checked(self, spec: ToolSpec, pointer: str) -> ToolSpec | None:
        """The spec when it is valid; a default that does not fit its type is dropped
        (reported); any other error leaves the operation out (reported)."""
        problems = [p for p in spec.problems() if p.is_error]
        if not problems:
            return spec
        inputs = dict(spec.args.get("in", {}))
        dropped = False
        for problem in problems:
            name = problem.field.removeprefix("args.in.")
            text = inputs.get(name)
            if problem.field.startswith("args.in.") and isinstance(text, str) and " = " in text:
                inputs[name] = text.split(" = ", 1)[0] + "?"
                self.schemas.doc.problem(pointer, f"the default of '{name}' does not fit its "
                                         f"type and is left out ({problem.message})")
                dropped = True
        if dropped:
            fixed = ToolSpec.model_validate({**spec.model_dump(),
                                             "args": {**spec.args, "in": inputs}})
            return self.checked(fixed, pointer)
        self.schemas.doc.problem(pointer, "the operation is not imported: its ToolSpec is not "
                                 "valid (" + "; ".join(str(p) for p in problems) + ")")
        return None
