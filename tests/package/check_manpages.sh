#!/usr/bin/env bash
# The manual pages and the README's command table against the programs' --help:
#   every command and option that `kosmos2 ... --help` lists appears in packaging/man/kosmos2.1,
#   every option of `kosmos2-workbench --help` in packaging/man/kosmos2-workbench.1,
#   every command appears in the README's command table, and every option the table names exists,
#   and both pages format without warnings.
# Usage: check_manpages.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# roff writes "--max-new-tokens" as "\-\-max\-new\-tokens".
roff() { printf '%s' "$1" | sed 's/-/\\-/g'; }
in_page() { grep -qF -- "$(roff "$2")" "$1"; }
# The long options a page names ("\-\-name" in roff), one a line.
page_options() { grep -oE -- '\\-\\-[a-z0-9](\\-|[a-z0-9])*' "$1" | sed 's/\\//g' | sort -u; }

# Long options of a --help text (CLI11 and QCommandLineParser both list them indented).
options_of() { grep -E '^ +(-[a-z], ?)?--' | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u; }
# Subcommand names listed under "Subcommands:" (CLI11).
subcommands_of() { sed -n '/^Subcommands:/,/^$/p' | grep -E '^  [a-z]' | awk '{print $1}'; }

cli_page=$src/packaging/man/kosmos2.1
gui_page=$src/packaging/man/kosmos2-workbench.1
cli_page_options=$(page_options "$cli_page")
gui_page_options=$(page_options "$gui_page")
readme_table=$(sed -n '/^## Command line/,/^## /p' "$src/README.md" | grep '^| `')

# OMP_WAIT_POLICY set: the programs do not restart themselves to set it (each start loads LibTorch).
export OMP_WAIT_POLICY=PASSIVE
commands=$("$bin/kosmos2" --help | subcommands_of)
[ -n "$commands" ] || fail "kosmos2 --help lists no commands"
checked=0
every_help=""
for command in $commands; do
  in_page "$cli_page" "$command" || fail "kosmos2.1 does not describe the command '$command'"
  # The README's spans for this command: `command ...` in backticks.
  spans=$(grep -oE -- "\`$command( [^\`]*)?\`" <<<"$readme_table")
  [ -n "$spans" ] || fail "README's command table has no row for '$command'"
  help=$("$bin/kosmos2" "$command" --help)
  all_help=$help
  names=("$command")
  for sub in $(subcommands_of <<<"$help"); do
    in_page "$cli_page" "$command $sub" || fail "kosmos2.1 does not describe '$command $sub'"
    all_help+=$'\n'$("$bin/kosmos2" "$command" "$sub" --help)
  done
  every_help+=$'\n'$all_help
  for option in $(options_of <<<"$all_help"); do
    [ "$option" = --help ] && continue
    grep -qxF -- "$option" <<<"$cli_page_options" || fail "kosmos2.1 lacks '$option' of '$command'"
    checked=$((checked + 1))
  done
  # Every option the README names for this command exists.
  for option in $(grep -oE -- '--[a-z0-9][a-z0-9-]*' <<<"$spans" | sort -u); do
    grep -qE -- "(^| |,)$option( |=|$)" <<<"$all_help" || fail "README names '$option' for '$command', which its --help lacks"
  done
done
echo "kosmos2: $(wc -w <<<"$commands") commands, $checked options checked"

# Options a page names that no --help lists any more.
cli_options=$(options_of <<<"$every_help"; "$bin/kosmos2" --help | options_of)
for option in $cli_page_options; do
  grep -qxF -- "$option" <<<"$cli_options" || fail "kosmos2.1 names '$option', which no kosmos2 --help lists"
done

if [ -x "$bin/kosmos2-workbench" ]; then
  # Without any display: --help is answered before the GUI starts.
  gui_options=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin/kosmos2-workbench" --help | options_of)
  [ -n "$gui_options" ] || fail "kosmos2-workbench --help lists no options"
  for option in $gui_options; do
    grep -qxF -- "$option" <<<"$gui_page_options" || fail "kosmos2-workbench.1 lacks '$option'"
  done
  for option in $gui_page_options; do
    grep -qxF -- "$option" <<<"$gui_options" || fail "kosmos2-workbench.1 names '$option', which its --help lacks"
  done
  # Qt's own options beside it (as a launcher or a test harness passes them) change nothing.
  with_qt=$(env -u DISPLAY -u WAYLAND_DISPLAY "$bin/kosmos2-workbench" -platform offscreen --help | options_of)
  [ "$with_qt" = "$gui_options" ] || fail "kosmos2-workbench -platform offscreen --help differs from --help"
  echo "kosmos2-workbench: $(wc -w <<<"$gui_options") options checked"
fi

if command -v groff >/dev/null; then
  for page in "$cli_page" "$gui_page"; do
    warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1)
    [ -z "$warnings" ] || fail "$(basename "$page"): $warnings"
  done
else
  echo "groff not installed: formatting not checked"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s)"
  exit 1
fi
echo "manual pages and README match the programs"
