#!/usr/bin/env bash
# GPU check: build the engine against the CUDA LibTorch inside the machine's pip torch, then compare it with
# transformers on a random checkpoint of the real 1.66 B configuration (ids and speed) and on the fixture.
# Needs: python3 with torch + transformers + Pillow, cmake, ninja, a C++ compiler, and the header-only
# nlohmann-json and CLI11 in $KOSMOS_EXTRA_INCLUDE (defaults to .gpu/include in the repository).
# Usage: bench/gpu_check/run.sh [OUT_DIR]   (KOSMOS_TRACE=FILE also profiles one run and summarises it)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-/tmp/kosmos2-gpu-check}}
mkdir -p "$out"
extra=${KOSMOS_EXTRA_INCLUDE:-$PWD/.gpu/include}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
build=/tmp/kosmos2-engine-build
echo "== configure (LibTorch from $prefix)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOSMOS_ENGINE_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DKOSMOS_EXTRA_INCLUDE_DIR="$extra" -DCMAKE_CUDA_ARCHITECTURES=90 -DKOSMOS_CUDA_ARCHITECTURES=90 \
  > "$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
echo "== build"
time cmake --build "$build" --target kosmos2-engine -j "$(nproc)" > "$out/build.log" 2>&1 || { grep -m 20 -A5 error "$out/build.log"; exit 1; }
echo "== compare with transformers"
python3 bench/gpu_check/hf_compare.py --config bench/configs/kosmos2-patch14-224.json \
  --engine "$build/bin/kosmos2-engine" --device cuda --dtype bf16 --new-tokens 24 --runs 3 \
  --fixture tests/data/kosmos2-tiny --out "$out/gpu_check.json" ${KOSMOS_TRACE:+--trace "$KOSMOS_TRACE"}
