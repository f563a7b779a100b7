"""Snapshots of ASTs and diagnostics for representative programs (syrupy).

Update deliberately with ``pytest --snapshot-update`` and review the diff.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

import gml
from gml.types import INT, STRING, ArrayType, ObjectType

PROGRAMS = {
    "customer_view": "...customer\norders = orderCount",
    "mapping_block": (
        "preference = customer.preference || 'sms'\n"
        "mobile     = customer.mobile\n"
        "$base      = order.total\n"
        "discount   = $base > 100 ? $base * 0.1 : 0"
    ),
    "chain": "orders\n  .filter(o => o.amount > 100 && o.channel IN ['web', 'app'])\n"
             "  .sort('amount DESC, time ASC')\n  .map((o, i) => {rank: i + 1, id: o.id})",
    "case_and_template": "CASE WHEN score >= 90 THEN `A (${score})` WHEN score >= 60 THEN 'pass'"
                         " ELSE 'fail' END",
    "objects": "{ name = user.name, 'full name': `${user.first} ${user.last}`, [key]: 1, "
               "...extra }",
    "group": "logs.group('app_name').map(item => {app: item.key, n: COUNT(item.val)})",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_ast_snapshot(name: str, snapshot: SnapshotAssertion) -> None:
    assert gml.parse(PROGRAMS[name]) == snapshot


CUSTOMER = ObjectType({"id": STRING, "name": STRING, "age": INT}, name="Customer")
BROKEN = (
    "a = custmer.nmae\n"
    "b = customers.filter(c => c.agee > 1).lenght()\n"
    "c = SUMM(customers, 'age') - 'x'\n"
    "d = customer.name.foo\n"
    "a + 1"
)


def test_diagnostics_snapshot(snapshot: SnapshotAssertion) -> None:
    names = {"customer": CUSTOMER, "customers": ArrayType(CUSTOMER)}
    diagnostics = gml.check(BROKEN, names)
    assert [d.to_dict() | {"suggestion": d.suggestion} for d in diagnostics] == snapshot
