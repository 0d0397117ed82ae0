#!/usr/bin/env bash
# The API reference for plugin authors, built from the docstrings with pdoc (the dev extra):
#   bash scripts/api-docs.sh [FOLDER]       # default docs/api/; then open FOLDER/index.html
# Not committed (see docs/plugins.md, "API reference"); tests/docs/test_api_reference.py builds
# it and checks the pages.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/api}"
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
# What a plugin author uses, module by module (aigc_core lists what it re-exports only).
modules=(
    aigc_core aigc_core.generator aigc_core.hookspecs aigc_core.context aigc_core.problems
    aigc_core.checks aigc_core.schemas aigc_core.testing aigc_core.language aigc_core.lexicon
    aigc_core.numbers aigc_core.relevance
    aigc_core.labelling
    aigc_core.backends.base
    aigc_core.options aigc_core.jobs aigc_core.errors aigc_core.engine
)
# A page of a module no longer listed must not outlive it: start from an empty folder, but
# remove only what an earlier run wrote.
if [ -f "$out/index.html" ]; then rm -f "$out"/*.html "$out"/search.js; rm -rf "$out/aigc_core"; fi
"$python" -m pdoc --docformat restructuredtext --footer-text "aigc $("$python" -c \
    'from aigc_core.plugins import aigc_version; print(aigc_version())')" \
    -o "$out" "${modules[@]}"
echo "API reference: $out/index.html"
