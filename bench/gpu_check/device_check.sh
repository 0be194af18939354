#!/usr/bin/env bash
# Both GPU checks in one go, for a machine lent for minutes: builds the engine benchmark and the trainer
# check side by side, then runs the engine comparison with transformers (bench/gpu_check/run.sh) and the
# trainer check (training/gpu_check/run.sh), each with a time limit, and the every-parameter-random parity check
# (all_params_check.py). Results under OUT_DIR/bench and OUT_DIR/train.
# Usage: bench/gpu_check/device_check.sh [OUT_DIR]
# Environment: KOSMOS_BENCH_SECONDS / KOSMOS_TRAIN_SECONDS (time limits, default 330 / 240),
# KOSMOS_SKIP_COMPARE=1 (leave out the comparison with transformers' generate), KOSMOS_SKIP_TRAIN=1 (leave out
# the trainer check).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-/tmp/kosmos2-device-check}}
mkdir -p "$out/bench" "$out/train"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
extra=${KOSMOS_EXTRA_INCLUDE:-$PWD/.gpu/include}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
# The engine's own kernels need nvcc, which CMake finds on PATH or through CUDACXX.
[[ -z "${CUDACXX:-}" && -x /usr/local/cuda/bin/nvcc ]] && ! command -v nvcc > /dev/null && export CUDACXX=/usr/local/cuda/bin/nvcc
echo "nvcc: $(command -v nvcc || echo "${CUDACXX:-none}")"
half=$(( $(nproc) / 2 ))
[[ -n "${KOSMOS_SKIP_TRAIN:-}" ]] && half=$(nproc)
prebuild() {   # SOURCE BUILD TARGET LOG
    cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOSMOS_ENGINE_ONLY=ON -DCMAKE_PREFIX_PATH="$prefix" \
        -DKOSMOS_EXTRA_INCLUDE_DIR="$extra" -DCMAKE_CUDA_ARCHITECTURES=90 -DKOSMOS_CUDA_ARCHITECTURES=90 > "$4" 2>&1 &&
        cmake --build "$2" --target "$3" -j "$half" >> "$4" 2>&1
}
echo "== build (both, in parallel)"
start=$SECONDS
prebuild . /tmp/kosmos2-engine-build kosmos2-engine "$out/bench/build.log" & engine=$!
if [[ -z "${KOSMOS_SKIP_TRAIN:-}" ]]; then
    prebuild training/gpu_check /tmp/kosmos2-train-check-build train_gpu_check "$out/train/build.log" & train=$!
fi
echo "== (while that builds) the engine's CUDA kernels against a double-precision reference, and their time per launch"
"${CUDACXX:-nvcc}" -std=c++17 -O3 -arch=sm_90 -I. bench/gpu_check/kernel_check.cu -o /tmp/kosmos2-kernel-check &&
    /tmp/kosmos2-kernel-check | tee "$out/bench/kernel_check.txt"
wait $engine; engine_rc=$?
train_rc=skipped
[[ -n "${train:-}" ]] && { wait $train; train_rc=$?; }
echo "   engine rc=$engine_rc, trainer check rc=$train_rc, $((SECONDS - start)) s"
grep -m 3 "CUDA kernels" "$out/bench/build.log"
[[ $engine_rc == 0 ]] && rm -f "$out/bench/build.log" || grep -m 10 -B2 -A8 "error" "$out/bench/build.log"
[[ $train_rc != 0 && $train_rc != skipped ]] && grep -m 10 -B2 -A8 "error" "$out/train/build.log"
rm -f "$out/train/build.log"
if [[ $engine_rc == 0 ]]; then
    echo "== every parameter random (biases, layer norms)"
    timeout 120 python3 bench/gpu_check/all_params_check.py --engine /tmp/kosmos2-engine-build/bin/kosmos2-engine \
        --fixture tests/data/kosmos2-tiny | tee "$out/bench/all_params.json"
fi
if [[ $engine_rc == 0 && -z "${KOSMOS_SKIP_COMPARE:-}" ]]; then
    echo "== engine against transformers"
    KOSMOS_TRACE=$out/bench/trace.json timeout "${KOSMOS_BENCH_SECONDS:-330}" bench/gpu_check/run.sh "$out/bench"
    echo "   rc=$?"
    rm -f "$out/bench/configure.log" "$out/bench/build.log"
    [[ -f "$out/bench/trace.json" ]] && gzip -f "$out/bench/trace.json"
fi
if [[ $train_rc == 0 ]]; then
    echo "== trainer"
    timeout "${KOSMOS_TRAIN_SECONDS:-240}" training/gpu_check/run.sh "$out/train"
    echo "   rc=$?"
    rm -f "$out/train/configure.log" "$out/train/build.log"
fi
ls -la "$out"/*
