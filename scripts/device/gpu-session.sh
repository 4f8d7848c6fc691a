#!/usr/bin/env bash
# One GPU-machine session: the CUDA test suite, a `jllm serve` smoke test on the CUDA backend with a random-weight
# Qwen2.5-0.5B-shaped model and the real Qwen3 tokenizer, and the batch-1 decode benchmark. Expects what
# scripts/device/pack.sh and this script's packing put in .carry/. Everything lands in $OUT/session.tgz (the device
# tool brings back few files); the summary is printed last.
# Usage (on the GPU machine, from the repository root): bash .carry/gpu-session.sh
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root=${OUT:-/tmp/jllm-session}
work=/tmp/session
rm -rf "$work" && mkdir -p "$work"/{tests,serve,bench}
export PYTHONUNBUFFERED=1

OUT="$work/tests" bash "$here/cuda-tests.sh" > "$work/tests.log" 2>&1
tests_status=$?

mkdir -p "$work/tokenizers" && tar -xzf "$here/tokenizers.tgz" -C "$work/tokenizers"
python3 "$here/make_random_model.py" qwen2.5-0.5b "$work/qwen-0.5b" "$work/tokenizers/qwen3" > "$work/model.log" 2>&1
OUT="$work/serve" bash "$here/serve-smoke.sh" /tmp/jllm-cuda-tests/jllm "$work/qwen-0.5b" > "$work/serve.log" 2>&1
serve_status=$?

# JLLM_SESSION_BENCH=0 leaves the decode benchmark to bench.sh.
if [[ ${JLLM_SESSION_BENCH:-1} == 1 ]]; then
  OUT="$work/bench" bash "$here/cuda-bench.sh" > "$work/bench.log" 2>&1
fi

tar -czf "$root/session.tgz" -C "$work" --exclude=qwen-0.5b --exclude=tokenizers .
echo "== tests (exit $tests_status)"; sed -n '/== summary/,$p' "$work/tests.log" | head -40
echo "== serve (exit $serve_status)"; tail -25 "$work/serve.log"
[[ -f $work/bench.log ]] && { echo "== bench"; sed -n '/== figures/,$p' "$work/bench.log"; }
exit $(( tests_status != 0 || serve_status != 0 ))
