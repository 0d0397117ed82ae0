#!/usr/bin/env bash
# Set up, then write a news article from examples/news_article.json on the embedded model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh local
.venv/bin/aigc generate news.article --input examples/news_article.json "$@"
