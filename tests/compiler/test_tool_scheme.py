"""``tool://<code>``: the registered tool with that code, whatever its type (tools.md §1).

The checker treats it like the typed URI it resolves to."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import fdl
from compiler import ChainCatalog, StaticCatalog, ToolArg, ToolSignature
from gml.types import ANY, STRING
from stdlib.registry import load_tool_dir

from .conftest import codes, compile_text

MAIL = """\
    type: api
    code: mail-service/send
    desp: Sends one mail.
    args:
        in:
            to: string
            subject: string
            body: string?
        out:
            id: string
            queued: bool
"""


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> StaticCatalog:
    folder: Path = tmp_path_factory.mktemp("mailtools")
    (folder / "send.yaml").write_text(textwrap.dedent(MAIL), encoding="utf-8")
    found, problems = load_tool_dir(folder)
    assert problems == []
    return found


FLOW = """\
    flow:
        name: notify
        args:
            in:
                email: string
            out:
                mailId: string
        node:
            send:
                exec: tool://mail-service/send
                args: to = email, subject = 'Hello'
                next: done
            done:
                with: mailId = send.id
"""


def test_tool_scheme_checks_clean_with_a_catalog(mail: StaticCatalog) -> None:
    assert compile_text(FLOW, mail).diagnostics == ()


def test_tool_scheme_plan_records_the_written_uri_and_the_resolved_type(
        mail: StaticCatalog) -> None:
    plan = fdl.load_text(textwrap.dedent(FLOW), "flow.yaml", catalog=mail)
    [ref] = [n.tool for n in plan.block.nodes if n.tool is not None]
    assert (ref.uri, ref.type, ref.code, ref.scheme) == (
        "tool://mail-service/send", "api", "mail-service/send", "tool")
    assert (ref.written, ref.base) == ("tool://mail-service/send", "api://mail-service/send")
    assert ref.known and ref.arguments == ("to", "subject", "body")
    shown = json.loads(json.dumps(ref.to_dict()))
    assert shown["uri"] == "tool://mail-service/send"
    assert (shown["type"], shown["scheme"]) == ("api", "tool")


def test_tool_scheme_result_is_typed(mail: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                send:
                    exec: tool://mail-service/send
                    args: to = 'a@b.c', subject = 's'
                    next: done
                done:
                    with: n = send.idd
    """, mail)
    [d] = result.diagnostics  # the result is api://mail-service/send's out
    assert (d.code, d.line, d.column) == ("G205", 9, 28)
    assert d.message == "this object has no field 'idd'; did you mean 'id'?"


def test_tool_scheme_undeclared_argument_e302(mail: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                send:
                    exec: tool://mail-service/send
                    args: to = 'a@b.c', subjet = 's'
    """, mail)
    found = [(d.code, d.line, d.column) for d in result.diagnostics]
    assert found == [("E303", 5, 19), ("E302", 6, 33)]
    [e302] = [d for d in result.diagnostics if d.code == "E302"]
    assert "api://mail-service/send" in e302.message and e302.suggestion == "subject"


def test_tool_scheme_argument_type_e304(mail: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                send:
                    exec: tool://mail-service/send
                    args: to = 42, subject = 's'
    """, mail) == [("E304", 6, 19)]


def test_tool_scheme_missing_argument_e303(mail: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                send:
                    exec: tool://mail-service/send
                    args: to = 'a@b.c'
    """, mail) == [("E303", 5, 19)]


def test_tool_scheme_unknown_code_e301_with_did_you_mean(mail: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                send:
                    exec: tool://mail-service/sned
    """, mail)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E301", 5, 19)
    assert d.suggestion == "tool://mail-service/send"
    assert "did you mean 'tool://mail-service/send'?" in d.message


def test_tool_scheme_code_of_two_types_is_ambiguous() -> None:
    catalog = StaticCatalog([
        ToolSignature("api", "crm/customer", {"id": ToolArg("id", STRING, True)}),
        ToolSignature("svc", "crm/customer"),
    ])
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: tool://crm/customer
    """, catalog)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E301", 5, 19)
    assert d.message == ("'tool://crm/customer' is ambiguous: the code 'crm/customer' is "
                         "registered as api://crm/customer and svc://crm/customer; write "
                         "the typed URI instead")


def test_tool_scheme_unchecked_without_a_catalog() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: tool://mail-service/send?timeout=500
                    args: anything = 1
    """)
    assert result.diagnostics == ()
    plan = fdl.load_text(textwrap.dedent("""\
        flow:
            name: x
            node:
                a:
                    exec: tool://mail-service/send
    """), "flow.yaml")
    [ref] = [n.tool for n in plan.block.nodes if n.tool is not None]
    assert (ref.type, ref.scheme, ref.base, ref.known, ref.out) == (
        "tool", "", "tool://mail-service/send", False, ANY)


def test_tool_scheme_takes_the_common_options_only(mail: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: tool://mail-service/send?max-attempts=2&method=GET
                    args: to = 'a@b.c', subject = 's'
    """, mail)
    [d] = result.diagnostics
    assert d.code == "E103" and "tool://" in d.message


def test_chain_catalog_by_code_one_per_type() -> None:
    first = StaticCatalog([ToolSignature("api", "a/b", out=STRING)])
    second = StaticCatalog([ToolSignature("api", "a/b"), ToolSignature("db", "a/b"),
                            ToolSignature("api", "c/d")])
    found = ChainCatalog(first, second).by_code("a/b")
    assert [(s.type, s.out) for s in found] == [("api", STRING), ("db", ANY)]
