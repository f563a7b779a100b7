"""The per-user cache of LALR tables (grammar/_cache.py): a file per grammar, options, Lark
and Python version, written once and loaded after; atomic writes; bad files rebuilt; a
folder that cannot be written changes nothing but speed. Every test points the cache at its
own ``tmp_path`` (the session as a whole uses a temporary folder, see tests/conftest.py)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import lark
import pytest
from lark import Lark
from lark.exceptions import LexError

import gml
import grammar
from gml import _parser
from gml import nodes as n
from gml._lalr import Driver
from gml._lexer import SeparatorFilter
from grammar import CACHE_DIR_ENV, _cache, cache_dir, cache_key, load_parser, read_grammar
from stdlib.cql import _parser as cql_parser

ROOT = Path(__file__).parents[2]

# The options of the GML parser's fast path (gml/_parser.py), objects included.
GML: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False}


def gml_options() -> dict[str, Any]:
    return {**GML, "postlex": SeparatorFilter(max_depth=150), "transformer": _parser._ToAst()}


class Builds:
    """Counts the parsers built from a grammar (loads do not call ``Lark.__init__``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        outer = self

        class CountingLark(Lark):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                outer.count += 1
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(_cache, "Lark", CountingLark)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Builds:
    return Builds(monkeypatch)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------- first use, then reuse


def test_the_first_load_builds_and_stores_the_tables(cache: Path, builds: Builds) -> None:
    parser = load_parser("gml.lark", **gml_options())
    assert builds.count == 1
    (name,) = files(cache)
    assert name.startswith("gml-") and name.endswith(".lark-cache")
    assert isinstance(parser.parse("a + 1"), n.Program)


def test_later_loads_read_the_file_and_build_nothing(cache: Path, builds: Builds) -> None:
    built = load_parser("gml.lark", **gml_options())
    stored = files(cache)
    loaded = load_parser("gml.lark", **gml_options())
    assert builds.count == 1
    assert files(cache) == stored
    # The loaded parser has the transformer and post-lexer it was given: same ASTs, spans,
    # separators and depth bound as the parser that was built.
    for text in ["a + 1", "x = f(a, b => b.c)\ny = `t${x}`", "{a: 1\n b: [1, 2]}",
                 "CASE WHEN a THEN 1 ELSE 2 END", "a.m(x => x)?.b ?? 'none'"]:
        assert loaded.parse(text) == built.parse(text)
    assert isinstance(loaded.options.postlex, SeparatorFilter)
    assert loaded.options.postlex.max_depth == 150


def test_the_lalr_driver_runs_on_loaded_tables(cache: Path, builds: Builds) -> None:
    load_parser("gml.lark", **gml_options())
    loaded = load_parser("gml.lark", **gml_options())
    assert builds.count == 1
    driver = Driver(loaded)
    program = driver.parse("a + b * 2")
    assert program == gml.parse("a + b * 2")
    assert program.statements[0].span == gml.parse("a + b * 2").statements[0].span


def test_cql_and_types_are_cached_too(cache: Path, builds: Builds) -> None:
    options: dict[str, Any] = {"parser": "lalr", "lexer": "basic",
                               "postlex": cql_parser._Keywords(), "propagate_positions": True,
                               "maybe_placeholders": True, "strict": True}
    built = load_parser("cql.lark", **options)
    loaded = load_parser("cql.lark", **options)
    load_parser("types.lark", parser="lalr")
    load_parser("types.lark", parser="lalr")
    assert builds.count == 2
    assert [name.split("-")[0] for name in files(cache)] == ["cql", "types"]
    text = "a = 1 and b in (:x, 2)"
    assert loaded.parse(text) == built.parse(text)
    assert loaded.parse(text).meta.end_pos == len(text)  # positions still propagated


def test_a_parser_that_is_not_lalr_is_built_and_not_stored(cache: Path,
                                                           builds: Builds) -> None:
    load_parser("types.lark", parser="earley")
    load_parser("types.lark", parser="earley")
    assert (builds.count, files(cache)) == (2, [])


# ---------------------------------------------------------------- the key


def test_the_key_changes_with_the_grammar_the_options_lark_and_python(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = read_grammar("gml.lark")
    key = cache_key(text, **gml_options())
    assert cache_key(text, **gml_options()) == key  # stable
    assert cache_key(text, **{**gml_options(), "transformer": None}) == key  # objects are not
    assert cache_key(text + "\n// a comment\n", **gml_options()) != key
    assert cache_key(text, **{**gml_options(), "maybe_placeholders": True}) != key
    assert cache_key(text, **{**gml_options(), "postlex": None}) != key  # always_accept

    monkeypatch.setattr(lark, "__version__", "1.3.99")
    assert cache_key(text, **gml_options()) != key
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version_info", (3, 99, 0, "final", 0))
    assert cache_key(text, **gml_options()) != key


def test_a_changed_grammar_or_lark_gets_a_file_of_its_own(
        cache: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch) -> None:
    load_parser("types.lark", parser="lalr")
    monkeypatch.setattr(lark, "__version__", "1.3.99")
    load_parser("types.lark", parser="lalr")
    monkeypatch.setattr(grammar, "read_grammar", lambda name: read_grammar(name) + "\n")
    load_parser("types.lark", parser="lalr")
    assert builds.count == 3
    assert len(files(cache)) == 3  # the other versions' files are left alone


def test_an_option_that_is_an_object_cannot_be_keyed() -> None:
    with pytest.raises(TypeError, match="lexer_callbacks"):
        cache_key("start: A\nA: \"a\"", parser="lalr", lexer_callbacks={"A": print})


# ---------------------------------------------------------------- bad files, bad folders


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "header only",
                                    "another key", "wrong pickle"])
def test_a_bad_cache_file_is_rebuilt_and_replaced(cache: Path, builds: Builds,
                                                   damage: str) -> None:
    load_parser("gml.lark", **gml_options())
    (path,) = cache.iterdir()
    good = path.read_bytes()
    header, body = good.split(b"\n", 1)
    path.write_bytes({
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "garbage": b"\x00\xff not a pickle \n" * 100,
        "header only": header + b"\n",
        "another key": header[:-4] + b"0000\n" + body,
        "wrong pickle": header + b"\n" + pickle.dumps({"data": 1, "memo": 2}),
    }[damage])
    parser = load_parser("gml.lark", **gml_options())
    assert isinstance(parser.parse("a + 1"), n.Program)
    assert builds.count == 2
    assert path.read_bytes().split(b"\n", 1)[0] == header  # replaced by a good file
    load_parser("gml.lark", **gml_options())
    assert builds.count == 2


def test_a_folder_that_cannot_be_created_still_parses(tmp_path: Path, builds: Builds,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    for _ in range(2):
        parser = load_parser("gml.lark", **gml_options())
        assert isinstance(parser.parse("a + 1"), n.Program)
    assert builds.count == 2  # built in memory every time
    assert blocker.read_text() == "not a folder"


def test_a_read_only_folder_still_parses(cache: Path, builds: Builds,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir()
    cache.chmod(0o500)
    if os.geteuid() == 0:  # root writes into read-only folders: refuse as the kernel would
        def refuse(*args: Any, **kwargs: Any) -> tuple[int, str]:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(_cache.tempfile, "mkstemp", refuse)
    try:
        parser = load_parser("gml.lark", **gml_options())
        assert isinstance(parser.parse("a + 1"), n.Program)
        assert files(cache) == []
    finally:
        cache.chmod(0o700)


def test_a_failed_write_leaves_no_temporary_file(cache: Path, builds: Builds,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cache.os, "replace", fail)
    parser = load_parser("gml.lark", **gml_options())
    assert isinstance(parser.parse("a + 1"), n.Program)
    assert files(cache) == []


def test_no_home_means_no_cache(monkeypatch: pytest.MonkeyPatch, builds: Builds) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(_cache.Path, "home", no_home)
    assert cache_dir() is None
    assert isinstance(load_parser("types.lark", parser="lalr"), Lark)
    assert builds.count == 1


# ---------------------------------------------------------------- where the folder is


def test_the_default_folder_follows_xdg_cache_home(tmp_path: Path, builds: Builds,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "fdl-toolchain"
    load_parser("types.lark", parser="lalr")
    load_parser("types.lark", parser="lalr")
    assert builds.count == 1
    assert [name.split("-")[0] for name in files(tmp_path / "fdl-toolchain")] == ["types"]


def test_without_xdg_cache_home_the_folder_is_under_the_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for xdg in ("", "relative/path"):  # unset, or relative (the XDG spec says: ignore it)
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert cache_dir() == tmp_path / ".cache" / "fdl-toolchain"


def test_fdl_cache_dir_names_the_folder_itself(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_the_test_session_uses_a_temporary_cache() -> None:
    folder = cache_dir()
    assert folder is not None
    assert os.environ[CACHE_DIR_ENV] == str(folder)
    assert not folder.is_relative_to(Path.home() / ".cache")


# ---------------------------------------------------------------- other processes


def run_python(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, CACHE_DIR_ENV: str(cache)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT, check=False)


PARSE_BOTH = """
    import gml
    from stdlib import cql
    assert gml.evaluate("a + 1", {"a": 1}) == 2
    assert cql.to_text(cql.parse("a = 1 and b IS NULL")) == "a = 1 && b IS NULL"
"""


def test_processes_started_together_share_one_good_file(cache: Path) -> None:
    env = {**os.environ, CACHE_DIR_ENV: str(cache)}
    code = textwrap.dedent(PARSE_BOTH)
    processes = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    names = files(cache)
    assert all(name.endswith(".lark-cache") for name in names), names  # no temporaries left
    assert {name.split("-")[0] for name in names} >= {"cql", "gml"}
    result = run_python(PARSE_BOTH + """
    from gml import _parser
    from stdlib.cql import _parser as cql_parser
    assert not hasattr(_parser._lark(), "grammar")  # loaded: a built parser keeps its grammar
    assert not hasattr(cql_parser._lark(), "grammar")
""", cache)
    assert result.returncode == 0, result.stderr


BLOCK_INTEREGULAR = """
    import sys
    sys.modules["interegular"] = None  # import interegular raises ImportError
"""


def test_without_interegular_the_parsers_are_built_and_loaded(cache: Path) -> None:
    for _ in range(2):  # cold, then warm
        result = run_python(BLOCK_INTEREGULAR + PARSE_BOTH + """
    import lark.lexer
    assert not lark.lexer.has_interegular
""", cache)
        assert result.returncode == 0, result.stderr
    assert {name.split("-")[0] for name in files(cache)} >= {"cql", "gml"}


def test_loading_strict_tables_does_not_need_interegular(
        cache: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch) -> None:
    options: dict[str, Any] = {"parser": "lalr", "lexer": "basic",
                               "postlex": cql_parser._Keywords(), "strict": True}
    load_parser("cql.lark", **options)  # built strict, with interegular
    monkeypatch.setattr(lark.lexer, "has_interegular", False)
    with pytest.raises(LexError, match="interegular"):  # building strict would need it now
        Lark(read_grammar("cql.lark"), **options)
    assert load_parser("cql.lark", **options).parse("a = 1") is not None  # loading does not
    assert builds.count == 1
