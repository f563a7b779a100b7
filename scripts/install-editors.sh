#!/usr/bin/env bash
# Install the editors that tests/editors drives headless (Debian/Ubuntu, as root or with sudo):
# Neovim (Debian 12: 0.7.2), Emacs without X (28.2) with eglot and yaml-mode. The tests skip an
# editor that is not installed; Helix is not packaged in Debian 12 (its test then skips too).
# Not run by scripts/test.sh: the install takes a minute or more (Neovim alone about 80 s).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q neovim
if [ "${1:-}" != "--no-emacs" ]; then
    $SUDO apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot elpa-yaml-mode
fi
nvim --version | head -n1
if command -v emacs >/dev/null; then emacs --version | head -n1; fi
