"""Completion, hover, navigation, rename, inlay hints, quick fixes and semantic tokens, end to
end on the example flows of the project (`_support.make_project`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from ._support import Session, flow_text, position_of

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _complete(session: Session, uri: str, text: str, needle: str, delta: int
                    ) -> list[types.CompletionItem]:
    """Change the document to ``text`` (without waiting for its check) and complete at
    ``needle`` + ``delta``: completion answers from the last analysis."""
    await session.change(uri, text, wait=False)
    result = await session.client.text_document_completion_async(types.CompletionParams(
        text_document=_doc(uri), position=position_of(text, needle, delta)))
    assert isinstance(result, types.CompletionList)
    return result.items


def _labels(items: list[types.CompletionItem]) -> list[str]:
    return [i.label for i in items]


@pytest.fixture(scope="module")
def view_text(project: Path) -> str:
    return (project / "flows" / "customer_view.yaml").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- completion


async def test_fields_after_a_dot_come_from_the_declared_type(session: Session,
                                                              view_text: str) -> None:
    uri = await session.open("customer_view.yaml")
    text = view_text.replace("id = customer.id", "id = customer.")
    items = await _complete(session, uri, text, "id = customer.", len("id = customer."))
    assert _labels(items)[:4] == ["id", "name", "mobile", "level"]
    assert items[0].detail == "string"
    methods = {i.label: i for i in items if i.kind == types.CompletionItemKind.Method}
    assert "keys" in methods and "has" in methods
    assert methods["has"].documentation is not None
    await session.change(uri, view_text)


async def test_methods_of_the_receiver_and_lambda_parameters(session: Session,
                                                             view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    text = view_text.replace("bigOrders.sum('amount')", "bigOrders.filter(o => o.)")
    items = await _complete(session, uri, text, "o => o.", len("o => o."))
    assert _labels(items)[:4] == ["id", "customerId", "amount", "time"]
    text = view_text.replace("bigOrders.sum('amount')", "bigOrders.")
    items = await _complete(session, uri, text, "bigOrders.", len("bigOrders."))
    methods = {i.label: i for i in items if i.kind == types.CompletionItemKind.Method}
    assert {"filter", "map", "sum", "group"} <= set(methods)
    assert methods["sum"].detail is not None and methods["sum"].detail.startswith("array.sum(")
    await session.change(uri, view_text)


async def test_names_in_scope_and_functions(session: Session, view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    text = view_text.replace("level = gold ?? silver ?? standard", "level = go")
    items = await _complete(session, uri, text, "level = go", len("level = go"))
    labels = _labels(items)
    assert {"customer", "orderCount", "gold", "customerId", "from", "tenantId", "now"} <= set(
        labels)
    assert {"id", "name", "orders", "bigTotal"} <= set(labels)  # earlier fields
    assert "level" not in labels
    functions = {i.label: i for i in items if i.kind == types.CompletionItemKind.Function}
    assert functions["COALESCE"].detail is not None
    await session.change(uri, view_text)


async def test_tool_arguments_with_types_and_whether_required(session: Session,
                                                              view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    text = view_text.replace("args: id = customerId", "args: ")
    items = await _complete(session, uri, text, "args: \n", len("args: "))
    first = items[0]
    assert (first.label, first.detail, first.insert_text) == ("id", "string (required)",
                                                              "id = ")
    await session.change(uri, view_text)


async def _opened(session: Session, name: str) -> str:
    uri = session.uri(name)
    return uri if uri in session.versions else await session.open(name)


async def _complete_checked(session: Session, uri: str, text: str, needle: str, delta: int
                            ) -> list[types.CompletionItem]:
    """Complete once the server has analysed ``text`` itself (as an editor does after its
    debounce), not an earlier text."""
    await session.change(uri, text)
    result = await session.client.text_document_completion_async(types.CompletionParams(
        text_document=_doc(uri), position=position_of(text, needle, delta)))
    assert isinstance(result, types.CompletionList)
    return result.items


@pytest.mark.parametrize(("args", "expected"), [
    ("", ["exps", "proj", "sort", "size"]),                 # an empty value (YAML null)
    ("exps = 'amount > 1', ", ["proj", "sort", "size"]),   # after ", ": not parsed yet
    ("proj = 'id', s", ["exps", "sort", "size"]),          # a word typed after ", "
    ("exps = 'a',  , size = 2", ["proj", "sort"]),          # given after the cursor too
], ids=["empty", "after-comma", "word", "between"])
async def test_arguments_not_yet_given_at_an_analysed_args_value(
        session: Session, view_text: str, args: str, expected: list[str]) -> None:
    uri = await _opened(session, "customer_view.yaml")
    lines = view_text.split("\n")
    at = lines.index("            args: |") if "            args: |" in lines else None
    assert at is not None
    # bigOrders' args, a block of two lines, become one line: args: <args>
    text = "\n".join([*lines[:at], f"            args: {args}", *lines[at + 3:]])
    needle = "db://ec.order/list\n            args: "  # bigOrders' own args line
    delta = len(needle) + (len("exps = 'a', ") if "  ," in args else len(args))
    items = await _complete_checked(session, uri, text, needle, delta)
    arguments = [i for i in items if i.kind == types.CompletionItemKind.Property]
    assert [i.label for i in arguments] == expected
    by_label = {i.label: i for i in arguments}
    if "size" in by_label:
        assert by_label["size"].detail == "int? (optional)"
        assert by_label["size"].insert_text == "size = "
    await session.change(uri, view_text)


async def test_arguments_at_an_empty_value_have_types_and_descriptions(
        session: Session, view_text: str) -> None:
    uri = await _opened(session, "customer_view.yaml")
    text = view_text.replace("args: id = customerId", "args:")
    needle = "max-attempts=3\n            args:"
    items = await _complete_checked(session, uri, text, needle, len(needle))
    [argument] = [i for i in items if i.kind == types.CompletionItemKind.Property]
    assert (argument.label, argument.detail) == ("id", "string (required)")
    assert isinstance(argument.documentation, types.MarkupContent)
    assert argument.documentation.value == "customer id"
    await session.change(uri, view_text)


async def test_exec_completion_leaves_out_the_flow_itself(session: Session,
                                                          project: Path) -> None:
    text = (project / "flows" / "greeting.yaml").read_text(encoding="utf-8")
    uri = await session.open("greeting.yaml")
    edited = text.replace("            with: \"'hello ' + name\"\n",
                          "            with: \"'hello ' + name\"\n            next: call\n"
                          "        call:\n            exec: \n")
    items = await _complete(session, uri, edited, "exec: \n", len("exec: "))
    labels = _labels(items)
    assert "flow://customer_view" in labels and "api://crm-service/customer" in labels
    assert "flow://greeting" not in labels
    session.close(uri)


@pytest.mark.parametrize(("typed", "expected"), [
    # the `next` of `merge`: the flow's nodes, but `merge` and the inner block's `user`
    ("            next: proc\n", ["customer", "check", "judge", "pause", "vip", "fallback",
                                  "proc"]),
    # the `then` of a case of the switch `judge`: the nodes of its block, but `judge`
    ("then: pause\n", ["customer", "check", "pause", "vip", "fallback", "merge", "proc"]),
], ids=["next", "case-then"])
async def test_node_ids_of_the_same_block_only(session: Session, project: Path, typed: str,
                                               expected: list[str]) -> None:
    text = (project / "flows" / "order_review.yaml").read_text(encoding="utf-8")
    uri = await session.open("order_review.yaml")
    key = typed.split(":")[0] + ": "
    edited = text.replace(typed, key + "\n")
    items = await _complete(session, uri, edited, key.strip() + " \n", len(key.strip()) + 1)
    assert _labels(items) == expected
    session.close(uri)


async def test_keys_valid_for_the_kind_of_node(session: Session, view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    text = view_text.replace("            next: classify\n",
                             "            next: classify\n            \n")
    items = await _complete(session, uri, text, "next: classify\n            ",
                            len("next: classify\n            "))
    assert _labels(items) == ["name", "desp", "sets", "with", "only", "fail"]
    assert items[3].documentation is not None
    await session.change(uri, view_text)


async def test_exec_uris_from_the_catalog_and_the_flows(session: Session,
                                                        view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    text = view_text.replace("exec: db://ec.order/count", "exec: ")
    items = await _complete(session, uri, text, "exec: \n", len("exec: "))
    by_label = {i.label: i for i in items}
    assert {"api://crm-service/customer", "api://crm-service/user", "db://ec.order/count",
            "flow://greeting"} <= set(by_label)
    customer = by_label["api://crm-service/customer"]
    assert customer.detail == "Returns one customer by id."
    assert isinstance(customer.documentation, types.MarkupContent)
    assert "| `id` | `string` | yes | customer id |" in customer.documentation.value
    await session.change(uri, view_text)


async def test_types_in_args(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Types
            args:
                defs:
                    Item: {sku: string}
                in:
                    item: It
            node:
                a:
                    with: item
    """)
    uri = await session.open("types.yaml", text)
    items = await _complete(session, uri, text, "item: It", len("item: It"))
    assert {"string", "int", "date", "Item"} <= set(_labels(items))
    session.close(uri)


# ---------------------------------------------------------------------- hover


async def _hover(session: Session, uri: str, text: str, needle: str, delta: int = 1
                 ) -> str:
    result = await session.client.text_document_hover_async(types.HoverParams(
        text_document=_doc(uri), position=position_of(text, needle, delta)))
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    return result.contents.value


async def test_hover_shows_nodes_tools_functions_types_and_comments(session: Session,
                                                                    view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    node = await _hover(session, uri, view_text, "customer:")
    assert node.startswith("**customer** — tool call (exec) node")
    assert "customer: Customer" in node
    tool = await _hover(session, uri, view_text, "api://crm-service/customer")
    assert "| `id` | `string` | yes | customer id |" in tool
    assert "returns `Customer`" in tool
    expression = await _hover(session, uri, view_text, "customer.level", 10)
    assert "customer.level: string?" in expression
    method = await _hover(session, uri, view_text, "sum('amount')")
    assert method.startswith("```gml\narray.sum(") and "Sum of the numbers" in method
    function = await _hover(session, uri, view_text, "DATE('-3M')")
    assert "DATE([spec: any]) -> date" in function
    comment = await _hover(session, uri, view_text, "customerId: string")
    assert "input customerId: string" in comment and "customer id (required)" in comment
    reference = await _hover(session, uri, view_text, "orders = orderCount", 10)
    assert "orderCount: long" in reference


# ---------------------------------------------------------------------- navigation


async def test_definition_and_references_of_a_node_id_used_in_gml(session: Session,
                                                                  view_text: str) -> None:
    uri = session.uri("customer_view.yaml")
    use = position_of(view_text, "name = customer.name", 8)
    found = await session.client.text_document_definition_async(types.DefinitionParams(
        text_document=_doc(uri), position=use))
    assert isinstance(found, list) and len(found) == 1
    assert found[0].range.start == position_of(view_text, "customer:")
    refs = await session.client.text_document_references_async(types.ReferenceParams(
        text_document=_doc(uri), position=use,
        context=types.ReferenceContext(include_declaration=True)))
    assert refs is not None
    assert [(r.range.start.line, r.range.start.character) for r in refs] == [
        (16, 8), (32, 26), (34, 26), (48, 21), (49, 23)]


async def test_rename_a_node_updates_targets_and_gml(session: Session, view_text: str
                                                     ) -> None:
    uri = session.uri("customer_view.yaml")
    edit = await session.client.text_document_rename_async(types.RenameParams(
        text_document=_doc(uri), position=position_of(view_text, "gold:", 1),
        new_name="premium"))
    assert edit is not None and edit.changes is not None
    ranges = [(e.range.start.line, e.range.start.character) for e in edit.changes[uri]]
    assert ranges == [(37, 8), (33, 26), (52, 24)]
    assert {e.new_text for e in edit.changes[uri]} == {"premium"}


async def test_rename_a_variable_in_vars_sets_and_reads(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Counter
            vars: seen = 0
            node:
                count:
                    with: seen + 1
                    sets: seen = seen + 1
    """)
    uri = await session.open("counter.yaml", text)
    edit = await session.client.text_document_rename_async(types.RenameParams(
        text_document=_doc(uri), position=position_of(text, "seen + 1", 1),
        new_name="visits"))
    assert edit is not None and edit.changes is not None
    assert sorted((e.range.start.line, e.range.start.character)
                  for e in edit.changes[uri]) == [(2, 10), (5, 18), (6, 18), (6, 25)]
    session.close(uri)


async def test_rename_a_variable_read_later_in_its_own_program(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Totals
            vars: |
                base = 10
                limit = base * 2
            node:
                sum:
                    with: "{base: 1, twice: base}"
                    sets: |
                        base = base + 1
                        limit = base
    """)
    uri = await session.open("totals.yaml", text)
    references = await session.client.text_document_references_async(types.ReferenceParams(
        text_document=_doc(uri), position=position_of(text, "base * 2"),
        context=types.ReferenceContext(include_declaration=True)))
    # not `base:` of the output object: a field name, not the variable
    assert sorted((r.range.start.line, r.range.start.character) for r in references or []) == [
        (3, 8), (4, 16), (7, 36), (9, 16), (9, 23), (10, 24)]
    edit = await session.client.text_document_rename_async(types.RenameParams(
        text_document=_doc(uri), position=position_of(text, "base = 10"), new_name="floor"))
    assert edit is not None and edit.changes is not None
    assert len(edit.changes[uri]) == 6
    session.close(uri)


# ---------------------------------------------------------------------- the rest


async def test_inlay_hints_show_inferred_output_types(session: Session, view_text: str
                                                      ) -> None:
    uri = session.uri("customer_view.yaml")
    end = types.Position(line=len(view_text.splitlines()), character=0)
    found = await session.client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=_doc(uri), range=types.Range(start=types.Position(line=0, character=0),
                                                   end=end)))
    assert found is not None
    labels = {(h.position.line, str(h.label)) for h in found}
    assert (16, "→ Customer") in labels
    assert (20, "→ long") in labels
    assert not any(line == 30 for line, _ in labels)  # a switch has no output


async def test_quick_fix_for_did_you_mean(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Typos
            args:
                in:
                    customerId: string
            node:
                customer:
                    exec: api://crm-service/customer
                    args: id = customerId
                    nxet: merge
                merge:
                    with: customer.nmae
    """)
    uri = await session.open("typos.yaml", text)
    diagnostics = await session.diagnostics(uri, 1)
    actions = await session.client.text_document_code_action_async(types.CodeActionParams(
        text_document=_doc(uri), range=types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=12, character=0)),
        context=types.CodeActionContext(diagnostics=diagnostics)))
    assert actions is not None
    fixes = {a.title: a for a in actions if isinstance(a, types.CodeAction)}
    assert set(fixes) == {"Change to 'next'", "Change to 'name'"}
    edit = fixes["Change to 'name'"].edit
    assert edit is not None and edit.changes is not None
    change = edit.changes[uri][0]
    assert (change.range.start.line, change.range.start.character,
            change.range.end.character) == (11, 27, 31)
    session.close(uri)


async def test_quick_fix_for_a_single_quoted_expression(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Quoted
            args:
                in:
                    a: string
            node:
                x:
                    only: 'a != ''b'''
                    with: 'UPPER("x\\\\y")'
    """)
    uri = await session.open("quoted.yaml", text)
    diagnostics = await session.diagnostics(uri, 1)
    assert [d.code for d in diagnostics] == ["W214", "W214"]
    actions = await session.client.text_document_code_action_async(types.CodeActionParams(
        text_document=_doc(uri), range=types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=10, character=0)),
        context=types.CodeActionContext(diagnostics=diagnostics)))
    assert actions is not None
    fixes = [a for a in actions if isinstance(a, types.CodeAction)]
    assert [f.title for f in fixes] == ["Use double quotes (an expression)"] * 2
    changes = []
    for fix in fixes:
        assert fix.edit is not None and fix.edit.changes is not None
        [change] = fix.edit.changes[uri]
        changes.append((change.range.start.line, change.range.start.character,
                        change.range.end.line, change.range.end.character, change.new_text))
    assert changes == [(7, 18, 7, 30, "\"a != 'b'\""),
                       (8, 18, 8, 33, '"UPPER(\\"x\\\\\\\\y\\")"')]
    session.close(uri)


async def _semantic_tokens(session: Session, uri: str) -> list[tuple[int, ...]]:
    """The document's semantic tokens, five numbers each (line and start relative to the
    previous token, length, type, modifiers)."""
    result = await session.client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=_doc(uri)))
    assert result is not None
    data = result.data
    return [tuple(data[i:i + 5]) for i in range(0, len(data), 5)]


async def test_semantic_tokens_for_gml_inside_yaml(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Tokens
            args:
                in:
                    orders: any[]
            node:
                big:
                    with: orders.filter(o => o.amount > 100).count()
    """)
    uri = await session.open("tokens.yaml", text)
    tokens = await _semantic_tokens(session, uri)
    # orders (readonly variable), filter (library method), o (parameter declaration),
    # o (parameter), amount (property), 100 (number), count (library method)
    assert tokens == [(7, 18, 6, 0, 2), (0, 7, 6, 4, 4), (0, 7, 1, 1, 1), (0, 5, 1, 1, 0),
                      (0, 2, 6, 2, 0), (0, 9, 3, 6, 0), (0, 5, 5, 4, 4)]
    session.close(uri)


async def test_semantic_tokens_of_templates_and_strings_across_lines(session: Session
                                                                      ) -> None:
    text = flow_text("""
        flow:
            name: Lines
            args:
                in:
                    n: int
            node:
                say:
                    with: |
                        label = `n=${n}!`
                        note = 'first
                          second'
    """)
    uri = await session.open("lines.yaml", text)
    tokens = await _semantic_tokens(session, uri)
    # label (declared field), `n= (string), n (readonly variable), !` (string),
    # note (declared field), 'first (string) and, on the next line, second' (string)
    assert tokens == [(8, 16, 5, 2, 1), (0, 8, 3, 5, 0), (0, 5, 1, 0, 2), (0, 2, 2, 5, 0),
                      (1, 16, 4, 2, 1), (0, 7, 6, 5, 0), (1, 18, 7, 5, 0)]
    session.close(uri)
