#!/usr/bin/env bash
# One command for a fresh machine: create .venv, install the toolchain, run a real example.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
echo "== fdl eval @examples/gml/orders.gml --data-file examples/gml/orders.json --tz Asia/Shanghai"
.venv/bin/fdl eval @examples/gml/orders.gml --data-file examples/gml/orders.json --tz Asia/Shanghai
echo "== (cd examples && fdl check flows && fdl compile flows/customer_view.yaml)"
(cd examples && ../.venv/bin/fdl check flows && ../.venv/bin/fdl compile flows/customer_view.yaml)
