#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running Kosmos-2 Workbench needs.
# Idempotent: packages already present are left alone. Run as root or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev                      # LibTorch 1.13 (CPU)
  libopenblas0-pthread              # fast BLAS for LibTorch (the reference BLAS is ~30x slower)
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6svg6 qt6-image-formats-plugins
  libopencv-dev
  libsentencepiece-dev sentencepiece
  libsqlite3-dev sqlite3
  nlohmann-json3-dev libcli11-dev libarchive-dev
  xvfb xauth                        # offscreen/virtual display for GUI tests and screenshots
  python3                           # the second (independent) synthetic data generator
  clang libclang-rt-14-dev          # libFuzzer: the fuzz smoke tests (label fuzz)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
