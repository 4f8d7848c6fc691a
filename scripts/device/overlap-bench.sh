#!/usr/bin/env bash
# Decode tokens/s with and without the engine's one-step-ahead overlap, side by side in one run on the GPU machine:
# `jllm bench latency --profile` on the CUDA backend for random-weight models of real shapes (make_random_model.py,
# once under /tmp), batch 1 and batch 8, overlap off (--no-overlap) then on. Each run prints tokens/s, the fraction of
# the memory-bandwidth roofline measured in the same process, and where a decode step's time goes (host phases, GPU
# forward and sampling by CUDA events). Uses what pack.sh put beside this script; writes overlap-bench.log
# under $OUT and prints a summary last.
# Usage: bash .carry/overlap-bench.sh [SHAPE ...]   (default: qwen2.5-0.5b llama-3.2-1b)
# JLLM_OVERLAP_MODES: the modes to run, of off, on and default (no flag) (default: "off on");
# JLLM_BATCHES: batch sizes (default: "1 8"); JLLM_BENCH_STEPS: generated tokens (default 512).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-cuda-out}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
  mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
log="$out/overlap-bench.log"
shapes=("$@")
[[ ${#shapes[@]} -eq 0 ]] && shapes=(qwen2.5-0.5b llama-3.2-1b)
for shape in "${shapes[@]}"; do
  python3 "$here/make_random_model.py" "$shape" "/tmp/jllm-bench-models/$shape" 2>&1 | tee -a "$log"
  for batch in ${JLLM_BATCHES:-1 8}; do
    for mode in ${JLLM_OVERLAP_MODES:-off on}; do
      case $mode in
        off) flag=--no-overlap ;;
        on) flag=--overlap ;;
        *) flag= ;;
      esac
      echo "== $shape batch $batch overlap $mode" | tee -a "$log"
      "$work/jllm/bin/jllm" bench latency --model "/tmp/jllm-bench-models/$shape" --backend cuda $flag --profile \
          --batch-size "$batch" --isl 128 --osl "${JLLM_BENCH_STEPS:-512}" --iterations 2 2>&1 | tee -a "$log"
    done
  done
done
echo "== summary"
grep -E '^== |decode tokens/s \(batch|fraction of roofline|wait for previous|GPU forward|GPU sampling|sample enq' "$log"
