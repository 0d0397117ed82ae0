#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: system packages, a virtualenv, aigc with its extras.
# Usage: bash scripts/setup.sh [EXTRAS]   (default extras: local)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"

if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# llama-cpp-python compiles from source the first time (about 5 minutes on 2 cores);
# pip caches the wheel, so later set-ups are quick.
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
