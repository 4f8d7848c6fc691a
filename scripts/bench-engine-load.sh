#!/usr/bin/env bash
# Load time of a Qwen2.5-0.5B-shaped random model on the CPU backend: its Hugging Face directories (bfloat16, float16,
# and 4-bit GPTQ when python3 with numpy is here to write it) against the engines jllm build makes of them (bfloat16,
# int8, int4, GPTQ repacked). Prints a Markdown table (see BENCHMARKS.md).
# Argument: a working directory for the models and engines (default target/bench-engine-load; about 5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-engine-load}
if [ ! -f "$work/hf-gptq/config.json" ]; then
  python3 scripts/golden/make_quant_fixtures.py --qwen2.5-0.5b-gptq "$work/hf-gptq" \
    || echo "bench-engine-load: no GPTQ model (python3 with numpy writes it); measuring without" >&2
fi
. scripts/find-jdk.sh
jllm_find_jdk
./mvnw -B -q -ntp -pl jllm-cpu -am test-compile
classpath_file=jllm-cpu/target/bench-classpath.txt
./mvnw -B -q -ntp -pl jllm-cpu dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx6g \
  -cp "jllm-cpu/target/test-classes:jllm-cpu/target/classes:jllm-core/target/test-classes:jllm-core/target/classes:$(cat "$classpath_file")" \
  ai.jllm.cpu.EngineLoadBenchmark "$work"
