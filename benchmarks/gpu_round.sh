#!/usr/bin/env bash
# Issue 17's GPU round, in one command on a lent GPU machine, within about 9 minutes: the
# machine and its versions, then benchmarks/microbatch.py at batch sizes 1, 8, 32 and 64: jobs
# micro-batched through the engine against raw batched `generate` on the same model (tokens/s,
# job latency, peak GPU memory), and the same jobs with a JSON schema decoded under xgrammar's
# grammar (the cost of constrained decoding per token). Each step has its own time limit; the
# log and the JSON go to OUT. docs/backends/transformers.md, "The GPU round", says how to run it,
# what it leaves out and why.
#
#   bash scripts/gpu_wheels.sh                        # here, first: .whl/ for the device
#   bash benchmarks/gpu_round.sh "$OUT"               # there (device tool: carry [".whl"])
#   PY_VERSION=3.11 bash scripts/gpu_wheels.sh && PYTHON=/tmp/gv/bin/python SHAPE=tiny \
#       DEVICE=cpu NEW_TOKENS=16 bash benchmarks/gpu_round.sh /tmp/round   # a CPU rehearsal
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: benchmarks/gpu_round.sh OUT}
python=${PYTHON:-python3}
shape=${SHAPE:-qwen2.5-0.5b}  # random weights of that model's shape: no download anywhere
device=${DEVICE:-cuda}
new_tokens=${NEW_TOKENS:-128}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
step() { echo; echo "== $1 ($(date -u +%H:%M:%S) UTC)"; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null \
    || echo "no nvidia-smi"
"$python" - <<'PY'
import platform, sys
import torch, transformers
print("python", sys.version.split()[0], platform.machine())
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(0))
print("transformers", transformers.__version__)
PY

step "aigc's dependencies from .whl/"
if compgen -G ".whl/*.whl" > /dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/aigc-site .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/aigc-site${PYTHONPATH:+:$PYTHONPATH}"
else
    echo "none: the interpreter must have pydantic and pydantic-settings already"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
"$python" -c "import aigc_core, xgrammar; print('aigc_core and xgrammar import')" || exit 1

step "micro-batching and constrained decoding: $shape on $device, $new_tokens new tokens"
timeout 420 "$python" benchmarks/microbatch.py --shape "$shape" --device "$device" \
    --batches 1,8,32,64 --new-tokens "$new_tokens" --rounds 3 --structured \
    --out "$out/microbatch.json"
echo "exit status $?"
step "done"
