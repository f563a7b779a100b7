"""The configuration of the ``api``/``svc`` and ``db`` adapters, as pydantic models (tools.md §6).

One definition, read twice: the registry checks a ToolSpec's ``config`` with these models
(`stdlib.registry`), and the adapters build their run-time objects from them (`stdlib.tools.api`
`Service`, `Endpoint` and `Auth`; `TableSpec` here, used by `stdlib.tools.db`). So what
registration accepts is exactly what a run can use. Problems come from `compiler.validate`,
with the YAML position of the key when the configuration was read from a file.

* `ServiceConfig` (with `AuthConfig`): a ``services:`` entry of ``fdl.yaml``;
* `EndpointConfig` (with `BodyArgument`): the ``config`` of an ``api``/``svc`` ToolSpec;
* `TableConfig`: the ``config`` of a ``db`` ToolSpec; `TableSpec`: a table as the ``db``
  adapter knows it (code, record fields, key), checked by `table_problems`.

Validators that need more than the value read pydantic's validation context:
``arguments`` (the tool's declared inputs: every name an endpoint uses must be one of them),
``fields`` (a table's record fields: the key must be one of them) and ``record`` (False: the
ToolSpec declares no record type).

This module imports no HTTP client and no database driver: the registry (and so the editor)
reads it without loading an adapter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    Tag,
    ValidationInfo,
    model_validator,
)

from compiler.validate import Invalid, Loc, Problem, Wording, validate_value
from gml.text import suggest
from gml.types import Type, parse_type

from ._http import header_value_problem, is_json_media_type, redact_url

__all__ = ["BUILTIN_HEADERS", "METHODS", "PLACEHOLDER", "QUERY_METHODS", "AdapterConfigError",
           "AuthConfig", "BodyArgument", "ConfigModel", "EndpointConfig", "ServiceConfig",
           "TableConfig", "TableSpec", "placeholders", "read_config", "table_problems"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""The ``config.method`` values of ``api`` and ``svc`` tools (upper case, as HTTP writes them)."""

QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD", "OPTIONS"})
"""Methods whose arguments default to the query string; the others default to a JSON body."""

BUILTIN_HEADERS: Mapping[str, str] = MappingProxyType(
    {"tenantId": "X-Tenant-Id", "buCode": "X-Bu-Code"})
"""The built-in inputs and the headers they travel in; an endpoint may always use them."""

PLACEHOLDER = re.compile(r"\{([A-Za-z_$][A-Za-z0-9_$]*)\}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)

M = TypeVar("M", bound=BaseModel)


class ConfigModel(BaseModel):
    """A mapping of the configuration: unknown keys are errors, YAML scalars are not coerced
    (``'5'`` is not a number, ``1`` is not ``true``), and the values are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AdapterConfigError(ValueError):
    """An adapter configuration that cannot be used; the message is the first problem's.

    Attributes:
        problems: every problem found (`compiler.validate.Problem`, with paths).
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems[0].message if self.problems else
                         "the configuration is not valid")


def read_config(model: type[M], value: Any, *, at: Loc = (),
                context: Mapping[str, Any] | None = None) -> M:
    """``value`` (plain data) validated by ``model``.

    Raises:
        AdapterConfigError: with every problem; the message is the first one, naming the
            key from ``at`` on (``services.crm.url must ...``).
    """
    found = validate_value(value, model, at=at, context=context)
    if found.value is None:
        raise AdapterConfigError(found.problems)
    return found.value


def _context(info: ValidationInfo, key: str) -> Any:
    return info.context.get(key) if isinstance(info.context, Mapping) else None


# ---------------------------------------------------------------------------- helpers


def placeholders(template: str) -> tuple[str, ...]:
    """The ``{placeholder}`` names of ``template`` in order (each once).

    Raises:
        Invalid: a ``{`` or ``}`` that is not part of a placeholder.
    """
    rest = PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise Invalid(f": {template!r} has a '{{' or '}}' that is not part of a {{name}} "
                      "placeholder")
    return tuple(dict.fromkeys(PLACEHOLDER.findall(template)))


def _undeclared(name: str, info: ValidationInfo, what: str = "", at: Loc = ()) -> None:
    """Complain when ``name`` is not a declared argument (with declared arguments known)."""
    arguments = _context(info, "arguments")
    if arguments is None:
        return
    known = [*arguments, *BUILTIN_HEADERS]
    if name in known:
        return
    hint = suggest(name, known)
    advice = f"; did you mean '{hint}'?" if hint else "; declare it in args.in"
    subject = what or f"'{name}'"
    raise Invalid(f": {subject} is not a declared argument{advice}", at=at)


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        # The value is not shown: it may be the secret itself, written where its name goes.
        raise Invalid("names an environment variable (letters, digits and _), not the "
                      "secret itself")
    return value


def _header_name(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
        raise Invalid(f": {value!r} is not a valid header name")
    return value


def _header_text(value: Any) -> Any:
    """Numbers are written as text (``X-Version: 2``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _one_line(value: str) -> str:
    problem = header_value_problem(value)
    if problem == "a line break":
        raise Invalid("must not contain line breaks")
    if problem is not None:
        raise Invalid(f"must not contain {problem}")
    return value


EnvName = Annotated[str, AfterValidator(_env_name),
                    Wording(expect="the name of an environment variable")]
HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[str, BeforeValidator(_header_text), AfterValidator(_one_line),
                        Wording(expect="text")]


# ---------------------------------------------------------------------------- services


class AuthConfig(ConfigModel):
    """How a service authenticates: the *names* of environment variables holding secrets,
    read when a call is made (configuration never holds a secret)."""

    bearer_env: EnvName | None = Field(
        None, description="sends Authorization: Bearer $VAR")
    basic_user_env: EnvName | None = Field(
        None, description="with basic_password_env: sends Authorization: Basic")
    basic_password_env: EnvName | None = Field(
        None, description="with basic_user_env: sends Authorization: Basic")
    header: HeaderName | None = Field(
        None, description="with header_env: sends <header>: $VAR (X-Api-Key, ...)")
    header_env: EnvName | None = Field(
        None, description="with header: the variable holding the header's value")

    @model_validator(mode="after")
    def _pairs(self) -> AuthConfig:
        if (self.basic_user_env is None) != (self.basic_password_env is None):
            raise Invalid(": basic_user_env and basic_password_env go together")
        if (self.header is None) != (self.header_env is None):
            raise Invalid(": header and header_env go together")
        if self.header is not None and (self.bearer_env or self.basic_user_env) \
                and self.header.lower() == "authorization":
            raise Invalid(": Authorization is already set by bearer_env or basic_user_env",
                          at=("header",))
        return self

    def env_names(self) -> tuple[str, ...]:
        """The environment variables this scheme reads."""
        names = (self.bearer_env, self.basic_user_env, self.basic_password_env,
                 self.header_env)
        return tuple(name for name in names if name)


def _service_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise Invalid("is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Invalid(f"must be an http:// or https:// URL with a host, not "
                      f"{redact_url(url)!r}")
    if "@" in parts.netloc:
        # Credentials in a URL would live in the configuration file and travel in every
        # message that shows the URL.
        raise Invalid("must not hold credentials; name the environment variables that hold "
                      "them under auth (bearer_env, ...)")
    if parts.query or parts.fragment:
        raise Invalid("must not have a query string or fragment")
    return url


Millis = Annotated[float, Field(gt=0, allow_inf_nan=False),
                   Wording(expect="a positive number of ms")]


class ServiceConfig(ConfigModel):
    """A ``services:`` entry of ``fdl.yaml``: an HTTP service that ``api://`` and ``svc://``
    tools call (the first segment of their code)."""

    url: Annotated[str, AfterValidator(_service_url), Field(
        description="the base URL (http:// or https://; may end in a path prefix)")]
    headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict, description="static headers sent with every request")
    auth: Annotated[AuthConfig | None, Wording(
        expect="a mapping such as {bearer_env: CRM_TOKEN}",
        unknown="secrets are never written in configuration: name the environment variable "
                "that holds them with *_env")] = Field(
        None, description="the credentials scheme")
    timeout: Millis | None = Field(None, description="the limit of each request, in ms")
    timeout_ms: Millis | None = Field(None, description="the same as timeout")

    @model_validator(mode="after")
    def _one_timeout(self) -> ServiceConfig:
        if self.timeout is not None and self.timeout_ms is not None:
            raise Invalid(": give 'timeout' or 'timeout_ms', not both", at=("timeout_ms",),
                          key=True)
        return self

    @property
    def millis(self) -> float | None:
        """The request limit in ms (``timeout`` or ``timeout_ms``), None without one."""
        return self.timeout if self.timeout is not None else self.timeout_ms


# ---------------------------------------------------------------------------- endpoints


def _method(value: str) -> str:
    if value in METHODS:
        return value
    choices = ", ".join(METHODS)
    if value.upper() in METHODS:
        raise Invalid(f"must be one of {choices}; write it in upper case: {value.upper()}")
    raise Invalid(f"must be one of {choices}; {value!r} is not an HTTP method")


def _path(value: str, info: ValidationInfo) -> str:
    if value and not value.startswith("/"):
        raise Invalid(f"must start with '/', not {value!r}")
    for name in placeholders(value):
        _undeclared(name, info, f"the placeholder {{{name}}}")
    return value


def _split_names(value: Any) -> Any:
    """A list of argument names, or the same as one text: ``page, size``."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise Invalid("must be a list of argument names (or one text: 'page, size')")
    return value


def _declared_names(value: list[str], info: ValidationInfo) -> list[str]:
    for name in value:
        _undeclared(name, info)
    return value


Names = Annotated[list[str], BeforeValidator(_split_names), AfterValidator(_declared_names)]


def _argument(value: str, info: ValidationInfo) -> str:
    name = value.strip()
    if not name:
        raise Invalid("must be an argument name")
    _undeclared(name, info)
    return name


class BodyArgument(ConfigModel):
    """``body: {argument: NAME}``: the value of the argument ``NAME`` is the whole JSON body
    (an array, say, which a body object of arguments cannot be); null sends no body."""

    argument: Annotated[str, AfterValidator(_argument), Wording(
        expect="an argument name", missing="needs the argument to send: {argument: NAME}")]


def _body_form(value: Any) -> str | None:
    if isinstance(value, Mapping | BodyArgument):
        return "argument"
    if isinstance(value, list | str):
        return "names"
    return None


_BODY_FORMS = ("a list of argument names (sent as one JSON object), or {argument: NAME} (the "
               "value of NAME is the whole JSON body)")

_BODY_KEYS = ("a body mapping is {argument: NAME}, NAME the argument whose value is the whole "
              "JSON body")

Body = Annotated[Annotated[Names, Tag("names")] | Annotated[BodyArgument, Tag("argument")],
                 Discriminator(_body_form)]


def _endpoint_headers(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    for name, text in value.items():
        try:
            used = placeholders(text)
        except Invalid as error:
            raise Invalid(error.text, at=(name,)) from None
        for placeholder in used:
            _undeclared(placeholder, info, f"the placeholder {{{placeholder}}}", at=(name,))
        if name.lower() == "content-type" and (used or not is_json_media_type(text)):
            raise Invalid(": the adapter sends JSON bodies, so Content-Type is a JSON media "
                          "type (application/json or application/...+json), not "
                          f"{text!r}", at=(name,))
    return value


class EndpointConfig(ConfigModel):
    """The ``config`` of an ``api``/``svc`` ToolSpec: what a call sends."""

    method: Annotated[str, AfterValidator(_method)] = Field(
        "GET", description="the HTTP method, upper case (a URI option method= overrides it)")
    path: Annotated[str, AfterValidator(_path)] = Field(
        "", description="below the service URL, with {placeholders} filled from arguments; "
                        "empty: / and the part of the code after the service")
    query: Names | None = Field(
        None, description="argument names sent in the query string (default: every "
                          "remaining argument for GET, DELETE, HEAD and OPTIONS)")
    body: Annotated[Body | None, Wording(expect=_BODY_FORMS, unknown=_BODY_KEYS)] = Field(
        None, description="argument names sent as the JSON body object (default: every "
                          "remaining argument for POST, PUT and PATCH; [] sends no body), or "
                          "{argument: NAME}")
    headers: Annotated[dict[HeaderName, HeaderValue], AfterValidator(_endpoint_headers)] = \
        Field(default_factory=dict, description="static headers; values may hold "
                                                "{placeholders}; Content-Type names the JSON "
                                                "media type of the body")

    @property
    def body_names(self) -> tuple[str, ...] | None:
        """``body`` when it is a list of argument names."""
        return tuple(self.body) if isinstance(self.body, list) else None

    @property
    def body_argument(self) -> str | None:
        """The argument of ``body: {argument: NAME}``."""
        return self.body.argument if isinstance(self.body, BodyArgument) else None


# ---------------------------------------------------------------------------- tables


def _key(value: str, info: ValidationInfo) -> str:
    fields = _context(info, "fields")
    if fields is not None and value not in fields:
        hint = suggest(value, list(fields))
        advice = f"; did you mean '{hint}'?" if hint else ""
        raise Invalid(f": the key '{value}' is not a field of the record type (its fields: "
                      f"{', '.join(fields)}){advice}")
    return value


class TableConfig(ConfigModel):
    """The ``config`` of a ``db`` ToolSpec."""

    key: Annotated[str, Field(min_length=1), AfterValidator(_key),
                   Wording(expect="the name of a field of the record type")] = Field(
        "id", description="the primary key field (default id)")

    @model_validator(mode="wrap")
    @classmethod
    def _record(cls, value: Any, handler: ModelWrapValidatorHandler[Self],
                info: ValidationInfo) -> Self:
        if isinstance(value, Mapping) and "key" in value and _context(info, "record") is False:
            raise Invalid(": a key needs a record type: declare args.out (or drop the key "
                          "and let the default id stand)", at=("key",))
        return handler(value)


def table_problems(code: str, fields: Mapping[str, Any] | None, key: str = "id"
                   ) -> list[tuple[str, str]]:
    """What is wrong with a table as the ``db`` adapter knows it: (field, message) pairs,
    ``code`` or ``config.key``, in the words of the registry.

    A code names a configured database first and the physical table last
    (``shop.sales.order``); the table and every field name is a plain identifier, because they
    become SQL identifiers; the key is one of the fields.
    """
    found: list[tuple[str, str]] = []
    segments = code.split(".")
    if "/" in code:
        found.append(("code", f"a db table's code is <database>[.<...>].<table> without an "
                              f"operation, not '{code}' (operations come with the table)"))
    elif len(segments) < 2 or not all(segments):
        found.append(("code", "a db table's code names the database first and the table "
                              f"last, <database>.<table> (shop.order), not '{code}'"))
    elif not _IDENTIFIER.fullmatch(segments[-1]):
        found.append(("code", f"the table name '{segments[-1]}' of '{code}' must be a plain "
                              "identifier (letters, digits, _)"))
    if fields is not None:
        bad = [name for name in fields if not _IDENTIFIER.fullmatch(name)]
        if bad:
            found.append(("args.out", "a db table's field names must be plain identifiers "
                                      f"(letters, digits, _), not {', '.join(map(repr, bad))}"))
        if key not in fields:
            found.append(("config.key", f"the key '{key}' is not a field of the record type "
                                        f"(its fields: {', '.join(fields)})"))
    return found


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table known to the ``db`` adapter (the ``db`` ToolSpec of tools.md §6).

    Attributes:
        code: ``shop.order``: the first segment names the database, the last the table.
        fields: the record type's fields in order (types, or type text such as
            ``"decimal?"``); None reads the columns from the database's metadata at run time.
        key: the primary key field (default ``id``).

    Raises:
        ValueError: a problem of `table_problems` (the code, a field name, the key).
    """

    code: str
    fields: Mapping[str, Type | str] | None
    key: str = "id"

    def __post_init__(self) -> None:
        problems = table_problems(self.code, self.fields, self.key)
        if problems:
            raise ValueError(f"table {self.code}: {problems[0][1]}")
        if self.fields is not None:
            object.__setattr__(self, "fields", {
                name: parse_type(t) if isinstance(t, str) else t
                for name, t in self.fields.items()})

    @property
    def database(self) -> str:
        """The configured database's name (the code's first segment)."""
        return self.code.split(".")[0]

    @property
    def table(self) -> str:
        """The physical table's name (the code's last segment)."""
        return self.code.split(".")[-1]
