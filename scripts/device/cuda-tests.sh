#!/usr/bin/env bash
# Runs jllm's CUDA test suite on the GPU machine (no Java or Maven there: the packed distribution brings its own
# runtime). Unpacks the tarball that pack.sh made next to this script, records the machine (GPU, driver, where the
# CUDA libraries are), runs every test of jllm-cuda (the @Tag("cuda") device tests and the plain unit tests) with the
# JUnit console launcher, writes logs and the XML report under $OUT, and prints a short summary last.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-cuda-out}
work=/tmp/jllm-cuda-tests
mkdir -p "$out"
rm -rf "$work" && mkdir -p "$work"
tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
java="$work/jllm/runtime/bin/java"

{
  echo "== nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
  echo "== libraries"; ldconfig -p | grep -E 'libcuda\.so|cublasLt|nvrtc' || true
  echo "== python nvidia wheels"
  python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>&1 || true
  ls /usr/local/cuda/lib64 2>/dev/null | grep -E 'cublasLt|nvrtc' || true
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

# The launcher takes no "dir/*" wildcards: every jar is named.
classpath="$work/test-classes:$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone | tr '\n' ':')"
launcher=$(ls "$work"/test-lib/junit-platform-console-standalone-*.jar)
"$java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m \
    -jar "$launcher" execute --class-path "$classpath" --scan-class-path "$work/test-classes" \
    --reports-dir "$out/reports" --details=tree --disable-banner ${JLLM_TEST_ARGS:-} 2>&1 | tee "$out/tests.log"
status=${PIPESTATUS[0]}
mv "$out/reports/"*.xml "$out/" 2>/dev/null && rmdir "$out/reports" 2>/dev/null

echo "== summary"
grep -E '^\s*\[ *[0-9]+ tests (successful|failed|found|skipped|aborted) *\]' "$out/tests.log" || true
grep -E 'rows, worst|tokens as transformers|^CUDA:|sampling, ' "$out/tests.log" | head -60 || true
grep -E '✘' "$out/tests.log" | head -30 || true
echo "exit status $status"
exit "$status"
