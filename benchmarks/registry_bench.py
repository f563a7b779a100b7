"""Tool registry benchmark: register many generated tools in one batch, then search them.

    python -m benchmarks.registry_bench            # 10,000 tools, 100 searches
    python -m benchmarks.registry_bench --quick    # 1,000 tools, 50 searches
    python -m benchmarks.registry_bench --file     # on a file in a temporary folder

Targets (the registry issue): registering 10,000 tools in one `Registry.register_many` batch
(validation of every spec included: args read and types resolved, adapter config checked)
under 2 s (after a one-time warm-up that builds the type grammar); a search (FTS5,
bm25-ranked, 20 results) under 10 ms, median over the queries.
The tools are generated deterministically: codes ``svc-<n>/<verb><Noun><i>``, names and
descriptions from a small vocabulary, 1–3 tags of 24, 1–6 typed inputs from a pool of 40
argument names, a ``defs`` record type for a third of them.

Times are wall-clock; the process's CPU time is printed beside them, since on a machine
shared with other jobs the wall-clock figures move with the load and the CPU ones much less.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stdlib.registry import Registry, ToolSpec

VERBS = ["get", "list", "create", "update", "delete", "find", "sync", "send", "check", "count"]
NOUNS = ["customer", "order", "invoice", "payment", "product", "shipment", "ticket", "coupon",
         "account", "address", "refund", "review", "stock", "supplier", "campaign", "message"]
WORDS = ["fetch", "returns", "the", "records", "by", "status", "recent", "for", "tenant",
         "paged", "amount", "total", "region", "channel", "daily", "summary", "history",
         "latest", "active", "pending", "archived", "priority", "member", "level"]
TAGS = [f"tag{i}" for i in range(12)] + ["crm", "erp", "billing", "logistics", "marketing",
                                         "support", "finance", "sales", "hr", "ops", "ai",
                                         "legacy"]
ARG_NAMES = ["id", "customerId", "orderId", "status", "from", "to", "page", "size", "region",
             "channel", "amount", "currency", "email", "mobile", "level", "note", "sku",
             "quantity", "price", "reason", "couponCode", "accountNo", "limit", "offset",
             "sort", "keyword", "memberId", "ticketId", "priority", "lang", "country", "city",
             "zip", "phone", "title", "body", "template", "dryRun", "force", "since"]
TYPES = ["string", "string?", "int", "long", "double", "decimal", "date", "bool", "int?",
         "string[]", "map<string>", "date?"]


def generate(count: int, seed: int = 7) -> list[ToolSpec]:
    """``count`` distinct, valid tool specs."""
    rng = random.Random(seed)
    specs = []
    for i in range(count):
        verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
        inputs = {name: rng.choice(TYPES) for name in rng.sample(ARG_NAMES, rng.randint(1, 6))}
        args: dict[str, object] = {"in": inputs}
        descriptions = {f"in.{name}": f"the {name} of the {noun}"
                        for name in list(inputs)[:2]}
        if i % 3 == 0:
            record = noun.capitalize()
            args["defs"] = {record: {"id": "string", "name": "string", "amount": "decimal?",
                                     "time": "date"}}
            args["out"] = f"{record}[]" if verb == "list" else record
        specs.append(ToolSpec(
            type="api", code=f"svc-{i % 97}/{verb}{noun.capitalize()}{i}",
            name=f"{verb.capitalize()} {noun}",
            desp=" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14))) + f" {noun}.",
            version=f"1.{i % 5}.0", tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
            args=args, descriptions=descriptions,
            config={"method": rng.choice(["GET", "POST"])}))
    return specs


def queries(count: int, seed: int = 11) -> list[str]:
    """Search texts: one to three words, some prefixes and argument names."""
    rng = random.Random(seed)
    pool = NOUNS + VERBS + WORDS + ARG_NAMES + TAGS
    found = []
    for _ in range(count):
        words = rng.sample(pool, rng.randint(1, 3))
        if rng.random() < 0.3:
            words[0] = words[0][: max(3, len(words[0]) - 2)]
        found.append(" ".join(words))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tools, 50 queries")
    parser.add_argument("--file", action="store_true", help="a registry file, not memory")
    parser.add_argument("--tools", type=int, default=None)
    options = parser.parse_args(argv)
    count = options.tools or (1_000 if options.quick else 10_000)
    searches = 50 if options.quick else 100

    start = time.perf_counter()
    with Registry() as scratch:  # one-time costs: the type grammar, first-use code paths
        scratch.register_many(generate(50, seed=99))
    warm = time.perf_counter() - start
    start = time.perf_counter()
    specs = generate(count)
    made = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.db" if options.file else ":memory:"
        with Registry(path) as registry:
            start, cpu = time.perf_counter(), time.process_time()
            registry.register_many(specs)
            register_s = time.perf_counter() - start
            register_cpu = time.process_time() - cpu
            again = time.perf_counter()
            registry.register_many(specs)
            unchanged_s = time.perf_counter() - again

            texts = queries(searches)
            timings = []
            cpu_timings = []
            hits = 0
            for text in texts:
                t0, c0 = time.perf_counter(), time.process_time()
                found = registry.search(text, limit=20)
                timings.append((time.perf_counter() - t0) * 1000)
                cpu_timings.append((time.process_time() - c0) * 1000)
                hits += len(found)
            t0 = time.perf_counter()
            listed = registry.list()
            list_s = time.perf_counter() - t0

    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    where = "file" if options.file else "memory"
    print(f"registry benchmark ({where}, {count:,} tools, {searches} queries)")
    print(f"  first use (warm-up)      {warm:8.3f} s")
    print(f"  generate specs           {made:8.3f} s")
    target = 2.0 * count / 10_000
    print(f"  register_many            {register_s:8.3f} s   target < {target:g} s "
          f"({register_s / count * 1e6:.0f} us/tool, validation included; "
          f"cpu {register_cpu:.3f} s)")
    print(f"  register_many unchanged  {unchanged_s:8.3f} s")
    print(f"  search median            {median:8.3f} ms  target < 10 ms "
          f"(p95 {p95:.3f} ms, max {max(timings):.3f} ms, {hits / len(texts):.1f} hits/query; "
          f"cpu median {statistics.median(cpu_timings):.3f} ms)")
    print(f"  list all ({len(listed):,})         {list_s:8.3f} s")
    ok = register_s < target and median < 10.0
    print("  ok" if ok else "  SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
