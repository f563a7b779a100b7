"""Checking a ToolSpec's adapter ``config`` and code per tool type (tools.md §6).

The ``config`` of ``api``/``svc``, ``db``, ``py``, ``shell`` and ``mq`` specs is validated by the
models the adapters themselves read it with (`stdlib.tools.config`: `EndpointConfig`,
`TableConfig`, `table_problems`; `stdlib.tools.process_config`: `PyConfig`, `ShellConfig`;
`stdlib.tools.mq_config`: `MqToolConfig`), through
`compiler.validate`: what registration accepts is what a run can use,
and a spec read from a file gets each problem at the YAML position of its key. What only the
registry can see stays here: an ``api`` code must start with its service, a ``db`` table
declares no inputs and an object record type, an ``mcp`` code names server and tool, an
``mq`` code names its broker and is not one of the broker's own operations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from compiler.validate import Problem, field_path, validate, validate_value
from compiler.yamltree import YNode
from gml import Span
from gml.types import ANY, ObjectType, Type, deref, strip_null
from stdlib.tools.config import EndpointConfig, TableConfig, table_problems
from stdlib.tools.mq_config import MQ_OPERATIONS, MqToolConfig
from stdlib.tools.process_config import PyConfig, ShellConfig

from ._check import ArgsAnalysis

__all__ = ["Issue", "adapter_problems"]

_CONFIG_MODELS: dict[str, type[PyConfig] | type[ShellConfig] | type[MqToolConfig]] = {
    "py": PyConfig, "shell": ShellConfig, "mq": MqToolConfig}
"""The ``config`` models of ``py`` and ``shell`` tools (a process of their own) and of ``mq``
tools (tools.md §6)."""

_SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem of a spec's adapter configuration or code.

    Attributes:
        field: the path of the field (``config.method``, ``code``).
        message: what is wrong and what to do.
        code: E103 for an unknown key, E105 for the rest, E107 for a record type.
        span: where the field is in the spec's file, when the config was read from one.
    """

    field: str
    message: str
    code: str = "E105"
    severity: Literal["error", "warning"] = "error"
    span: Span | None = None


def adapter_problems(tool_type: str, code: str, config: Mapping[str, Any],
                     raw_args: Mapping[str, Any], analysis: ArgsAnalysis,
                     config_node: YNode | None = None) -> list[Issue]:
    """Is the adapter configuration complete and usable for the tool's type (tools.md §6)?

    Args:
        config_node: the ``config`` of the spec's file, when it came from one (problems
            then carry its positions).
    """
    issues: list[Issue] = []
    if tool_type in ("api", "svc"):
        service = code.split("/", 1)[0]
        if not _SERVICE.fullmatch(service):
            issues.append(Issue("code", f"an {tool_type} tool's code starts with its service "
                                f"(service/operation, e.g. crm-service/customer), not "
                                f"'{code}'"))
        context = {"arguments": list(analysis.inputs)}
        found = (validate(config_node, EndpointConfig, at=("config",), context=context)
                 if config_node is not None else
                 validate_value(config, EndpointConfig, at=("config",), context=context))
        issues.extend(_issue(p) for p in found.problems)
    elif tool_type == "db":
        issues.extend(_db_problems(code, config, raw_args, analysis, config_node))
    elif tool_type in _CONFIG_MODELS:
        if tool_type == "mq":
            issues.extend(_mq_code(code))
        context = {"arguments": list(analysis.inputs)}
        model = _CONFIG_MODELS[tool_type]
        checked = (validate(config_node, model, at=("config",), context=context)
                   if config_node is not None else
                   validate_value(config, model, at=("config",), context=context))
        issues.extend(_issue(p) for p in checked.problems)
    elif tool_type == "mcp":
        server, _, tool = code.partition("/")
        if not server or not tool:
            issues.append(Issue("code", f"an mcp tool's code is <server>/<tool>, not '{code}'"))
    return issues


def _mq_code(code: str) -> list[Issue]:
    broker, _, name = code.partition("/")
    if not _SERVICE.fullmatch(broker) or not name:
        return [Issue("code", f"an mq tool's code is <broker>/<name> (the broker of mq: in "
                      f"fdl.yaml), not '{code}'")]
    if name in MQ_OPERATIONS:
        return [Issue("code", f"mq://{broker}/{name} is the broker's own {name} operation: "
                      "give the tool another name")]
    return []


def _issue(problem: Problem) -> Issue:
    """A validation problem as an issue; the field is shown before the message (`SpecProblem`),
    so a message that starts by naming it (``config.path must ...``) is not shown twice."""
    field = problem.path
    message = problem.message
    # a problem about a key is said of the mapping that holds it
    named = field_path(problem.loc[:-1]) if problem.on_key else field
    for glue in (": ", " "):
        if named and message.startswith(named + glue):
            message = message[len(named) + len(glue):]
            break
    return Issue(field, message, "E103" if problem.type == "extra_forbidden" else "E105",
                 "error", problem.span)


def _record_fields(out: Type | None) -> Mapping[str, Type] | None:
    target = deref(out) if out is not None else None
    return target.fields if isinstance(target, ObjectType) else None


def _db_problems(code: str, config: Mapping[str, Any], raw_args: Mapping[str, Any],
                 analysis: ArgsAnalysis, config_node: YNode | None) -> list[Issue]:
    issues: list[Issue] = []
    if raw_args.get("in"):
        issues.append(Issue("args.in", "a db table declares no inputs: every operation's "
                            "arguments follow from the record type in args.out"))
    fields = _record_fields(analysis.out)
    if analysis.out is not None and fields is None and strip_null(analysis.out) != ANY:
        issues.append(Issue("args.out", f"a db table's record type is an object type (a defs "
                            f"name or a mapping of fields), not {analysis.out}", "E107"))
    context = {"fields": fields, "record": analysis.out is not None}
    found = (validate(config_node, TableConfig, at=("config",), context=context)
             if config_node is not None else
             validate_value(config, TableConfig, at=("config",), context=context))
    issues.extend(_issue(p) for p in found.problems)
    key = found.value.key if found.value is not None else None
    for where, message in table_problems(code, None if key is None else fields, key or "id"):
        if where != "config.key":  # the model said it, at its position
            issues.append(Issue(where, message))
    chosen = found.value is not None and "key" in found.value.model_fields_set
    if found.value is not None and fields is not None and not chosen and "id" not in fields:
        issues.append(Issue("config.key", "the record type has no field 'id' (the default "
                            "key); set config.key to its primary key", "E105", "warning"))
    return issues
