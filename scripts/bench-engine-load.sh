#!/usr/bin/env bash
# Load time of a Qwen2.5-0.5B-shaped random model on the CPU backend: its Hugging Face directory (bfloat16 and float16)
# against the engines jllm build makes of it (bfloat16, int8, int4). Prints a Markdown table (see BENCHMARKS.md).
# Argument: a working directory for the models and engines (default target/bench-engine-load; about 4 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
jllm_find_jdk
./mvnw -B -q -ntp -pl jllm-cpu -am test-compile
classpath_file=jllm-cpu/target/bench-classpath.txt
./mvnw -B -q -ntp -pl jllm-cpu dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx6g \
  -cp "jllm-cpu/target/test-classes:jllm-cpu/target/classes:jllm-core/target/test-classes:$(cat "$classpath_file")" \
  ai.jllm.cpu.EngineLoadBenchmark "$@"
