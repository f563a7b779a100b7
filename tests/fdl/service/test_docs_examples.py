"""The curl examples of docs/service.md, run in order against a real server: each must
succeed, or answer the status its ``# expect: NNN`` line names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ._server import Server

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "service.md"

_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
_EXPECT = re.compile(r"^# expect: (\d{3})\n")
_STATUS = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)

# Every curl call reports its status on stderr, so stdout stays what a reader would see.
_CURL = "curl() { command curl -w '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n"


def examples() -> list[str]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_doc_has_an_example_of_every_route() -> None:
    text = "\n".join(examples())
    for needle in ("/healthz", "/readyz", "/metrics", "/openapi.json", "POST $FDL/v1/tools ",
                   "/v1/tools?q=", "crm/customer:versions", "crm/customer:tags",
                   "crm/customer:call", "/v1/ai-tools", "DELETE $FDL/v1/tools",
                   "PUT $FDL/v1/flows/", "$FDL/v1/flows -H", "POST $FDL/v1/runs ",
                   "/v1/runs/$RUN -H", "/v1/runs?flow=", "/events", ":cancel"):
        assert needle in text, needle


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("jq") is None,
                    reason="the examples need curl and jq")
def test_the_curl_examples_run(server: Server, keys: dict[str, str]) -> None:
    env = {"PATH": "/usr/bin:/bin", "FDL": server.url, "KEY": keys["a"],
           "READER": keys["reader"], "OTHER": keys["b"]}
    for block in examples():
        expect = _EXPECT.match(block)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", _CURL + block], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        statuses = [int(s) for s in _STATUS.findall(done.stderr)]
        where = f"{block}\nstdout: {done.stdout}\nstderr: {done.stderr}"
        assert done.returncode == 0, where
        assert statuses, where
        if expect is not None:
            assert statuses[-1] == int(expect.group(1)), where
            statuses = statuses[:-1]
        assert all(200 <= s < 300 for s in statuses), where
