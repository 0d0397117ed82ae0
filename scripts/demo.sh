#!/usr/bin/env bash
# Set up, then write news headlines on the embedded model (about a minute on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh local
.venv/bin/aigc generate news.headlines -p topic="A new solar farm opens in Kenya" -p count=3 "$@"
