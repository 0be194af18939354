#!/usr/bin/env bash
# The Debian package end to end: cpack builds it from the build folder, dpkg-deb checks its control data and
# file list and unpacks it into a scratch root, and the programs run from there with HOME and the XDG folders
# in the scratch folder: kosmos2 --version, kosmos2 generate on the packaged demo model (the test fixture model
# while the package has none) and a packaged sample image, and the workbench's start-up and one run offscreen,
# saving a screenshot. Nothing may be written into the unpacked tree or the working folder.
# No LD_LIBRARY_PATH: the system libraries are the package's dependencies, and the programs find
# libkosmos_spm.so relative to themselves (checked with LD_DEBUG).
# Usage: test_package.sh BUILD_DIR TEST_DATA_DIR CPACK_COMMAND    (exit 77: skipped)
set -uo pipefail
build=$1
data=$2
cpack=$3

skip() { echo "SKIPPED: $*"; exit 77; }
command -v "$cpack" >/dev/null || skip "cpack not found"
command -v dpkg-deb >/dev/null || skip "dpkg-deb not installed (not a Debian-family system)"
[ -f "$build/CPackConfig.cmake" ] || skip "$build has no CPackConfig.cmake"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/kosmos2-package.XXXXXX")
if [ -n "${KOSMOS_KEEP_PACKAGE_TEST:-}" ]; then
  echo "keeping $scratch"
else
  trap 'rm -rf "$scratch"' EXIT
fi

# ------------------------------------------------------------------------------------------ build
echo "== cpack -G DEB (log: $scratch/cpack.log)"
start=$SECONDS
if ! (cd "$build" && "$cpack" -G DEB -B "$scratch/out") >"$scratch/cpack.log" 2>&1; then
  cat "$scratch/cpack.log"
  echo "FAIL: cpack"
  exit 1
fi
debs=("$scratch"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { cat "$scratch/cpack.log"; echo "FAIL: cpack made no single .deb"; exit 1; }
deb=${debs[0]}
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1) in $((SECONDS - start)) s"

# ------------------------------------------------------------------------------------------ control data
dpkg-deb -f "$deb"
field() { dpkg-deb -f "$deb" "$1"; }
check "package name" test "$(field Package)" = kosmos2-workbench
check "section" test -n "$(field Section)"
check "maintainer" grep -qE '^.+ <[^>]+@[^>]+>$' <<<"$(field Maintainer)"
check "description" test "$(field Description | wc -l)" -ge 3
# The package names of Depends, one a line (versions and alternatives' bars dropped).
depends=$(field Depends | tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/^ +//; s/ +$//' | grep -v '^$')
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
has_gui=0
grep -qxF ./usr/bin/kosmos2-workbench <<<"$contents" && has_gui=1
required=(libtorch1.13 libopenblas0-pthread libsentencepiece0 libsqlite3-0 libarchive13 libopencv-core406
          libopencv-imgcodecs406 libstdc++6 libc6)
[ $has_gui -eq 1 ] && required+=(libqt6core6 libqt6gui6 libqt6widgets6 libqt6concurrent6 libqt6charts6)
for package in "${required[@]}"; do
  check "Depends names $package" grep -qxF "$package" <<<"$depends"
done

# ------------------------------------------------------------------------------------------ file list
expect_file() { check "package holds $1" grep -qxF ".$1" <<<"$contents"; }
expect_file /usr/bin/kosmos2
# lib/kosmos2, or lib/<multiarch>/kosmos2 in a tree configured with the prefix /usr.
spm_in_package=$(grep -E '^\./usr/lib/([^/]+/)?kosmos2/libkosmos_spm\.so$' <<<"$contents" | head -1)
check "package holds libkosmos_spm.so in a lib/.../kosmos2 folder" test -n "$spm_in_package"
expect_file /usr/share/man/man1/kosmos2.1.gz
expect_file /usr/share/kosmos2/samples/annotations.jsonl
expect_file /usr/share/kosmos2/samples/images/000000.jpg
expect_file /usr/share/doc/kosmos2-workbench/changelog.Debian.gz
if [ $has_gui -eq 1 ]; then
  expect_file /usr/bin/kosmos2-workbench
  expect_file /usr/share/man/man1/kosmos2-workbench.1.gz
  expect_file /usr/share/applications/kosmos2-workbench.desktop
  expect_file /usr/share/metainfo/org.kosmos2.workbench.metainfo.xml
  expect_file /usr/share/icons/hicolor/scalable/apps/kosmos2-workbench.svg
  for size in 16 24 32 48 64 128 256; do
    expect_file /usr/share/icons/hicolor/${size}x${size}/apps/kosmos2-workbench.png
  done
fi
check "everything below /usr" test -z "$(grep -vE '^\./$|^\./usr(/|$)' <<<"$contents")"
check "no test programs, headers or static libraries" \
  test -z "$(grep -E '/test_|\.a$|\.h$|CMakeFiles' <<<"$contents")"

# ------------------------------------------------------------------------------------------ unpack
root=$scratch/root
dpkg-deb -x "$deb" "$root" || { echo "FAIL: dpkg-deb -x"; exit 1; }
share=$root/usr/share

changelog_top=$(gzip -dc "$share/doc/kosmos2-workbench/changelog.Debian.gz" | head -1)
check "packaging/changelog's latest entry is this version ($(field Version))" \
  grep -qF "kosmos2-workbench ($(field Version))" <<<"$changelog_top"

# A PNG's width and height from its IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }
if [ $has_gui -eq 1 ]; then
  for size in 16 24 32 48 64 128 256; do
    icon=$share/icons/hicolor/${size}x${size}/apps/kosmos2-workbench.png
    check "icon ${size}x${size} is a ${size}x${size} PNG" test "$(png_size "$icon")" = "${size}x${size}"
  done
  if command -v desktop-file-validate >/dev/null; then
    check "desktop entry validates" desktop-file-validate "$share/applications/kosmos2-workbench.desktop"
  else
    echo "desktop-file-validate not installed: desktop entry not validated"
  fi
  if command -v appstreamcli >/dev/null; then
    check "AppStream metadata validates" appstreamcli validate --no-net "$share/metainfo/org.kosmos2.workbench.metainfo.xml"
  else
    echo "appstreamcli not installed: AppStream metadata not validated"
  fi
  check "desktop entry starts kosmos2-workbench with the icon" \
    grep -qx 'Icon=kosmos2-workbench' "$share/applications/kosmos2-workbench.desktop"
fi

# ------------------------------------------------------------------------------------------ run from the root
find "$root" -printf '%P %s %T@\n' | sort >"$scratch/tree.before"
home=$scratch/home
work=$scratch/work
mkdir -p "$home" "$work" "$scratch/run"
chmod 700 "$scratch/run"
run_env=(env -u KOSMOS_SPM_LIBRARY -u LD_LIBRARY_PATH HOME="$home" XDG_CONFIG_HOME="$home/.config"
         XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$scratch/run")
cd "$work" || exit 1

version=$("${run_env[@]}" "$root/usr/bin/kosmos2" --version 2>&1)
echo "$version"
check "kosmos2 --version names the program and LibTorch" grep -q '^kosmos2 [0-9]' <<<"$version"
check "kosmos2 --version names the BLAS" grep -q '^BLAS: ' <<<"$version"

model=$share/kosmos2/demo-model
if [ -f "$model/config.json" ]; then
  echo "model: the packaged demo model"
else
  model=$data/kosmos2-tiny
  echo "model: the package has no demo model yet (resources/demo-model is not in the tree): using $model"
fi
image=$share/kosmos2/samples/images/000000.jpg
"${run_env[@]}" LD_DEBUG=files "$root/usr/bin/kosmos2" generate --model "$model" --image "$image" \
  --prompt '<grounding>An image of' --max-new-tokens 8 --json >"$scratch/generate.json" 2>"$scratch/generate.err"
status=$?
check "kosmos2 generate exits 0" test $status -eq 0
[ $status -eq 0 ] || grep -v '^ *[0-9]*:' "$scratch/generate.err" | tail -5
cat "$scratch/generate.json"
check "generate printed ids and a caption" grep -q '"generated_ids":\[[0-9]' "$scratch/generate.json"
check "generate printed a caption" grep -q '"caption":' "$scratch/generate.json"
spm=$(grep -oE 'file=[^ ]*libkosmos_spm\.so' "$scratch/generate.err" | head -1)
echo "tokenizer library: ${spm#file=}"
check "libkosmos_spm.so came from the unpacked package" \
  test "$(realpath -m "${spm#file=}")" = "$(realpath -m "$root/${spm_in_package#./}")"

if [ $has_gui -eq 1 ]; then
  gui_version=$("${run_env[@]}" QT_QPA_PLATFORM=offscreen "$root/usr/bin/kosmos2-workbench" --version 2>/dev/null)
  check "kosmos2-workbench --version" grep -q "^kosmos2-workbench [0-9]" <<<"$gui_version"
  shot=$scratch/screenshot.png
  "${run_env[@]}" QT_QPA_PLATFORM=offscreen "$root/usr/bin/kosmos2-workbench" --model "$model" \
    --prompt '<grounding>An image of' --run --max-new-tokens 8 --screenshot "$shot" "$image" \
    >"$scratch/workbench.log" 2>&1
  status=$?
  cat "$scratch/workbench.log"
  check "kosmos2-workbench --screenshot exits 0" test $status -eq 0
  check "screenshot saved" test -s "$shot"
  [ -s "$shot" ] && echo "screenshot: $(png_size "$shot")"
  check "screenshot is a PNG" test "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
  # --screenshot implies --no-session: no settings (recent files, folders) are left for the next start.
  check "--screenshot kept no settings" test -z "$(find "$home" -name '*.conf' 2>/dev/null)"
fi

find "$root" -printf '%P %s %T@\n' | sort >"$scratch/tree.after"
check "nothing written into the unpacked package" diff "$scratch/tree.before" "$scratch/tree.after"
check "nothing written into the working folder" test -z "$(ls -A "$work")"
echo "written below HOME:"
(cd "$home" && find . -type f | sed 's/^/  /')

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package test passed"
