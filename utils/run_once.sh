#!/usr/bin/env bash
# Runs a stage's command once: the marker records what produced the stage's outputs (the command
# line and the sha1 of every argument that is a file, e.g. the config), so that a finished stage is
# skipped and a changed input is noticed instead of silently reusing old outputs.
#   utils/run_once.sh [--on-change redo|stop] <marker> <command> [args...]
# Marker absent: runs the command, then writes the marker. Marker equal: skips. Marker different:
# --on-change redo (default) runs the command again; stop exits 1 with one line naming the change.
set -euo pipefail

on_change=redo
help_message="Usage: $0 [--on-change redo|stop] <marker> <command> [args...]"
. "$(dirname "${BASH_SOURCE[0]}")/parse_options.sh"
if [ $# -lt 2 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
case "$on_change" in redo | stop) ;; *) echo "$0: --on-change must be redo or stop, not '$on_change'" 1>&2; exit 1 ;; esac
marker=$1
shift

describe() {  # the command line, then one sha1 line per file argument
  printf 'command:'
  printf ' %q' "$@"
  printf '\n'
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then printf 'input: %s %s\n' "$(sha1sum < "$a" | cut -c1-40)" "$a"; fi
  done
}
want=$(describe "$@")

if [ -f "$marker" ]; then
  if [ "$(cat "$marker")" = "$want" ]; then
    echo "$0: $marker: done already, skipping"
    exit 0
  fi
  if [ "$on_change" = stop ]; then
    echo "$0: $marker: made by a different command or input ($(diff <(cat "$marker") <(echo "$want") | grep '^[<>]' | head -2 | tr '\n' ' ')); remove it to redo the stage" 1>&2
    exit 1
  fi
  echo "$0: $marker: the command or an input changed, redoing"
fi
rm -f "$marker"
"$@"
mkdir -p "$(dirname "$marker")"
tmp=$(mktemp "$marker.XXXXXX")
echo "$want" > "$tmp"
mv "$tmp" "$marker"
