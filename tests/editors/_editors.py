"""What the editor tests share: the snippets of docs/editors.md, a project, the positions to
ask at, the environment an editor runs in, and what every editor must get back.

The snippets are taken from docs/editors.md as they are written there (a fenced block found by
its first line), so the documented text is the tested text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "editors.md"
EXAMPLES = ROOT / "examples"
HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 30_000
"""How long a harness waits for diagnostics and for each answer."""

_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def snippet(language: str, first_line: str) -> str:
    """The fenced ``language`` block of docs/editors.md whose first line is ``first_line``."""
    found = [body for lang, body in _FENCE.findall(DOC.read_text(encoding="utf-8"))
             if lang == language and body.splitlines()[0] == first_line]
    assert len(found) == 1, f"docs/editors.md has {len(found)} {language} blocks '{first_line}'"
    text: str = found[0]
    return text


def fdl_bin() -> Path:
    """The folder of the ``fdl`` program of the environment running the tests."""
    folder = Path(sys.executable).parent
    if not (folder / "fdl").exists():
        pytest.skip(f"no fdl program next to {sys.executable}: install the toolchain "
                    "(pip install -e .) to run the editor tests")
    return folder


def make_project(folder: Path) -> Path:
    """A copy of the examples whose customer_view flow has an empty ``exec:`` (an error to
    report and a place to complete); returns the flow file."""
    shutil.copy(EXAMPLES / "fdl.yaml", folder / "fdl.yaml")
    shutil.copytree(EXAMPLES / "tools", folder / "tools")
    (folder / "flows").mkdir()
    text = (EXAMPLES / "flows" / "customer_view.yaml").read_text(encoding="utf-8")
    assert "exec: db://ec.order/count\n" in text
    flow = folder / "flows" / "customer_view.yaml"
    flow.write_text(text.replace("exec: db://ec.order/count\n", "exec: \n"), encoding="utf-8")
    return flow


def _end_of(lines: list[str], ending: str) -> dict[str, int]:
    line = next(i for i, text in enumerate(lines) if text.endswith(ending))
    return {"line": line, "character": len(lines[line])}


def _inside(lines: list[str], needle: str, delta: int) -> dict[str, int]:
    line = next(i for i, text in enumerate(lines) if needle in text)
    return {"line": line, "character": lines[line].index(needle) + delta}


def requests(flow: Path) -> dict[str, dict[str, Any]]:
    """The requests every editor makes: completion after ``exec: ``, completion after
    ``customer.`` and hover on a tool URI (positions in ASCII text: columns are characters)."""
    lines = flow.read_text(encoding="utf-8").splitlines()
    return {
        "exec": {"method": "textDocument/completion", "position": _end_of(lines, "exec: ")},
        "member": {"method": "textDocument/completion",
                   "position": _inside(lines, "customer.level", len("customer."))},
        "hover": {"method": "textDocument/hover",
                  "position": _inside(lines, "api://crm-service/customer", 2)},
    }


def environment(home: Path) -> dict[str, str]:
    """The editor's environment: ``fdl`` on the PATH, a fresh home and XDG folders."""
    env = dict(os.environ)
    env["PATH"] = f"{fdl_bin()}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(home)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def drive(command: list[str], flow: Path, home: Path) -> dict[str, Any]:
    """Runs an editor harness on ``flow`` and returns what it wrote."""
    out = home / "result.json"
    asked = requests(flow)
    spec = {"file": str(flow), "out": str(out), "timeout": TIMEOUT_MS, "requests": asked}
    env = environment(home)
    env["FDL_EDITOR_TEST"] = json.dumps(spec)
    done = subprocess.run(command, env=env, cwd=flow.parent.parent, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["asked_at"] = {name: request["position"]["line"] for name, request in asked.items()}
    return result


def labels(answer: Any) -> set[str]:
    """The labels of a completion answer: a list of labels, or LSP CompletionList/items."""
    if isinstance(answer, list) and all(isinstance(item, str) for item in answer):
        return set(answer)
    found: set[str] = set()
    parts: list[Any] = answer if isinstance(answer, list) else [answer]
    for part in parts:
        items = part.get("items", []) if isinstance(part, dict) else part
        found |= {item["label"] for item in items}
    return found


def hover_text(answer: Any) -> str:
    """The text of a hover answer: a string, or LSP Hover results."""
    if isinstance(answer, str):
        return answer
    return "\n".join(part["contents"]["value"] for part in answer if part)


def assert_the_server_answers(result: dict[str, Any]) -> None:
    """Diagnostics arrived for the empty ``exec:``; completion lists the project's tools after
    ``exec:`` and the customer's fields after ``customer.``; hover shows the tool."""
    messages = [d["message"] for d in result["diagnostics"]]
    assert any("orderCount.exec takes a tool URI" in m for m in messages), messages
    assert result["asked_at"]["exec"] in {d["line"] for d in result["diagnostics"]}
    found = result["requests"]
    assert {"api://crm-service/customer", "db://ec.order/count"} <= labels(found["exec"])
    assert {"id", "name", "level"} <= labels(found["member"])
    text = hover_text(found["hover"])
    assert "Returns one customer by id." in text
    assert "| `id` | `string` | yes | customer id |" in text

