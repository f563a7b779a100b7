"""W210 and W211 (spec/fdl.md §5) around branches and switches: nodes on different arms of one
branch or switch never run in the same pass, so they race neither way; every other pair of
nodes that no forward path orders still does."""

from __future__ import annotations

from .conftest import codes, compile_text

# --------------------------------------------------------------------- W211: writers on arms


def test_w211_if_else_greetings_set_one_variable() -> None:
    """The spec's own style: each arm of an if/else sets the greeting, a merge reads it."""
    assert codes("""\
        flow:
            name: Greeting
            args:
                in:
                    name: string
                    gender: string?
            vars: greeting = ''
            node:
                judge:
                    when: gender == 'male'
                    then: greet_male
                    else: greet_other
                greet_male:
                    with: 1
                    sets: greeting = 'Dear Mr. ' + name
                    next: merge
                greet_other:
                    with: 2
                    sets: greeting = 'Dear ' + name
                    next: merge
                merge:
                    with: greeting
    """) == []


def test_w211_switch_with_three_cases_setting_one_variable() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    level: int
            vars: label = ''
            node:
                judge:
                    case:
                        -   when: level == 1
                            then: low
                        -   when: level == 2
                            then: mid
                        -   when: level == 3
                            then: high
                    else: other
                low: {with: 1, sets: label = 'low'}
                mid: {with: 2, sets: label = 'mid'}
                high: {with: 3, sets: label = 'high'}
                other: {with: 4, sets: label = 'other'}
    """) == []


def test_w211_arms_reach_further_nodes_along_each_arm() -> None:
    """Guards pass down a chain of next edges: the arms' successors are exclusive too."""
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                br:
                    when: ok
                    then: a1
                    else: b1
                a1: {with: 1, next: a2}
                a2: {with: 2, sets: v = 1}
                b1: {with: 3, next: b2}
                b2: {with: 4, sets: v = 2}
    """) == []


def test_w211_nested_branches() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    a: bool
                    b: bool
            vars: v = 0
            node:
                outer:
                    when: a
                    then: inner
                    else: r
                inner:
                    when: b
                    then: p
                    else: q
                p: {with: 1, sets: v = 1}
                q: {with: 2, sets: v = 2}
                r: {with: 3, sets: v = 3}
    """) == []


def test_w211_a_sibling_on_the_same_arm_still_races_with_a_nested_arm() -> None:
    """``s`` runs beside ``inner`` on the outer ``then`` arm: it races with ``p`` (and would
    with ``q``), not with ``r`` on the outer ``else`` arm."""
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    a: bool
                    b: bool
            vars: v = 0
            node:
                outer:
                    when: a
                    then: inner, s
                    else: r
                inner:
                    when: b
                    then: p
                    else: q
                p: {with: 1, sets: v = 1}
                q: {with: 2, sets: v = 2}
                r: {with: 3, sets: v = 3}
                s: {with: 4, sets: v = 4}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("W211", 20, 28, 29)
    assert "'p'" in d.message and "'s'" in d.message


def test_w211_an_arm_node_also_reachable_outside_the_branch_still_races() -> None:
    """``x`` is on the ``then`` arm but a start node outside the branch leads to it as well:
    a join runs when one incoming edge was taken, so it may run while ``y`` does."""
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                outside:
                    with: 0
                    next: x
                br:
                    when: ok
                    then: x
                    else: y
                x: {with: 1, sets: v = 1}
                y: {with: 2, sets: v = 2}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("W211", 16, 28, 29)
    assert "'x'" in d.message


def test_w211_a_target_named_by_both_arms_is_on_neither() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                br:
                    when: ok
                    then: both, y
                    else: both
                both: {with: 1, sets: v = 1}
                y: {with: 2, sets: v = 2}
    """)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("W211", 13, 28)]


def test_w211_a_jump_target_on_an_arm_is_not_exclusive() -> None:
    """``back`` (``else`` arm) jumps to ``x`` (``then`` arm): ``x`` then runs in the pass that
    took ``else``, beside ``z``."""
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                br:
                    when: ok
                    then: x
                    else: back, z
                x: {with: 1, sets: v = 1}
                back: {with: 2, only: v == 0, next: x}
                z: {with: 3, sets: v = 3}
    """)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("W211", 14, 28)]
    assert "'x'" in result.diagnostics[0].message


def test_w211_a_writer_after_the_merge_is_ordered_after_both_arms() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                br:
                    when: ok
                    then: a
                    else: b
                a: {with: 1, sets: v = 1, next: merge}
                b: {with: 2, next: merge}
                merge: {with: 3, sets: v = v + 1}
    """) == []


def test_w211_a_writer_after_the_merge_still_races_with_an_unordered_node() -> None:
    """The merge node is no longer on an arm; a parallel node outside the branch races."""
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            vars: v = 0
            node:
                br:
                    when: ok
                    then: a
                    else: b
                a: {with: 1, sets: v = 1, next: merge}
                b: {with: 2, sets: v = 2, next: merge}
                merge: {with: 3, sets: v = v + 1}
                other: {with: 4, sets: v = 4}
    """)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("W211", 15, 32)]
    assert "'a'" in result.diagnostics[0].message


def test_w211_sub_flows_on_different_arms() -> None:
    """Writers inside each/loop nodes are compared through those nodes: on different arms."""
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
                    ids: int[]
            vars: total = 0
            node:
                br:
                    when: ok
                    then: first
                    else: second
                first:
                    each: ids => id
                    node:
                        one: {with: id, sets: total = total + id}
                second:
                    each: ids => id
                    node:
                        two: {with: id, sets: total = total - id}
    """) == []


# --------------------------------------------------------------------- W210: reads across arms


def test_w210_not_reported_for_a_read_of_the_other_arm() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            node:
                br:
                    when: ok
                    then: a
                    else: b
                a: {with: 1}
                b: {with: a}
    """) == []


def test_w210_still_reported_when_the_read_node_is_also_reachable_outside() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            node:
                outside: {with: 0, next: a}
                br:
                    when: ok
                    then: a
                    else: b
                a: {with: 1}
                b: {with: a}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("W210", 13, 19, 20)


def test_w210_a_read_after_the_merge_is_ordered() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ok: bool
            node:
                br:
                    when: ok
                    then: a
                    else: b
                a: {with: 1, next: merge}
                b: {with: 2, next: merge}
                merge: {with: a}
    """) == []
