"""Mock tools (tools.md §7): entry forms, recording, passthrough and mock files."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

import gml
from stdlib.tools import Tool, ToolCall, ToolError, Tools
from stdlib.tools.mocks import MockFileError, Mocks


def make_call(base: str, **args: Any) -> ToolCall:
    kind, _, code = base.partition("://")
    return ToolCall(uri=base, base=base, type=kind, code=code, args=args)


async def call(mocks: Mocks, base: str, **args: Any) -> Any:
    tool = mocks.resolve(base)
    assert tool is not None
    return await tool.call(make_call(base, **args))


async def failure(mocks: Mocks, base: str, **args: Any) -> ToolError:
    with pytest.raises(ToolError) as raised:
        await call(mocks, base, **args)
    return raised.value


def problem(data: Any, **kwargs: Any) -> MockFileError:
    with pytest.raises(MockFileError) as raised:
        Mocks.from_mapping(data, **kwargs)
    return raised.value


# ---------------------------------------------------------------------------- entry forms


@pytest.mark.trio
async def test_result_is_answered_as_given() -> None:
    mocks = Mocks({"api://crm/customer": {"result": {"id": "c1", "tags": ["a"]}}})
    assert await call(mocks, "api://crm/customer", id="c1") == {"id": "c1", "tags": ["a"]}


@pytest.mark.trio
async def test_null_result_is_a_result() -> None:
    mocks = Mocks({"api://crm/customer": {"result": None}})
    assert await call(mocks, "api://crm/customer") is None


@pytest.mark.trio
async def test_results_are_copies() -> None:
    mocks = Mocks({"api://crm/customer": {"result": {"tags": ["a"]}}})
    first = await call(mocks, "api://crm/customer")
    first["tags"].append("mutated")
    assert await call(mocks, "api://crm/customer") == {"tags": ["a"]}


@pytest.mark.trio
async def test_expr_sees_args_call_and_uri() -> None:
    mocks = Mocks({"db://ec.order/count": {
        "expr": "{n: COUNT(args.ids), call: call, uri: uri}"}})
    assert await call(mocks, "db://ec.order/count", ids=[1, 2, 3]) == {
        "n": 3, "call": 1, "uri": "db://ec.order/count"}
    assert await call(mocks, "db://ec.order/count", ids=[]) == {
        "n": 0, "call": 2, "uri": "db://ec.order/count"}


@pytest.mark.trio
async def test_expr_uses_the_given_environment() -> None:
    env = gml.Environment(functions=[gml.udf("TWICE", lambda x: x * 2, params=["x"])])
    mocks = Mocks({"api://calc/twice": {"expr": "TWICE(args.n)"}}, env=env)
    assert await call(mocks, "api://calc/twice", n=21) == 42


@pytest.mark.trio
async def test_expr_runtime_error_is_a_tool_error_with_the_g3xx_code() -> None:
    mocks = Mocks({"api://calc/div": {"expr": "args.a / args.b"}})
    error = await failure(mocks, "api://calc/div", a=1, b=0)
    assert error.code == "G302"
    assert error.type == "tool" and not error.retryable
    assert "division by zero" in error.message
    assert "api://calc/div" in error.message
    assert mocks.counts() == {"api://calc/div": 1}


@pytest.mark.trio
async def test_error_with_every_field() -> None:
    mocks = Mocks({"api://sms/send": {"error": {
        "code": "0401", "message": "denied", "type": "auth", "retryable": True,
        "details": {"reason": "expired"}}}})
    error = await failure(mocks, "api://sms/send", to="+1")
    assert (error.code, error.message, error.type, error.retryable) == (
        "0401", "denied", "auth", True)
    assert error.details == {"reason": "expired"}
    assert error.to_dict() == {"code": "0401", "message": "denied", "type": "auth",
                               "details": {"reason": "expired"}}


@pytest.mark.trio
async def test_error_defaults() -> None:
    mocks = Mocks({"api://sms/send": {"error": {"code": 503}}})
    error = await failure(mocks, "api://sms/send")
    assert (error.code, error.message, error.type, error.retryable) == (
        "503", "mocked error", "tool", False)


@pytest.mark.trio
async def test_error_type_timeout_is_retryable() -> None:
    mocks = Mocks({"api://slow/op": {"error": {"code": "F407", "type": "timeout"}}})
    assert (await failure(mocks, "api://slow/op")).retryable


@pytest.mark.trio
async def test_each_error_is_a_fresh_exception() -> None:
    mocks = Mocks({"api://sms/send": {"error": {"code": "0401"}}})
    assert await failure(mocks, "api://sms/send") is not await failure(mocks, "api://sms/send")


@pytest.mark.trio
async def test_sequence_answers_one_step_per_call_and_the_last_repeats() -> None:
    mocks = Mocks({"api://dp/task_status": {"sequence": [
        {"result": {"status": "processing"}},
        {"error": {"code": "503", "retryable": True}},
        {"expr": "{status: 'done', call: call}"},
    ]}})
    base = "api://dp/task_status"
    assert await call(mocks, base) == {"status": "processing"}
    assert (await failure(mocks, base)).code == "503"
    assert await call(mocks, base) == {"status": "done", "call": 3}
    assert await call(mocks, base) == {"status": "done", "call": 4}
    assert await call(mocks, base) == {"status": "done", "call": 5}
    assert mocks.counts() == {base: 5}


@pytest.mark.trio
async def test_call_numbers_are_per_uri() -> None:
    mocks = Mocks({"api://a/x": {"expr": "call"}, "api://b/y": {"expr": "call"}})
    assert [await call(mocks, "api://a/x"), await call(mocks, "api://a/x"),
            await call(mocks, "api://b/y"), await call(mocks, "api://a/x")] == [1, 2, 1, 3]


# ---------------------------------------------------------------------------- delays


@pytest.mark.trio
async def test_delay_on_the_run_clock(autojump_clock: trio.testing.MockClock) -> None:
    mocks = Mocks({"api://crm/customer": {"result": 1, "delay": 50}})
    assert await call(mocks, "api://crm/customer") == 1
    assert trio.current_time() == 0.05
    assert await call(mocks, "api://crm/customer") == 1
    assert trio.current_time() == 0.1


@pytest.mark.trio
async def test_delay_before_an_error(autojump_clock: trio.testing.MockClock) -> None:
    mocks = Mocks({"api://sms/send": {"error": {"code": "0401"}, "delay": 2000}})
    await failure(mocks, "api://sms/send")
    assert trio.current_time() == 2.0


@pytest.mark.trio
async def test_delay_beside_a_sequence_and_on_a_step(
        autojump_clock: trio.testing.MockClock) -> None:
    mocks = Mocks({"api://dp/status": {
        "sequence": [{"result": "a"}, {"result": "b", "delay": 1000}, {"result": "c"}],
        "delay": 250}})
    times = []
    for _ in range(4):
        await call(mocks, "api://dp/status")
        times.append(trio.current_time())
    assert times == [0.25, 1.25, 1.5, 1.75]


@pytest.mark.trio
async def test_calls_are_recorded_before_the_delay(
        autojump_clock: trio.testing.MockClock) -> None:
    mocks = Mocks({"api://crm/customer": {"result": 1, "delay": 10_000}})
    with trio.move_on_after(1):
        await call(mocks, "api://crm/customer", id="c1")
    assert trio.current_time() == 1
    assert mocks.calls == {"api://crm/customer": [{"id": "c1"}]}


@pytest.mark.trio
async def test_concurrent_calls_get_distinct_numbers(
        autojump_clock: trio.testing.MockClock) -> None:
    mocks = Mocks({"api://a/x": {"expr": "call", "delay": 100}})
    results: list[int] = []

    async def one() -> None:
        results.append(await call(mocks, "api://a/x"))

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(one)
    assert sorted(results) == [1, 2, 3]
    assert trio.current_time() == 0.1


# ---------------------------------------------------------------------------- recording


@pytest.mark.trio
async def test_every_call_is_recorded_in_order_with_its_args() -> None:
    mocks = Mocks({"api://crm/customer": {"result": 1},
                   "api://sms/send": {"error": {"code": "0401"}},
                   "api://never/called": {"result": 0}})
    await call(mocks, "api://crm/customer", id="c1")
    await failure(mocks, "api://sms/send", to="+1")
    await call(mocks, "api://crm/customer", id="c2", proj="name")
    await failure(mocks, "api://not/mocked", q=1)
    assert mocks.calls == {
        "api://crm/customer": [{"id": "c1"}, {"id": "c2", "proj": "name"}],
        "api://sms/send": [{"to": "+1"}],
        "api://never/called": [],
        "api://not/mocked": [{"q": 1}],
    }
    assert mocks.counts() == {"api://crm/customer": 2, "api://sms/send": 1,
                              "api://never/called": 0, "api://not/mocked": 1}


@pytest.mark.trio
async def test_recorded_args_are_copies() -> None:
    mocks = Mocks({"api://crm/customer": {"result": 1}})
    args: dict[str, Any] = {"ids": [1]}
    tool = mocks.resolve("api://crm/customer")
    assert tool is not None
    await tool.call(ToolCall(uri="api://crm/customer", base="api://crm/customer",
                             type="api", code="crm/customer", args=args))
    args["ids"].append(2)
    assert mocks.calls["api://crm/customer"] == [{"ids": [1]}]


def test_mock_tools_declare_no_arguments() -> None:
    mocks = Mocks({"api://crm/customer": {"result": 1}})
    tool = mocks.resolve("api://crm/customer")
    assert isinstance(tool, Tool)
    assert tool.arguments == ()
    missing = mocks.resolve("api://not/mocked")
    assert isinstance(missing, Tool) and missing.arguments == ()


# ---------------------------------------------------------------------------- unmocked URIs


@pytest.mark.trio
async def test_unmocked_uri_fails_with_f406() -> None:
    mocks = Mocks({})
    error = await failure(mocks, "api://x/y", a=1)
    assert (error.code, error.type, error.retryable) == ("F406", "tool", False)
    assert error.message == ("no mock for api://x/y; add one to the mock file or set "
                             "passthrough: true")
    assert mocks.calls == {"api://x/y": [{"a": 1}]}


@pytest.mark.trio
async def test_fallback_is_not_used_without_passthrough() -> None:
    real = Tools({"api://x/y": lambda args: "real"})
    mocks = Mocks({}, fallback=real)
    assert (await failure(mocks, "api://x/y")).code == "F406"


@pytest.mark.trio
async def test_passthrough_reaches_the_fallback_and_records() -> None:
    real = Tools()
    real.add("api://x/y", lambda args: {"real": args["a"]}, arguments=["a", "b"])
    mocks = Mocks({"api://x/mocked": {"result": "mock"}}, passthrough=True, fallback=real)
    tool = mocks.resolve("api://x/y")
    assert tool is not None
    assert tool.arguments == ("a", "b")
    assert await tool.call(make_call("api://x/y", a=1)) == {"real": 1}
    assert await call(mocks, "api://x/mocked") == "mock"
    assert mocks.counts() == {"api://x/mocked": 1, "api://x/y": 1}
    assert mocks.calls["api://x/y"] == [{"a": 1}]


@pytest.mark.trio
async def test_a_passed_through_call_reaches_the_real_tool_unchanged() -> None:
    received: list[ToolCall] = []
    real = Tools()
    real.add("db://shop.order/list", received.append, pass_call=True)
    mocks = Mocks({"api://x/mocked": {"result": "mock"}}, passthrough=True, fallback=real)
    events: list[dict[str, Any]] = []
    sent = ToolCall(uri="db://shop.order/list?timeout=50", base="db://shop.order/list",
                    type="db", code="shop.order/list",
                    args={"exps": "customerId = :customerId", "customerId": "c1"},
                    options={"timeout": "50"}, idempotency_key="run-1/orders/1",
                    run_id="run-1", node="proc[2]/orders", attempt=3, tenant_id="t1",
                    bu_code="bu1", publish=events.append)
    tool = mocks.resolve("db://shop.order/list")
    assert tool is not None
    await tool.call(sent)
    [got] = received
    assert got is sent
    for field in dataclasses.fields(ToolCall):
        assert getattr(got, field.name) == getattr(sent, field.name), field.name
    assert mocks.calls["db://shop.order/list"] == [dict(sent.args)]


class _Query:
    """A real tool that, like a db query, names further variables to bind (scope_names)."""

    arguments = ("exps",)

    def scope_names(self, args: Mapping[str, Any]) -> Sequence[str]:
        return [name for name in ("customerId", "from") if name not in args]

    async def call(self, call: ToolCall) -> Any:
        return dict(call.args)


def test_passthrough_binds_like_the_real_tool() -> None:
    real = Tools()
    real.add_tool("db://shop.order/list", _Query())
    real.add("api://x/plain", lambda args: args)
    mocks = Mocks({}, passthrough=True, fallback=real)
    query = mocks.resolve("db://shop.order/list")
    assert query is not None and query.arguments == ("exps",)
    assert query.scope_names({"exps": "", "from": 1}) == ["customerId"]  # type: ignore[attr-defined]
    plain = mocks.resolve("api://x/plain")
    assert plain is not None and plain.scope_names({}) == ()  # type: ignore[attr-defined]


@pytest.mark.trio
async def test_passthrough_without_a_real_tool_fails_with_f406() -> None:
    for mocks in (Mocks({}, passthrough=True),
                  Mocks({}, passthrough=True, fallback=Tools())):
        error = await failure(mocks, "api://x/y")
        assert error.code == "F406"
        assert error.message == ("no mock for api://x/y and no real tool to pass through "
                                 "to; add a mock or register the tool")
        assert mocks.counts() == {"api://x/y": 1}


@pytest.mark.trio
async def test_mocks_win_over_the_fallback() -> None:
    real = Tools({"api://x/y": lambda args: "real"})
    mocks = Mocks({"api://x/y": {"result": "mock"}}, passthrough=True, fallback=real)
    assert await call(mocks, "api://x/y") == "mock"


# ---------------------------------------------------------------------------- from_mapping


@pytest.mark.trio
async def test_from_mapping_reads_both_forms() -> None:
    whole = Mocks.from_mapping({"mocks": {"api://a/x": {"result": 1}}, "passthrough": True})
    assert whole.passthrough and await call(whole, "api://a/x") == 1
    direct = Mocks.from_mapping({"api://a/x": {"result": 2}})
    assert not direct.passthrough and await call(direct, "api://a/x") == 2
    inline = Mocks.from_mapping({"api://a/x": {"result": 3}, "passthrough": True})
    assert inline.passthrough and await call(inline, "api://a/x") == 3
    empty = Mocks.from_mapping({"mocks": None})
    assert empty.calls == {}


def test_key_with_options_is_refused() -> None:
    error = problem({"api://crm/customer?timeout=10": {"result": 1}})
    assert error.message == ("mock key 'api://crm/customer?timeout=10' has options; mocks "
                             "are keyed by the URI without options: 'api://crm/customer'")
    assert error.keys == ("api://crm/customer?timeout=10",)
    assert error.line is None


@pytest.mark.parametrize("key", ["crm/customer", "api://", "://x"])
def test_key_that_is_not_a_uri_is_refused(key: str) -> None:
    with pytest.raises(MockFileError, match="is not a tool URI"):
        Mocks({key: {"result": 1}})
    assert "is not a tool URI" in problem({"mocks": {key: {"result": 1}}}).message


def test_direct_form_with_a_misspelt_file_key() -> None:
    error = problem({"mock": {"api://a/x": {"result": 1}}})
    assert error.message == "unknown key 'mock' in the mock file; did you mean 'mocks'?"
    error = problem({"api://a/x": {"result": 1}, "passtrough": True})
    assert "did you mean 'passthrough'?" in error.message
    error = problem({"api://a/x": {"result": 1}, "customer": {"result": 1}})
    assert error.message.startswith("'customer' is not a tool URI")


def test_unknown_top_level_key_beside_mocks() -> None:
    error = problem({"mocks": {}, "pasthrough": True})
    assert error.message == ("unknown key 'pasthrough' in the mock file; did you mean "
                             "'passthrough'?")


def test_passthrough_must_be_a_boolean() -> None:
    assert "'passthrough' must be true or false" in problem(
        {"mocks": {}, "passthrough": "yes"}).message


def test_unknown_entry_key_with_a_suggestion() -> None:
    error = problem({"mocks": {"api://a/x": {"reslt": 1}}})
    assert error.message == ("unknown key 'reslt' in the mock for api://a/x; did you mean "
                             "'result'?")
    assert error.keys == ("mocks", "api://a/x", "reslt")


def test_unknown_entry_key_without_a_close_match() -> None:
    error = problem({"api://a/x": {"result": 1, "zzz": 2}})
    assert error.message == ("unknown key 'zzz' in the mock for api://a/x; expected one of "
                             "result, expr, error, replies, sequence, delay")


def test_two_forms_at_once() -> None:
    error = problem({"api://a/x": {"result": 1, "expr": "2"}})
    assert error.message == ("the mock for api://a/x has both 'result' and 'expr'; give "
                             "exactly one of result, expr, error, replies, sequence")


def test_no_form_at_all() -> None:
    assert problem({"api://a/x": {"delay": 5}}).message == (
        "the mock for api://a/x needs one of result, expr, error, replies, sequence")
    assert "must be a mapping" in problem({"api://a/x": 5}).message


@pytest.mark.parametrize(("entry", "message"), [
    ({"expr": "args.a +"}, "the expr of the mock for api://a/x does not compile: G101"),
    ({"expr": "missing + 1"}, "the expr of the mock for api://a/x does not compile: G204"),
    ({"expr": 5}, "the expr of the mock for api://a/x must be GML text"),
    ({"error": {"message": "x"}}, "the error of the mock for api://a/x needs a code"),
    ({"error": {"code": True}}, "the error code of the mock for api://a/x must be text such as "
                                "'0401', not a boolean"),
    ({"error": {"code": ""}}, "the error code of the mock for api://a/x must be text such as "
                              "'0401', not ''"),
    ({"error": "0401"}, "the error of the mock for api://a/x must be a mapping"),
    ({"error": {"code": "1", "mesage": "x"}},
     "unknown key 'mesage' in the error of the mock for api://a/x; did you mean 'message'?"),
    ({"error": {"code": "1", "type": "timout"}},
     "unknown error type 'timout' in the error of the mock for api://a/x; did you mean "
     "'timeout'?"),
    ({"expr": None}, "the expr of the mock for api://a/x must be GML text, not null"),
    ({"error": {"code": "1", "retryable": "yes"}}, "'retryable' in the error of the mock"),
    ({"error": {"code": "1", "message": 5}}, "the error message of the mock for api://a/x"),
    ({"result": 1, "delay": -1}, "the delay of the mock for api://a/x must be a number"),
    ({"result": 1, "delay": "50ms"}, "the delay of the mock for api://a/x must be a number"),
    ({"result": 1, "delay": True}, "the delay of the mock for api://a/x must be a number"),
    ({"sequence": []}, "the sequence of the mock for api://a/x must be a non-empty list"),
    ({"sequence": {"result": 1}}, "the sequence of the mock for api://a/x must be a non-empty"),
    ({"sequence": [{"result": 1}, 2]}, "step 2 of the sequence of the mock for api://a/x "
                                       "must be a mapping"),
    ({"sequence": [{"sequence": [{"result": 1}]}]},
     "step 1 of the sequence of the mock for api://a/x cannot hold another sequence"),
    ({"sequence": [{"resul": 1}]}, "unknown key 'resul' in step 1 of the sequence of the "
                                   "mock for api://a/x; did you mean 'result'?"),
    ({"sequence": [{"result": 1, "error": {"code": "1"}}]},
     "step 1 of the sequence of the mock for api://a/x has both 'result' and 'error'; give "
     "exactly one of result, expr, error, replies"),
    ({"sequence": [{"expr": "nope("}]}, "the expr of the mock for api://a/x does not compile"),
])
def test_bad_entries(entry: dict[str, Any], message: str) -> None:
    assert problem({"api://a/x": entry}).message.startswith(message)


def test_expr_compile_error_says_where_in_the_expr() -> None:
    error = problem({"api://a/x": {"expr": "args.a +\n  foo"}})
    assert "G204" in error.message and "line 2, column 3 of the expr" in error.message


def test_mock_file_error_renders_with_and_without_a_position() -> None:
    assert str(MockFileError("bad", "m.yaml", 3, 5)) == "m.yaml:3:5: bad"
    assert str(MockFileError("bad", "m.yaml")) == "m.yaml: bad"


# ---------------------------------------------------------------------------- files


MOCK_FILE = """\
mocks:
    api://crm-service/customer:
        result: {id: c1, name: Alice}
    db://ec.mysql.order/count:
        expr: COUNT(args.ids)
    api://sms/send:
        error: {code: '0401', message: denied}
    api://dp-service/task_status:
        sequence:
            - result: {status: processing}
            - result: {status: done}
        delay: 50
"""


@pytest.mark.trio
async def test_load_the_example_of_the_spec(tmp_path: Path,
                                            autojump_clock: trio.testing.MockClock) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text(MOCK_FILE, encoding="utf-8")
    mocks = Mocks.load(path)
    assert mocks.source == str(path) and not mocks.passthrough
    assert await call(mocks, "api://crm-service/customer") == {"id": "c1", "name": "Alice"}
    assert await call(mocks, "db://ec.mysql.order/count", ids=["a", "b"]) == 2
    error = await failure(mocks, "api://sms/send")
    assert (error.code, error.message) == ("0401", "denied")
    assert await call(mocks, "api://dp-service/task_status") == {"status": "processing"}
    assert trio.current_time() == 0.05
    assert await call(mocks, "api://dp-service/task_status") == {"status": "done"}
    assert await call(mocks, "api://dp-service/task_status") == {"status": "done"}
    assert trio.current_time() == 0.05 + 0.05 + 0.05
    assert mocks.counts() == {"api://crm-service/customer": 1, "db://ec.mysql.order/count": 1,
                              "api://sms/send": 1, "api://dp-service/task_status": 3}


@pytest.mark.trio
async def test_load_passthrough_with_a_fallback(tmp_path: Path) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text("passthrough: true\nmocks:\n  api://a/x: {result: 1}\n")
    mocks = Mocks.load(path, fallback=Tools({"api://real/y": lambda args: "real"}))
    assert mocks.passthrough
    assert await call(mocks, "api://real/y") == "real"
    assert await call(mocks, "api://a/x") == 1


@pytest.mark.trio
async def test_load_a_direct_mapping_of_uris(tmp_path: Path) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text("api://a/x: {result: 1}\n'db://t/count': {expr: args.n * 2}\n")
    mocks = Mocks.load(path)
    assert await call(mocks, "db://t/count", n=4) == 8


def test_load_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text("")
    assert Mocks.load(path).calls == {}


def test_load_uses_yaml_1_2_scalars(tmp_path: Path) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text("mocks:\n  api://a/x: {result: [yes, on, 1, 1.5, null, true]}\n")
    mocks = Mocks.load(path)
    assert trio.run(call, mocks, "api://a/x") == ["yes", "on", 1, 1.5, None, True]


def file_problem(tmp_path: Path, text: str) -> MockFileError:
    path = tmp_path / "mocks.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MockFileError) as raised:
        Mocks.load(path)
    assert raised.value.path == str(path)
    return raised.value


def test_yaml_syntax_error_has_its_position(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x:\n    result: [1, 2\n  api://b/y: {}\n")
    assert error.message == ("E101: YAML syntax: expected ',' or ']', but got ':' (while "
                             "parsing a flow sequence at line 3); fix the YAML structure")
    assert (error.line, error.column) == (4, 12)
    assert str(error).startswith(f"{tmp_path / 'mocks.yaml'}:4:12: E101: YAML syntax")


def test_a_deeply_nested_mock_file_is_e101_at_its_position(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x:\n    result: " + "[" * 5000 + "\n")
    assert error.message.startswith("E101: the YAML nests deeper than 200 levels")
    assert (error.line, error.column) == (3, 213)


def test_flow_style_uri_keys_are_yaml_1_2(tmp_path: Path) -> None:
    path = tmp_path / "mocks.yaml"
    path.write_text("mocks: {api://crm/customer: {result: 1}}\n", encoding="utf-8")
    assert Mocks.load(path).counts() == {"api://crm/customer": 0}


def test_duplicate_uri_is_a_yaml_error(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x: {result: 1}\n  api://a/x: {result: 2}\n")
    assert "duplicate key" in error.message
    assert error.line == 3


def test_unknown_key_in_a_file_points_at_the_key(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x:\n    result: 1\n  api://b/y:\n"
                                   "    reslt: 2\n")
    assert error.message == ("unknown key 'reslt' in the mock for api://b/y; did you mean "
                             "'result'?")
    assert (error.line, error.column) == (5, 5)


def test_two_forms_in_a_file_point_at_the_second(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x:\n    result: 1\n    expr: '2'\n")
    assert "has both 'result' and 'expr'" in error.message
    assert (error.line, error.column) == (4, 5)


def test_key_with_options_in_a_file(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x?timeout=5: {result: 1}\n")
    assert "has options" in error.message and "'api://a/x'" in error.message
    assert (error.line, error.column) == (2, 3)


def test_bad_expr_in_a_file_points_at_the_expr(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "mocks:\n  api://a/x:\n    sequence:\n"
                                   "      - result: 1\n      - expr: 'args.a +'\n")
    assert "does not compile: G101" in error.message
    assert (error.line, error.column) == (5, 15)


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "- api://a/x\n")
    assert "must be a mapping" in error.message
    assert (error.line, error.column) == (1, 1)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MockFileError) as raised:
        Mocks.load(tmp_path / "absent.yaml")
    assert raised.value.message.startswith("cannot read the mock file")


def test_problems_of_a_direct_file_point_at_their_keys_and_values(tmp_path: Path) -> None:
    error = file_problem(tmp_path, "api://a/x: {result: 1}\npasstrough: true\n")
    assert error.message == ("unknown key 'passtrough' in the mock file; did you mean "
                             "'passthrough'?")
    assert (error.line, error.column) == (2, 1)
    error = file_problem(tmp_path, "mocks:\n  api://a/x: {result: 1, delay: -5}\n")
    assert error.message == ("the delay of the mock for api://a/x must be a number of ms "
                             "(0 or more), not -5")
    assert (error.line, error.column) == (2, 33)
    assert error.keys == ("mocks", "api://a/x", "delay")


def test_the_error_types_of_mocks_are_the_ports() -> None:
    from typing import get_args

    from stdlib.tools import ERROR_TYPES
    from stdlib.tools.mocks import ErrorType

    assert set(get_args(ErrorType)) == ERROR_TYPES
