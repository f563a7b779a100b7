"""The data, clock and timezone every documented example of a built-in is evaluated with.

docs/gml.md shows each example with its result, and tests/stdlib/test_examples.py evaluates
every one of them, so the reference cannot drift from the implementation.
"""

from __future__ import annotations

from typing import Any

import pendulum

__all__ = ["EXAMPLE_DATA", "EXAMPLE_NOW", "EXAMPLE_TZ"]

EXAMPLE_TZ = "Asia/Shanghai"
EXAMPLE_NOW = pendulum.datetime(2025, 6, 15, 10, 30, 0, tz=EXAMPLE_TZ)
"""The frozen "now" of the examples: Sunday 2025-06-15 10:30:00 +08:00."""

EXAMPLE_DATA: dict[str, Any] = {
    "orders": [
        {"id": "o1", "customer": "c1", "channel": "web", "amount": 120,
         "time": "2025-01-05T10:00:00+08:00",
         "items": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 1}]},
        {"id": "o2", "customer": "c2", "channel": "pos", "amount": 80,
         "time": "2025-02-11T09:30:00+08:00",
         "items": [{"sku": "a", "quantity": 1}]},
        {"id": "o3", "customer": "c1", "channel": "web", "amount": 45.5,
         "time": "2025-03-20T18:15:00+08:00",
         "items": []},
    ],
    "user": {"name": "Alice", "email": "alice@example.com", "tags": ["vip", "new"],
             "address": {"city": "Shanghai", "zip": "200000"}},
    "text": "Hello, World",
    "nums": [3, 1, 4, 1, 5],
}
