#!/usr/bin/env bash
# FP8 against bf16 on the GPU machine, in one run (issue 7, item 3): a random-weight Llama-3-8B-shaped model (made by
# make_random_model.py), built by `jllm build` into an fp8 engine and a bf16 engine (--quantization none; skipped, and
# bf16 run from the model directory, when fewer than JLLM_FP8_BF16_ENGINE_MIN_LEFT_S seconds are left), then
#   Fp8LinearBenchmark     the linear layers alone, bf16 against fp8, per shape and row count
#   jllm bench throughput  128 prompt + 128 generated tokens, JLLM_FP8_REQUESTS requests (default 512), bf16 and fp8
#   jllm bench latency     batch 1, 128 + 128 tokens, bf16 and fp8
# side by side in the same run. Every step has a time limit inside the budget (JLLM_FP8_BUDGET_S, default 300 s);
# a step that runs out is recorded as such. Results under $OUT: fp8-bench.log (steps), *.json, *.log, and the
# figures printed last.
# Expects beside it what scripts/device/pack.sh puts there (jllm-cuda-tests.tar.gz, tokenizers.tgz,
# make_random_model.py). Usage (on the GPU machine, from the repository root): bash .carry/<folder>/fp8-bench.sh
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-fp8-out}
work=/tmp/jllm-cuda-tests
models=/tmp/jllm-bench-models
engines=/tmp/jllm-fp8-engines
mkdir -p "$out" "$models" "$engines" "$work/tokenizers"
export PYTHONUNBUFFERED=1
budget=${JLLM_FP8_BUDGET_S:-300}
requests=${JLLM_FP8_REQUESTS:-512}
if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
  tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
tar -xzf "$here/tokenizers.tgz" -C "$work/tokenizers"
jllm="$work/jllm/bin/jllm"
model=$models/llama-3-8b

# step NAME LIMIT_S COMMAND...: runs COMMAND with its output in $out/NAME.log, unless the budget is spent.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - SECONDS))
  if (( left < 15 )); then
    echo "$name: skipped (budget spent)" | tee -a "$out/fp8-bench.log"
    return 1
  fi
  (( limit > left )) && limit=$left
  local start=$SECONDS
  timeout --signal=TERM --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  local status=$?
  echo "$name: exit $status in $((SECONDS - start)) s$( ((status == 124)) && echo " (time limit $limit s)")" \
    | tee -a "$out/fp8-bench.log"
  return $status
}

{
  date -u +"%Y-%m-%d %H:%M UTC"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
} | tee -a "$out/fp8-bench.log"

# The linear layers alone (jllm-cuda's test classes): bf16 against fp8 per Llama-3-8B shape and row count.
classpath="$work/test-classes:$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone \
  | tr '\n' ':')"
step linear 90 "$work/jllm/runtime/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$classpath" ai.jllm.cuda.Fp8LinearBenchmark

step model 150 python3 "$here/make_random_model.py" llama-3-8b "$model" "$work/tokenizers/llama3"
build() {  # SCHEME
  rm -rf "$engines/$1"
  step "build_$1" 120 "$jllm" build --model "$model" --output "$engines/$1" --quantization "$1" \
    --max-batch-size 256 --max-num-tokens 8192 --max-seq-len 4096
}
build fp8
# The bf16 engine holds the checkpoint's weights as they are; when the budget is short, bf16 runs from the model
# directory itself (the same weights, the same kernels), which the log says.
declare -A source=([fp8]=$engines/fp8 [none]=$model)
if (( budget - SECONDS > ${JLLM_FP8_BF16_ENGINE_MIN_LEFT_S:-200} )) && build none; then
  source[none]=$engines/none
fi
echo "bf16 runs from ${source[none]}" | tee -a "$out/fp8-bench.log"
for scheme in none fp8; do
  step "throughput_$scheme" 90 "$jllm" bench throughput --model "${source[$scheme]}" --backend cuda --isl 128 \
    --osl 128 --num-requests "$requests" --max-batch-size 256 --max-num-tokens 8192 --warmup 4 \
    --output-json "$out/throughput_$scheme.json"
done
for scheme in none fp8; do
  step "latency_$scheme" 60 "$jllm" bench latency --model "${source[$scheme]}" --backend cuda --batch-size 1 \
    --isl 128 --osl 128 --iterations 2 --warmup 1 --output-json "$out/latency_$scheme.json"
done
du -sh "$engines"/* 2>/dev/null | tee -a "$out/fp8-bench.log"

echo "== figures"
cat "$out/fp8-bench.log"
echo "-- linear"
grep -E "rows|^CUDA" "$out/linear.log"
for scheme in none fp8; do
  for kind in throughput latency; do
    echo "-- ${kind}_$scheme"
    tail -n 25 "$out/${kind}_$scheme.log" 2>/dev/null
  done
done
