"""``api://`` and ``svc://`` — HTTP services (spec/tools.md §6).

``api://crm-service/customer`` calls the service ``crm-service`` (the first segment of the
code), whose base URL, static headers, credentials and timeout come from the configuration
(`Service`, the ``services:`` entries of ``fdl.yaml``, interfaces.md §3). What the call sends is
described by an `Endpoint` (a ToolSpec's ``config``): method, path with ``{placeholders}``,
which arguments go into the query and which into the JSON body (or which one argument *is*
the body), and headers. A code without
an endpoint is a GET of ``/`` + the rest of the code (``/customer``) with every argument in the
query. ``svc://`` is the same machinery under another name.

Rules and invariants:

- **Binding.** Path placeholders are filled from the arguments (each value one escaped path
  segment) and header placeholders likewise; an argument used there is not sent again. A
  header whose value is exactly one placeholder (``X-Debug: '{debug}'``) is left out when
  that argument is null or absent (an optional header); any other placeholder with a null
  argument is an error. The
  built-ins ``tenantId`` and ``buCode`` travel as the ``X-Tenant-Id`` and ``X-Bu-Code``
  headers (the argument when the call has one, else the run's context), and in the query or
  body only when the endpoint lists them. Every other argument goes to the query for GET,
  DELETE, HEAD and OPTIONS and to the JSON body for POST, PUT and PATCH, unless the endpoint
  lists ``query``/``body`` names explicitly (an explicit list is taken exactly as written). Null
  arguments are left out of the query (a JSON body keeps them: ``null`` may mean "clear").
  ``body: {argument: items}`` sends the value of ``items`` as the whole JSON body (an array,
  say, which a body object of arguments cannot be); a null value sends no body.
- **Content type.** A JSON body is sent as ``application/json``, or as the JSON media type a
  ``Content-Type`` entry of the endpoint's headers names (``application/merge-patch+json``);
  that header goes out only with a body.
- **Idempotency.** Every request carries ``Idempotency-Key`` (the same on every attempt of a
  call) and ``X-Request-Attempt``; the runtime owns the retries (``runtime._calls``), this
  adapter only says which failures are worth retrying.
- **Errors** are `ToolError`: the HTTP status as code for non-2xx answers (retryable for
  408, 425, 429 and 5xx; type ``auth`` for 401 and 403), F407 for timeouts, type
  ``connection`` for transport failures, API400 for arguments that cannot be sent, API401 for
  missing credentials. Redirects are not followed (a 3xx is an error): following them would
  send credential headers to wherever the redirect points.
- **Secrets** are read from the environment mapping at call time, never kept in
  configuration objects, and scrubbed from every message and detail (spec/tools.md §5). Error
  messages name the service, method and path *template* (``GET /customers/{id}``), never the
  filled URL, so argument values and query strings stay out of them too.
- **Connections.** One `httpx.AsyncClient` per service, created on first use inside the
  running trio loop and reused by every call (pooling, keep-alive). Clients are tied to the
  trio run that created them: a later ``trio.run`` (``fdl.run`` called twice) closes the
  earlier run's clients and opens fresh ones.
  No proxy or ``.netrc`` settings are read from the environment (``trust_env=False``): an
  embedding passes everything in, a proxy included (``transport=``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

import httpx
import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import (
    Secrets,
    basic_credentials,
    decode_json,
    describe_exception,
    header_value_problem,
    is_json_media_type,
    json_body,
    path_segment,
    query_values,
    redact_url,
    scalar_text,
    snippet,
)
from .config import (
    BUILTIN_HEADERS,
    METHODS,
    PLACEHOLDER,
    QUERY_METHODS,
    AuthConfig,
    EndpointConfig,
    ServiceConfig,
    read_config,
)

__all__ = ["BUILTIN_HEADERS", "METHODS", "QUERY_METHODS", "ApiTools", "Auth", "Endpoint",
           "Service"]

RETRYABLE_STATUSES = frozenset({408, 425, 429})
ERROR_BODY_LIMIT = 64 * 1024
"""How much of an error response is read (only its start is ever shown)."""
SNIPPET_LIMIT = 200

_PLACEHOLDER = PLACEHOLDER
def _content_type(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The ``Content-Type`` entry of an endpoint's headers (any spelling) and its value."""
    return next(((name, value) for name, value in headers.items()
                 if name.lower() == "content-type"), None)


# ---------------------------------------------------------------------------- configuration

Auth = AuthConfig
"""How a service authenticates (`stdlib.tools.config.AuthConfig`): the *names* of environment
variables holding secrets, read from the environment mapping `ApiTools` was given when a call
is made, so configuration objects never hold a secret."""


@dataclass(frozen=True, slots=True)
class Service:
    """A configured HTTP service (a ``services:`` entry of ``fdl.yaml``), checked by
    `stdlib.tools.config.ServiceConfig` (the registry and ``fdl.yaml`` use the same model).

    Attributes:
        name: the service name, the first segment of tool codes (``crm-service``).
        url: the base URL (``http://127.0.0.1:8081``, may end in a path prefix).
        headers: static headers sent with every request.
        auth: the credentials scheme, or None.
        timeout_ms: the limit of each request in milliseconds (None: only the runtime's
            per-attempt timeout applies).

    Raises:
        ValueError: a bad value (`stdlib.tools.config.AdapterConfigError`, naming the key).
    """

    name: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Auth | None = None
    timeout_ms: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "/" in self.name:
            raise ValueError(f"service name {self.name!r} must be non-empty text without '/'")
        config = read_config(ServiceConfig, {
            "url": self.url, "headers": dict(self.headers), "auth": self.auth,
            "timeout_ms": self.timeout_ms}, at=("services", self.name))
        object.__setattr__(self, "headers", dict(config.headers))
        object.__setattr__(self, "timeout_ms", config.millis)

    @classmethod
    def from_config(cls, name: str, mapping: Any) -> Service:
        """A `Service` from its ``services:`` entry (`stdlib.tools.config.ServiceConfig`:
        ``url`` required, ``headers``, ``auth``, ``timeout`` in ms, also ``timeout_ms``).

        Raises:
            ValueError: an unknown key (with a did-you-mean hint), a missing ``url`` or a
                bad value; the message names the key (``services.crm-service.url``).
        """
        config = read_config(ServiceConfig, mapping, at=("services", name))
        return cls(name, config.url, config.headers, config.auth, config.millis)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What an ``api``/``svc`` call sends (a ToolSpec's ``config``, checked by
    `stdlib.tools.config.EndpointConfig`, the model the registry checks ToolSpecs with).

    Attributes:
        method: the HTTP method (upper-cased; a URI option ``method=`` overrides it).
        path: the path below the service URL, with ``{placeholders}``; ``""`` means ``/`` +
            the part of the code after the service name.
        query: argument names sent in the query string; None for the default (every
            remaining argument for GET/DELETE/HEAD/OPTIONS, none for the others).
        body: argument names sent in the JSON body object; None for the default (every
            remaining argument for POST/PUT/PATCH, none for the others). ``[]`` sends no body.
        headers: static headers; values may contain ``{placeholders}`` filled from arguments.
            A header whose value is exactly one placeholder is left out when its argument
            is null. A ``Content-Type`` entry names the JSON media type of the body (sent
            only with a body; default ``application/json``).
        arguments: the declared argument names (the runtime auto-binds these); when given,
            every name the endpoint uses must be one of them (or a built-in).
        body_argument: the argument whose value is the whole JSON body (config ``body:
            {argument: NAME}``; not together with ``body``); null sends no body.

    Raises:
        ValueError: a bad value (`stdlib.tools.config.AdapterConfigError`, naming the field:
            ``config.path must start with '/'``).
    """

    method: str = "GET"
    path: str = ""
    query: Sequence[str] | None = None
    body: Sequence[str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    arguments: Sequence[str] = ()
    body_argument: str | None = None

    def __post_init__(self) -> None:
        if self.body_argument is not None and self.body is not None:
            raise ValueError("config.body: give a list of argument names or {argument: "
                             "NAME}, not both")
        # Written in Python, a method may be in any case; in a ToolSpec it is upper case.
        method = self.method.upper() if isinstance(self.method, str) else self.method
        arguments = _arguments(self.arguments)
        body: Any = list(self.body) if isinstance(self.body, Sequence) \
            and not isinstance(self.body, str) else self.body
        config = read_config(EndpointConfig, {
            "method": method, "path": self.path,
            "query": list(self.query) if isinstance(self.query, tuple) else self.query,
            "body": {"argument": self.body_argument} if self.body_argument is not None
            else body, "headers": dict(self.headers)},
            at=("config",), context={"arguments": arguments or None})
        object.__setattr__(self, "method", config.method)
        object.__setattr__(self, "query", None if config.query is None else tuple(config.query))
        object.__setattr__(self, "body", config.body_names)
        object.__setattr__(self, "body_argument", config.body_argument)
        object.__setattr__(self, "headers", dict(config.headers))
        object.__setattr__(self, "arguments", arguments)

    @classmethod
    def from_config(cls, config: Any, arguments: Sequence[str] | None = None) -> Endpoint:
        """An `Endpoint` from a ToolSpec's ``config`` and its ``args.in`` names.

        ``query`` and ``body`` take a list or a comma-separated string of argument names;
        ``body`` also takes ``{argument: NAME}``: the value of the argument ``NAME`` is sent as
        the whole JSON body (an array, for instance). With ``arguments`` (a ToolSpec's
        inputs, maybe none), every name used must be one of them, as the registry checks.

        Raises:
            ValueError: an unknown key (with a did-you-mean hint) or a bad value; the
                message names the field (``config.path``).
        """
        names = None if arguments is None else list(arguments)
        endpoint = read_config(EndpointConfig, {} if config is None else config,
                               at=("config",), context={"arguments": names})
        return cls(endpoint.method, endpoint.path,
                   None if endpoint.query is None else tuple(endpoint.query),
                   endpoint.body_names, endpoint.headers, tuple(names or ()),
                   endpoint.body_argument)


def _arguments(value: Any) -> tuple[str, ...]:
    items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not all(isinstance(i, str) and i for i in items):
        raise ValueError(f"arguments must be a list of argument names, not {value!r}")
    return tuple(items)


# ---------------------------------------------------------------------------- the provider


class ApiTools:
    """A runtime `ToolProvider` for ``api://`` and ``svc://`` URIs.

        >>> tools = ApiTools({"crm-service": Service("crm-service", "http://127.0.0.1:8081")})
        >>> tools.resolve("api://crm-service/customer") is not None
        True

    Args:
        services: the configured services by name (`Service` objects, or their
            configuration mappings).
        endpoints: endpoints by tool code (``crm-service/customer``, for every type) or by
            ``type://code`` (for one type); codes without one get the default endpoint.
        environ: where secrets are read from at call time (default: ``os.environ``, read
            anew on every call).
        transport: the httpx transport of every client (tests, proxies); default: httpx's.
        types: the URI types served.
    """

    def __init__(self, services: Mapping[str, Service | Mapping[str, Any]],
                 endpoints: Mapping[str, Endpoint] | None = None, *,
                 environ: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 types: Sequence[str] = ("api", "svc")) -> None:
        self.services: dict[str, Service] = {
            name: value if isinstance(value, Service) else Service.from_config(name, value)
            for name, value in services.items()}
        self.endpoints: dict[str, Endpoint] = dict(endpoints or {})
        self.environ = environ
        self.transport = transport
        self.types = frozenset(types)
        self._tools: dict[str, _ApiTool] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._token: trio.lowlevel.TrioToken | None = None

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``type://service/rest`` or None (another type, an unknown service)."""
        tool = self._tools.get(base)
        if tool is not None:
            return tool
        type_, sep, code = base.partition("://")
        code = code.split("?", 1)[0]
        if not sep or type_ not in self.types or not code:
            return None
        service_name, _, rest = code.partition("/")
        service = self.services.get(service_name)
        if service is None:
            return None
        endpoint = self.endpoints.get(f"{type_}://{code}") or self.endpoints.get(code) \
            or Endpoint(path="/" + rest)
        tool = _ApiTool(self, service_name, service, endpoint if endpoint.path
                        else _with_path(endpoint, "/" + rest))
        self._tools[base] = tool
        return tool

    async def aclose(self) -> None:
        """Close every client (their pooled connections); later calls open new ones."""
        clients, self._clients = self._clients, {}
        for client in clients.values():
            with contextlib.suppress(Exception):  # closing is best effort
                await client.aclose()

    async def __aenter__(self) -> ApiTools:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def client(self, key: str, service: Service) -> httpx.AsyncClient:
        """The shared client of a service, created on first use in the current trio run."""
        token = trio.lowlevel.current_trio_token()
        if token is not self._token:
            # The clients of an earlier trio run (one that ended without `aclose`) hold
            # connections of a loop that is gone: they are closed, not reused. The swap
            # happens before any await, so concurrent calls see the new run's clients.
            stale, self._clients = self._clients, {}
            self._token = token
            for old in stale.values():
                with contextlib.suppress(Exception):
                    await old.aclose()
        client = self._clients.get(key)
        if client is None:
            timeout = httpx.Timeout(None if service.timeout_ms is None
                                    else service.timeout_ms / 1000)
            client = httpx.AsyncClient(base_url=service.url, headers=dict(service.headers),
                                       timeout=timeout, transport=self.transport,
                                       follow_redirects=False, trust_env=False)
            self._clients[key] = client
        return client

    def environment(self) -> Mapping[str, str]:
        """The mapping secrets are read from now."""
        return self.environ if self.environ is not None else os.environ


def _with_path(endpoint: Endpoint, path: str) -> Endpoint:
    return replace(endpoint, path=path)


# ---------------------------------------------------------------------------- one tool


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    content: bytes | None


class _ApiTool:
    """One ``type://service/rest`` tool: builds the request, sends it, reads the answer."""

    __slots__ = ("endpoint", "key", "owner", "service")

    def __init__(self, owner: ApiTools, key: str, service: Service, endpoint: Endpoint) -> None:
        self.owner = owner
        self.key = key
        self.service = service
        self.endpoint = endpoint

    @property
    def arguments(self) -> Sequence[str]:
        return self.endpoint.arguments

    def _label(self, method: str) -> str:
        return f"{self.service.name} {method} {self.endpoint.path}"

    async def call(self, call: ToolCall) -> Any:
        method = (call.options.get("method") or self.endpoint.method).upper()
        if method not in METHODS:
            raise ToolError("API400", f"option method={method!r} is not an HTTP method "
                            f"({', '.join(METHODS)})", type="validation")
        secrets = Secrets()
        try:
            request = self._build(call, method, secrets)
            return await self._send(request, secrets)
        except ToolError as error:
            # The last line of defence: nothing that leaves carries a secret.
            raise _scrubbed(error, secrets) from None

    # ------------------------------------------------------------------ request

    def _build(self, call: ToolCall, method: str, secrets: Secrets) -> _Request:
        endpoint = self.endpoint
        args = dict(call.args)
        label = self._label(method)
        consumed: set[str] = set()

        def fill(template: str, where: str, encode: Callable[[Any], str]) -> str:
            def one(match: re.Match[str]) -> str:
                name = match.group(1)
                value = args.get(name)
                if value is None:
                    raise ToolError("API400", f"{label} needs the argument '{name}' for "
                                    f"its {where}, but it is missing or null",
                                    type="validation", details={"argument": name})
                consumed.add(name)
                try:
                    return encode(value)
                except TypeError:
                    raise ToolError("API400", f"{label}: the argument '{name}' cannot be "
                                    f"sent in its {where}", type="validation",
                                    details={"argument": name}) from None

            return _PLACEHOLDER.sub(one, template)

        raw_path = fill(endpoint.path, "path", path_segment)
        path, _, static_query = raw_path.partition("?")
        query: list[tuple[str, str]] = parse_qsl(static_query, keep_blank_values=True)
        headers: dict[str, str] = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.8"}
        content_type = _content_type(endpoint.headers)
        for name, template in endpoint.headers.items():
            if content_type is not None and name == content_type[0]:
                continue  # sent with a body only (below)
            alone = _PLACEHOLDER.fullmatch(template)
            if alone is not None and args.get(alone.group(1)) is None:
                consumed.add(alone.group(1))  # an optional header: left out, not sent
                continue                      # elsewhere either
            value = fill(template, f"header {name}", scalar_text)
            problem = header_value_problem(value)
            if problem is not None:
                raise ToolError("API400", f"{label}: the value of header {name} contains "
                                f"{problem}", type="validation")
            headers[name] = value
        for arg, header in BUILTIN_HEADERS.items():
            given = args.get(arg)
            if given is None:
                given = call.tenant_id if arg == "tenantId" else call.bu_code
            if given is not None:
                text = scalar_text(given)
                problem = header_value_problem(text)
                if problem is not None:
                    raise ToolError("API400", f"{label}: {arg} (sent as header {header}) "
                                    f"contains {problem}", type="validation")
                headers[header] = text
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        headers["X-Request-Attempt"] = str(call.attempt)

        remaining = [name for name in args
                     if name not in consumed and name not in BUILTIN_HEADERS]
        query_names, body_names = endpoint.query, endpoint.body
        whole = endpoint.body_argument
        if query_names is None:
            taken = set(body_names or ()) | ({whole} if whole is not None else set())
            query_names = [n for n in remaining if n not in taken] \
                if method in QUERY_METHODS else []
        if body_names is None and whole is None:
            taken = set(query_names)
            body_names = [n for n in remaining if n not in taken] \
                if method not in QUERY_METHODS else None
        for name in query_names:
            try:
                query.extend((name, text) for text in query_values(args.get(name)))
            except TypeError:
                raise ToolError("API400", f"{label}: the argument '{name}' cannot be sent "
                                "in a query string", type="validation") from None
        content: bytes | None = None
        if whole is not None:
            if args.get(whole) is not None:
                try:
                    content = json_body(args[whole])
                except TypeError as error:
                    raise ToolError("API400", f"{label}: the argument '{whole}' cannot be sent "
                                    f"as JSON ({error})", type="validation",
                                    details={"argument": whole}) from None
        elif body_names is not None and (endpoint.body is None or body_names):
            body = {name: args.get(name) for name in body_names}
            try:
                content = json_body(body)
            except TypeError as error:
                raise ToolError("API400", f"{label}: the arguments cannot be sent as JSON "
                                f"({error})", type="validation") from None
        if content is not None:
            headers["Content-Type"] = content_type[1] if content_type is not None \
                else "application/json"
        self._authorize(headers, secrets)
        return _Request(method, path, tuple(query), headers, content)

    def _authorize(self, headers: dict[str, str], secrets: Secrets) -> None:
        auth = self.service.auth
        if auth is None:
            return
        environ = self.owner.environment()
        values: dict[str, str] = {}
        for name in auth.env_names():
            value = environ.get(name)
            if value:
                values[name] = value
                secrets.add(value)
        for name in auth.env_names():
            if name not in values:
                state = "is empty" if name in environ else "is not set"
                raise ToolError("API401", f"the environment variable {name} for "
                                f"{self.service.name} {state}", type="auth")
        if auth.bearer_env:
            headers["Authorization"] = f"Bearer {values[auth.bearer_env]}"
        if auth.basic_user_env and auth.basic_password_env:
            token = basic_credentials(values[auth.basic_user_env],
                                      values[auth.basic_password_env])
            secrets.add(token)
            headers["Authorization"] = f"Basic {token}"
        if auth.header and auth.header_env:
            headers[auth.header] = values[auth.header_env]
        for name, value in headers.items():
            problem = header_value_problem(value, secret=True)
            if problem is not None:
                raise ToolError("API401", f"a credential for {self.service.name} contains "
                                f"{problem} (header {name})", type="auth")

    # ------------------------------------------------------------------ response

    async def _send(self, request: _Request, secrets: Secrets) -> Any:
        client = await self.owner.client(self.key, self.service)
        label = self._label(request.method)
        timeout_ms = self.service.timeout_ms
        try:
            built = client.build_request(request.method, request.path,
                                         params=request.query or None,
                                         headers=request.headers, content=request.content)
            with _deadline(timeout_ms) as scope:
                response = await client.send(built, stream=True)
                try:
                    if 200 <= response.status_code < 300:
                        await response.aread()
                        return _decode(response, label)
                    body = await _read_some(response, ERROR_BODY_LIMIT)
                finally:
                    await response.aclose()
            if scope is not None and scope.cancelled_caught:
                raise _timeout(label, timeout_ms)
        except httpx.TimeoutException:
            raise _timeout(label, timeout_ms) from None
        except (httpx.ConnectError, httpx.NetworkError, httpx.RemoteProtocolError) as error:
            # NetworkError covers reads and writes on a connection the server dropped;
            # RemoteProtocolError a server that closed a kept-alive connection mid-answer.
            verb = "could not connect to" if isinstance(error, httpx.ConnectError) \
                else "lost the connection to"
            raise ToolError("API503" if isinstance(error, httpx.ConnectError) else "API502",
                            f"{verb} {self.service.name} at {redact_url(self.service.url)} "
                            f"({request.method} {self.endpoint.path}): "
                            f"{describe_exception(error, secrets)}",
                            type="connection", retryable=True) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
            raise ToolError("API502", f"the request {label} failed: "
                            f"{describe_exception(error, secrets)}",
                            type="connection", retryable=True) from None
        raise _status_error(response, body, label, secrets)


@contextlib.contextmanager
def _deadline(timeout_ms: float | None) -> Iterator[trio.CancelScope | None]:
    """The whole-request limit: httpx's own timeouts bound each read, not the total."""
    if timeout_ms is None:
        yield None
        return
    with trio.move_on_after(timeout_ms / 1000) as scope:
        yield scope


def _timeout(label: str, timeout_ms: float | None) -> ToolError:
    within = "" if timeout_ms is None else f" within {_ms(timeout_ms)} ms"
    return ToolError("F407", f"no answer from {label}{within}", type="timeout",
                     retryable=True)


async def _read_some(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _decode(response: httpx.Response, label: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    text = response.text
    if is_json_media_type(response.headers.get("content-type")):
        try:
            return decode_json(text)
        except ValueError:
            raise ToolError("API502", f"{label} answered with invalid JSON",
                            type="tool") from None
    return text


def _status_error(response: httpx.Response, body: bytes, label: str,
                  secrets: Secrets) -> ToolError:
    status = response.status_code
    encoding = response.encoding or "utf-8"
    text = secrets.scrub(body.decode(encoding, errors="replace"))
    message = f"HTTP {status} from {label}"
    details: dict[str, Any] = {}
    shown = text
    if is_json_media_type(response.headers.get("content-type")) or text.lstrip()[:1] == "{":
        with contextlib.suppress(ValueError, RecursionError):
            parsed = decode_json(text)
            if isinstance(parsed, Mapping):
                found, code = _error_fields(parsed)
                if found is not None:
                    shown = found
                if code is not None:
                    details["code"] = secrets.scrub_value(code)
    short = snippet(secrets.scrub(shown), SNIPPET_LIMIT)
    if short:
        message += f": {short}"
    retry_after = response.headers.get("retry-after")
    if retry_after and (status in RETRYABLE_STATUSES or status >= 500):
        details["retryAfter"] = snippet(secrets.scrub(retry_after), 64)
    return ToolError(str(status), message,
                     type="auth" if status in (401, 403) else "tool",
                     retryable=status in RETRYABLE_STATUSES or 500 <= status < 600,
                     details=details or None)


def _error_fields(body: Mapping[str, Any]) -> tuple[str | None, Any]:
    """The message and the code of a JSON error body (``{message, code}``, ``{error:
    "..."}`` or ``{error: {message, code}}``)."""
    inner = body.get("error")
    code = body.get("code")
    message: Any = body.get("message")
    if isinstance(inner, Mapping):
        if message is None:
            message = inner.get("message")
        if code is None:
            code = inner.get("code")
    elif message is None:
        message = inner
    if message is not None and not isinstance(message, str):
        message = scalar_text(message)
    if code is not None and not isinstance(code, str | int | float | bool):
        code = None
    return message, code


def _scrubbed(error: ToolError, secrets: Secrets) -> ToolError:
    if not secrets:
        return error
    return ToolError(error.code, secrets.scrub(error.message), type=error.type,
                     retryable=error.retryable, details=secrets.scrub_value(error.details))


def _ms(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
