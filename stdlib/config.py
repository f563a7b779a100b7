"""The project configuration (spec/interfaces.md §3): ``fdl.yaml``, else ``[tool.fdl]`` of
``pyproject.toml``, in the starting folder or the nearest parent that has one.

``fdl.yaml`` is read with the flows' own loader (`compiler.yamltree`, YAML 1.2 core schema),
so ``on``, ``yes`` and ``off`` are strings there as they are in flow files, and validated by one
pydantic model, `ProjectConfig`, through `compiler.validate`: a misspelt key, a value of the
wrong kind, a bad ``services:`` entry (the adapters' own `stdlib.tools.config.ServiceConfig`)
or ``databases:`` entry is reported with its key, line and column. Every problem is a
`ConfigError`; the command line turns it into a usage error, the editor works as if there were
no configuration.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    model_validator,
)

from compiler.diagnostics import Reporter
from compiler.validate import Invalid, Loc, Problem, Wording, span_at, validate, validate_value
from compiler.yamltree import YNode, load_yaml, to_plain
from gml import Source, resolve_timezone
from stdlib.pgdb import is_pg_url, parse_pg_url
from stdlib.tools.agent_config import AgentConfig
from stdlib.tools.config import ConfigModel, ServiceConfig
from stdlib.tools.mail_config import MailConfig
from stdlib.tools.mcp_config import McpServerConfig
from stdlib.tools.mq_config import MqConfig
from stdlib.tools.oss_config import OssConfig
from stdlib.tools.sms_config import SmsConfig
from stdlib.trigger_config import TriggerConfig

__all__ = ["CONFIG_FILE", "DEFAULT_STATE", "REGISTRY_FILE", "SERVICE_FILE", "STORE_FILE",
           "ConfigError", "DatabaseConfig", "ProjectConfig", "ServeConfig", "StateConfig",
           "byte_size",
           "find_config", "project_config", "tool_folders"]

CONFIG_FILE = "fdl.yaml"
"""The project configuration file's name."""

DEFAULT_STATE = ".fdl"
"""The state folder (run store, registry) when the configuration names none."""

STORE_FILE = "runs.db"
"""The run store's file name in the state folder."""

REGISTRY_FILE = "registry.db"
"""The tool registry's file name in the state folder."""

SERVICE_FILE = "service.db"
"""``fdl serve``'s API keys and deployed flows in the state folder."""


class ConfigError(Exception):
    """A project configuration that cannot be used: which file, which key, what is wrong.

    Attributes:
        path: the configuration file (or the folder or file named by a key); None for a
            project without a configuration file.
        key: the key at fault, as a dotted path (``services.crm.url``); None when the file as
            a whole is.
        message: what is wrong and what to do, without the path.
        line, column: 1-based position of the problem in the file, when known.
    """

    def __init__(self, path: Path | str | None, key: str | None, message: str,
                 line: int | None = None, column: int | None = None) -> None:
        where = "" if path is None else f"{path}:{line}:{column}: " if line is not None \
            else f"{path}: "
        super().__init__(where + message)
        self.path = None if path is None else Path(path)
        self.key = key
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------------------- the model


def _folder(value: str) -> str:
    if not value.strip():
        raise Invalid("must be a folder name, not empty text")
    return value


def _state(value: str) -> str:
    if not value.strip():
        raise Invalid("must be a folder name or a postgresql://user@host/db URL, not empty "
                      "text")
    if "://" in value:
        _state_url(value)
    return value


def _state_url(value: str) -> str:
    if not is_pg_url(value):
        scheme = value.partition("://")[0]
        raise Invalid(f"must be a folder name or a postgresql://user@host/db URL; {scheme}:// "
                      "is not a database the run store and the registry can live in")
    parse_pg_url(value, Invalid)
    return value


def _optional_state_url(value: str | None) -> str | None:
    return None if value is None else _state_url(value)


def _zone(value: str) -> str:
    try:
        resolve_timezone(value)
    except Exception:  # pendulum raises its own error types for unknown zones
        raise Invalid(f"must be a known zone name such as Asia/Shanghai or UTC, not "
                      f"{value!r}") from None
    return value


def _service_name(value: str) -> str:
    if not value or "/" in value:
        raise Invalid(f": the service name {value!r} must be non-empty text without '/'")
    return value


_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
          "gb": 1000**3, "gib": 1024**3}


def byte_size(value: str | int) -> int:
    """``1MiB``, ``512KB`` or a number of bytes, in bytes.

    Raises:
        ValueError: not a size.
    """
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a size such as 1MiB, 512KB or 65536")
    return int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]


def _rate(value: str) -> str:
    if not _RATE.match(value):
        raise Invalid(f"must be a rate such as 600/minute or 10/second, not {value!r}")
    return value


def _size(value: str | int) -> str | int:
    try:
        if byte_size(value) < 1:
            raise ValueError
    except ValueError:
        raise Invalid(f"must be a size such as 1MiB, 512KB or 65536, not {value!r}") from None
    return value


def _url(value: str) -> str:
    if not value.strip():
        raise Invalid("must be a database URL, not empty text")
    return value


def _form(value: Any) -> str | None:
    return "url" if isinstance(value, str) else "entry" if isinstance(
        value, Mapping | DatabaseConfig) else None


def _one_or_more(value: Any) -> str | None:
    return "one" if isinstance(value, str) else "more" if isinstance(value, list) else None


Folder = Annotated[str, AfterValidator(_folder), Wording(expect="a folder name")]
_URLS = "sqlite:///file.db, postgresql://user@host/db or mysql://user@host/db"


class DatabaseConfig(ConfigModel):
    """A ``databases:`` entry written as a mapping (the URL alone is the same as
    ``{url: URL}``)."""

    url: Annotated[str, AfterValidator(_url), Wording(expect=f"a database URL ({_URLS})")] = \
        Field(description="the connection URL; a password in it is never shown")
    native: bool = Field(False, description="allow db://<table>/native (raw SQL)")


class StateConfig(ConfigModel):
    """``state:`` written as a mapping: the run store and the registry in a PostgreSQL
    database (``url``), and the folder for the rest (``fdl serve``'s keys and flows,
    SQLite ``db://`` databases). ``state: postgresql://...`` is ``{url: ...}``."""

    url: Annotated[str | None, AfterValidator(_optional_state_url), Wording(
        expect="a postgresql://user@host/db URL")] = Field(
        None, description="run store and registry on PostgreSQL; a password is never shown")
    folder: Annotated[str, AfterValidator(_folder), Wording(expect="a folder name")] = Field(
        DEFAULT_STATE + "/", description="service.db and SQLite databases")


class ServeConfig(ConfigModel):
    """``service:`` of ``fdl.yaml``: how ``fdl serve`` limits and shares the project
    (spec/service.md §1)."""

    rate_limit: Annotated[str, AfterValidator(_rate), Wording(
        expect="a rate such as 600/minute")] = Field(
        "600/minute", description="requests per key (a key's own --rate-limit wins)")
    max_body: Annotated[str | int, AfterValidator(_size), Wording(
        expect="a size such as 1MiB")] = Field("1MiB", description="largest request body")
    cors: list[str] = Field(default_factory=list, description="allowed browser origins")
    allow_mocks: bool = Field(False, description="whether POST /v1/runs may carry mocks")
    engine: Literal["local", "temporal"] = Field(
        "local", description="where POST /v1/runs runs flows: in this process (local) or on "
                             "the Temporal cluster of temporal: (scale-out.md)")

    @property
    def max_body_bytes(self) -> int:
        """``max_body`` in bytes."""
        return byte_size(self.max_body)


class TemporalConfig(ConfigModel):
    """``temporal:`` of ``fdl.yaml``: the Temporal cluster that ``fdl run --on temporal``
    starts runs on and a worker serves (docs/scale-out.md)."""

    address: str = Field("127.0.0.1:7233", description="the frontend, host:port")
    namespace: str = Field("default", description="the Temporal namespace")
    task_queue: str = Field("fdl",
                            description="the task queue runs go to and workers serve")


State = Annotated[Annotated[str, AfterValidator(_state), Tag("url")]
                  | Annotated[StateConfig, Tag("entry")], Discriminator(_form)]
Database = Annotated[Annotated[str, AfterValidator(_url), Tag("url")]
                     | Annotated[DatabaseConfig, Tag("entry")], Discriminator(_form)]
Folders = Annotated[Annotated[Folder, Tag("one")] | Annotated[list[Folder], Tag("more")],
                    Discriminator(_one_or_more)]
Section = dict[str, Any] | None
"""A section of the spec read by adapters this toolchain does not have yet (``mcp``,
``agents``, ``mail``, ...): a mapping, not checked further."""


class ProjectConfig(BaseModel):
    """The project configuration: ``fdl.yaml`` (spec/interfaces.md §3) and where it was found.

    Unknown keys are errors (with a did-you-mean); values are YAML 1.2 scalars, never
    coerced. Relative paths are relative to the configuration file (`file`).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    flows: Folder = Field("flows/", description="where flow:// names resolve")
    tools: Annotated[Folders | None, Wording(
        expect="a folder name or a list of them")] = Field(
        None, description="ToolSpec folders (default: tools/ beside the file, if any)")
    state_folder: Annotated[State, Wording(
        expect="a folder name, a postgresql://user@host/db URL or {url: ..., folder: ...}"
    )] = Field(DEFAULT_STATE + "/", alias="state",
               description="registry.db, runs.db and SQLite databases, or the PostgreSQL "
                           "database of the run store and the registry")
    timezone: Annotated[str | None, AfterValidator(_zone), Wording(
        expect="a zone name such as Asia/Shanghai")] = Field(
        None, description="default: the machine's zone")
    concurrency: Annotated[int | None, Field(ge=1), Wording(
        expect="a whole number of at least 1")] = Field(
        None, description="nodes run at once (default: the runtime's)")
    flow_runs: Annotated[int | None, Field(ge=1), Wording(
        expect="a whole number of at least 1")] = Field(
        None, alias="flow-runs",
        description="flow:// runs one top-level run may start in all (default 1000)")
    services: Annotated[dict[Annotated[str, AfterValidator(_service_name)], ServiceConfig]
                        | None, Wording(
        expect="a mapping of service names to {url: ...} entries")] = Field(
        None, description="api:// and svc:// services by name")
    databases: Annotated[dict[str, Annotated[Database, Wording(
        expect="a URL or a mapping such as {url: 'sqlite:///db.db'}")]] | None, Wording(
        expect="a mapping of database names to {url: ...} entries")] = Field(
        None, description="db:// databases by name")
    mcp: Annotated[dict[Annotated[str, AfterValidator(_service_name)], McpServerConfig]
                   | None, Wording(
        expect="a mapping of server names to {command: [...]} or {url: ...} entries")] = Field(
        None, description="mcp:// servers by name (tools.md §6)")
    agents: Annotated[dict[Annotated[str, AfterValidator(_service_name)], AgentConfig]
                      | None, Wording(
        expect="a mapping of agent names to {url: ..., model: ...} entries")] = Field(
        None, description="agent:// agents by name (tools.md §6)")
    mail: Annotated[dict[Annotated[str, AfterValidator(_service_name)], MailConfig] | None,
                    Wording(expect="a mapping of names to {host: ..., from: ...} entries")] = \
        Field(None, description="mail:// SMTP servers by name (tools.md §6)")
    sms: Annotated[dict[Annotated[str, AfterValidator(_service_name)], SmsConfig] | None,
                   Wording(expect="a mapping of names to {tool: ...} entries")] = Field(
        None, description="sms:// gateways by name: the tool that sends (tools.md §6)")
    oss: Annotated[dict[Annotated[str, AfterValidator(_service_name)], OssConfig] | None,
                   Wording(expect="a mapping of names to {url: ...} entries")] = Field(
        None, description="oss:// object stores by name (tools.md §6)")
    mq: Annotated[dict[Annotated[str, AfterValidator(_service_name)], MqConfig] | None,
                  Wording(expect="a mapping of names to {url: ...} entries")] = Field(
        None, description="mq:// message brokers by name (tools.md §6)")
    triggers: Annotated[list[TriggerConfig] | None, Wording(
        expect="a list of {flow: ..., cron: ...} or {flow: ..., mq: broker/topic} entries")] = \
        Field(None, description="flows started by messages or schedules (tools.md §6)")
    temporal: TemporalConfig | None = Field(
        None, description="the Temporal cluster of fdl run --on temporal (scale-out.md)")
    service: ServeConfig = Field(ServeConfig.model_validate({}),
                                 description="fdl serve: rate limit, body size, CORS")

    _file: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _triggers_refer(self, info: ValidationInfo) -> ProjectConfig:
        """Each trigger's broker is an ``mq:`` entry (T103) and, when the validation
        context has the configuration's folder (``base``), its flow a file of the flows
        folder (T102)."""
        base = (info.context or {}).get("base")
        for index, trigger in enumerate(self.triggers or ()):
            broker = trigger.broker
            if broker is not None and broker not in (self.mq or {}):
                known = ", ".join(sorted(self.mq or {})) or "none"
                raise Invalid(f"T103: triggers[{index}].mq names the broker {broker!r}, which "
                              f"is not an mq: entry (known: {known}); add it under mq:",
                              at=("triggers", index, "mq"), whole=True)
            if isinstance(base, Path):
                folder = base / self.flows
                if not (folder / f"{trigger.flow}.yaml").is_file():
                    raise Invalid(f"T102: triggers[{index}].flow: there is no flow "
                                  f"{trigger.flow!r} ({folder / trigger.flow}.yaml); name a "
                                  "flow of the flows: folder", at=("triggers", index, "flow"),
                                  whole=True)
        return self
    _data: dict[str, Any] = PrivateAttr(default_factory=dict)
    _tree: YNode | None = PrivateAttr(default=None)
    _source: Source | None = PrivateAttr(default=None)

    def position(self, loc: Loc) -> tuple[int, int] | None:
        """The 1-based line and column of the value at ``loc`` (``("triggers", 0,
        "flow")``) in ``fdl.yaml``, for problems found after the file was read (a trigger's
        flow that does not compile); None without a YAML file."""
        span = span_at(self._tree, loc)
        if span is None or self._source is None:
            return None
        return self._source.position(span.start)

    @property
    def file(self) -> Path | None:
        """The configuration file, or None when there is none."""
        return self._file

    @property
    def data(self) -> Mapping[str, Any]:
        """The configuration as written (plain values)."""
        return self._data

    @property
    def base(self) -> Path | None:
        """The folder the configuration's relative paths start from."""
        return None if self._file is None else self._file.parent

    @property
    def state(self) -> Path:
        """The state folder: ``state:`` relative to the configuration file (default
        ``.fdl/`` beside it; with a PostgreSQL ``state:``, its ``folder``, default ``.fdl/``),
        or ``.fdl/`` in the working folder without configuration."""
        if self._file is None:
            return Path(DEFAULT_STATE)
        state = self.state_folder
        if isinstance(state, StateConfig):
            return self._file.parent / state.folder
        return self._file.parent / (DEFAULT_STATE if is_pg_url(state) else state)

    @property
    def state_url(self) -> str | None:
        """The PostgreSQL database of the run store and the registry (``state:`` as a
        ``postgresql://`` URL or ``{url: ...}``), or None: both are SQLite files in
        `state`."""
        state = self.state_folder
        if isinstance(state, StateConfig):
            return state.url
        return state if self._file is not None and is_pg_url(state) else None

    @property
    def store_spec(self) -> str:
        """The run store to open (`runtime.store.open_store`): `state_url`, else the file
        `store_path`."""
        return self.state_url or str(self.store_path)

    @property
    def registry_spec(self) -> str | Path:
        """The registry to open (`stdlib.registry.Registry`): `state_url`, else the file
        `registry_path`."""
        return self.state_url or self.registry_path

    @property
    def store_path(self) -> Path:
        """The default run store, ``<state>/runs.db``."""
        return self.state / STORE_FILE

    @property
    def service_path(self) -> Path:
        """``fdl serve``'s keys and deployed flows, ``<state>/service.db``."""
        return self.state / SERVICE_FILE

    @property
    def registry_path(self) -> Path:
        """The project's tool registry, ``<state>/registry.db``."""
        return self.state / REGISTRY_FILE

    def tool_folders(self) -> list[Path]:
        """The ToolSpec folders: ``tools:`` (a folder or a list of folders, relative to the
        configuration file); without the key, ``tools/`` beside the configuration when it
        exists; none without a configuration."""
        if self._file is None:
            return []
        if self.tools is None:
            default = self._file.parent / "tools"
            return [default] if default.is_dir() else []
        names = [self.tools] if isinstance(self.tools, str) else self.tools
        return [self._file.parent / name for name in names]

    def existing_tool_folders(self, tools_dir: Path | None = None) -> list[Path]:
        """``tools_dir`` (``--tools DIR``) when given, else `tool_folders`, each of which
        must exist: a bad configuration fails before anything is read or written.

        Raises:
            ConfigError: a configured tools folder does not exist.
        """
        if tools_dir is not None:
            return [tools_dir]
        folders = self.tool_folders()
        for folder in folders:
            if not folder.is_dir():
                raise ConfigError(folder, "tools", "the tools folder (from the project "
                                                   "configuration) does not exist")
        return folders

    def flows_folder(self, start: Path) -> Path:
        """The folder ``flow://`` names resolve in: ``flows:`` (default ``flows/``) relative
        to the configuration file, or to ``start`` without a configuration."""
        return (self.base or start) / self.flows


def _name(loc: Loc) -> str | None:
    """Top-level keys are quoted in messages (``'state' must be a folder name``)."""
    return f"'{loc[0]}'" if len(loc) == 1 else None


# ---------------------------------------------------------------------------- reading


def find_config(start: Path) -> tuple[dict[str, Any], Path] | None:
    """The nearest project configuration at or above ``start``: (its data, the file), or
    None when there is none.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    found = _find(start)
    if found is None:
        return None
    data, _tree, file, _source = found
    if not isinstance(data, dict):
        raise ConfigError(file, None, "the configuration must be a mapping")
    return data, file


def _find(start: Path) -> tuple[Any, YNode | None, Path, Source | None] | None:
    """The nearest configuration's plain data, its YAML tree and text (None for
    ``[tool.fdl]``) and its file."""
    for folder in (start, *start.parents):
        config = folder / CONFIG_FILE
        if config.is_file():
            tree, source = _read_yaml(config)
            return ({} if tree is None else to_plain(tree)), tree, config, source
        project = folder / "pyproject.toml"
        if project.is_file():
            try:
                document = tomllib.loads(project.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(project, None, f"cannot be read: {error}") from None
            except RecursionError:
                raise ConfigError(project, None, "cannot be read: it nests too deeply; "
                                  "flatten its arrays and tables") from None
            section = document.get("tool", {}).get("fdl")
            if isinstance(section, dict):
                return section, None, project, None
    return None


def _read_yaml(config: Path) -> tuple[YNode | None, Source]:
    try:
        text = config.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(config, None, f"cannot be read: {error}") from None
    source = Source(text)
    reporter = Reporter(str(config), source)
    root = load_yaml(text, reporter)
    problems = [d for d in reporter.diagnostics if d.is_error]
    if problems:
        first = problems[0]
        raise ConfigError(config, None, f"{first.code}: {first.message}", first.line,
                          first.column)
    return root, source


def _error(file: Path, problem: Problem, source: Source | None) -> ConfigError:
    line = column = None
    if source is not None and problem.span is not None:
        line, column = source.position(problem.span.start)
    return ConfigError(file, problem.path or None, problem.message, line, column)


def project_config(start: Path | None = None) -> ProjectConfig:
    """The project configuration for ``start`` (default: the working folder), validated
    whole: every key, the ``services:`` and ``databases:`` entries included.

    Raises:
        ConfigError: the file is malformed or a key has the wrong kind of value (with the
            key's line and column in ``fdl.yaml``).
    """
    start = (start or Path.cwd()).resolve()
    found = _find(start)
    if found is None:
        return ProjectConfig.model_validate({})
    data, tree, file, source = found
    if source is not None:
        checked = validate(tree, ProjectConfig, name=_name, root=file.name,
                           context={"base": file.parent})
    else:
        checked = validate_value(data, ProjectConfig, name=_name, root="[tool.fdl]",
                                 context={"base": file.parent})
    if checked.value is None:
        raise _error(file, checked.problems[0], source)
    config = checked.value
    config._file = file
    config._data = dict(data) if isinstance(data, dict) else {}
    config._tree, config._source = tree, source
    return config


def tool_folders(start: Path | None = None) -> list[Path]:
    """The project's ToolSpec folders (`ProjectConfig.tool_folders`).

    Raises:
        ConfigError: the configuration is malformed.
    """
    return project_config(start).tool_folders()

