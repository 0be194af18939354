#!/usr/bin/env bash
# GPU check of the trainer: builds train_gpu_check against the CUDA LibTorch of the machine's pip torch,
# runs it (bf16 autocast, checkpointing, LoRA, speed of the 6.7 M and 1.66 B configurations), then loads
# the checkpoints it wrote with transformers and PEFT (hf_check.py).
# Needs python3 with torch + transformers (+ peft), cmake, ninja, a C++ compiler, and the header-only
# nlohmann-json in $KOSMOS_EXTRA_INCLUDE (default .gpu/include in the repository).
# Usage: training/gpu_check/run.sh [OUT_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-/tmp/kosmos2-train-gpu-check}}
work=/tmp/kosmos2-train-gpu-work   # checkpoints and tensors; reports go to $out
mkdir -p "$out" "$work"
extra=${KOSMOS_EXTRA_INCLUDE:-$PWD/.gpu/include}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
build=/tmp/kosmos2-train-check-build
echo "== configure"
cmake -S training/gpu_check -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DKOSMOS_EXTRA_INCLUDE_DIR="$extra" -DCMAKE_CUDA_ARCHITECTURES=90 \
  > "$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
echo "== build"
time cmake --build "$build" --target train_gpu_check -j "$(nproc)" > "$out/build.log" 2>&1 \
  || { grep -m 20 -B2 -A6 "error" "$out/build.log"; exit 1; }
echo "== check"
"$build/bin/train_gpu_check" tests/data/kosmos2-tiny "$work" cuda 2> "$out/check.log"
status=$?
tail -c 4000 "$out/check.log"
cp "$work/train_gpu_check.json" "$out/" 2>/dev/null
echo "== transformers"
python3 training/gpu_check/hf_check.py "$work" tests/data/kosmos2-tiny
cp "$work/hf_check.json" "$out/" 2>/dev/null
exit $status
