#!/bin/sh
# Long fuzzing runs, one target after the other at the lowest priority, and a Markdown table of the results.
#   fuzz/run_all.sh BUILD_DIR SECONDS [TARGET...]      (e.g. fuzz/run_all.sh build-fuzz 600)
# Work folders: BUILD_DIR/fuzz-runs/<target>/ (corpus grown from fuzz/corpus/<target>, artifacts, log.txt).
# Rows go to stdout and to BUILD_DIR/fuzz-runs/results.md:
# | target | executions | seconds | coverage | corpus units | crashes | timeouts | exit status |
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 seconds=$2
shift 2
targets=${*:-"safetensors safetensors_index config tokenizer prompt postprocess grit_record grit_jsonl img2dataset tar image"}
out="$build/fuzz-runs"
mkdir -p "$out"
for t in $targets; do
  dict=""
  [ -f "$here/dicts/$t.dict" ] && dict="-dict=$here/dicts/$t.dict"
  start=$(date +%s)
  nice -n 19 "$here/run_one.sh" "$build/bin/fuzz_$t" "$here/corpus/$t" "$out/$t" "$seconds" $dict >/dev/null 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  log="$out/$t/log.txt"
  runs=$(grep -o "stat::number_of_executed_units: [0-9]*" "$log" | tail -1 | grep -o "[0-9]*$")
  cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "$log" | tail -1)
  units=$(ls "$out/$t/corpus" | wc -l)
  crashes=$(ls "$out/$t/artifacts" 2>/dev/null | grep -cE "^(crash|leak|oom)-")
  timeouts=$(ls "$out/$t/artifacts" 2>/dev/null | grep -cE "^timeout-")
  row="| $t | ${runs:-?} | ${elapsed}s | ${cov:-?} | $units | $crashes | $timeouts | $status |"
  echo "$row"
  echo "$row" >> "$out/results.md"
done
