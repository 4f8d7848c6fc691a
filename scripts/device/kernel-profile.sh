#!/usr/bin/env bash
# Where a CUDA run's GPU time goes, per kernel: runs `jllm bench latency` on a random-weight model of a real shape
# under Nsight Compute (one metric, gpu__time_duration, clocks left alone as METHOD.md asks), skipping the warm-up
# launches, and sums the kernels' durations by name (kernel_profile.py). Kernels inside CUDA graphs are profiled node
# by node. ncu serializes the kernels, so the sum is the GPU's busy time without overlap, not the step's wall time;
# the unprofiled `jllm bench latency` line printed first gives that.
# Usage (on the GPU machine, beside pack.sh's tarball): bash .carry/DIR/kernel-profile.sh SHAPE BATCH ISL OSL [SKIP] [COUNT]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shape=$1 batch=$2 isl=$3 osl=$4 skip=${5:-1000} count=${6:-600}
out=${OUT:-/tmp/jllm-profile}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
if [[ ! -x "$work/jllm/bin/jllm" ]]; then
  mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
jllm="$work/jllm/bin/jllm"
model=/tmp/jllm-bench-models/$shape
[[ -f $model/config.json ]] || python3 "$here/make_random_model.py" "$shape" "$model" > /dev/null
name="${shape}_b${batch}_${isl}_${osl}"
"$jllm" bench latency --model "$model" --backend cuda --batch-size "$batch" --isl "$isl" --osl "$osl" \
    --iterations 1 2>&1 | grep -E 'decode|prefill|roofline|^jllm' | tee "$out/$name.latency.txt"
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
"$ncu" --clock-control none --target-processes all --metrics gpu__time_duration.sum --csv \
    --launch-skip "$skip" --launch-count "$count" \
    "$jllm" bench latency --model "$model" --backend cuda --batch-size "$batch" --isl "$isl" --osl "$osl" \
    --iterations 1 > "$out/$name.ncu.csv" 2> "$out/$name.ncu.log"
python3 "$here/kernel_profile.py" "$out/$name.ncu.csv" | tee "$out/$name.kernels.txt"
