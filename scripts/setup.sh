#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: system packages, a virtualenv, aigc with its extras.
# Usage: bash scripts/setup.sh [EXTRAS]   (default extras: local)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"

# The queue's tests start their own redis-server; the ledger's tests their own PostgreSQL
# (tests/support/postgres.py: Debian's initdb and pg_ctl under /usr/lib/postgresql/*/bin, not
# on PATH, hence the glob).
packages=()
if ! command -v redis-server >/dev/null 2>&1; then
    packages+=(redis-server)
fi
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
then
    packages+=(postgresql)
fi
# The review console's browser tests drive Debian's Chromium through its chromedriver (no
# browser can be downloaded at test time); only the test extras need them.
if [[ ",${extras}," =~ ,dev, ]] && ! command -v chromedriver >/dev/null 2>&1; then
    packages+=(chromium chromium-driver)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# llama-cpp-python compiles from source (about 5 minutes on 2 cores). Not with its default
# -march=native on x86-64: on CPUs that report AMX (Xeon Sapphire Rapids and later) that build
# of llama.cpp dies in its AMX kernel (a general protection fault at ldtilecfg) on the first
# token, in virtual machines at least. AVX2/FMA/F16C run on every x86-64 CPU since 2013 and are
# what a 135M model needs. A CMAKE_ARGS of your own (e.g. -DGGML_CUDA=on) replaces these.
# pip's wheel cache ignores CMAKE_ARGS, so the wheel is built once per set of flags into a
# cache of our own and installed from there. An installed llama-cpp-python is kept: to rebuild
# (e.g. a .venv made before this), `.venv/bin/pip uninstall -y llama-cpp-python` first.
if [[ ",${extras}," =~ ,(local|dev), ]] && ! .venv/bin/python -c "import llama_cpp" 2>/dev/null
then
    if [ -z "${CMAKE_ARGS:-}" ] && [ "$(uname -m)" = x86_64 ]; then
        CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
        CMAKE_ARGS+=" -DGGML_BMI2=ON"
    fi
    key=$(printf '%s' "${CMAKE_ARGS:-}" | sha256sum | cut -c1-16)
    wheels="${XDG_CACHE_HOME:-$HOME/.cache}/aigc/llama-cpp-wheels/${key}"
    if ! compgen -G "${wheels}/llama_cpp_python-*.whl" >/dev/null; then
        CMAKE_ARGS="${CMAKE_ARGS:-}" .venv/bin/python -m pip wheel --quiet --no-deps \
            --no-cache-dir --wheel-dir "${wheels}" "llama-cpp-python>=0.3.2"
    fi
    .venv/bin/python -m pip install --quiet --no-deps "${wheels}"/llama_cpp_python-*.whl
fi
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
