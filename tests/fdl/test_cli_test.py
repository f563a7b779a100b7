"""`fdl test` (spec/interfaces.md §4): flow test files, each kind of expectation passing and
failing with a useful message, the virtual clock, malformed files and the examples.

Every test runs in its own working folder (``tmp_path``), where it writes its flows and test
files; the command is invoked in-process with click's runner.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fdl.cli import main

ROOT = Path(__file__).resolve().parents[2]

FLOW = """\
flow:
    name: Customer
    args:
        in:
            id: string
    node:
        customer:
            exec: api://crm/customer
            args: id = id
            next: merge
        count:
            exec: db://shop.order/count
            next: merge
        merge:
            with: |
                name = customer.name
                orders = count
"""

PASSING = """\
flow: flow.yaml
cases:
    -   name: merges customer and count
        input: {id: c1}
        mocks:
            api://crm/customer: {expr: "{id: args.id, name: 'Alice'}"}
            db://shop.order/count: {result: 7}
        expect:
            status: completed
            output: {name: Alice, orders: 7}
            calls: {api://crm/customer: 1, db://shop.order/count: 1}
            before: [[customer, merge], [count, merge]]
    -   name: a failing tool fails the run
        input: {id: c1}
        mocks:
            api://crm/customer: {error: {code: '0401', message: denied}}
            db://shop.order/count: {result: 7}
        expect:
            error: {code: '0401', node: customer}
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["test", *args], catch_exceptions=False)


def case(expect: str, *, mocks: str | None = None, extra: str = "") -> str:
    """A test file for FLOW with one case (mocks default to the passing ones)."""
    mocks = mocks or """\
            api://crm/customer: {expr: "{id: args.id, name: 'Alice'}"}
            db://shop.order/count: {result: 7}"""
    return ("flow: flow.yaml\ncases:\n    -   name: the case\n        input: {id: c1}\n"
            f"{extra}        mocks:\n{textwrap.indent(textwrap.dedent(mocks), ' ' * 12)}\n"
            f"        expect:\n{textwrap.indent(textwrap.dedent(expect), ' ' * 12)}\n")


def failing(expect: str, **options: str) -> str:
    """Run a one-case test file that must fail; returns the report."""
    write("flow.yaml", FLOW)
    write("one.test.yaml", case(expect, **options))
    result = invoke()
    assert result.exit_code == 1, result.output
    assert "one.test.yaml F\n" in result.stdout
    assert "____ one.test.yaml::the case (line 3) ____" in result.stdout
    assert "0 passed, 1 failed in " in result.stdout
    return result.stdout


# --- passing -----------------------------------------------------------------------------------


def test_passing_cases_print_dots_and_a_summary() -> None:
    write("flow.yaml", FLOW)
    write("customer.test.yaml", PASSING)
    result = invoke()
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "customer.test.yaml .."
    assert re.fullmatch(r"2 passed in \d+\.\d\ds", lines[-1])


def test_the_spec_example_shape_parses() -> None:
    # interfaces.md §4 writes `calls: {api://crm-service/customer: 1}` in flow style.
    write("flow.yaml", FLOW)
    write("x.test.yaml", case("calls: {api://crm/customer: 1}\n"
                              "before: [[customer, merge], [count, merge]]\n"))
    assert invoke().exit_code == 0


def test_a_wait_of_an_hour_runs_on_the_virtual_clock() -> None:
    write("wait.test.yaml", """\
        source:
            flow:
                name: Wait
                vars: t0 = NOW()
                node:
                    pause:
                        wait: '1h'
                        next: after
                    after:
                        with: "{minutes: NOW().diff(t0, 'm')}"
        cases:
            -   name: an hour passes
                expect:
                    output: {minutes: 60}
        """)
    result = invoke("wait.test.yaml")
    assert result.exit_code == 0, result.stdout


def test_mock_delays_and_retries_run_on_the_virtual_clock() -> None:
    write("flow.yaml", FLOW.replace("api://crm/customer", "api://crm/customer?max-attempts=5"
                                                          "&backoff=60000"))
    write("retry.test.yaml", case(
        "output: {name: Bob, orders: 7}\ncalls: {api://crm/customer: 3}\n",
        mocks="""\
            api://crm/customer:
                delay: 600000
                sequence:
                    - error: {code: '503', message: busy, retryable: true}
                    - error: {code: '503', message: busy, retryable: true}
                    - result: {name: Bob}
            db://shop.order/count: {result: 7}"""))
    assert invoke().exit_code == 0


def test_shared_mocks_are_overridden_by_a_case() -> None:
    write("flow.yaml", FLOW)
    write("shared.test.yaml", """\
        flow: flow.yaml
        mocks:
            api://crm/customer: {result: {name: Alice}}
            db://shop.order/count: {result: 1}
        cases:
            -   name: shared
                input: {id: a}
                expect: {output: {name: Alice, orders: 1}}
            -   name: overridden
                input: {id: a}
                mocks:
                    db://shop.order/count: {result: 2}
                expect: {output: {name: Alice, orders: 2}}
        """)
    result = invoke()
    assert result.exit_code == 0, result.stdout


def test_tenant_and_bu_of_a_case() -> None:
    write("ctx.test.yaml", """\
        source: |
            flow:
                name: Ctx
                node:
                    out:
                        with: "{t: tenantId, b: buCode}"
        cases:
            -   name: with a tenant
                tenant: t1
                bu: b1
                expect: {output: {t: t1, b: b1}}
            -   name: without
                expect: {output: {t: null, b: null}}
        """)
    assert invoke().exit_code == 0


def test_dates_and_decimals_compare_as_json() -> None:
    write("fdl.yaml", "timezone: Asia/Shanghai\n")
    write("dates.test.yaml", """\
        source:
            flow:
                name: Dates
                args:
                    in:
                        day: date
                        amount: decimal
                node:
                    out:
                        with: "{day: day, amount: amount * 2}"
        cases:
            -   name: typed inputs
                input: {day: 2025-01-01, amount: '1.25'}
                expect:
                    output: {day: '2025-01-01T00:00:00.000+08:00', amount: 2.5}
        """)
    result = invoke()
    assert result.exit_code == 0, result.stdout


def test_tools_of_the_project_are_not_used() -> None:
    # passthrough lets unmocked calls through to the project's real tools; a folder without
    # a project has none: F406.
    write("flow.yaml", FLOW)
    write("pass.test.yaml", case("error: {code: F406, node: count}\n",
                                 mocks="api://crm/customer: {result: {name: A}}\n"
                                       "passthrough: true"))
    assert invoke().exit_code == 0


# --- failing expectations -------------------------------------------------------------------


def test_a_status_mismatch_shows_the_error() -> None:
    report = failing("status: completed\n",
                     mocks="api://crm/customer: {error: {code: '0401', message: denied}}\n"
                           "db://shop.order/count: {result: 1}")
    assert "status: expected completed, got failed (0401 at customer: denied)" in report


def test_an_output_mismatch_lists_the_differences() -> None:
    report = failing("output: {name: Bob, orders: '7', extra: [1]}\n")
    assert 'output.name: expected "Bob", got "Alice"' in report
    assert 'output.orders: expected "7", got 7' in report
    assert "output.extra: missing (expected [1])" in report


def test_output_is_exact_booleans_are_not_numbers_and_extra_fields_count() -> None:
    report = failing("output: {name: Alice}\n")
    assert "output.orders: unexpected 7" in report
    report = failing("output: {name: Alice, orders: true}\n",
                     mocks="""\
                         api://crm/customer: {result: {name: Alice}}
                         db://shop.order/count: {result: 1}""")
    assert "output.orders: expected true, got 1" in report


def test_long_values_are_shortened() -> None:
    report = failing("output: {name: Alice, orders: 7}\n",
                     mocks=f"""\
                         api://crm/customer: {{result: {{name: '{"x" * 300}'}}}}
                         db://shop.order/count: {{result: 7}}""")
    line = next(line for line in report.splitlines() if line.startswith("output.name"))
    assert line.endswith("…") and len(line) < 200


def test_an_error_mismatch_is_a_subset_match() -> None:
    report = failing("error: {code: '0402', message: denied, type: auth, node: customer}\n",
                     mocks="api://crm/customer: {error: {code: '0401', message: denied}}\n"
                           "db://shop.order/count: {result: 1}")
    assert 'error.code: expected "0402", got "0401"' in report
    assert 'error.type: expected "auth", got "tool"' in report
    assert "error.message" not in report and "error.node" not in report


def test_error_codes_compare_as_text() -> None:
    write("flow.yaml", FLOW)
    write("code.test.yaml", case("error: {code: 404}\n",
                                 mocks="api://crm/customer: {error: {code: '404'}}\n"
                                       "db://shop.order/count: {result: 1}"))
    assert invoke().exit_code == 0


def test_a_calls_mismatch() -> None:
    report = failing("calls: {api://crm/customer: 2, api://crm/other: 1, "
                     "db://shop.order/count: 1}\n")
    assert "calls api://crm/customer: expected 2 calls, got 1 call" in report
    assert "calls api://crm/other: expected 1 call, got 0 calls" in report
    assert "db://shop.order/count" not in report.split("____")[-1].split("calls")[-1]


def test_a_before_mismatch() -> None:
    report = failing("before: [[merge, customer]]\n")
    assert re.search(r"before \[merge, customer\]: customer started \(event \d+\) before "
                     r"merge completed \(event \d+\)", report)


def test_before_names_a_node_that_never_ran_or_does_not_exist() -> None:
    report = failing("status: failed\nbefore: [[customer, merge]]\n",
                     mocks="api://crm/customer: {error: {code: '1'}}\n"
                           "db://shop.order/count: {result: 1}")
    assert "before [customer, merge]: customer never completed (it was failed)" in report
    report = failing("before: [[custmer, merge]]\n")
    assert "the flow has no node 'custmer'; did you mean 'customer'?" in report


def test_before_matches_nested_paths_by_their_last_segment() -> None:
    write("each.test.yaml", """\
        source:
            flow:
                name: Each
                node:
                    proc:
                        each: "[1, 2, 3] => n"
                        node:
                            user:
                                exec: api://crm/user
                        next: done
                    done:
                        with: 1
        cases:
            -   name: all users before done
                mocks:
                    api://crm/user: {result: 1}
                expect:
                    calls: {api://crm/user: 3}
                    before: [[user, done], [proc, done], ['proc[2]/user', done]]
            -   name: done is not before the users
                mocks:
                    api://crm/user: {result: 1}
                expect:
                    before: [[done, user]]
        """)
    result = invoke()
    assert result.exit_code == 1
    assert "each.test.yaml .F" in result.stdout
    assert "before [done, user]: user started" in result.stdout


def test_a_flow_that_does_not_compile_fails_its_cases() -> None:
    write("flow.yaml", "flow:\n    name: Broken\n    node:\n        a:\n            with: 1 +\n")
    write("x.test.yaml", PASSING)
    result = invoke()
    assert result.exit_code == 1
    assert "x.test.yaml FF" in result.stdout
    assert "____ x.test.yaml (the flow does not compile) ____" in result.stdout
    assert "flow.yaml:5:" in result.stdout and "error[G101]" in result.stdout
    assert "0 passed, 2 failed" in result.stdout


def test_inline_source_errors_point_into_the_test_file() -> None:
    for style in ("mapping", "block"):
        body = ("source:\n    flow:\n        name: Inline\n        node:\n"
                "            a:\n                with: 1 +\n") if style == "mapping" else (
                "source: |\n    flow:\n        name: Inline\n        node:\n"
                "            a:\n                with: 1 +\n")
        write("inline.test.yaml", body + "cases:\n    -   name: x\n")
        result = invoke()
        assert result.exit_code == 1
        assert "inline.test.yaml:6:" in result.stdout, result.stdout
        assert "                with: 1 +" in result.stdout


def test_several_files_and_a_summary_of_both(tmp_path: Path) -> None:
    write("flows/flow.yaml", FLOW)
    write("flows/a.test.yaml", PASSING)
    write("flows/sub/b.test.yaml", PASSING.replace("flow: flow.yaml", "flow: ../flow.yaml")
          .replace("orders: 7}", "orders: 8}"))
    write("flows/.hidden/c.test.yaml", "not: [valid")
    result = invoke("flows")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == ["flows/a.test.yaml ..", "flows/sub/b.test.yaml F."]
    assert "3 passed, 1 failed in " in result.stdout
    assert invoke("flows/a.test.yaml").exit_code == 0


# --- malformed files and nothing to run -------------------------------------------------------


@pytest.mark.parametrize(("text", "where", "message"), [
    ("flow: flow.yaml\ncases: [\n", "bad.test.yaml:3:1", "YAML syntax"),
    ("flow: flow.yaml\nflow: x.yaml\ncases: []\n", "bad.test.yaml:2:1", "duplicate key 'flow'"),
    ("flow: flow.yaml\ncase:\n    - name: x\n", "bad.test.yaml:2:1",
     "unknown key 'case' in the test file; did you mean 'cases'?"),
    ("flow: flow.yaml\ncases:\n    -   name: x\n        inptu: {}\n", "bad.test.yaml:4:9",
     "unknown key 'inptu' in case 1; did you mean 'input'?"),
    ("flow: flow.yaml\ncases:\n    -   expect: {ouput: 1}\n", "bad.test.yaml:3:18",
     "unknown key 'ouput' in expect:; did you mean 'output'?"),
    ("flow: flow.yaml\ncases:\n    -   expect: {status: complete}\n", "bad.test.yaml:3:26",
     "unknown status 'complete' in expect:; did you mean 'completed'?"),
    ("flow: flow.yaml\ncases:\n    -   expect: {calls: {api://a/b: many}}\n",
     "bad.test.yaml:3:37", "must be a number of calls"),
    ("flow: flow.yaml\ncases:\n    -   expect: {before: [[a]]}\n", "bad.test.yaml:3:27",
     "before: must be a list of [a, b] pairs"),
    ("flow: flow.yaml\ncases:\n    -   input: [1]\n", "bad.test.yaml:3:16",
     "input: must be a mapping"),
    ("flow: flow.yaml\ncases:\n    -   mocks:\n            api://a/b: {reslt: 1}\n",
     "bad.test.yaml:4:25", "did you mean 'result'?"),
    ("flow: missing.yaml\ncases:\n    - name: x\n", "bad.test.yaml:1:7",
     "does not exist"),
    ("source: {flow: {name: x}}\nflow: flow.yaml\ncases:\n    - name: x\n", "bad.test.yaml:1:1",
     "exactly one of flow:"),
    ("cases:\n    - name: x\n", "bad.test.yaml:1:1", "exactly one of flow:"),
    ("flow: flow.yaml\ncases: []\n", "bad.test.yaml:2:8", "non-empty list"),
    ("flow: flow.yaml\n", "bad.test.yaml:1:1", "no cases:"),
    ("", "bad.test.yaml:1:1", "the test file is empty"),
    ("- 1\n", "bad.test.yaml:1:1", "the test file must be a mapping, not a list"),
    ("flow: flow.yaml\ncases:\n    - 5\n", "bad.test.yaml:3:7", "case 1 must be a mapping"),
    ("flow: flow.yaml\ncases:\n    -   expect: {calls: {api://a/b: -1}}\n",
     "bad.test.yaml:3:37", "calls: api://a/b must be a number of calls (0 or more), not -1"),
    ("flow: flow.yaml\ncases:\n    -   expect: {before: [[a, b], [c, d, e]]}\n",
     "bad.test.yaml:3:35", "before: must be a list of [a, b] pairs"),
    ("flow: flow.yaml\nmocks:\n    api://a/b: {result: 1, expr: '2'}\ncases:\n    - name: x\n",
     "bad.test.yaml:3:28", "the mock for api://a/b has both 'result' and 'expr'"),
    ("flow: flow.yaml\ncases:\n    -   mocks: {passthrough: maybe}\n", "bad.test.yaml:3:30",
     "'passthrough' must be true or false, not a string"),
])
def test_malformed_files_exit_2_with_a_position(text: str, where: str, message: str) -> None:
    write("flow.yaml", FLOW)
    write("bad.test.yaml", text)
    result = invoke()
    assert result.exit_code == 2, result.stdout
    assert "bad.test.yaml E" in result.stdout
    assert "____ bad.test.yaml (malformed test file) ____" in result.stdout
    detail = next(line for line in result.stdout.splitlines() if line.startswith(where))
    assert message in detail, detail
    assert "0 passed, 1 error in " in result.stdout


def test_a_malformed_file_does_not_stop_the_others() -> None:
    write("flow.yaml", FLOW)
    write("a.test.yaml", PASSING)
    write("b.test.yaml", "flow: flow.yaml\ncases: 3\n")
    result = invoke()
    assert result.exit_code == 2
    assert "2 passed, 1 error in " in result.stdout


def test_no_test_files_is_exit_2(tmp_path: Path) -> None:
    write("flow.yaml", FLOW)
    result = invoke()
    assert result.exit_code == 2
    assert "no test files (*.test.yaml) found in ." in result.stderr
    (tmp_path / "empty").mkdir()
    assert invoke("empty").exit_code == 2
    assert invoke("does-not-exist").exit_code == 2


# --- the examples -------------------------------------------------------------------------------


def test_the_example_flow_tests_pass() -> None:
    result = invoke(str(ROOT / "examples" / "flows"))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[0].endswith("customer_view.test.yaml ...")
    assert "3 passed" in result.stdout
