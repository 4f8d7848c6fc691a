#!/usr/bin/env bash
# Batch-1 decode timing on the GPU machine for random-weight models of real shapes: `jllm bench latency` on the CUDA
# backend (CUDA graphs), which reports tokens/s and the fraction of the memory-bandwidth roofline measured in the same
# run. Models are made by make_random_model.py (transformers) once under /tmp. Uses what pack.sh put beside this
# script; writes bench.log under $OUT and prints the figures last. (bench.sh is the whole suite.)
# Usage: bash .carry/cuda-bench.sh [SHAPE ...]   (default: qwen2.5-0.5b llama-3.2-1b)
# JLLM_BENCH_STEPS sets the generated tokens (default 512); JLLM_BENCH_WRAPPER runs the launcher under a profiler, e.g.
#   JLLM_BENCH_WRAPPER="ncu --clock-control none --metrics gpu__time_duration.sum --print-summary per-kernel"
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-cuda-out}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
  mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
shapes=("$@")
[[ ${#shapes[@]} -eq 0 ]] && shapes=(qwen2.5-0.5b llama-3.2-1b)
for shape in "${shapes[@]}"; do
  python3 "$here/make_random_model.py" "$shape" "/tmp/jllm-bench-models/$shape" 2>&1 | tee -a "$out/bench.log"
  echo "== $shape batch-1 decode" | tee -a "$out/bench.log"
  ${JLLM_BENCH_WRAPPER:-} "$work/jllm/bin/jllm" bench latency --model "/tmp/jllm-bench-models/$shape" --backend cuda \
      --batch-size 1 --isl 128 --osl "${JLLM_BENCH_STEPS:-512}" --iterations 1 2>&1 | tee -a "$out/bench.log"
done
echo "== figures"
grep -E '^== |bandwidth|decode tokens/s \(per|roofline|^backend' "$out/bench.log"
