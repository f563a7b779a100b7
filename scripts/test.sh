#!/usr/bin/env bash
# The whole test suite, from a fresh clone: its own virtual environment, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
bash scripts/services.sh || true
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
