"""Language server benchmark: latency of completion, hover and diagnostics on a big flow.

Run from the project root::

    .venv/bin/python -m benchmarks.lsp_bench              # 500 nodes, 25 requests of each kind
    .venv/bin/python -m benchmarks.lsp_bench --nodes 1000 --repeat 10
    .venv/bin/python -m benchmarks.lsp_bench --json

A real client (pygls' `LanguageClient`) starts ``fdl lsp`` as a subprocess and talks to it
over stdio, as an editor does; every figure is the time from sending a request (or the
change notification) to receiving its answer, so it includes JSON-RPC and the pipe. The flow
is the compiler benchmark's generated flow (`benchmarks.compile_bench.make_flow`: fan-outs,
branches, switches, each and loop blocks, realistic GML), checked against no tool catalog.

Measured:

* ``completion``: after ``customer.``-style member access (the receiver is a node output),
  in a ``with`` program near the end of the flow, *right after the edit that typed the dot*
  (the server answers from its last analysis; it never waits for the check);
* ``completion (names)``: names in scope at the start of a statement;
* ``hover``: on a node id read inside GML (node summary with the inferred type) and on a
  GML expression (its inferred type), on an analysed document;
* ``diagnostics after an edit``: an edit that breaks a name in a GML field near the end of
  the flow (and the next one that mends it, alternately; both keep the text's length),
  until the diagnostics of that version arrive; the next edit is sent as soon as they do,
  as when someone keeps typing (at least 15 edits). The server runs with its defaults (no
  debounce wait: a change is checked at once, changes made during a check are coalesced);
* ``diagnostics after an insert``: the same with an edit in the middle of the flow that
  types one character into a name read in GML and deletes it again (the text after the
  edit moves by one character);
* ``diagnostics with requests``: the first edit case, with a semantic tokens and an inlay
  hints request sent right after each change (as VS Code does), until the diagnostics
  arrive; ``answers with requests``: until the diagnostics and both answers have arrived;
* ``open``: opening the document until its first diagnostics (a cold check).

Figures are medians (and 90th percentiles) in milliseconds. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.compile_bench import make_flow

__all__ = ["main", "run"]

DEBOUNCE = 0.0
"""The server's default wait after an edit (seconds)."""


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


class _Bench:
    def __init__(self, client: LanguageClient, uri: str) -> None:
        self.client = client
        self.uri = uri
        self.version = 1
        self.published: dict[int | None, asyncio.Event] = {}
        self.diagnostics: dict[int | None, int] = {}

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.version] = len(params.diagnostics)
            self.published.setdefault(params.version, asyncio.Event()).set()

    async def wait_published(self, version: int) -> int:
        await self.published.setdefault(version, asyncio.Event()).wait()
        return self.diagnostics[version]

    def change(self, text: str) -> int:
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri,
                                                                version=self.version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.version


async def _timed(runs: int, step: Callable[[int], Awaitable[object]]) -> list[float]:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        await step(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median": round(statistics.median(ordered), 1),
            "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
            "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
            "max": round(ordered[-1], 1), "runs": len(ordered)}


async def run(nodes: int = 500, repeat: int = 25) -> dict[str, Any]:
    """Start a server, open a generated flow of ``nodes`` nodes and time the requests."""
    text = make_flow(nodes)
    folder = Path(tempfile.mkdtemp(prefix="lsp_bench_"))
    path = folder / "big.yaml"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client = LanguageClient("lsp-bench", "1")
    bench = _Bench(client, uri)
    await client.start_io(sys.executable, "-c", "from fdl.cli import main; main()", "lsp",
                          "--debounce", str(DEBOUNCE))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    results: dict[str, Any] = {"nodes": nodes, "lines": text.count("\n"),
                               "kib": round(len(text.encode()) / 1024)}
    try:
        start = time.perf_counter()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1,
                                                 text=text)))
        problems = await bench.wait_published(1)
        results["open"] = round((time.perf_counter() - start) * 1000, 1)
        results["diagnostics_in_flow"] = problems

        # A `with` program near the end that reads a node output: `x = node.field`.
        anchor = _anchor(text)
        line_end = text.index("\n", anchor)
        doc = types.TextDocumentIdentifier(uri=uri)

        async def complete_member(i: int) -> object:
            typed = text[:line_end] + f" + {_reader(text, anchor)}." + text[line_end:]
            offset = line_end + len(f" + {_reader(text, anchor)}.")
            bench.change(typed if i % 2 == 0 else typed + "\n")
            result = await client.text_document_completion_async(types.CompletionParams(
                text_document=doc, position=_position(typed, offset)))
            assert result is not None
            return result

        results["completion"] = _summary(await _timed(repeat, complete_member))
        version = bench.change(text)
        await bench.wait_published(version)

        async def complete_names(_i: int) -> object:
            offset = text.index("with: ", anchor) + len("with: ")
            return await client.text_document_completion_async(types.CompletionParams(
                text_document=doc, position=_position(text, offset)))

        results["completion_names"] = _summary(await _timed(repeat, complete_names))
        reader = _reader(text, anchor)
        read_at = text.index(reader, anchor) + 1

        async def hover_node(_i: int) -> object:
            return await client.text_document_hover_async(types.HoverParams(
                text_document=doc, position=_position(text, read_at)))

        results["hover"] = _summary(await _timed(repeat, hover_node))
        broken = text[:read_at - 1] + "zz" + text[read_at + 1:]

        async def edit(i: int) -> object:
            version = bench.change(broken if i % 2 == 0 else text)
            return await bench.wait_published(version)

        waits = await _timed(max(15, repeat // 2), edit)
        results["diagnostics_after_edit"] = _summary(waits)
        middle = _anchor(text[:len(text) // 2])
        name = _reader(text, middle)
        typed_at = text.index(name, middle) + len(name)
        typed = text[:typed_at] + "z" + text[typed_at:]

        async def insert(i: int) -> object:
            version = bench.change(typed if i % 2 == 0 else text)
            return await bench.wait_published(version)

        results["diagnostics_after_insert"] = _summary(
            await _timed(max(15, repeat // 2), insert))
        whole = types.Range(start=types.Position(line=0, character=0),
                            end=_position(text, len(text)))

        until_published: list[float] = []

        async def edit_with_requests(i: int) -> object:
            # As VS Code does: semantic tokens and inlay hints asked right after the change.
            start = time.perf_counter()
            version = bench.change(broken if i % 2 == 0 else text)
            tokens = asyncio.ensure_future(client.text_document_semantic_tokens_full_async(
                types.SemanticTokensParams(text_document=doc)))
            hints = asyncio.ensure_future(client.text_document_inlay_hint_async(
                types.InlayHintParams(text_document=doc, range=whole)))
            problems = await bench.wait_published(version)
            until_published.append((time.perf_counter() - start) * 1000)
            await asyncio.gather(tokens, hints)
            return problems

        results["answers_with_requests"] = _summary(
            await _timed(max(15, repeat // 2), edit_with_requests))
        results["diagnostics_with_requests"] = _summary(until_published)
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()  # type: ignore[no-untyped-call]
    results["machine"] = f"{platform.platform()}, {platform.python_version()}"
    return results


def _anchor(text: str) -> int:
    """The start of the last one-line ``with:`` that reads a field of a node output."""
    import re

    found = list(re.finditer(r"^ +with: [^|\n]*?\b[A-Za-z_][A-Za-z0-9_]*\.[a-z]", text,
                             re.MULTILINE))
    if not found:  # pragma: no cover - the generated flows always have one
        raise RuntimeError("no one-line with reading a node output")
    return found[-1].start()


def _reader(text: str, anchor: int) -> str:
    """A node id the ``with`` line at ``anchor`` reads (the first name before a dot)."""
    import re

    line = text[anchor: text.index("\n", anchor)]
    match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\.", line.split("with:", 1)[1])
    if match is None:  # pragma: no cover - the generated flows always read an output
        raise RuntimeError("no node read on the anchor line")
    return match.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    results = asyncio.run(run(options.nodes, options.repeat))
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['nodes']} nodes, {results['lines']} lines, {results['kib']} KiB "
          f"({results['machine']})")
    print(f"open (first diagnostics): {results['open']} ms")
    for key in ("completion", "completion_names", "hover", "diagnostics_after_edit",
                "diagnostics_after_insert", "diagnostics_with_requests",
                "answers_with_requests"):
        figures = results[key]
        print(f"{key:24} median {figures['median']:7.1f} ms   p90 {figures['p90']:7.1f} ms   "
              f"p95 {figures['p95']:7.1f} ms   max {figures['max']:7.1f} ms   "
              f"({figures['runs']} runs)")


if __name__ == "__main__":
    main()
