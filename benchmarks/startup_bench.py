"""Start-up benchmark: how long ``fdl eval '1+1'`` and ``fdl --help`` take, as new processes,
against bare Python importing what they cannot do without.

Run from the project root::

    .venv/bin/python -m benchmarks.startup_bench              # 15 runs of each (about 1 min)
    .venv/bin/python -m benchmarks.startup_bench --quick      # 5 runs of each
    .venv/bin/python -m benchmarks.startup_bench --markdown   # the tables as Markdown
    .venv/bin/python -m benchmarks.startup_bench --json       # machine-readable results

Processes (each started with `subprocess.run`, output discarded; the figure is the best of
the runs, the median beside it; the commands take turns, run by run, so that a slow spell of
the machine weighs on all of them alike):

* baseline A, ``python -c "import lark, pendulum, click"``: the libraries ``fdl eval`` needs;
* ``fdl eval '1+1'``: the console script beside `sys.executable` (or ``python -c "from fdl.cli
  import main; main()"`` without it), with the parser cache warm (a folder of its own,
  ``FDL_CACHE_DIR``, filled by one run beforehand);
* baseline B, ``python -c "import click"``;
* ``fdl --help``;
* ``fdl eval '1+1'`` with an empty cache folder every run (cold: the parsers are built and
  stored), for comparison.

Targets (the start-up issue): ``eval / A`` at most 2x, ``help / B`` at most 1.5x.

In-process, in fresh processes: the time of the first `gml.parse` of a program and of the
first `stdlib.cql.parse` of a condition (after the imports, which are timed apart), with an
empty cache folder (the parser is built and stored) and with a warm one (loaded). Measured,
never asserted: this module is not a test. ``docs/performance.md`` ("Start-up") holds the
figures of a reference run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import lark

__all__ = ["main"]

TARGET_EVAL = 2.0
"""``fdl eval '1+1'`` / ``python -c "import lark, pendulum, click"``, at most."""

TARGET_HELP = 1.5
"""``fdl --help`` / ``python -c "import click"``, at most."""

GML_PROGRAM = "total = orders.filter(o => o.amount > 100).sum('amount')\nok = total > 0"
CQL_CONDITION = "status = 'paid' && total > :min && region IN ('eu', 'us')"

# Run in a fresh process: the imports, then the first parse, timed apart (seconds, as JSON).
_FIRST_PARSE = """
    import json, time
    t0 = time.perf_counter()
    {imports}
    t1 = time.perf_counter()
    {parse}
    t2 = time.perf_counter()
    print(json.dumps([t1 - t0, t2 - t1]))
"""
_IN_PROCESS = {
    "GML": ("import gml; gml.default_environment()", f"gml.parse({GML_PROGRAM!r})"),
    "CQL": ("from stdlib import cql", f"cql.parse({CQL_CONDITION!r})"),
}


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock times of one command or step, in milliseconds."""

    label: str
    command: str
    runs: int
    best_ms: float
    median_ms: float


def _fdl() -> list[str]:
    script = Path(sys.executable).parent / "fdl"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from fdl.cli import main; main()"]


def _commands() -> list[tuple[str, list[str], bool]]:
    """(label, argv, cold cache) of every process timed, in the order they take turns."""
    python, fdl = sys.executable, _fdl()
    return [
        ("A: import lark, pendulum, click", [python, "-c", "import lark, pendulum, click"],
         False),
        ("fdl eval '1+1'", [*fdl, "eval", "1+1"], False),
        ("B: import click", [python, "-c", "import click"], False),
        ("fdl --help", [*fdl, "--help"], False),
        ("fdl eval '1+1' (cold cache)", [*fdl, "eval", "1+1"], True),
    ]


def _shown(argv: Sequence[str]) -> str:
    parts = ["python" if a == sys.executable else
             "fdl" if a.endswith(f"{os.sep}fdl") else a for a in argv]
    return " ".join(p if p.replace("-", "").isalnum() else repr(p) for p in parts)


def _environment(folder: Path) -> dict[str, str]:
    """The processes' environment: the parser cache in ``folder``, and bytecode written as
    usual (an installed package has its ``.pyc`` files; PYTHONDONTWRITEBYTECODE, if set,
    would have every process compile the project's modules again)."""
    env = {**os.environ, "FDL_CACHE_DIR": str(folder)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=True)
    return (time.perf_counter() - start) * 1000


def measure_processes(runs: int, scratch: Path) -> list[Timing]:
    """The processes of `_commands`, ``runs`` times each, taking turns."""
    warm, cold = scratch / "warm", scratch / "cold"
    commands = _commands()
    for _, argv, _ in commands:  # fills the warm cache and writes the .pyc files
        _run(argv, _environment(warm))
    times: dict[str, list[float]] = {label: [] for label, _, _ in commands}
    for _ in range(runs):
        for label, argv, is_cold in commands:
            if is_cold:
                shutil.rmtree(cold, ignore_errors=True)
            times[label].append(_run(argv, _environment(cold if is_cold else warm)))
    return [Timing(label, _shown(argv), runs, min(times[label]), statistics.median(times[label]))
            for label, argv, _ in commands]


def measure_first_parses(runs: int, scratch: Path) -> list[Timing]:
    """Imports and first parse of GML and CQL in fresh processes, cold and warm cache."""
    warm, cold = scratch / "parse-warm", scratch / "parse-cold"
    results: dict[str, list[float]] = {}
    for round_ in range(runs + 1):  # round 0 fills the warm cache and is not kept
        for language, (imports, parse) in _IN_PROCESS.items():
            code = textwrap.dedent(_FIRST_PARSE.format(imports=imports, parse=parse))
            for state, folder in (("cold", cold), ("warm", warm)):
                if state == "cold":
                    shutil.rmtree(cold, ignore_errors=True)
                done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, env=_environment(folder), check=True)
                imported, parsed = json.loads(done.stdout)
                if round_ == 0:
                    continue
                results.setdefault(f"{language} imports ({state} cache)", []).append(
                    imported * 1000)
                results.setdefault(f"{language} first parse ({state} cache)", []).append(
                    parsed * 1000)
    commands = {label: (_IN_PROCESS[label[:3]][0] if "imports" in label
                        else _IN_PROCESS[label[:3]][1]) for label in results}
    return [Timing(label, commands[label], runs, min(values), statistics.median(values))
            for label, values in sorted(results.items(), key=lambda item: (
                item[0][:3], "parse" in item[0], "warm" in item[0]))]


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    return {"platform": platform.platform(), "cpus": str(os.cpu_count()),
            "python": platform.python_version(), "lark": lark.__version__}


def ratios(processes: Sequence[Timing]) -> list[tuple[str, float, float]]:
    """(name, ratio of best runs, target) of ``eval / A`` and ``help / B``."""
    best = {t.label: t.best_ms for t in processes}
    return [
        ("eval / A", best["fdl eval '1+1'"] / best["A: import lark, pendulum, click"],
         TARGET_EVAL),
        ("help / B", best["fdl --help"] / best["B: import click"], TARGET_HELP),
    ]


def _table(rows: Sequence[Timing], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| what | command | runs | best ms | median ms |", "|---|---|---:|---:|---:|"]
        lines += [f"| {t.label} | `{t.command}` | {t.runs} | {t.best_ms:,.1f} | "
                  f"{t.median_ms:,.1f} |" for t in rows]
        return lines
    width = max(len(t.label) for t in rows)
    lines = [f"  {'':<{width}}  {'best ms':>9}  {'median ms':>9}"]
    lines += [f"  {t.label:<{width}}  {t.best_ms:9.1f}  {t.median_ms:9.1f}" for t in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure and print; the exit status is 0 whether or not the targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 runs of each")
    parser.add_argument("--runs", type=int, default=None, help="runs of each (default 15)")
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument("--json", action="store_true", help="the results as JSON")
    options = parser.parse_args(argv)
    runs = options.runs or (5 if options.quick else 15)

    with tempfile.TemporaryDirectory(prefix="fdl-startup-bench-") as folder:
        processes = measure_processes(runs, Path(folder))
        first = measure_first_parses(max(3, runs // 3), Path(folder))
    found = ratios(processes)

    if options.json:
        print(json.dumps({"machine": machine(), "processes": [asdict(t) for t in processes],
                          "first_parse": [asdict(t) for t in first],
                          "ratios": [{"name": n, "ratio": r, "target": t}
                                     for n, r, t in found]}, indent=2))
        return 0
    out = [f"start-up benchmark ({runs} runs of each process; {machine()['cpus']} CPUs, "
           f"Python {machine()['python']}, Lark {machine()['lark']})", ""]
    out += _table(processes, options.markdown)
    out += [""]
    for name, ratio, target in found:
        verdict = "met" if ratio <= target else "NOT MET"
        out.append(f"{'- ' if options.markdown else '  '}{name}: {ratio:.2f}x on best runs "
                   f"(target ≤ {target:g}x): {verdict}")
    out += ["", "first parse in a fresh process (imports timed apart):", ""]
    out += _table(first, options.markdown)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
