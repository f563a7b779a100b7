"""Go to definition from a flow into the ToolSpec files of its project: from an ``exec`` to the
spec's ``code``, from an argument name to its key under ``args.in``; and the index behind it
(`lsp._toolspecs`), kept until the tool files change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lsprotocol import types

from lsp._project import Project, Projects
from lsp._toolspecs import ToolSpecIndex, read_decl
from stdlib.registry import Registry, ToolSpec

from ._support import Session, flow_text, position_of

end_to_end = pytest.mark.asyncio(loop_scope="module")
"""The server tests of this module share one server (the unit tests below are plain)."""

CALLS = flow_text("""
    flow:
        name: Calls
        args:
            in:
                customerId: string
        node:
            customer:
                exec: api://crm-service/customer
                args: id = customerId
                next: orders
            orders:
                exec: db://ec.order/count?timeout=3000
                args: exps = 'customerId = :customerId'
                next: user
            user:
                exec: api://crm-service/user?version=1.0.0
                args: |
                    userId = customerId
            mapped:
                exec: api://crm-service/user
                args:                       # a mapping is E105; its keys still name arguments
                    userId: customerId
            unknown:
                exec: api://crm-service/nothing
                args: id = customerId
""")


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def _range(text: str, needle: str, length: int, delta: int = 0) -> types.Range:
    """The range of ``length`` characters at ``needle`` + ``delta`` (ASCII texts)."""
    start = position_of(text, needle, delta)
    return types.Range(start=start, end=types.Position(line=start.line,
                                                       character=start.character + length))


async def _definition(session: Session, uri: str, text: str, needle: str, delta: int = 0,
                      nth: int = 0) -> list[types.Location]:
    found = await session.client.text_document_definition_async(types.DefinitionParams(
        text_document=_doc(uri), position=position_of(text, needle, delta, nth)))
    assert found is None or isinstance(found, list)
    return [f for f in found or [] if isinstance(f, types.Location)]


def _spec(session: Session, name: str) -> tuple[str, str]:
    path = session.project / "tools" / name
    return path.resolve().as_uri(), path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- end to end


@end_to_end
async def test_exec_goes_to_the_code_of_the_toolspec(session: Session) -> None:
    uri = await session.open("calls.yaml", CALLS)
    spec_uri, spec = _spec(session, "crm_customer.yaml")
    found = await _definition(session, uri, CALLS, "api://crm-service/customer", 12)
    assert found == [types.Location(uri=spec_uri, range=types.Range(
        start=types.Position(line=1, character=6), end=types.Position(line=1, character=26)))]
    assert found[0].range == _range(spec, "crm-service/customer", len("crm-service/customer"))


@end_to_end
async def test_a_db_operation_goes_to_its_table_spec(session: Session) -> None:
    uri = session.uri("calls.yaml")
    spec_uri, spec = _spec(session, "ec_order.yaml")
    found = await _definition(session, uri, CALLS, "db://ec.order/count", 16)
    assert found == [types.Location(uri=spec_uri, range=_range(spec, "code: ec.order", 8, 6))]


@end_to_end
async def test_options_of_the_uri_do_not_matter(session: Session) -> None:
    uri = session.uri("calls.yaml")
    spec_uri, spec = _spec(session, "crm_user.yaml")
    found = await _definition(session, uri, CALLS, "?version=1.0.0", 3)
    assert found == [types.Location(uri=spec_uri, range=_range(spec, "crm-service/user", 16))]


@end_to_end
async def test_an_argument_in_an_args_program_goes_to_its_declaration(session: Session
                                                                       ) -> None:
    uri = session.uri("calls.yaml")
    spec_uri, spec = _spec(session, "crm_customer.yaml")
    found = await _definition(session, uri, CALLS, "id = customerId", 1)
    assert found == [types.Location(uri=spec_uri, range=types.Range(
        start=types.Position(line=14, character=8), end=types.Position(line=14, character=10)))]
    assert found[0].range == _range(spec, "id: string                 # customer id", 2)
    user_uri, user = _spec(session, "crm_user.yaml")
    found = await _definition(session, uri, CALLS, "userId = customerId", 3)
    assert found == [types.Location(uri=user_uri, range=_range(user, "userId:", 6))]
    # a value, not a name: the input it reads
    found = await _definition(session, uri, CALLS, "userId = customerId", 12)
    assert [f.uri for f in found] == [uri]


@end_to_end
async def test_an_argument_key_of_a_yaml_mapping_goes_to_its_declaration(session: Session
                                                                         ) -> None:
    uri = session.uri("calls.yaml")
    user_uri, user = _spec(session, "crm_user.yaml")
    found = await _definition(session, uri, CALLS, "userId: customerId", 2)
    assert found == [types.Location(uri=user_uri, range=_range(user, "userId:", 6))]


@end_to_end
async def test_tools_no_file_declares_have_no_definition(session: Session) -> None:
    uri = session.uri("calls.yaml")
    assert await _definition(session, uri, CALLS, "crm-service/nothing", 3) == []
    assert await _definition(session, uri, CALLS, "id = customerId", 0, nth=1) == []
    # a tool only the registry holds: known to the checker, but no file to go to
    text = CALLS.replace("api://crm-service/nothing", "api://crm-service/registered")
    with Registry(session.project / ".fdl" / "registry.db") as registry:
        registry.register(ToolSpec.from_text(
            "type: api\ncode: crm-service/registered\ndesp: Only registered.\n"
            "args:\n    in:\n        id: string\n"))
    await session.change(uri, text)
    shown = await session.client.text_document_hover_async(types.HoverParams(
        text_document=_doc(uri), position=position_of(text, "crm-service/registered", 3)))
    assert shown is not None and "Only registered." in str(shown.contents)
    assert await _definition(session, uri, text, "crm-service/registered", 3) == []
    assert await _definition(session, uri, text, "id = customerId", 0, nth=1) == []
    await session.change(uri, CALLS)


@end_to_end
async def test_registry_tools_are_offered_and_documented_when_resolved(session: Session
                                                                       ) -> None:
    with Registry(session.project / ".fdl" / "registry.db") as registry:
        registry.register(ToolSpec.from_text(
            "type: api\ncode: crm-service/listed\ndesp: Listed only.\n"
            "args:\n    in:\n        id: string       # which one\n"))
        registry.register(ToolSpec.from_text("type: db\ncode: shop.basket\ndesp: Baskets.\n"))
    text = flow_text("""
        flow:
            name: Pick
            node:
                pick:
                    exec: \n""")
    uri = session.uri("pick.yaml")
    await session.open("pick.yaml", text)
    result = await session.client.text_document_completion_async(types.CompletionParams(
        text_document=_doc(uri), position=position_of(text, "exec: ", len("exec: "))))
    assert isinstance(result, types.CompletionList)
    by_label = {i.label: i for i in result.items}
    # from a ToolSpec file: documented at once
    assert by_label["api://crm-service/user"].documentation is not None
    # from the registry: listed with its description, documented when resolved
    listed = by_label["api://crm-service/listed"]
    assert (listed.detail, listed.documentation) == ("Listed only.", None)
    resolved = await session.client.completion_item_resolve_async(listed)
    assert isinstance(resolved.documentation, types.MarkupContent)
    assert "| `id` | `string` | yes | which one |" in resolved.documentation.value
    assert {f"db://shop.basket/{op}" for op in ("take", "list", "count")} <= set(by_label)
    assert by_label["db://shop.basket/list"].detail == "Baskets."
    session.close(uri)


@end_to_end
async def test_the_definition_follows_the_toolspec_file_when_it_changes(session: Session
                                                                        ) -> None:
    uri = session.uri("calls.yaml")
    path = session.project / "tools" / "crm_customer.yaml"
    spec_uri, spec = _spec(session, "crm_customer.yaml")
    found = await _definition(session, uri, CALLS, "api://crm-service/customer", 12)
    assert found[0].range.start == types.Position(line=1, character=6)
    path.write_text("# moved down one line\n" + spec, encoding="utf-8")
    found = await _definition(session, uri, CALLS, "api://crm-service/customer", 12)
    assert found == [types.Location(uri=spec_uri, range=types.Range(
        start=types.Position(line=2, character=6), end=types.Position(line=2, character=26)))]
    found = await _definition(session, uri, CALLS, "id = customerId", 1)
    assert found[0].range.start == types.Position(line=15, character=8)
    path.write_text(spec, encoding="utf-8")


# ---------------------------------------------------------------------- the index


def test_read_decl_finds_code_and_argument_names_in_yaml_and_json(tmp_path: Path) -> None:
    text = json.dumps({"type": "api", "code": "shop/cart", "desp": "Der Warenkorb 🛒",
                       "args": {"in": {"cartId": "string", "size": "int?"}}}, indent=2,
                      ensure_ascii=False)
    decl = read_decl(text, tmp_path / "cart.json")
    assert decl is not None
    assert (decl.type, decl.code) == ("api", "shop/cart")
    assert text[decl.code_span.start:decl.code_span.end] == '"shop/cart"'
    assert {name: text[s.start:s.end] for name, s in decl.args.items()} == {
        "cartId": '"cartId"', "size": '"size"'}
    assert read_decl("type: api\nargs: {}\n", tmp_path / "nocode.yaml") is None
    assert read_decl("- not a spec\n", tmp_path / "list.yaml") is None
    assert read_decl("{{{", tmp_path / "broken.yaml") is None


def test_db_tables_answer_for_their_operations_and_later_files_win(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "orders.yaml").write_text("type: db\ncode: ec.order\n", encoding="utf-8")
    (tmp_path / "a" / "z.yml").write_text("type: api\ncode: x\n", encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.yaml").write_text("type: api\ncode: x  # again\n", encoding="utf-8")
    (tmp_path / "b" / "notes.txt").write_text("type: api\ncode: y\n", encoding="utf-8")
    index = ToolSpecIndex.read([tmp_path / "a", tmp_path / "b"])
    order = index.find("db", "ec.order/list")
    assert order is not None and order.path.name == "orders.yaml"
    assert index.find("db", "ec.order") is order
    assert index.find("api", "ec.order/list") is None
    x = index.find("api", "x")
    assert x is not None and x.path == tmp_path / "b" / "x.yaml"
    assert index.find("api", "y") is None


def test_the_project_keeps_the_index_until_a_tool_file_changes(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    spec = tools / "t.yaml"
    spec.write_text("type: api\ncode: t\n", encoding="utf-8")
    projects = Projects()
    project = Project(tmp_path, (tools,), tmp_path)
    projects.tool_catalog(project)  # what a check asks: the index is not built
    assert all(loaded._specs is None for loaded in projects._catalogs.values())
    first = projects.tool_specs(project)
    assert first is not None and projects.tool_specs(project) is first
    spec.write_text("# a comment\ntype: api\ncode: t\n", encoding="utf-8")
    later = spec.stat().st_mtime_ns + 1_000_000_000  # whatever the clock's resolution
    os.utime(spec, ns=(later, later))
    second = projects.tool_specs(project)
    assert second is not first and second is not None
    decl = second.find("api", "t")
    assert decl is not None and decl.code_span.start == len("# a comment\ntype: api\ncode: ")
    assert projects.tool_specs(Project(tmp_path, (), tmp_path)) is None


# ---------------------------------------------------------------------- tool://<code>

BY_CODE = flow_text("""
    flow:
        name: ByCode
        args:
            in:
                customerId: string
        node:
            user:
                exec: tool://crm-service/user
                args: userId = customerId
""")


@end_to_end
async def test_tool_uri_works_like_the_typed_uri_it_resolves_to(session: Session) -> None:
    uri = await session.open("bycode.yaml", BY_CODE)
    spec_uri, spec = _spec(session, "crm_user.yaml")
    # definition: from the exec and from an argument into the api ToolSpec
    found = await _definition(session, uri, BY_CODE, "tool://crm-service/user", 9)
    assert found == [types.Location(uri=spec_uri, range=_range(spec, "crm-service/user", 16))]
    found = await _definition(session, uri, BY_CODE, "userId = customerId", 1)
    assert found == [types.Location(uri=spec_uri, range=_range(spec, "userId:", 6))]
    # hover: the tool's description and arguments
    hover = await session.client.text_document_hover_async(types.HoverParams(
        text_document=_doc(uri), position=position_of(BY_CODE, "tool://crm-service/user", 9)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Returns one user of the CRM." in hover.contents.value
    assert "`userId`" in hover.contents.value
    # completion of its arguments
    result = await session.client.text_document_completion_async(types.CompletionParams(
        text_document=_doc(uri), position=position_of(BY_CODE, "userId = ", 0)))
    labels = [i.label for i in (result.items if isinstance(result, types.CompletionList)
                                else result or [])]
    assert "userId" in labels


@end_to_end
async def test_completion_after_tool_scheme_offers_codes(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Pick
            node:
                pick:
                    exec: tool://\n""")
    uri = session.uri("pickcode.yaml")
    await session.open("pickcode.yaml", text)
    result = await session.client.text_document_completion_async(types.CompletionParams(
        text_document=_doc(uri), position=position_of(text, "tool://", len("tool://"))))
    assert isinstance(result, types.CompletionList)
    by_label = {i.label: i for i in result.items}
    assert {"tool://crm-service/user", "tool://crm-service/customer"} <= set(by_label)
    assert not [label for label in by_label if not label.startswith("tool://")]
    assert by_label["tool://crm-service/user"].detail == "Returns one user of the CRM."
    assert by_label["tool://crm-service/user"].documentation is not None
    listed = by_label["tool://crm-service/listed"]
    resolved = await session.client.completion_item_resolve_async(listed)
    assert isinstance(resolved.documentation, types.MarkupContent)
