#!/usr/bin/env bash
# Batch-1 decode timing on the GPU machine for random-weight models of real shapes (ai.jllm.cuda.DecodeBenchmark),
# each as tokens/s and as a fraction of the copy-bandwidth roofline measured in the same run. Uses the tarball that
# pack.sh made next to this script; writes bench.log under $OUT and prints the figures last.
# Usage: bash .carry/cuda-bench.sh [SHAPE[:BATCH] ...]   (default: qwen2.5-0.5b llama-3.2-1b; BATCH sequences decode
# side by side, default 1)
# JLLM_BENCH_STEPS sets the decode steps (default 512); JLLM_BENCH_GEMV=1 first times the decode GEMV kernel alone per
# shape and launch configuration (ai.jllm.cuda.GemvBenchmark); JLLM_BENCH_WRAPPER runs java under a profiler, e.g.
#   JLLM_BENCH_WRAPPER="ncu --clock-control none --metrics gpu__time_duration.sum --print-summary per-kernel"
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-cuda-out}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
  mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
java="$work/jllm/runtime/bin/java"
classpath="$work/test-classes:$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone | tr '\n' ':')"
shapes=("$@")
[[ ${#shapes[@]} -eq 0 ]] && shapes=(qwen2.5-0.5b llama-3.2-1b)
if [[ ${JLLM_BENCH_GEMV:-0} == 1 ]]; then
  "$java" --enable-native-access=ALL-UNNAMED -cp "$classpath" ai.jllm.cuda.GemvBenchmark 2>&1 | tee -a "$out/bench.log"
fi
for spec in "${shapes[@]}"; do
  shape=${spec%%:*}
  batch=1
  [[ $spec == *:* ]] && batch=${spec##*:}
  ${JLLM_BENCH_WRAPPER:-} "$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g \
      -cp "$classpath" ai.jllm.cuda.DecodeBenchmark "$shape" ${JLLM_BENCH_STEPS:-512} 128 "$batch" 2>&1 \
      | tee -a "$out/bench.log"
done
echo "== figures"
grep -E 'bandwidth|decode|forward|^CUDA| us ' "$out/bench.log"
