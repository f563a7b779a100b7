"""Importing AsyncAPI 2.x and 3.0 documents as ``mq`` ToolSpecs (spec/tools.md §8).

`load_asyncapi` reads a document from a file or an http(s) URL (YAML or JSON, read as the
OpenAPI import reads them); `import_asyncapi` turns every operation into one ToolSpec
``mq://<broker>/<operation>`` that runs one broker operation (publish, consume or request)
on one topic, and lists, as `stdlib.openapi.OpenApiProblem` values, every part it could not
translate exactly, each with the JSON pointer of the place. Nothing is dropped silently.

- **Directions** (`walk`): the flow is a client of the application the document describes
  (2.x ``publish`` → publish, ``subscribe`` → consume; 3.0 ``receive`` → publish, or request
  with a ``reply``, ``send`` → consume); ``view="application"`` turns them round.
- **Tools** (`specs`): codes, arguments (address parameters, then ``message``/``headers``/
  ``max``/``timeout``), results, payload types and ``defs`` (the JSON Schema translation of
  `stdlib.openapi.schemas`, components from ``components.schemas``), names from summaries.
- **References** are resolved with ``referencing`` (`stdlib.openapi.refs`), other files and
  URLs relative to the document included; cycles and dangling ones are reported.
- **Errors** (`document`): a document that cannot be read (E101) or is not AsyncAPI 2.x/3.0
  with something to import (E102) raises `AsyncApiError`, which names the place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdlib.openapi import OpenApiError, OpenApiProblem, load_openapi
from stdlib.openapi.load import Document
from stdlib.openapi.operations import SERVICE, Common
from stdlib.openapi.schemas import Schemas
from stdlib.registry import DEFAULT_VERSION, ToolSpec, is_version
from stdlib.tools.mq_config import MQ_SCHEMES

from .document import AsyncApiError, check_document
from .specs import Tools
from .walk import View, operations

__all__ = ["AsyncApiError", "AsyncApiImport", "import_asyncapi", "load_asyncapi"]

_PROTOCOLS = {"amqp": "amqp", "amqps": "amqps", "mqtt": "mqtt", "secure-mqtt": "mqtt",
              "mqtt5": "mqtt", "nats": "nats", "redis": "redis"}


@dataclass(frozen=True, slots=True)
class AsyncApiImport:
    """What `import_asyncapi` made of a document.

    Attributes:
        tools: one valid ToolSpec per imported operation, in document order.
        problems: what was not translated exactly, in document order.
        title: ``info.title``.
        version: the version the tools were given.
        servers: broker URLs made from ``servers`` (``amqp://host:5672``), for the hint
            to configure the broker.
    """

    tools: tuple[ToolSpec, ...]
    problems: tuple[OpenApiProblem, ...]
    title: str | None = None
    version: str = DEFAULT_VERSION
    servers: tuple[str, ...] = ()


def load_asyncapi(source: str | Path) -> dict[str, Any]:
    """Read an AsyncAPI document from a file or an ``http(s)://`` URL (YAML or JSON).

    Raises:
        AsyncApiError: E101, it cannot be read, or is not YAML or JSON, or not a mapping.
    """
    try:
        return load_openapi(source, expected="an AsyncAPI document (a mapping with asyncapi, "
                                             "info and channels)")
    except AsyncApiError:
        raise
    except OpenApiError as error:
        raise AsyncApiError(str(error), error.code) from None


def import_asyncapi(document: Mapping[str, Any], *, broker: str, version: str | None = None,
                    tags: Sequence[str] = (), tenant: str | None = None,
                    base_uri: str | None = None, view: View = "client") -> AsyncApiImport:
    """Translate every operation of an AsyncAPI 2.x/3.0 document into an ``mq`` ToolSpec.

    Args:
        document: the document (as `load_asyncapi` returns it).
        broker: the ``mq:`` entry of the configuration the tools use, the first segment of
            every code (``bus`` → ``mq://bus/orderCreated``).
        version: the tools' version (default: ``info.version`` when it is a semantic
            version, else ``1.0.0``, reported).
        tags: tags added to every tool.
        tenant: the tenant the tools belong to (None: every tenant).
        base_uri: where the document was read from (``file://`` or ``http(s)://``), so that
            ``$ref``s to other documents are resolved relative to it.
        view: ``client`` (the flow talks to the described application) or ``application``
            (the flow is that application).

    Raises:
        AsyncApiError: not an AsyncAPI 2.x/3.0 document with operations (E102), or nested
            too deeply (E105).
        ValueError: ``broker``, ``version`` or ``tenant`` is not valid.
    """
    if not isinstance(broker, str) or not SERVICE.fullmatch(broker):
        raise ValueError(f"'{broker}' is not a broker name: write letters, digits, _ . - "
                         "(the name of an mq: entry of fdl.yaml), no '/'")
    if version is not None and not is_version(version):
        raise ValueError(f"'{version}' is not a semantic version: write MAJOR.MINOR.PATCH "
                         "such as 1.2.0")
    if tenant is not None and not tenant.strip():
        raise ValueError("a tenant is a non-empty name (None means every tenant)")
    major = check_document(document)
    doc = Document(document, base_uri)
    raw_info = document.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
    chosen = version or _version(info.get("version"), doc)
    tools = Tools(Schemas(doc), broker, Common(chosen, tuple(t.strip() for t in tags
                                                             if t.strip()), tenant))
    specs: list[ToolSpec] = []
    try:
        for op in operations(doc, major, view):
            spec = tools.tool(op)
            if spec is not None:
                specs.append(spec)
    except RecursionError:
        raise AsyncApiError("the document is nested too deeply to be translated",
                            "E105") from None
    if not specs and not doc.problems.all():
        doc.problem("#", "the document has no operations: no tools were made")
    title = info.get("title") if isinstance(info.get("title"), str) else None
    return AsyncApiImport(tuple(specs), doc.problems.all(), title, chosen,
                          _servers(document.get("servers"), major))


def _version(declared: Any, doc: Document) -> str:
    if declared is None:
        return DEFAULT_VERSION
    text = str(declared).strip().removeprefix("v")
    if is_version(text):
        return text
    doc.problem("#/info/version", f"the version '{declared}' is not a semantic version: the "
                f"tools are version {DEFAULT_VERSION} (choose one with --version)")
    return DEFAULT_VERSION


def _servers(servers: Any, major: int) -> tuple[str, ...]:
    """Broker URLs for the configuration hint, from ``servers`` whose protocol mq:// has."""
    if not isinstance(servers, Mapping):
        return ()
    found: list[str] = []
    for server in servers.values():
        if not isinstance(server, Mapping):
            continue
        scheme = _PROTOCOLS.get(str(server.get("protocol", "")).lower())
        if scheme is None or scheme not in MQ_SCHEMES:
            continue
        if major == 2:
            url = str(server.get("url", ""))
            host = url.split("://", 1)[-1]
        else:
            host = str(server.get("host", "")) + str(server.get("pathname", "") or "")
        if host:
            found.append(f"{scheme}://{host}")
    return tuple(found)
