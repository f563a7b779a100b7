"""Flow model → `Plan`: the compiler's pipeline, one small method per concern.

1. types of ``args`` (defs, inputs with their defaults, out);
2. every node id of the flow (unique everywhere, no clash with inputs, vars or built-ins);
3. scopes (§3) and, block by block, the graph (§6.1) and every GML field compiled in its
   scope, node output types inferred on demand;
4. flow-wide checks on what was compiled: data races (W210, W211), SQL built by
   interpolation (W212), nodes that can never run (E205).

Every problem is reported with its exact range; a plan is returned only without errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

import gml
from compiler.diagnostics import Diagnostic, Reporter
from compiler.flow import (
    Branch,
    Delay,
    Flow,
    Gml,
    Iteration,
    Loop,
    MappingNode,
    Node,
    Switch,
    ToolCall,
    ToolUri,
)
from compiler.reader import quote_hint, suggest
from gml import Span
from gml import nodes as n
from gml.types import (
    ANY,
    NULL,
    STRING,
    ArrayType,
    ObjectType,
    Type,
    assignable,
    deref,
    element_type,
    nullable,
    strip_null,
)

from . import _checks
from ._facts import Compiled, CompileFacts, CompileState, FieldSource, NodeInfo
from ._graph import build_graph
from ._names import argument_texts, assigned_fields
from .argtypes import BUILTIN_INPUTS, TypeResolver, is_required, literal_type
from .catalog import (
    COMMON_OPTIONS,
    TOOL_SCHEME,
    TYPE_OPTIONS,
    ToolCatalog,
    ToolSignature,
    all_codes,
    resolve_tool,
    unknown_hint,
)
from .plan import Block, Edge, Field, InputSpec, Plan, PlanNode, ToolRef
from .scopes import Scope, Var
from .toolcodes import operations_of, split_code, suggest_code

__all__ = ["FieldSource", "FlowCompiler"]

_DID_YOU_MEAN = re.compile(r"did you mean '(\w+)'\?")
"""The guess of an argument checker's message, offered as the quick fix."""

RESERVED_IDS = frozenset({"tenantId", "buCode", "now"})
ERROR_TYPE = ObjectType({"error": ObjectType({"code": STRING, "message": STRING,
                                              "node": STRING, "type": STRING},
                                             closed=False)}, closed=False)
INT_OPTIONS = ("timeout", "max-attempts", "backoff")


def is_field_error(diagnostic: Diagnostic) -> bool:
    """An error inside a field's text (GML G…, CQL Q…, a tool call's arguments or types
    E30…) rather than in the flow's structure (YAML, keys, nodes, targets: E1…, E2…)."""
    return diagnostic.code.startswith(("G", "Q", "E3"))


class FlowCompiler:
    """Compiles one `Flow`. Use once: ``FlowCompiler(...).compile()``.

    Args:
        codegen: build the closures of the GML fields. Without them (``False``: an editor
            needs only the diagnostics, types and scopes) the plan is not `Plan.executable`.
        cache: checked GML fields kept from earlier compilations (`gml.CheckCache`; exact:
            a field is re-used only when its text and the types of the names it reads are
            unchanged).
    """

    def __init__(self, flow: Flow, path: str, reporter: Reporter, env: gml.Environment,
                 catalog: ToolCatalog | None = None, *, codegen: bool = True,
                 cache: gml.CheckCache | None = None) -> None:
        self.flow = flow
        self.path = path
        self.reporter = reporter
        self.env = env
        self.catalog = catalog
        self.codegen = codegen
        self.cache = cache
        self.state = CompileState()
        self.info: dict[str, NodeInfo] = {}
        self.scopes: dict[str | None, Scope] = {}
        self.inner_scopes: dict[str, Scope] = {}
        self.signatures: dict[tuple[str, str], ToolSignature | None] = {}
        self.types = TypeResolver({}, reporter)  # the flow's, once `flow_args` ran

    # ------------------------------------------------------------------ driver

    def compile(self, *, sketch: bool = False) -> Plan | None:
        """The plan, or None when there are errors; with ``sketch``, also when the only
        errors are inside fields (`is_field_error`), for pictures of the structure."""
        flow = self.flow
        root, inputs, out = self.flow_args()
        self.collect(flow.node, None, (), "")
        flow_scope = Scope(root)
        self.scopes[None] = flow_scope
        self.add_nodes(flow_scope, flow.node)
        flow_vars = self.vars_field(flow.vars, flow_scope, None, "vars")
        block = self.block(flow.node, flow_scope, None)
        self.clashes()
        _checks.run_all(CompileFacts(self.info, self.state, self.cache), self.reporter)
        self.settle()
        if any(d.is_error and not (sketch and is_field_error(d))
               for d in self.reporter.diagnostics):
            return None
        return Plan(name=flow.name, path=self.path, desp=flow.desp, inputs=tuple(inputs),
                    out=out, defs=dict(self.types.types), vars=flow_vars, block=block,
                    diagnostics=tuple(self.reporter.sorted()), executable=self.codegen)

    def settle(self) -> None:
        """Fix the type of every node variable and drop its link back to the compiler.

        A node's type is computed on first use by the compiler (`Var.compute`), which
        makes every scope a reference cycle through the compiler: a compiled flow could
        then only be freed by the cyclic garbage collector, which an editor checking a
        flow after every edit would pay for. Every node's type was computed while its node
        was compiled, so this only asks again (the fields are compiled once) and changes
        no type.
        """
        seen: set[int] = set()
        for start in [*self.scopes.values(), *self.inner_scopes.values()]:
            scope: Scope | None = start
            while scope is not None and id(scope) not in seen:
                seen.add(id(scope))
                for var in scope.vars.values():
                    if var.compute is not None:
                        var.settle()
                scope = scope.parent

    # ------------------------------------------------------------------ args

    def flow_args(self) -> tuple[Scope, list[InputSpec], Type | None]:
        """Step 1, the types of ``args``: the scope of the built-ins and the inputs, the
        inputs (with their defaults compiled) and ``out``. Also all that a flow's signature
        as a tool needs (`compiler.flow_signature`), so a flow that is only parsed is the
        same tool as the flow compiled."""
        self.types = TypeResolver(self.flow.args.defs, self.reporter)
        root = Scope()
        for name, t in BUILTIN_INPUTS.items():
            root.add(Var(name, "builtin", _type=t))
        return root, self.inputs(root), self.out()

    def inputs(self, root: Scope) -> list[InputSpec]:
        specs: list[InputSpec] = []
        for name, decl in self.flow.args.inputs.items():
            declared = self.types.parse(decl.type) if decl.type is not None else None
            default = None
            if decl.default is not None:
                # A default sees the built-ins and the inputs declared before it.
                default = self.field(decl.default, root, None, f"in.{name}", expression=True)
            t = declared if declared is not None else (
                strip_null(default.type) if default is not None else ANY)
            if declared is not None and default is not None and decl.default is not None:
                self.check_assignable(default.type, declared, decl.default,
                                      f"the default of '{name}'")
            required = is_required(declared, default is not None)
            if not required and default is None and declared is not None:
                t = nullable(t)
            specs.append(InputSpec(name, t, required, default, decl.description))
            root.add(Var(name, "input", _type=t))
        return specs

    def out(self) -> Type | None:
        out = self.flow.args.out
        if out is None:
            return None
        return self.types.shape(out)

    # ------------------------------------------------------------------ ids

    def collect(self, nodes: Mapping[str, Node], block: str | None,
                chain: tuple[tuple[str | None, str], ...], prefix: str) -> None:
        for node_id, node in nodes.items():
            first = self.info.get(node_id)
            if first is not None:
                line, column = self.reporter.source.position(first.node.id_span.start)
                self.reporter.report("E201", f"node id '{node_id}' is already used at line "
                                     f"{line}, column {column}; node ids are unique in the "
                                     "whole flow", node.id_span)
                continue
            here = (*chain, (block, node_id))
            self.info[node_id] = NodeInfo(node, block, here, prefix + node_id)
            if isinstance(node, Iteration | Loop):
                self.collect(node.node, node_id, here, f"{prefix}{node_id}/")

    def clashes(self) -> None:
        names: dict[str, str] = {name: "an input" for name in self.flow.args.inputs}
        for scope in [self.scopes[None], *self.inner_scopes.values()]:
            for var in scope.vars.values():
                if var.kind == "vars":
                    names.setdefault(var.name, "a vars name")
        for node_id, info in self.info.items():
            what = "a built-in name" if node_id in RESERVED_IDS else names.get(node_id)
            if what:
                self.reporter.report("E204", f"node id '{node_id}' is also {what}; rename the "
                                     "node (its output would hide the other)",
                                     info.node.id_span)

    def add_nodes(self, scope: Scope, nodes: Mapping[str, Node]) -> None:
        for node_id in nodes:
            if self.info.get(node_id) is not None and self.info[node_id].node is nodes[node_id]:
                scope.add(Var(node_id, "node", owner=scope.owner,
                              compute=partial(self.output_type, node_id)))

    # ------------------------------------------------------------------ fields

    def field(self, text: Gml | None, scope: Scope, reader: str | None, key: str, *,
              object_mode: bool = False, expression: bool = False,
              tool_type: str | None = None) -> Field | None:
        """Compile one GML field in ``scope``; GML diagnostics are mapped into the file."""
        if text is None:
            return None
        line, column = self.reporter.source.position(text.span.start)
        if text.is_literal:
            return Field(None, text.literal, literal_type(text.literal), text.span, line,
                         column)
        source = text.text or ""
        self.state.sources[key] = FieldSource(key, text, scope, object_mode, reader)
        try:
            program, checked = self.env.compile_checked(
                source, scope, object_mode=object_mode, codegen=self.codegen, cache=self.cache)
        except gml.GmlError as error:
            span = error.span or gml.Span(0, len(source))
            self.reporter.report(error.code, error.message + self.quote_hint(
                text, error.code, key), text.file_span(span.start, span.end))
            return None
        for d in checked.diagnostics:
            self.reporter.report(d.code, d.message + self.quote_hint(text, d.code, key),
                                 text.file_span(d.span.start, d.span.end), d.severity,
                                 d.suggestion)
        if program is None:
            self.state.asts[key] = self.env.parse(source)
            return None
        self.state.asts[key] = program.ast
        if expression and not program.single_value:
            self.reporter.report("E105", f"'{key.rsplit('.', 1)[-1]}' takes one expression, "
                                 "not a program with fields", text.span)
            return None
        result = Field(program, None, checked.result, text.span, line, column)
        self.state.compiled.append(Compiled(result, text, reader, scope, program.ast, key,
                                            tool_type))
        return result

    @staticmethod
    def quote_hint(text: Gml, code: str, key: str) -> str:
        """"Quote it" for a GML error on an unquoted field that reads as prose (G101, G204)."""
        if not text.plain or text.text is None:
            return ""
        return quote_hint(code, key.rsplit(".", 1)[-1], text.text)

    def node_field(self, node_id: str, key: str, scope: Scope, **options: Any) -> Field | None:
        """A node's field, compiled once (type inference may need it before the node's
        turn comes)."""
        memo = (node_id, key)
        if memo in self.state.fields:
            return self.state.fields[memo]
        self.state.fields[memo] = None
        node = self.info[node_id].node
        value = getattr(node, {"with": "with_"}.get(key, key), None)
        compiled = self.field(value, scope, node_id, f"{node_id}.{key}", **options)
        self.state.fields[memo] = compiled
        return compiled

    def vars_field(self, text: Gml | None, scope: Scope, reader: str | None, key: str
                   ) -> Field | None:
        """A ``vars`` program; its fields become variables of ``scope``."""
        compiled = self.field(text, scope, reader, key, object_mode=True)
        self.state.vars_fields[key] = compiled
        fields = deref(compiled.type) if compiled is not None else None
        # Declared even when the program has errors, so that its uses are not reported again.
        ast = self.state.asts.get(key)
        for name, _ in assigned_fields(ast) if ast else ():
            t = fields.fields.get(name, ANY) if isinstance(fields, ObjectType) else ANY
            scope.vars[name] = Var(name, "vars", owner=scope.owner, _type=t)
        return compiled

    # ------------------------------------------------------------------ types

    def output_type(self, node_id: str) -> Type:
        """The type of a node's variable after it completed (``any`` when unknown)."""
        info = self.info[node_id]
        node = info.node
        scope = self.scopes.get(info.block)
        if scope is None:  # pragma: no cover - scopes exist before any field is compiled
            return ANY
        t: Type = NULL
        if isinstance(node, ToolCall):
            t = self.tool_signature(node.exec).out if self.catalog else ANY
            if node.with_ is not None:
                with_ = self.node_field(node_id, "with", self.raw_scope(node_id, scope))
                t = with_.type if with_ else ANY
        elif isinstance(node, MappingNode):
            with_ = self.node_field(node_id, "with", scope)
            t = with_.type if with_ else ANY
        elif isinstance(node, Iteration | Loop) and node.with_ is not None:
            with_ = self.node_field(node_id, "with", self.own_scope(node_id))
            t = with_.type if with_ else ANY
        if getattr(node, "fail", ()):
            target = deref(t)
            if isinstance(target, ObjectType):
                t = ObjectType({**target.fields, **ERROR_TYPE.fields}, closed=target.closed)
            else:
                t = ANY
        return t

    def lookup(self, uri: ToolUri) -> ToolSignature | None:
        """The catalog's signature of a tool, asked once per URI."""
        key = (uri.type, uri.code)
        if key not in self.signatures:
            self.signatures[key] = (resolve_tool(self.catalog, *key) if self.catalog
                                    else None)
        return self.signatures[key]

    def tool_signature(self, uri: ToolUri) -> ToolSignature:
        return self.lookup(uri) or ToolSignature(uri.type, uri.code)

    def check_assignable(self, source: Type, target: Type, where: Gml, what: str,
                         code: str = "E304") -> None:
        if not assignable(source, target):
            self.reporter.report(code, f"{what} is {_article(source)}, but {_article(target)}"
                                 " is declared", where.span)

    def raw_scope(self, node_id: str, scope: Scope) -> Scope:
        """The scope of a tool call's `sets` and `with`: its id holds the raw result (§4.1)."""
        raw = self.inner_scopes.get(f"{node_id}/raw")
        if raw is None:
            node = self.info[node_id].node
            assert isinstance(node, ToolCall)
            raw = Scope(scope, owner=scope.owner)
            raw.add(Var(node_id, "node", owner=scope.owner,
                        _type=self.tool_signature(node.exec).out if self.catalog else ANY))
            self.inner_scopes[f"{node_id}/raw"] = raw
        return raw

    # ------------------------------------------------------------------ blocks

    def own_scope(self, node_id: str) -> Scope:
        """The scope of an each/loop node's `vars`, `when`, `with` and `sets`: the enclosing
        scope plus the node's own `vars`."""
        scope = self.inner_scopes.get(node_id)
        if scope is None:
            info = self.info[node_id]
            scope = Scope(self.scopes[info.block], owner=node_id)
            self.inner_scopes[node_id] = scope
            node = info.node
            assert isinstance(node, Iteration | Loop)
            self.vars_field(node.vars, scope, node_id, f"{node_id}.vars")
        return scope

    def block(self, nodes: Mapping[str, Node], scope: Scope, owner: str | None) -> Block:
        edges = list(self.edges(nodes, owner))
        graph = build_graph(nodes, edges)
        self.state.graphs[owner] = graph
        plan_nodes = [self.node(node, i, scope) for i, node in enumerate(nodes.values())
                      if self.info.get(node.id) is not None
                      and self.info[node.id].node is node]
        names = list(scope.vars)
        if owner is not None and scope.parent is not None:
            names = [*scope.parent.vars, *names]
        return Block(nodes=tuple(plan_nodes), edges=graph.edges,
                     predecessors=graph.predecessors, starts=graph.starts,
                     terminals=graph.terminals, resets=graph.resets, variables=tuple(names))

    def edges(self, nodes: Mapping[str, Node], owner: str | None) -> Iterator[Edge]:
        order = {node_id: i for i, node_id in enumerate(nodes)}
        for node_id, node in nodes.items():
            for label, target in node.targets():
                info = self.info.get(target.id)
                if info is None:
                    hint = suggest(target.id, order)
                    self.reporter.report(
                        "E202", f"'{target.id}' is not a node" + (
                            f"; did you mean '{hint}'?" if hint else
                            f" of this block (its nodes: {', '.join(order)})"),
                        target.span, suggestion=hint)
                elif info.block != owner:
                    where = f"inside '{info.block}'" if info.block else "at the top level"
                    self.reporter.report(
                        "E203", f"'{target.id}' is declared {where}, not in this node block; "
                        f"'{label}' can only name nodes of the same block", target.span)
                else:
                    yield Edge(node_id, target.id, label, order[target.id] <= order[node_id])

    def node(self, node: Node, order: int, scope: Scope) -> PlanNode:
        info = self.info[node.id]
        line, column = self.reporter.source.position(node.id_span.start)
        common: dict[str, Any] = {
            "id": node.id, "path": info.path, "kind": node.kind, "order": order,
            "line": line, "column": column, "span": node.span, "name": node.name,
            "desp": node.desp, "only": self.node_field(node.id, "only", scope,
                                                       expression=True)}
        if isinstance(node, ToolCall | MappingNode):
            tool = self.tool(node) if isinstance(node, ToolCall) else None
            own = self.raw_scope(node.id, scope) if isinstance(node, ToolCall) else scope
            common.update(
                args=self.args(node, scope, tool.type) if isinstance(node, ToolCall) and tool
                else None,
                sets=self.sets(node.id, own), with_=self.node_field(node.id, "with", own),
                next=_ids(node.next), fail=_ids(node.fail), tool=tool)
        elif isinstance(node, Branch):
            common.update(when=self.node_field(node.id, "when", scope, expression=True),
                          then=_ids(node.then), else_=_ids(node.else_))
        elif isinstance(node, Switch):
            cases = []
            for i, entry in enumerate(node.case):
                when = self.field(entry.when, scope, node.id, f"{node.id}.case[{i}].when",
                                  expression=True)
                self.state.fields[(node.id, f"case[{i}]")] = when
                cases.append((when or Field(None, None), _ids(entry.then)))
            common.update(cases=tuple(cases), else_=_ids(node.else_))
        elif isinstance(node, Delay):
            wait = node.wait
            common.update(wait_ms=wait.millis, next=_ids(node.next), wait=self.field(
                wait.expr, scope, node.id, f"{node.id}.wait", expression=True))
        elif isinstance(node, Iteration | Loop):
            common.update(self.sub_flow(node, scope))
        common["output_type"] = self.output_type(node.id)
        common["sets_targets"] = tuple(
            var.name for var in self.state.written.get(node.id, ()))
        if isinstance(node, ToolCall):
            common["arg_positions"] = self.arg_positions(node)
        return PlanNode(**common)

    def sub_flow(self, node: Iteration | Loop, scope: Scope) -> dict[str, Any]:
        values: dict[str, Any] = {"next": _ids(node.next), "fail": _ids(node.fail)}
        if isinstance(node, Iteration):
            source = self.field(node.each.source, scope, node.id, f"{node.id}.each",
                                expression=True)
            values.update(each=source, item=node.each.item, index=node.each.index)
        own = self.own_scope(node.id)
        values["vars"] = self.state.vars_fields.get(f"{node.id}.vars")
        if isinstance(node, Loop):
            values["when"] = self.node_field(node.id, "when", own, expression=True)
        inner = Scope(own, owner=node.id)
        if isinstance(node, Iteration):
            source_field = values["each"]
            item_type: Type = ANY
            if source_field is not None:
                item_type = self.each_item(source_field, node.each.source)
            inner.add(Var(node.each.item, "alias", owner=node.id, _type=item_type))
            if node.each.index:
                inner.add(Var(node.each.index, "index", owner=node.id,
                              _type=gml.types.INT))
        self.scopes[node.id] = inner
        self.add_nodes(inner, node.node)
        values["block"] = self.block(node.node, inner, node.id)
        values["sets"] = self.sets(node.id, own)
        values["with_"] = self.node_field(node.id, "with", own)
        return values

    def each_item(self, source: Field, text: Gml) -> Type:
        t = strip_null(source.type)
        if isinstance(t, ArrayType):
            return t.element
        if t not in (ANY, NULL):
            self.reporter.report("W213", f"'each' iterates over {_article(source.type)}, not "
                                 "an array: it will run zero iterations",
                                 text.file_span(0, len(text.text or "")), "warning")
        return element_type(t)

    # ------------------------------------------------------------------ tools

    def tool(self, node: ToolCall) -> ToolRef:
        uri = node.exec
        options = {}
        allowed = COMMON_OPTIONS | TYPE_OPTIONS.get(uri.type, frozenset())
        for name, value, span in uri.options:
            if uri.type in TYPE_OPTIONS and name not in allowed:
                hint = suggest(name, allowed)
                self.reporter.report("E103", f"unknown option '{name}' for {uri.type}:// "
                                     "tools" + (f"; did you mean '{hint}'?" if hint else
                                                f" (allowed: {', '.join(sorted(allowed))})"),
                                     span, suggestion=hint)
            elif name in INT_OPTIONS and not value.isdigit():
                self.reporter.report("E105", f"option '{name}' takes a whole number of "
                                     f"{'attempts' if name == 'max-attempts' else 'ms'}, "
                                     f"not '{value}'", span)
            options[name] = value
        known = self.known_tool(uri)
        defaults = {name: arg.default for name, arg in known.inputs.items()
                    if arg.default is not None} if known else {}
        resolved = known.type if known is not None else uri.type
        return ToolRef(uri.text, resolved, uri.code, options, known is not None,
                       tuple(known.inputs) if known else (), known.out if known else ANY,
                       defaults, uri.type if resolved != uri.type else "")

    def known_tool(self, uri: ToolUri) -> ToolSignature | None:
        catalog = self.catalog
        types = set(TYPE_OPTIONS) | (catalog.types() if catalog else set())
        if uri.type not in types:
            hint = suggest(uri.type, types)
            self.reporter.report("E301", f"unknown tool type '{uri.type}://'" + (
                f"; did you mean '{hint}://'?" if hint else
                f" (known: {', '.join(sorted(types))})"), uri.span, suggestion=hint)
            return None
        if catalog is None:
            return None
        found = self.lookup(uri)
        if found is None and uri.type == TOOL_SCHEME:
            self.unknown_code(uri, catalog)
        elif found is None:
            codes = catalog.codes(uri.type)
            hint = suggest_code(uri.code, codes)
            known = [] if hint else operations_of(uri.code, codes)
            service = split_code(uri.code)[0]
            advice = None if hint or known else unknown_hint(catalog, uri.type, uri.code)
            self.reporter.report("E301", f"unknown tool '{uri.base}'" + (
                f"; did you mean '{uri.type}://{hint}'?" if hint else
                f"; '{uri.type}://{service}' has the operations {', '.join(known)}" if known
                else f"; {advice}" if advice
                else "; register it or check the --tools folder"), uri.span,
                suggestion=f"{uri.type}://{hint}" if hint else None)
        return found

    def unknown_code(self, uri: ToolUri, catalog: ToolCatalog) -> None:
        """E301 for a ``tool://<code>`` that names no tool, or tools of several types."""
        types = sorted(s.type for s in catalog.by_code(uri.code))
        if len(types) > 1:
            typed = [f"{t}://{uri.code}" for t in types]
            self.reporter.report("E301", f"'{uri.base}' is ambiguous: the code "
                                 f"'{uri.code}' is registered as {', '.join(typed[:-1])} and "
                                 f"{typed[-1]}; write the typed URI instead", uri.span)
            return
        hint = suggest_code(uri.code, all_codes(catalog))
        self.reporter.report("E301", f"unknown tool '{uri.base}': no registered tool has "
                             f"the code '{uri.code}'" + (
                                 f"; did you mean '{TOOL_SCHEME}://{hint}'?" if hint else
                                 "; register it or check the --tools folder"), uri.span,
                             suggestion=f"{TOOL_SCHEME}://{hint}" if hint else None)

    def args(self, node: ToolCall, scope: Scope, tool_type: str | None) -> Field | None:
        args = self.node_field(node.id, "args", scope, object_mode=True, tool_type=tool_type)
        signature = self.lookup(node.exec)
        if signature is None:
            return args
        given = deref(args.type) if args is not None else ObjectType({})
        fields = dict(given.fields) if isinstance(given, ObjectType) else {}
        ast = self.state.asts.get(f"{node.id}.args")
        spans = {name: stmt.span for name, stmt in assigned_fields(ast)} if ast else {}
        text = node.args

        def where(name: str) -> Span:  # mapped into the file only to report
            return text.file_span(spans[name].start, spans[name].end) if (
                text and name in spans) else node.exec.span

        for name, t in fields.items():
            declared = signature.inputs.get(name)
            if declared is None:
                if not signature.open_arguments:
                    hint = suggest(name, signature.inputs)
                    self.reporter.report("E302", f"'{signature.uri}' has no argument '{name}'"
                                         + (f"; did you mean '{hint}'?" if hint else
                                            f" (its arguments: {', '.join(signature.inputs)})"),
                                         where(name), suggestion=hint)
            elif not assignable(t, declared.type):
                self.reporter.report("E304", f"argument '{name}' is {_article(t)}, but "
                                     f"'{signature.uri}' declares {declared.type}", where(name))
        for name, declared in signature.inputs.items():
            if name in fields or name in BUILTIN_INPUTS or not declared.required:
                continue
            var = scope.resolve(name)
            if var is None:
                self.reporter.report("E303", f"'{signature.uri}' needs argument '{name}' "
                                     f"({declared.type}): give it in args ({name} = …) or "
                                     "declare a variable of that name", node.exec.span)
            elif not assignable(var.type, declared.type):
                self.reporter.report("E304", f"argument '{name}' (bound from the variable "
                                     f"'{name}') is {_article(var.type)}, but "
                                     f"'{signature.uri}' declares {declared.type}",
                                     node.exec.span)
        if signature.check_args is not None and ast is not None and text is not None:
            self.literal_args(signature, ast, text)
        return args

    def arg_positions(self, node: ToolCall) -> tuple[tuple[str, int, int], ...]:
        """(name, line, column) in the file of each argument ``args`` assigns: where the
        runtime locates a tool error about one argument (a CQL text that fails only when
        run, spec/tools.md §6)."""
        ast = self.state.asts.get(f"{node.id}.args")
        text = node.args
        if ast is None or text is None:
            return ()
        position = self.reporter.source.position
        return tuple((name, *position(text.file_span(stmt.span.start, stmt.span.end).start))
                     for name, stmt in assigned_fields(ast))

    def literal_args(self, signature: ToolSignature, ast: n.Program, text: Gml
                     ) -> None:
        """Ask the tool's argument checker about the arguments written as string literals
        or templates (a db operation's CQL, tools.md §6) and report what it finds at the
        file position of the offending characters (on the whole literal when the literal
        has escapes there)."""
        assert signature.check_args is not None
        texts = argument_texts(ast, text.text or "")
        if not texts:
            return
        for problem in signature.check_args({k: v.parts for k, v in texts.items()}):
            found = texts.get(problem.argument)
            if found is None:
                continue
            start, end = found.source_range(max(problem.start, 0),
                                            max(problem.end, problem.start, 0))
            hint = _DID_YOU_MEAN.search(problem.message)
            self.reporter.report(problem.code, f"{problem.argument}: {problem.message}",
                                 text.file_span(start, end), problem.severity,
                                 suggestion=hint.group(1) if hint else None)

    def sets(self, node_id: str, scope: Scope) -> Field | None:
        """Compile `sets` and check that each target is writable (E305)."""
        sets = self.node_field(node_id, "sets", scope, object_mode=True)
        ast = self.state.asts.get(f"{node_id}.sets")
        text = getattr(self.info[node_id].node, "sets", None)
        if ast is None or text is None:
            return sets
        for name, stmt in assigned_fields(ast):
            start, end = stmt.span.start, stmt.span.start + len(name)
            var = scope.resolve(name)
            if var is None:
                self.reporter.report("E305", f"'sets' writes '{name}', which is not declared; "
                                     f"declare it in vars ({name} = …) of the flow or of the "
                                     "enclosing each/loop", text.file_span(start, end))
            elif not var.writable:
                what = {"input": "an input", "builtin": "a built-in input",
                        "alias": "the iteration alias", "index": "the iteration index"}
                self.reporter.report("E305", f"'sets' cannot write '{name}': it is "
                                     f"{what.get(var.kind, var.kind)}; declare a variable in "
                                     "vars and write that instead",
                                     text.file_span(start, end))
            else:
                self.state.writes.append((node_id, var, text, Span(start, end)))
                self.state.written.setdefault(node_id, []).append(var)
        return sets


def _ids(targets: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(t.id for t in targets)


def _article(t: Type) -> str:
    text = str(t)
    return f"an {text}" if text[:1].lower() in "aeiou" else f"a {text}"
