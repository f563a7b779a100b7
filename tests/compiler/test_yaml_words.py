"""E101 in plain words: the usual YAML mistakes of hand-written flows are explained by the
line, the keys it is compared with and their indentation (compiler.yamlwords), instead of the
parser's ``expected <block end>, but found '<block mapping start>'``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from syrupy.assertion import SnapshotAssertion

from compiler import check_text

CASES = {
    "dedent_to_no_level": "flow:\n    name: x\n  node: 1\n",
    "dedent_in_a_nested_mapping": "a:\n    b:\n        c: 1\n      d: 2\n",
    "dedent_of_a_list_item": "a:\n  - 1\n - 2\n",
    "dedent_in_a_list_item_mapping": "a:\n    - x: 1\n      y: 2\n     z: 3\n",
    "deeper_under_a_key_with_a_value": "a:\n    b: 1\n      c: 2\n",
    "deeper_in_a_list_item_mapping": "a:\n    - x: 1\n       y: 2\n",
    "tab_indentation": "flow:\n\tname: x\n",
    "tab_inside_a_line": "flow:\n    name: x\n    desp: \t\n    node: {}\n  \t x: 1\n",
    "colon_inside_a_plain_value": "flow:\n    only: name: x\n",
    "text_after_a_quoted_value": ("flow:\n    name: G\n    node:\n        greet:\n"
                                  "            with: 'Hello, ' + name\n"),
    "unclosed_bracket_keeps_the_parser_words": "flow: [1, 2\n",
}


def rendered(text: str) -> str:
    result = check_text(text, "flow.yaml")
    assert [d.code for d in result.diagnostics] == ["E101"]
    return "\n".join(d.render(result.source) for d in result.diagnostics)


@pytest.mark.parametrize("name", sorted(CASES))
def test_yaml_structure_errors_read_in_plain_words(name: str,
                                                   snapshot: SnapshotAssertion) -> None:
    assert rendered(CASES[name]) == snapshot


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("unclosed")])
def test_the_parser_words_are_gone(name: str) -> None:
    message = rendered(CASES[name])
    assert "<block" not in message and "'<scalar>'" not in message
    assert "cannot start any token" not in message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\r\u2028:-ab'\"#|[]{},", max_size=60))
def test_any_text_gets_diagnostics_never_an_exception(text: str) -> None:
    result = check_text(text, "flow.yaml")
    assert all(d.message for d in result.diagnostics)
