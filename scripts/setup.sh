#!/usr/bin/env bash
# One command for a fresh machine: create .venv, install the toolchain, run a real example flow.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
echo "== fdl eval @examples/gml-programs/orders.gml --data-file examples/gml-programs/orders.json --tz Asia/Shanghai"
.venv/bin/fdl eval @examples/gml-programs/orders.gml --data-file examples/gml-programs/orders.json --tz Asia/Shanghai
cd examples
echo "== (cd examples && fdl check flows)"
../.venv/bin/fdl check flows
# The example flow runs on the embedded defaults: runs are journaled in .fdl/runs.db (SQLite);
# the CRM service and the shop database are answered by the mock file.
echo "== (cd examples && fdl run flows/customer_view.yaml --input '{\"customerId\": \"c1\"}' --mock mocks/customer_view.yaml)"
../.venv/bin/fdl run flows/customer_view.yaml --input '{"customerId": "c1"}' \
    --mock mocks/customer_view.yaml
# This one uses the real db:// adapter: the orders go into .fdl/ec.db (SQLite), declared by
# tools/ec_order.yaml and the `databases:` entry of fdl.yaml.
echo "== (cd examples && fdl run flows/order_report.yaml --input-file data/orders.json)"
../.venv/bin/fdl run flows/order_report.yaml --input-file data/orders.json
echo "== (cd examples && fdl runs list --limit 3)"
../.venv/bin/fdl runs list --limit 3
echo "== (cd examples && fdl test flows)"
../.venv/bin/fdl test flows
