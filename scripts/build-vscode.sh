#!/usr/bin/env bash
# Build the VS Code extension in editors/vscode: install its npm packages (npm ci, skipped while
# node_modules matches package-lock.json), compile the TypeScript, run the grammar tokenization
# tests and the unit tests, and package editors/vscode/fdl.vsix with @vscode/vsce.
# Needs node 20+ and npm. Install the result with: code --install-extension editors/vscode/fdl.vsix
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"
if ! command -v npm >/dev/null 2>&1; then
    echo "build-vscode: npm is not installed (node 20+ and npm are needed)" >&2
    exit 2
fi
# npm ci deletes and reinstalls node_modules; it is needed only when the lock file changed since.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
npm run --silent copy-schema
npm run --silent compile
npm run --silent test:grammar
npm run --silent test:unit
npm run --silent package
echo "build-vscode: $(pwd)/fdl.vsix"
