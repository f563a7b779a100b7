#!/usr/bin/env bash
# A longer run of the hostile-input suite (tests/fdl/test_input_fuzz.py): every path the
# command line reads (--input, --input-file, --set, mock files, fdl.yaml, test files) with
# many generated texts, and the YAML loader's own fuzz test. Usage:
#     scripts/fuzz_inputs.sh [EXAMPLES]      (default 2000 per test)
set -euo pipefail
cd "$(dirname "$0")/.."
export FDL_FUZZ_EXAMPLES="${1:-2000}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/fdl/test_input_fuzz.py tests/compiler/test_yaml_limits.py
