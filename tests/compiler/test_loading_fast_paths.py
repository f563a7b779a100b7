"""The loader's fast path gives what the slow one gives: `compiler.yamltree._CResolver` (the
C parser's resolver, which looks up its table once per load) must tag every scalar as
ruamel.yaml's own resolver does.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from benchmarks.compile_bench import make_flow
from compiler.yamltree import _CResolver

TRICKY = ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "yes", "no", "on", "off",
          "1", "-1", "+1", "007", "0o17", "0x1F", "0b101", "1_000", "1.5", ".5", "1.", "1e3",
          "1E3", "-.inf", ".Inf", ".NaN", "<<", "=", "2020-01-01", "2020-01-01T10:00:00Z",
          "12:30", "1:30:00", "+.5", "0.1e-3", "-x", "a b", "x # y", "'q'", "\"d\""]


def _tags(node: Node | None, out: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    if isinstance(node, ScalarNode):
        out.append((node.value, node.tag))
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            _tags(key, out)
            _tags(value, out)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _tags(item, out)
    return out


def _both(text: str) -> tuple[list[Any], list[Any]]:
    plain = YAML(typ="safe", pure=False).compose(text)
    fast = YAML(typ="safe", pure=False)
    fast.Resolver = _CResolver
    return _tags(plain, []), _tags(fast.compose(text), [])


def test_the_fast_resolver_tags_tricky_scalars_as_ruamel_does() -> None:
    lines = [f"k{i}: {value}" if value else f"k{i}:" for i, value in enumerate(TRICKY)]
    lines += ["seq: [1, x, .5, ~, <<]", "'quoted': '1'", "block: |\n  12\n", "<<: {a: 1}"]
    plain, fast = _both("\n".join(lines) + "\n")
    assert fast == plain
    assert ("1", "tag:yaml.org,2002:int") in fast and ("yes", "tag:yaml.org,2002:str") in fast


def test_the_fast_resolver_tags_a_generated_flow_as_ruamel_does() -> None:
    plain, fast = _both(make_flow(60))
    assert fast == plain


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.+-_eExXoObB:~nulNULtrueTRUEfalsFALSEinfINFaN <", max_size=8))
def test_the_fast_resolver_agrees_on_any_plain_scalar(value: str) -> None:
    text = f"k: {value}\n"
    try:
        plain, fast = _both(text)
    except Exception:  # not YAML: nothing to compare
        return
    assert fast == plain
