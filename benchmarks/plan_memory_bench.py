"""Plan memory benchmark: bytes a compiled plan holds per node (issue #18).

Run from the project root::

    .venv/bin/python -m benchmarks.plan_memory_bench              # 2,000 nodes per flow
    .venv/bin/python -m benchmarks.plan_memory_bench --nodes 500 --top 15

Each flow is compiled once (``fdl.check_text``) under `tracemalloc`; what is still allocated
after the compiler's own data has gone (the parser's cache of ASTs is cleared, the check
result dropped, a full collection run) is what the plan holds. Parse tables and other
one-off caches are built by a warm-up compile before measuring. Flows:

* ``wide``: N tool nodes with no fields (``exec`` only), all start nodes;
* ``chain``: the same linked by ``next``;
* ``rich``: a chain of tool nodes with three GML fields each (``args``, ``only``, ``with``),
  closer to a real flow.

``--top`` lists the allocation sites holding the most. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc

import fdl
from benchmarks.runtime_bench import chain_flow, wide_flow
from gml._parser import clear_cache


def rich_flow(n: int) -> str:
    lines = ["flow:", "    name: rich", "    args:", "        in:", "            id: int",
             "            flag: bool", "    node:"]
    for i in range(n):
        lines += [f"        n{i}:", "            exec: api://bench/work",
                  f"            args: id = id + {i}", "            only: flag",
                  f"            with: \"{{value = n{i}.ok, index = {i}}}\""]
        if i + 1 < n:
            lines.append(f"            next: n{i + 1}")
    return "\n".join(lines) + "\n"


def held(text: str, top: int) -> tuple[int, list[str]]:
    """Bytes held by the plan of ``text``, and the ``top`` allocation sites."""
    clear_cache()
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    plan = fdl.check_text(text).plan
    if plan is None:
        raise RuntimeError("benchmark flow did not compile")
    clear_cache()  # the parser's cache of ASTs belongs to the process, not to the plan
    gc.collect()
    size, _peak = tracemalloc.get_traced_memory()
    sites = [str(stat) for stat in tracemalloc.take_snapshot().compare_to(before, "lineno")
             [:top]]
    tracemalloc.stop()
    del plan
    return size, sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--top", type=int, default=0)
    options = parser.parse_args()
    n = options.nodes
    fdl.check_text(rich_flow(3))  # parse tables, environments: built once per process
    print("| flow | nodes | bytes/node held by the plan | flow text bytes/node |")
    print("|---|---:|---:|---:|")
    for name, text in (("wide", wide_flow(n)), ("chain", chain_flow(n)),
                       ("rich", rich_flow(n))):
        size, sites = held(text, options.top)
        print(f"| {name} | {n:,} | {size / n:,.0f} | {len(text) / n:.0f} |")
        for site in sites:
            print(f"|  | {site} | | |")


if __name__ == "__main__":
    main()
