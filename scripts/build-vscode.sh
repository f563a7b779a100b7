#!/usr/bin/env bash
# Build the VS Code extension in editors/vscode: install its npm packages (npm ci, skipped while
# node_modules matches package-lock.json), type-check and compile the TypeScript, run the grammar
# tokenization tests (against TextMate's YAML grammar and against VS Code's own), bundle the
# extension with esbuild (dist/extension.js, vscode-languageclient included), run the unit tests,
# and package editors/vscode/fdl.vsix with @vscode/vsce.
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
# VS Code's YAML grammars (the ones the injection meets in the editor), from the npm package
# that republishes VS Code's built-in YAML extension; pinned, and checked against its hash.
VSCODE_YAML="@codingame/monaco-vscode-yaml-default-extension@36.2.7"
VSCODE_YAML_SHA512="MYqRg7E2Q2G2XveUjpROTwwKP0AsA0d7G+UPbso3tpd9wPl/jhA8SdDnd5wYOFKH8xS9nvmk3WF5HJ4BkelgpQ=="
cache=node_modules/.cache/vscode-yaml
if [ ! -f "$cache/resources/yaml.tmLanguage.json" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    tarball="$cache/$(cd "$cache" && npm pack --silent "$VSCODE_YAML" | tail -n1)"
    sha=$(node -e "process.stdout.write(require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$tarball")
    if [ "$sha" != "$VSCODE_YAML_SHA512" ]; then
        echo "build-vscode: $VSCODE_YAML does not have the expected sha512" >&2
        exit 1
    fi
    tar -xzf "$tarball" -C "$cache" --strip-components=1
fi
npm run --silent copy-schema
npm run --silent compile
npm run --silent test:grammar
npm run --silent test:grammar:vscode
npm run --silent bundle
npm run --silent test:unit
npm run --silent package
echo "build-vscode: $(pwd)/fdl.vsix"
