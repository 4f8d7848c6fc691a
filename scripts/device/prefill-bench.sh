#!/usr/bin/env bash
# Prefill attention on the GPU machine in one call: the device tests that cover it (the tensor-core kernel against
# the CPU reference, the other attention ops, whole-model parity with the transformers fixtures), the kernel alone
# against the CUDA-core kernel (PrefillAttentionBenchmark: one layer of a 2048-token prompt per model shape, and the
# bf16 GEMM rate), then `jllm bench latency --isl 2048` per random-weight model (make_random_model.py), which reports
# the prefill's TFLOP/s as a fraction of the GEMM rate measured in the same process. Uses the tests tarball that
# pack.sh put beside this script; logs go under $OUT; the figures are printed last.
# Usage: bash .carry/prefill-bench.sh [SHAPE ...]   (default: qwen2.5-0.5b llama-3.2-1b llama-3-8b)
# JLLM_PREFILL_TESTS=0 skips the tests; JLLM_PREFILL_NCU=1 adds Nsight Compute on the kernel, JLLM_PREFILL_PROFILE=SHAPE
# Nsight Systems on one prefill (each where the machine has the tool); JLLM_BENCH_WRAPPER runs each bench under a
# profiler.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-prefill-out}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
export PYTHONUNBUFFERED=1

if [[ ${JLLM_PREFILL_TESTS:-1} != 0 ]]; then
  classes='CudaPrefillAttentionTest|CudaOpsTest|CudaModelParityTest|CudaDecodeGraphsTest'
  JLLM_TEST_ARGS="--include-classname=.*($classes)" OUT="$out/tests" bash "$here/cuda-tests.sh" > "$out/tests.log" 2>&1
  tests_status=$?
else
  tests_status=skipped
  if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
    mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
  fi
fi

java="$work/jllm/runtime/bin/java"
jars=$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone | tr '\n' ':')
classpath="$work/test-classes:$jars"
"$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$classpath" \
    ai.jllm.cuda.PrefillAttentionBenchmark 2048 > "$out/kernel.log" 2>&1

# The tensor-core kernel of the Llama-3-8B shape under Nsight Compute, one launch of each block size (8 warps, then
# the 4-warp fallback) (JLLM_PREFILL_NCU=1): throughput, occupancy, warp stalls.
if [[ -n ${JLLM_PREFILL_NCU:-} ]]; then
  ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
  if [[ -n $ncu ]]; then
    "$ncu" --kernel-name regex:'prefill_attention_128x' --launch-skip 20 --launch-count 2 \
        --section SpeedOfLight --section Occupancy --section WarpStateStats --section MemoryWorkloadAnalysis \
        --section ComputeWorkloadAnalysis --section LaunchStats "$java" --add-modules=jdk.incubator.vector \
        --enable-native-access=ALL-UNNAMED -cp "$classpath" ai.jllm.cuda.PrefillAttentionBenchmark 2048 \
        > "$out/ncu.log" 2>&1
  else
    echo "no ncu on this machine" > "$out/ncu.log"
  fi
fi

shapes=("$@")
[[ ${#shapes[@]} -eq 0 ]] && shapes=(qwen2.5-0.5b llama-3.2-1b llama-3-8b)
for shape in "${shapes[@]}"; do
  python3 "$here/make_random_model.py" "$shape" "/tmp/jllm-bench-models/$shape" >> "$out/models.log" 2>&1
  echo "== $shape prefill of 2048 tokens" >> "$out/bench.log"
  ${JLLM_BENCH_WRAPPER:-} "$work/jllm/bin/jllm" bench latency --model "/tmp/jllm-bench-models/$shape" \
      --backend cuda --batch-size 1 --isl 2048 --osl 2 --warmup 1 --iterations 5 >> "$out/bench.log" 2>&1
done

# Where a prefill's time goes, kernel by kernel, when the machine has Nsight Systems (JLLM_PREFILL_PROFILE=SHAPE).
if [[ -n ${JLLM_PREFILL_PROFILE:-} ]]; then
  if command -v nsys > /dev/null; then
    nsys profile -t cuda -o "$out/prefill-$JLLM_PREFILL_PROFILE" --force-overwrite true \
        "$work/jllm/bin/jllm" bench latency --model "/tmp/jllm-bench-models/$JLLM_PREFILL_PROFILE" --backend cuda \
        --batch-size 1 --isl 2048 --osl 2 --warmup 1 --iterations 1 > "$out/profile.log" 2>&1
    nsys stats -r cuda_gpu_kern_sum -f csv "$out/prefill-$JLLM_PREFILL_PROFILE.nsys-rep" > "$out/kernels.csv" \
        2>> "$out/profile.log"
  else
    echo "no nsys on this machine" > "$out/profile.log"
  fi
fi

echo "== tests (exit $tests_status)"
grep -E 'tests (successful|failed)|✘|^exit status' "$out/tests.log" 2>/dev/null | head -20
grep -E '^prefill attention' "$out/tests.log" 2>/dev/null | tail -40
echo "== models"; cat "$out/models.log"
echo "== kernel"; cat "$out/kernel.log"
echo "== bench"; grep -E '^== |GEMM|prefill|^\| end' "$out/bench.log"
if [[ -n ${JLLM_PREFILL_NCU:-} ]]; then
  echo "== ncu"
  lines='^  prefill_attention|Duration|Throughput|Achieved Occupancy|Registers Per|Block Limit|Warp Cycles Per Issued'
  lines+='|Issued Ipc|Bank|stalled|Eligible|Mem Busy|Max Bandwidth|L2 Hit|L1/TEX Hit|pipeline'
  grep -E "$lines" "$out/ncu.log" | cut -c1-170 | head -70
fi
if [[ -n ${JLLM_PREFILL_PROFILE:-} ]]; then
  echo "== profile of $JLLM_PREFILL_PROFILE (kernels, by total time)"; tail -3 "$out/profile.log"
  head -25 "$out/kernels.csv" 2>/dev/null | cut -c1-200
fi
