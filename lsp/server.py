"""The FDL language server: pygls 2 on asyncio, over the front end only.

The server keeps one `Analysis` per open document (``analyses``). Opening a document
analyses it and publishes its diagnostics at once; so is a change when no check of the
document is running, and changes that arrive while one runs are coalesced: when it ends,
the latest text is checked once (``debounce``, 0 by default, adds a wait after each change
for clients that want one); closing it clears its diagnostics. Each open document has a
`compiler.ReuseCache`: a check after an edit inside one node re-reads only that node's YAML
and model. Requests (hover, inlay hints, semantic tokens, definition, ...) read the
analysis of the current text: they wait until the check scheduled after the last change
has published its diagnostics (`checked`), so that they never delay them; completion may
answer from the last analysis, since it only needs scopes and structure, and runs on every
keystroke.

Diagnostics after an edit are what an editor waits for, so everything else keeps out of
their way: analyses only check GML (no closures) and reuse the fields checked by earlier
ones (``gml_cache``: an edit re-checks only the fields it changed, or whose names changed
type); the garbage collector stays paused from a change until the document is quiet
(`collector_paused`), and the symbol index is built only then.

Flows call flows (``flow://``): when a document changes, the open documents that call it
are analysed again, so their diagnostics follow the callee's ``args``; once the document is
quiet, so are the project's flow files that call it and are not open (`lsp.workspace`),
whose diagnostics are published too. References and rename of a flow's inputs reach the
``args`` of its callers the same way. When the client watches files for it (`lsp.watching`),
changes on disk outside the editor (a called flow, a ToolSpec, the registry, a closed caller
whose diagnostics were published) are checked again too.

It never imports trio or the runtime: the editor only needs the front half of the
toolchain (style.md §21).
"""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

import gml
from compiler import ReuseCache, inspect_text

from . import actions, hints, hover, navigation, outline, semantic
from ._positions import LineIndex
from ._project import Projects
from ._protocol import FdlProtocol
from .analysis import Analysis, analyze
from .completion import complete, resolve
from .diagnostics import to_lsp_all
from .watching import Change, affected, registration, supports_watching
from .workspace import FlowFiles

__all__ = ["DEBOUNCE_SECONDS", "QUIET_SECONDS", "FdlLanguageServer", "create_server"]

DEBOUNCE_SECONDS = 0.0
"""Seconds to wait after a change before checking (none: changes made while a check runs
are coalesced into the next one instead)."""
QUIET_SECONDS = 0.2
"""How long a document stays unchanged before the work that can wait is done (the
symbol index, closed callers, freeing replaced analyses, the garbage collector)."""
GML_CACHE_SIZE = 8192
"""Checked GML texts kept between analyses (a 1,000-node flow has about 1,600; about 4 KB
each)."""

_FLOW_ROOT = re.compile(r"^flow\s*:", re.MULTILINE)
_WARM_UP = """\
flow:
    name: warm-up
    args:
        defs: {Item: {id: string, qty: int}}
        in:
            items: Item[]
            limit: int = 10
    vars: total = 0
    node:
        pick:
            exec: api://warm/up
            args: ids = items.map(i => i.id)
            with: |
                count = LEN(pick) + limit
                label = `n=${limit}`
            next: check
        check: {when: "pick.count > 0", then: done}
        done: {with: "{total: total, items: items.filter(i => i.qty > 1)}", sets: total = 1}
"""


def _version() -> str:
    try:
        return package_version("fdl-toolchain")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


class FdlLanguageServer(LanguageServer):
    """A `LanguageServer` holding the analysis of every open flow.

    Args:
        debounce: seconds to wait after a change before analysing (and publishing);
            changes that arrive while a check runs are coalesced in any case.
    """

    def __init__(self, *, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__("fdl-lsp", _version(),
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=FdlProtocol)
        self.analyses: dict[str, Analysis] = {}
        self.last_parsed: dict[str, Analysis] = {}
        """The last analysis of each document whose text was YAML (for completion while
        the current text is not)."""
        self.debounce = debounce
        self.gml_cache = gml.CheckCache(GML_CACHE_SIZE)
        self.reuse: dict[str, ReuseCache] = {}
        """Each open document's last check, for the next (`compiler.ReuseCache`)."""
        self.projects = Projects()
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._running: dict[str, asyncio.Future[Analysis]] = {}
        """The check in a worker thread of each document, while it runs."""
        self._collector_holds = 0
        self._collector_was_enabled = True
        self.files = FlowFiles(self._open_analysis, self._open_paths, self.text_of,
                               self._analyse_file, self._tools_now)
        """The project's flow files, open or not (references, rename, callers)."""
        self.closed_published: set[str] = set()
        """Files that are not open whose diagnostics were published (callers of a changed
        flow): checked again when files they depend on change on disk."""

    def start_io(self, *args: Any, **kwargs: Any) -> None:
        """Serve on stdio (`prepare` first)."""
        self.prepare()
        super().start_io(*args, **kwargs)

    def prepare(self) -> None:
        """Load what every check needs, then hide what lives as long as the process from
        the cyclic garbage collector.

        The first check imports the compiler and the standard library and builds the
        grammars' tables: tens of thousands of objects that never become garbage, which
        every full collection would walk again (a full collection interrupts whatever
        runs, a check included). `gc.freeze` moves them out of its sight; objects made
        later are collected as usual.
        """
        inspect_text(_WARM_UP, "warm-up.yaml", codegen=False)
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------------ documents

    def path_of(self, uri: str) -> Path | None:
        """The file of a ``file:`` URI (None for other schemes)."""
        if not uri.startswith("file:"):
            return None
        path = to_fs_path(uri)
        return Path(path) if path else None

    def text_of(self, path: Path) -> str | None:
        """An open document's text, else the file's."""
        uri = self.open_uri(path)
        document = self.workspace.text_documents.get(uri) if uri is not None else None
        if document is not None:
            return str(document.source)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def open_uri(self, path: Path) -> str | None:
        """The URI of the open document of a file (None when it is not open)."""
        resolved = path.resolve()
        uris: list[str] = list(self.workspace.text_documents)
        for uri in uris:
            own = self.path_of(uri)
            if own is not None and own.resolve() == resolved:
                return uri
        return None

    def _open_paths(self) -> list[Path]:
        uris: list[str] = list(self.workspace.text_documents)
        return [p.resolve() for p in map(self.path_of, uris) if p is not None]

    def _open_analysis(self, path: Path) -> Analysis | None:
        """The analysis of an open document's current text, for cross-file features that
        run in a worker thread: the stored one when fresh, else one made and not stored."""
        uri = self.open_uri(path)
        document = self.workspace.text_documents.get(uri) if uri is not None else None
        if uri is None or document is None:
            return None
        text = str(document.source)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == document.version and cached.text == text:
            return cached
        return self._analyse_text(uri, text, document.version)

    def _analyse_file(self, path: Path, text: str) -> Analysis:
        """Analyse a file that is not open (its text on disk)."""
        return self._analyse_text(path.as_uri(), text, None)

    def _tools_now(self, analysis: Analysis) -> object:
        """The tool catalog of an analysis's project as it is now (None without one)."""
        project = analysis.project
        return self.projects.tool_catalog(project) if project is not None else None

    def _encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(encoding.value if isinstance(encoding, types.PositionEncodingKind)
                   else encoding or "utf-16")

    def analyse(self, uri: str) -> Analysis | None:
        """The analysis of the document's current text (made now when stale); None when
        the document is not open."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        text = str(document.source)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == document.version and cached.text == text:
            return cached
        return self._store(self._analyse_text(uri, text, document.version))

    def _analyse_text(self, uri: str, text: str, version: int | None) -> Analysis:
        """Analyse one text (pure of server state but for the project caches: safe to run
        in a worker thread)."""
        path = self.path_of(uri)
        project = catalog = None
        if path is not None:
            project = self.projects.project_of(path)
            catalog = self.projects.catalog(project, self.text_of)
        reuse = None
        if uri in self.workspace.text_documents:
            reuse = self.reuse.get(uri) or self.reuse.setdefault(uri, ReuseCache())
        return analyze(uri, text, version, path=path, project=project, catalog=catalog,
                       encoding=self._encoding(), cache=self.gml_cache, reuse=reuse)

    def _store(self, analysis: Analysis) -> Analysis:
        self.analyses[analysis.uri] = analysis
        if analysis.inspection.root is not None:
            self.last_parsed[analysis.uri] = analysis
        return analysis

    def latest(self, uri: str) -> Analysis | None:
        """The last analysis of a document, fresh or not (analysing when there is none)."""
        return self.analyses.get(uri) or self.analyse(uri)

    def publish(self, analysis: Analysis) -> None:
        """Send the diagnostics of an analysis, with its version. YAML files that are not
        flows (``fdl.yaml``, ToolSpecs, ``*.test.yaml``) get none: editors often attach the
        server to every YAML file."""
        is_flow = _FLOW_ROOT.search(analysis.text) is not None or not analysis.text.strip()
        if analysis.uri.endswith((".test.yaml", ".test.yml")):
            is_flow = False
        diagnostics = to_lsp_all(analysis.diagnostics, analysis.lines) if is_flow else []
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=analysis.uri, version=analysis.version, diagnostics=diagnostics))

    def check_and_publish(self, uri: str) -> None:
        """Analyse a document, publish its diagnostics, then those of the open documents
        that call it."""
        with self.collector_paused():
            self._check_and_publish(uri)

    def _check_and_publish(self, uri: str) -> None:
        analysis = self.analyse(uri)
        if analysis is None:
            return
        self.publish(analysis)
        path = self.path_of(uri)
        if path is None:
            return
        changed = path.resolve()
        for other_uri, other in list(self.analyses.items()):
            if other_uri != uri and other.catalog is not None and changed in other.catalog.used:
                self.analyses.pop(other_uri, None)
                again = self.analyse(other_uri)
                if again is not None:
                    self.publish(again)

    def schedule(self, uri: str, *, delay: float | None = None) -> None:
        """Analyse and publish after the debounce delay (or ``delay`` seconds; none by
        default), replacing a pending one. A check of the document that is still running
        is waited for first: changes made meanwhile are coalesced into one check.

        The garbage collector stays paused from now until the task is done (see
        `collector_paused`): a newer change pauses it again before this task ends, so
        while the user edits, the collector never runs between a change and its
        diagnostics.
        """
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._hold_collector()
        task = asyncio.get_running_loop().create_task(
            self._later(uri, self.debounce if delay is None else delay))
        task.add_done_callback(lambda done: self._task_done(uri, done))
        self._pending[uri] = task

    def _task_done(self, uri: str, task: asyncio.Task[None]) -> None:
        self._release_collector()
        if self._pending.get(uri) is task:  # ended before publishing (closed, failed)
            del self._pending[uri]

    async def checked(self, uri: str, *, limit: float = 5.0) -> None:
        """Wait until the check scheduled after the last change of a document has
        published its diagnostics (at most ``limit`` seconds).

        Requests that need the analysis of the current text (hover, inlay hints, semantic
        tokens, code actions, navigation: editors send some after every change) wait for
        it rather than analyse the same text again on the event loop, beside the check
        and ahead of its diagnostics.
        """
        deadline = asyncio.get_running_loop().time() + limit
        while uri in self._pending and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.005)

    async def _later(self, uri: str, delay: float) -> None:
        # The check runs in a worker thread, so that requests (completion on every
        # keystroke) are answered while a big flow is being checked.
        await asyncio.sleep(delay)  # 0: one turn of the loop, for changes already read
        running = self._running.get(uri)
        if running is not None and not running.done():
            # A check of an older text is still running (a thread cannot be stopped): wait
            # for it rather than share the interpreter with it; it fills the GML cache.
            await asyncio.wait([running])
        if running is not None and self._running.get(uri) is running:
            del self._running[uri]
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return
        text, version = str(document.source), document.version
        replaced: list[Analysis | None] = []
        cached = self.analyses.get(uri)
        if cached is None or cached.version != version or cached.text != text:
            del cached  # not kept alive by this task (see `replaced`)
            work = asyncio.get_running_loop().run_in_executor(
                None, self._analyse_text, uri, text, version)
            self._running[uri] = work
            analysis = await asyncio.shield(work)
            if self._running.get(uri) is work:
                del self._running[uri]
            if self._pending.get(uri) is not asyncio.current_task():
                return  # a newer change is waiting: its check will publish
            replaced += [self.analyses.get(uri), self.last_parsed.get(uri)]
            self._store(analysis)
        self._pending.pop(uri, None)
        self.check_and_publish(uri)
        # Freeing the analyses this one replaced takes 10 ms on a 500-node flow: not before
        # the diagnostics are out, nor when the next check may be starting, but in between.
        await asyncio.sleep(QUIET_SECONDS / 4)
        replaced.clear()
        fresh = self.analyses.get(uri)
        # The symbol index (hover, navigation) is built once the document has been quiet
        # for a while (`QUIET_SECONDS`): an index of a text that is edited again at once
        # would only delay the next check. A request that needs it first builds it. The
        # collector resumes after it (when this task ends), in that quiet time.
        await asyncio.sleep(QUIET_SECONDS * 3 / 4)
        if fresh is not None and uri not in self._pending and self.analyses.get(uri) is fresh:
            await asyncio.to_thread(lambda: fresh.symbols)
            if uri not in self._pending and self.analyses.get(uri) is fresh:
                await self.publish_closed_callers(fresh)

    async def publish_closed_callers(self, analysis: Analysis) -> None:
        """Check the flow files that call a document and are not open, in a thread, and
        publish their diagnostics (a caller that is open was checked with the document)."""
        code = analysis.flow_code
        if code is None or analysis.path is None:
            return
        changed = analysis.path.resolve()

        def closed_callers() -> list[Analysis]:
            return [caller for caller in self.files.callers(analysis, code, closed_only=True)
                    if caller.catalog is not None and changed in caller.catalog.used]

        for caller in await asyncio.to_thread(closed_callers):
            if self.open_uri(caller.path or Path(caller.uri)) is None:
                self.publish(caller)
                self.closed_published.add(caller.uri)

    async def files_changed(self, changes: list[Change]) -> None:
        """Files changed on disk (`lsp.watching`): check the open documents that depend on
        them again, and the files that are not open whose diagnostics were published.
        Changes of open documents' files are left out: the editor's text is what counts
        (their edits were followed as they were typed)."""
        changes = [c for c in changes if self.open_uri(c.path) is None]
        if not changes:
            return
        for uri, analysis in list(self.analyses.items()):
            if uri in self.workspace.text_documents and affected(analysis, changes):
                self.analyses.pop(uri, None)
                self.schedule(uri)

        def closed_again() -> list[tuple[str, Analysis | None]]:
            found: list[tuple[str, Analysis | None]] = []
            for uri in list(self.closed_published):
                path = self.path_of(uri)
                if path is None or self.open_uri(path) is not None:
                    continue
                kept = self.files.file(path)
                if kept is not None and affected(kept, changes):
                    self.files.forget(path)
                    found.append((uri, self.files.file(path)))
                else:
                    found.append((uri, kept))
            return found

        for uri, again in await asyncio.to_thread(closed_again):
            if uri not in self.closed_published or uri in self.workspace.text_documents:
                continue  # opened meanwhile: the editor's text decides
            if again is None:  # deleted
                self.closed_published.discard(uri)
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=[]))
            else:
                self.publish(again)

    @contextmanager
    def collector_paused(self) -> Iterator[None]:
        """Keep the cyclic garbage collector off while a document is checked *and its
        diagnostics are sent*.

        A check allocates tens of thousands of objects with the collector paused
        (`compiler.inspect_text`); the first collection after it walks all of them (20–40 ms on a
        500-node flow), and a full one everything the server holds. Holding the pause
        until the diagnostics are out (and, after an edit, until the document has been
        quiet for `QUIET_SECONDS`: `schedule`) moves those walks into the quiet time
        after them. Without reference cycles in an analysis (`FlowCompiler.settle`), the
        analyses an edit replaces are freed at once all the same. Holds nest (several
        documents, overlapping edits) and are taken on the event loop's thread only.
        """
        self._hold_collector()
        try:
            yield
        finally:
            self._release_collector()

    def _hold_collector(self) -> None:
        if self._collector_holds == 0:
            self._collector_was_enabled = gc.isenabled()
            gc.disable()
        self._collector_holds += 1

    def _release_collector(self) -> None:
        self._collector_holds -= 1
        if self._collector_holds == 0 and self._collector_was_enabled:
            gc.enable()

    def forget(self, uri: str) -> None:
        """A document was closed: drop its analysis and clear its diagnostics."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.analyses.pop(uri, None)
        self.last_parsed.pop(uri, None)
        self.reuse.pop(uri, None)
        self._running.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[]))


# ---------------------------------------------------------------------- features


async def _on_open(ls: FdlLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    # Checked at once, in a worker thread as after an edit: opening a big document (a
    # 1.7 MB flow takes seconds) does not hold up the requests of other documents.
    ls.closed_published.discard(params.text_document.uri)
    ls.schedule(params.text_document.uri, delay=0)


async def _on_initialized(ls: FdlLanguageServer, _params: types.InitializedParams) -> None:
    if supports_watching(ls.client_capabilities):
        try:
            await ls.client_register_capability_async(registration())
        except Exception as error:  # the client refused: work without watching
            ls.window_log_message(types.LogMessageParams(
                type=types.MessageType.Warning,
                message=f"fdl lsp: files changed outside the editor will not be noticed "
                        f"({error})"))


async def _on_watched_files(ls: FdlLanguageServer,
                            params: types.DidChangeWatchedFilesParams) -> None:
    changes = [Change(path, event.type) for event in params.changes
               if (path := ls.path_of(event.uri)) is not None]
    if changes:
        await ls.files_changed(changes)


async def _on_change(ls: FdlLanguageServer, params: types.DidChangeTextDocumentParams
                     ) -> None:
    ls.schedule(params.text_document.uri)


def _on_close(ls: FdlLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


def _with_analysis(handler: Callable[[Analysis, Any], Any]
                   ) -> Callable[[FdlLanguageServer, Any], Awaitable[Any]]:
    """Wrap a pure feature function ``(analysis, params) -> result`` as a handler that
    answers from the analysis of the current text, once its diagnostics are out
    (`FdlLanguageServer.checked`)."""

    async def run(ls: FdlLanguageServer, params: Any) -> Any:
        uri = params.text_document.uri
        await ls.checked(uri)
        analysis = ls.analyse(uri)
        if analysis is None:
            return None
        return handler(analysis, params)

    run.__name__ = handler.__name__
    return run


def _in_thread(handler: Callable[[Analysis, Any], Any]
               ) -> Callable[[FdlLanguageServer, Any], Awaitable[Any]]:
    """Like `_with_analysis`, for features that may read other files (references, rename,
    definition): the analysis of the document is made on the event loop, the feature runs
    in a worker thread, so completion and diagnostics are not held up meanwhile."""

    async def run(ls: FdlLanguageServer, params: Any) -> Any:
        await ls.checked(params.text_document.uri)
        analysis = ls.analyse(params.text_document.uri)
        if analysis is None:
            return None
        return await asyncio.to_thread(handler, analysis, params)

    run.__name__ = handler.__name__
    return run


def _offset(analysis: Analysis, params: Any) -> int:
    return analysis.lines.offset(params.position)


def _complete(ls: FdlLanguageServer, params: types.CompletionParams
              ) -> types.CompletionList | None:
    uri = params.text_document.uri
    document = ls.workspace.text_documents.get(uri)
    analysis = ls.analyses.get(uri)
    if analysis is None or analysis.inspection.root is None:
        analysis = ls.last_parsed.get(uri) or ls.analyse(uri)
    if document is None or analysis is None:
        return None
    text = document.source
    offset = LineIndex(text, analysis.lines.encoding).offset(params.position)
    return complete(analysis, text, offset)


def _resolve(ls: FdlLanguageServer, item: types.CompletionItem) -> types.CompletionItem:
    data = item.data if isinstance(item.data, dict) else {}
    document = data.get("document")
    return resolve(item, ls.latest(document) if isinstance(document, str) else None)


def _renamer(files: FlowFiles) -> Callable[[Analysis, types.RenameParams],
                                            types.WorkspaceEdit | None]:
    def rename_at(analysis: Analysis, params: types.RenameParams
                  ) -> types.WorkspaceEdit | None:
        try:
            return navigation.rename(analysis, _offset(analysis, params), params.new_name, files)
        except ValueError as error:
            raise JsonRpcInvalidParams(str(error)) from None

    return rename_at


def create_server(*, debounce: float = DEBOUNCE_SECONDS) -> FdlLanguageServer:
    """A server with every feature registered."""
    server = FdlLanguageServer(debounce=debounce)
    feature = server.feature
    feature(types.TEXT_DOCUMENT_DID_OPEN)(_on_open)
    feature(types.TEXT_DOCUMENT_DID_CHANGE)(_on_change)
    feature(types.TEXT_DOCUMENT_DID_CLOSE)(_on_close)
    feature(types.INITIALIZED)(_on_initialized)
    feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(_on_watched_files)
    feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(_with_analysis(
        lambda a, _p: outline.document_symbols(a)))
    feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(_with_analysis(
        lambda a, _p: outline.folding_ranges(a)))
    feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(
        trigger_characters=[".", "$", " ", ","], resolve_provider=True))(_complete)
    feature(types.COMPLETION_ITEM_RESOLVE)(_resolve)
    feature(types.TEXT_DOCUMENT_HOVER)(_with_analysis(
        lambda a, p: hover.hover(a, _offset(a, p))))
    feature(types.TEXT_DOCUMENT_DEFINITION)(_in_thread(
        lambda a, p: navigation.definition(a, _offset(a, p), server.files)))
    feature(types.TEXT_DOCUMENT_REFERENCES)(_in_thread(
        lambda a, p: navigation.references(a, _offset(a, p),
                                           p.context.include_declaration, server.files)))
    feature(types.TEXT_DOCUMENT_PREPARE_RENAME)(_with_analysis(
        lambda a, p: navigation.prepare_rename(a, _offset(a, p))))
    feature(types.TEXT_DOCUMENT_RENAME)(_in_thread(_renamer(server.files)))
    feature(types.TEXT_DOCUMENT_INLAY_HINT)(_with_analysis(
        lambda a, p: hints.inlay_hints(a, a.lines.offset(p.range.start),
                                       a.lines.offset(p.range.end))))
    feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))(_with_analysis(
        lambda a, p: actions.quick_fixes(a, a.lines.offset(p.range.start),
                                         a.lines.offset(p.range.end))))
    feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, semantic.LEGEND)(_with_analysis(
        lambda a, _p: semantic.semantic_tokens(a)))
    return server
