#!/bin/sh
# Runs one fuzzer for SECONDS from a copy of its committed corpus, without touching the committed files.
#   fuzz/run_one.sh FUZZER SEED_DIR WORK_DIR SECONDS [libFuzzer options...]
# New inputs go to WORK_DIR/corpus, crashing inputs to WORK_DIR/artifacts/, the log to WORK_DIR/log.txt.
# Exit status: libFuzzer's (0 when no crash was found).
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
shift 4
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$seeds" ]; then cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true; fi
# sentencepiece without RTLD_DEEPBIND, which AddressSanitizer refuses (spm_loader.h, SpmOpenMode).
export KOSMOS_SPM_OPEN="${KOSMOS_SPM_OPEN:-local}"
status=0
"$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=120 -report_slow_units=120 -rss_limit_mb=2560 -malloc_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" >"$work/log.txt" 2>&1 || status=$?
grep -E "^Done [0-9]+ runs|stat::number_of_executed_units|SUMMARY|ERROR" "$work/log.txt" || true
exit $status
