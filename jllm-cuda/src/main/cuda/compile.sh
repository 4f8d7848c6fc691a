#!/usr/bin/env bash
# Compiles kernels.cu (which includes every op family) into
#   kernels.fatbin: machine code for each listed compute capability plus PTX of the newest, loaded first;
#   kernels.ptx:    PTX of the oldest, which the driver JIT-compiles for any newer GPU when the fatbin does not load.
# Usage: compile.sh NVCC ARCHS OUTDIR   (ARCHS like 80,86,89,90)
# Skips the work when both outputs are newer than every source, so repeated builds stay quick.
set -euo pipefail
nvcc=$1
archs=$2
out=$3
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
fatbin="$out/kernels.fatbin"
ptx="$out/kernels.ptx"
stamp="$out/kernels.archs"

if [[ -f $fatbin && -f $ptx && -f $stamp && "$(cat "$stamp")" == "$archs" ]] \
   && [[ -z "$(find "$here" -newer "$fatbin" \( -name '*.cu' -o -name '*.cuh' \))" ]]; then
  echo "nvcc: kernels up to date for sm_{$archs}"
  exit 0
fi

IFS=',' read -ra list <<< "$archs"
gencode=()
for arch in "${list[@]}"; do
  gencode+=("-gencode=arch=compute_${arch},code=sm_${arch}")
done
newest=${list[-1]}
oldest=${list[0]}
gencode+=("-gencode=arch=compute_${newest},code=compute_${newest}")

flags=(-std=c++17 -O3 -lineinfo -Xptxas=-warn-spills -Werror=all-warnings)
echo "nvcc: compiling kernels for sm_{$archs}"
"$nvcc" "${flags[@]}" -fatbin "${gencode[@]}" -o "$fatbin" "$here/kernels.cu"
"$nvcc" "${flags[@]}" -ptx -arch="compute_${oldest}" -o "$ptx" "$here/kernels.cu"
echo "$archs" > "$stamp"
