"""Where the check after an edit goes, in one process: from scratch against `ReuseCache`.

Run from the project root::

    .venv/bin/python -m benchmarks.lsp_check_bench              # 500 nodes, 20 rounds
    .venv/bin/python -m benchmarks.lsp_check_bench --nodes 1000 --json

The language server's check of a document (`compiler.inspect_text` in check-only mode with
a warm `gml.CheckCache`) on the edits of `benchmarks.lsp_bench`: a name broken and mended
near the end of the flow (the text keeps its length) and a character typed into a name in
the middle of the flow and deleted again (the text after it moves). Each round checks the
edited text and then the original one, from scratch and with the document's
`compiler.ReuseCache`, one after the other, so that both see the same load of the machine:
compare the two within one run (the ratio), not figures of runs made at other times. The
CPU time of each check (`time.thread_time`) depends less on the load than the wall time.

Also the split of a check into its phases, from scratch (wall time) and with a
`ReuseCache` (CPU time; the same calls `inspect_text` makes): the YAML tree
(`yamltree.load_yaml`, or `ReuseCache.load`), the flow model (`reader.read_flow`), the
compilation (scopes, GML checks from the cache, flow-wide rules: `FlowCompiler.compile`)
and turning the diagnostics into LSP ones (`lsp.diagnostics.to_lsp_all`).

Figures are medians and 95th percentiles in milliseconds. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import gml
from benchmarks.compile_bench import make_flow
from benchmarks.lsp_bench import _anchor, _reader
from compiler import FlowCompiler, ReuseCache, inspect_text
from compiler.diagnostics import Reporter
from compiler.frontend import gc_paused
from compiler.reader import read_flow
from compiler.yamltree import YamlText, load_yaml
from lsp._positions import LineIndex
from lsp.diagnostics import to_lsp_all

__all__ = ["edits", "main", "run"]


def edits(text: str) -> dict[str, str]:
    """The edited texts of `benchmarks.lsp_bench`: ``edit`` (same length, near the end)
    and ``insert`` (one character more, in the middle)."""
    anchor = _anchor(text)
    read_at = text.index(_reader(text, anchor), anchor) + 1
    middle = _anchor(text[:len(text) // 2])
    name = _reader(text, middle)
    typed_at = text.index(name, middle) + len(name)
    return {"edit": text[:read_at - 1] + "zz" + text[read_at + 1:],
            "insert": text[:typed_at] + "z" + text[typed_at:]}


def _figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median": round(statistics.median(ordered) * 1000, 1),
            "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1)}


def _split(texts: tuple[str, str], cache: gml.CheckCache, rounds: int,
           reuse: ReuseCache | None = None, clock: Callable[[], float] = time.perf_counter
           ) -> dict[str, dict[str, float]]:
    """The phases of checks of the two texts in turn (with ``reuse``: as `inspect_text`
    does with it), timed by ``clock``."""
    phases: dict[str, list[float]] = {"yaml": [], "model": [], "compile": [], "lsp": []}
    env = gml.default_environment()
    kept: list[object] = []
    for i in range(rounds):
        text = texts[i % 2]
        with gc_paused():
            reporter = Reporter("big.yaml", gml.Source(text))
            start = clock()
            root = load_yaml(text, reporter) if reuse is None else reuse.load(text, reporter)
            loaded = clock()
            flow = read_flow(root, YamlText(text), reporter,
                             None if reuse is None else reuse.memo)
            read = clock()
            assert flow is not None
            FlowCompiler(flow, "big.yaml", reporter, env, None, codegen=False,
                         cache=cache).compile()
            compiled = clock()
            to_lsp_all(tuple(reporter.sorted()), LineIndex(text, "utf-16"))
            done = clock()
        kept.append((root, flow))
        del kept[:-2]
        phases["yaml"].append(loaded - start)
        phases["model"].append(read - loaded)
        phases["compile"].append(compiled - read)
        phases["lsp"].append(done - compiled)
    return {name: _figures(times) for name, times in phases.items()}


class _Checker:
    """Checks as the server makes them: one GML cache, one `ReuseCache`, the last two
    analyses kept alive."""

    def __init__(self) -> None:
        self.cache = gml.CheckCache(8192)
        self.reuse = ReuseCache()
        self.kept: list[object] = []
        self.cpu: dict[bool, list[float]] = {False: [], True: []}
        """The CPU time of each check (`time.thread_time`), without and with reuse."""

    def check(self, text: str, with_reuse: bool) -> float:
        start, cpu = time.perf_counter(), time.thread_time()
        self.kept.append(inspect_text(text, "big.yaml", codegen=False, cache=self.cache,
                                      reuse=self.reuse if with_reuse else None))
        seconds = time.perf_counter() - start
        self.cpu[with_reuse].append(time.thread_time() - cpu)
        del self.kept[:-2]
        return seconds


def run(nodes: int = 500, rounds: int = 20) -> dict[str, Any]:
    """Time the checks of the edits of a generated flow of ``nodes`` nodes."""
    text = make_flow(nodes)
    results: dict[str, Any] = {"nodes": nodes, "lines": text.count("\n"),
                               "machine": f"{platform.platform()}, "
                                          f"{platform.python_version()}"}
    for name, edited in edits(text).items():
        checker = _Checker()
        for body in (text, edited, text):  # warm: the GML cache knows both texts
            checker.check(body, True)
        checker.cpu[True].clear()
        scratch: list[float] = []
        reused: list[float] = []
        for _ in range(rounds):
            for body in (edited, text):
                scratch.append(checker.check(body, False))
                reused.append(checker.check(body, True))
        results[name] = {"scratch": _figures(scratch), "reuse": _figures(reused),
                         "scratch_cpu": _figures(checker.cpu[False]),
                         "reuse_cpu": _figures(checker.cpu[True]),
                         "ratio": round(statistics.median(scratch)
                                        / statistics.median(reused), 2),
                         "loaded_alone": checker.reuse.loaded_alone}
        results[f"{name}_split"] = _split((edited, edited), checker.cache,
                                          max(5, rounds // 2))
        reuse = ReuseCache()
        _split((text, edited), checker.cache, 3, reuse)  # warm
        results[f"{name}_split_reuse_cpu"] = _split((edited, text), checker.cache,
                                                    max(6, rounds), reuse, time.thread_time)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    results = run(options.nodes, options.rounds)
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['nodes']} nodes, {results['lines']} lines ({results['machine']})")
    for name in ("edit", "insert"):
        figures = results[name]
        print(f"{name:7} from scratch median {figures['scratch']['median']:6.1f} ms "
              f"p95 {figures['scratch']['p95']:6.1f}   with ReuseCache median "
              f"{figures['reuse']['median']:6.1f} ms p95 {figures['reuse']['p95']:6.1f}   "
              f"ratio {figures['ratio']:.2f}")
        print(f"        CPU time: from scratch median {figures['scratch_cpu']['median']:6.1f} "
              f"ms p95 {figures['scratch_cpu']['p95']:6.1f}   with ReuseCache median "
              f"{figures['reuse_cpu']['median']:6.1f} ms p95 {figures['reuse_cpu']['p95']:6.1f}")
        split = results[f"{name}_split"]
        print("        from scratch: " + ", ".join(
            f"{phase} {split[phase]['median']:.1f} ms" for phase in split))
        split = results[f"{name}_split_reuse_cpu"]
        print("        with ReuseCache, CPU time: " + ", ".join(
            f"{phase} {split[phase]['median']:.1f} ms" for phase in split))


if __name__ == "__main__":
    main()
