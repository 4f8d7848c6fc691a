#!/usr/bin/env bash
# Weight-only quantization on the GPU machine, in one run:
#   kernels  ai.jllm.cuda.QuantGemvBenchmark: Llama-3-8B's matrices as bf16 GEMV, int8/int4 fused dequantize-GEMV
#            (batches 1-8) and dequantize + cuBLASLt (batches 1-64), µs and % of the copy bandwidth;
#   models   a random Llama-3-8B-shaped model (make_random_model.py), `jllm build` into int8 and int4 (group 128)
#            engines, then `jllm bench latency --backend cuda --batch-size 1 --isl 128 --osl 256` on each of bf16,
#            int8 and int4, which reports decode tokens/s and the fraction of the roofline on the bytes each reads.
# Uses what pack.sh put beside this script (jllm-cuda-tests.tar.gz, make_random_model.py); models and engines stay
# under /tmp/jllm-bench-models (reused while the machine stays up). Logs and JSON under $OUT; figures printed last.
# Usage: bash .carry/DIR/quant-bench.sh [kernels] [models]   (default: both); JLLM_QUANT_BATCHES="1 8" also times
# batch 8 (default: 1).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-quant-out}
work=/tmp/jllm-cuda-tests
models=/tmp/jllm-bench-models
shape=llama-3-8b
mkdir -p "$out" "$models"
export PYTHONUNBUFFERED=1
if [[ ! -x "$work/jllm/runtime/bin/java" ]]; then
  mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
fi
jllm="$work/jllm/bin/jllm"
parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(kernels models)

# timed NAME LIMIT_S COMMAND...: runs COMMAND with a time limit, output to $out/NAME.log and the terminal.
timed() {
  local name=$1 limit=$2 start=$SECONDS
  shift 2
  timeout --signal=TERM --kill-after=10 "$limit" "$@" 2>&1 | tee "$out/$name.log"
  local status=${PIPESTATUS[0]}
  echo "== $name: exit $status in $((SECONDS - start)) s" | tee -a "$out/steps.txt"
  return "$status"
}

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv | tee "$out/env.txt"
date -u +"%Y-%m-%d %H:%M UTC" | tee -a "$out/env.txt"
df -h /tmp | tail -1 | tee -a "$out/env.txt"

for part in "${parts[@]}"; do
  case $part in
    kernels)
      classpath="$work/test-classes:$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone \
        | tr '\n' ':')"
      timed kernels 120 "$work/jllm/runtime/bin/java" --add-modules=jdk.incubator.vector \
        --enable-native-access=ALL-UNNAMED -cp "$classpath" ai.jllm.cuda.QuantGemvBenchmark
      ;;
    models)
      timed model 200 python3 "$here/make_random_model.py" "$shape" "$models/$shape"
      for scheme in int8 int4; do
        if [[ ! -f "$models/$shape-$scheme/config.json" ]]; then
          rm -rf "$models/$shape-$scheme"
          timed "build_$scheme" 200 "$jllm" build --model "$models/$shape" --output "$models/$shape-$scheme" \
            --quantization "${scheme}_weight_only"
        fi
      done
      for batch in ${JLLM_QUANT_BATCHES:-1}; do
        for engine in "$shape" "$shape-int8" "$shape-int4"; do
          timed "latency_${engine}_b$batch" 120 "$jllm" bench latency --model "$models/$engine" --backend cuda \
            --batch-size "$batch" --isl 128 --osl 256 --iterations 2 --warmup 1 \
            --output-json "$out/latency_${engine}_b$batch.json"
        done
      done
      python3 - "$out" "$shape" ${JLLM_QUANT_BATCHES:-1} <<'PY'
import json, os, sys
out, shape, batches = sys.argv[1], sys.argv[2], sys.argv[3:]
print("| weights | batch | GB read / step | decode tok/s | prefill tok/s | roofline tok/s | % of roofline | vs bf16 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for batch in batches:
    base = None
    for name in (shape, shape + "-int8", shape + "-int4"):
        path = os.path.join(out, "latency_%s_b%s.json" % (name, batch))
        if not os.path.exists(path):
            continue
        r = json.load(open(path))
        tps = r["decode_tokens_per_s"]
        if name == shape:
            base = tps
        prefill = r["isl"] * r["batch_size"] * 1e3 / r["prefill_ms"]["mean"] if r["prefill_ms"]["mean"] else 0
        print("| %s | %s | %.2f | %.1f | %.0f | %.1f | %.1f%% | %s |" % (name, batch, r.get("gb_per_step", 0), tps,
              prefill, r.get("roofline_tokens_per_s_per_sequence", 0), 100 * r.get("roofline_fraction", 0),
              "%.2fx" % (tps / base) if base else "-"))
PY
      ;;
    *)
      echo "unknown part '$part' (kernels, models)" >&2
      exit 2
      ;;
  esac
done
echo "== steps"
cat "$out/steps.txt"
