"""The FDL documentation is true: docs/fdl.schema.json is generated from the flow model, every
example in docs/diagnostics.md produces its code (and exactly the output shown), every complete
flow in docs/fdl.md compiles cleanly, and the schema accepts those flows.

Markdown is read with a small line scanner (fences and headings), not a Markdown library.
Fences of docs/diagnostics.md are told apart by their info string:

- ```` ```yaml ```` under a heading `### CODE — …`: a file that must produce CODE;
- ```` ```yaml fixed ````: a flow that must compile without errors;
- ```` ```yaml runtime ````: a flow that compiles without errors and fails only when run (F4xx);
- ```` catalog ```` in the info string: compile with the catalog of the ```` ```yaml toolspec ````
  block;
- ```` ```text ```` right after a failing example: exactly what the compiler prints for it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

import fdl
from compiler import StaticCatalog, ToolArg, ToolCatalog, ToolSignature
from compiler.diagnostics import Reporter
from compiler.flow import NodeKind
from compiler.kinds import COMMON_KEYS, KIND_KEYS
from compiler.yamltree import YMap, YNode, YScalar, YSeq, load_yaml
from gml._source import Source
from gml.types import ANY
from stdlib.registry import ToolSpec

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "fdl.md"
DIAGNOSTICS = DOCS / "diagnostics.md"
SCHEMA = DOCS / "fdl.schema.json"
EXAMPLE_PATH = "flow.yaml"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`]*)$")
_HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<title>.*?)[ \t]*$")
_CODE = re.compile(r"(?P<code>[EWFGQ]\d{3})\b")

STATIC_CODES = (
    [f"E10{i}" for i in range(1, 9)] + [f"E20{i}" for i in range(1, 6)]
    + [f"E30{i}" for i in range(1, 6)] + [f"W21{i}" for i in range(6)])
CQL_CODES = ["Q101", "Q201", "Q202", "Q203", "Q204"]
RUNTIME_CODES = [f"F{i}" for i in range(401, 413)]
GML_CODES = ["G101", "G201", "G202", "G203", "G204", "G205", "G206", "G213", "G301", "G302",
             "G303", "G304", "G305", "G306"]


# --------------------------------------------------------------------------- markdown


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced block: the code of the heading it is under (None when the heading names no
    code), the words of its info string, its text (dedented by the fence's indentation) and
    the line of its opening fence."""

    code: str | None
    info: tuple[str, ...]
    body: str
    line: int

    @property
    def language(self) -> str:
        return self.info[0] if self.info else ""

    def ident(self) -> str:
        return f"{self.code or 'doc'}@{self.line}"


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the code of the heading above it."""
    found: list[Block] = []
    code: str | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            heading = _HEADING.match(line)
            if heading is not None:
                match = _CODE.match(heading.group("title"))
                code = match.group("code") if match else None
            i += 1
            continue
        indent = len(fence.group("indent"))
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j][indent:])
            j += 1
        found.append(Block(code, tuple(fence.group("info").split()), "\n".join(body) + "\n",
                           i + 1))
        i = j + 1
    return found


def is_flow(block: Block) -> bool:
    """A complete flow: a YAML block whose first line that is not a comment starts `flow:`."""
    if block.language != "yaml":
        return False
    first = next((line for line in block.body.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")), "")
    return first.startswith("flow:")


# --------------------------------------------------------------------------- the catalog


def catalog_from_toolspec(spec: str) -> StaticCatalog:
    """A catalog with the one tool a ToolSpec text describes. Its `args` use FDL's argument
    syntax (tools.md §2), so they are compiled as the `args` of a small flow."""
    kind = re.search(r"^type:[ \t]*(\S+)", spec, re.M)
    code = re.search(r"^code:[ \t]*(\S+)", spec, re.M)
    args = re.search(r"^args:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", spec, re.M)
    assert kind and code and args, "the toolspec block needs type, code and args"
    indented = "".join(f"    {line}\n" if line.strip() else "\n"
                       for line in args.group(1).splitlines())
    text = f"flow:\n    name: toolspec\n    args:\n{indented}    node:\n        x:\n" \
           "            with: 1\n"
    result = fdl.check_text(text, "toolspec.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    inputs = {i.name: ToolArg(i.name, i.type, i.required, i.description)
              for i in result.plan.inputs}
    out = result.plan.out
    signature = ToolSignature(kind.group(1), code.group(1), inputs,
                              out if out is not None else ANY)
    return StaticCatalog([signature])


def doc_catalog(all_blocks: list[Block]) -> StaticCatalog:
    """The catalog of the ```` ```yaml toolspec ```` blocks: the api tool (compiled as a
    flow's args) and the db tables (read by the registry, every operation of the table)."""
    specs = [b for b in all_blocks if b.info[:2] == ("yaml", "toolspec")]
    api = [b for b in specs if not re.search(r"^type:[ \t]*db\b", b.body, re.M)]
    assert len(api) == 1, "docs/diagnostics.md holds one ```yaml toolspec block of an api"
    tools = catalog_from_toolspec(api[0].body).tools()
    for block in specs:
        if block not in api:
            tools += ToolSpec.from_text(block.body).signatures()
    return StaticCatalog(tools)


def check(block: Block, catalog: ToolCatalog | None) -> fdl.CheckResult:
    return fdl.check_text(block.body, EXAMPLE_PATH,
                          catalog=catalog if "catalog" in block.info else None)


def rendered(result: fdl.CheckResult) -> str:
    """What the compiler prints for a file: every diagnostic with its line and caret."""
    return "\n".join(d.render(result.source) for d in result.diagnostics) + "\n"


# --------------------------------------------------------------------------- collection


@dataclass(frozen=True, slots=True)
class Example:
    """A failing example of docs/diagnostics.md and the output block that follows it."""

    block: Block
    output: Block | None


def failing_examples(all_blocks: list[Block]) -> Iterator[Example]:
    for i, block in enumerate(all_blocks):
        if block.language != "yaml" or {"fixed", "runtime", "toolspec"} & set(block.info):
            continue
        after = all_blocks[i + 1] if i + 1 < len(all_blocks) else None
        yield Example(block, after if after is not None and after.language == "text" else None)


DIAGNOSTIC_BLOCKS = blocks(DIAGNOSTICS.read_text(encoding="utf-8"))
REFERENCE_BLOCKS = blocks(REFERENCE.read_text(encoding="utf-8"))
FAILING = list(failing_examples(DIAGNOSTIC_BLOCKS))
CLEAN = [b for b in DIAGNOSTIC_BLOCKS if is_flow(b) and {"fixed", "runtime"} & set(b.info)]
REFERENCE_FLOWS = [b for b in REFERENCE_BLOCKS if is_flow(b)]


@pytest.fixture(scope="module")
def catalog() -> StaticCatalog:
    return doc_catalog(DIAGNOSTIC_BLOCKS)


# --------------------------------------------------------------------------- 1. schema


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schema_file_is_up_to_date() -> None:
    gen_schema = _load_script("gen_schema")
    assert gen_schema.is_up_to_date(SCHEMA), "run: .venv/bin/python scripts/gen_schema.py"
    assert gen_schema.main(["--check"]) == 0


# --------------------------------------------------------------------------- 2. diagnostics


@pytest.mark.parametrize("example", FAILING, ids=lambda e: e.block.ident())
def test_diagnostic_example_produces_its_code(example: Example, catalog: StaticCatalog
                                              ) -> None:
    block = example.block
    assert block.code is not None, f"line {block.line}: a failing example under no code heading"
    result = check(block, catalog)
    codes = [d.code for d in result.diagnostics]
    assert block.code in codes, rendered(result)
    assert example.output is not None, (
        f"line {block.line}: show the output in a ```text block after the example:\n"
        + rendered(result))
    assert example.output.body == rendered(result), (
        f"the output shown at line {example.output.line} is not what the compiler prints")


@pytest.mark.parametrize("block", CLEAN, ids=Block.ident)
def test_fixed_and_runtime_examples_compile(block: Block, catalog: StaticCatalog) -> None:
    result = check(block, catalog)
    assert result.errors == [], rendered(result)


def test_every_static_code_has_a_failing_example() -> None:
    shown = {e.block.code for e in FAILING}
    assert [code for code in STATIC_CODES if code not in shown] == []


def test_every_code_has_a_section() -> None:
    text = DIAGNOSTICS.read_text(encoding="utf-8")
    headings = {m.group("code") for m in re.finditer(r"^#{2,4} +(?P<code>[EWF]\d{3})\b", text,
                                                     re.M)}
    assert [c for c in STATIC_CODES + RUNTIME_CODES if c not in headings] == []
    assert [c for c in GML_CODES + CQL_CODES if f"| {c} |" not in text] == []


def test_the_doc_catalog_is_the_toolspec(catalog: StaticCatalog) -> None:
    customer = catalog.lookup("api", "crm-service/customer")
    assert customer is not None
    assert {name: (str(a.type), a.required) for name, a in customer.inputs.items()} == {
        "id": ("string", True)}
    assert customer.inputs["id"].description == "customer id"


# --------------------------------------------------------------------------- 3. reference


@pytest.mark.parametrize("block", REFERENCE_FLOWS, ids=Block.ident)
def test_reference_flow_compiles_cleanly(block: Block) -> None:
    result = fdl.check_text(block.body, EXAMPLE_PATH)
    assert result.diagnostics == (), rendered(result)


def test_the_reference_has_flow_examples() -> None:
    assert len(REFERENCE_FLOWS) >= 10


def _slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} +(.*)$", text, re.M)}


LINKED = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
"""Every Markdown file of the documentation: the docs and the README."""

_LINK = re.compile(r"\]\((?P<target>[^)\s#]*)(?:#(?P<anchor>[^)\s]+))?\)")


def relative_links(text: str) -> list[tuple[str, str]]:
    """``(target, anchor)`` of every Markdown link that is not a web address, outside code
    blocks."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return [(m["target"], m["anchor"] or "") for m in _LINK.finditer(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", m["target"])]


@pytest.mark.parametrize("doc", LINKED, ids=lambda p: p.name)
def test_every_relative_link_resolves_inside_the_repository(doc: Path) -> None:
    broken = []
    for target, anchor in relative_links(doc.read_text("utf-8")):
        path = (doc.parent / target).resolve() if target else doc
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)  # a clone has nothing outside the repository
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}#{anchor}")
    assert broken == []


def test_the_link_check_sees_links_that_leave_the_repository() -> None:
    assert relative_links("[spec](../../shared/spec/fdl.md) [web](https://example.org) "
                          "[here](#anchor) [code](x.md#a-b)") == [
        ("../../shared/spec/fdl.md", ""), ("", "anchor"), ("x.md", "a-b")]


# --------------------------------------------------------------------------- 4. schema use


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema


def test_schema_structure() -> None:
    schema = _schema()
    defs = schema["$defs"]
    assert schema["required"] == ["flow"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["flow"]["$ref"] == "#/$defs/Flow"
    flow = defs["Flow"]
    assert set(flow["required"]) == {"name", "node"}
    assert set(flow["properties"]) == {"name", "desp", "args", "vars", "node"}
    kinds = {ref["$ref"].rsplit("/", 1)[-1]
             for ref in flow["properties"]["node"]["additionalProperties"]["anyOf"]}
    assert kinds == {"ToolCall", "MappingNode", "Branch", "Switch", "Delay", "Iteration",
                     "Loop"}
    required = {name: set(defs[name].get("required", ())) for name in kinds}
    assert required == {"ToolCall": {"exec"}, "MappingNode": {"with"},
                        "Branch": {"when", "then"}, "Switch": {"case"}, "Delay": {"wait"},
                        "Iteration": {"each", "node"}, "Loop": {"when", "node"}}
    names: dict[str, NodeKind] = {
        "ToolCall": "tool", "MappingNode": "mapping", "Branch": "branch", "Switch": "switch",
        "Delay": "delay", "Iteration": "each", "Loop": "loop"}
    for model, kind in names.items():
        assert set(defs[model]["properties"]) == set(COMMON_KEYS + KIND_KEYS[kind]), model
        assert defs[model]["additionalProperties"] is False
    assert set(defs["Args"]["properties"]) == {"in", "out", "defs"}


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """The problems of ``value`` under the schema, as jsonschema (draft 2020-12) finds them:
    what yaml-language-server would report."""
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(value)]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())


def data(text: str) -> Any:
    """A flow file as plain data, read the way `fdl` reads it (YAML 1.2 core schema, merge
    keys): what an editor's schema validation sees."""
    reporter = Reporter(EXAMPLE_PATH, Source(text))
    tree = load_yaml(text, reporter)
    assert not reporter.diagnostics
    return _plain(tree)


def _plain(node: YNode | None) -> Any:
    if isinstance(node, YMap):
        return {str(k.value): _plain(v) for k, v in node}
    if isinstance(node, YSeq):
        return [_plain(item) for item in node.items]
    if isinstance(node, YScalar):
        return node.value
    return None


@pytest.mark.parametrize("block", REFERENCE_FLOWS, ids=Block.ident)
def test_schema_accepts_the_reference_flows(block: Block) -> None:
    schema = _schema()
    assert validate(data(block.body), schema) == []


@pytest.mark.parametrize("text", [
    "flow: {name: x, node: {a: {with: 1}}, extra: 1}",
    "flow: {node: {a: {with: 1}}}",
    "flow: {name: x, node: {a: {exec: 42}}}",
    "flow: {name: x, node: {a: {with: 1, wait: 10}}}",
    "flow: {name: x, node: {a: {when: x, then: [b], node: {}}}}",
    "flow: {name: x, node: {a: {case: [{when: x}]}}}",
    "flow: {name: x, node: {a: {case: []}}}",
    "flow: {name: x, node: {'a b': {with: 1}}}",
    "flow: {name: x, node: {a: {each: xs, node: {b: {with: 1}}}}}",
    "flow: {name: x, node: {a: {wait: -1}}}",
])
def test_schema_rejects_malformed_flows(text: str) -> None:
    schema = _schema()
    assert validate(data(text), schema) != []
