#!/usr/bin/env bash
# Wheels of what aigc's engine needs and the lent GPU machine's image lacks, into .whl/ (ignored
# by git), for benchmarks/gpu_round.sh: nothing can be fetched on that machine, and its image
# has torch, transformers, Jinja2 and pluggy but not pydantic (/work/.library/device/KINDS.md).
# The versions are this checkout's venv's, so that the round runs the code the tests ran.
#
#   bash scripts/gpu_wheels.sh               # for the device's Python 3.12
#   PY_VERSION=3.11 bash scripts/gpu_wheels.sh   # a rehearsal on this machine's Python
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
py_version=${PY_VERSION:-3.12}
packages=(pydantic pydantic-core pydantic-settings python-dotenv annotated-types
          typing-inspection xgrammar)
pinned=()
for name in "${packages[@]}"; do
    version=$("$python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)
    pinned+=("$name${version:+==$version}")
done
mkdir -p .whl
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
"$python" -m pip download --quiet --no-deps --only-binary=:all: --dest .whl \
    --python-version "$py_version" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 "${pinned[@]}"
du -sh .whl && ls .whl
