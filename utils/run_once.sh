#!/usr/bin/env bash
# Runs a stage's command once (utils/stage_marker.sh): the marker records the command line and the
# sha1 of its input files, so that a finished stage is skipped and a changed input is noticed
# instead of silently reusing old outputs.
#   utils/run_once.sh [--inputs "FILE..."] [--on-change redo|stop] <marker> <command> [args...]
# --inputs: the files whose content matters (default: every argument that is a file, e.g. the config).
# Marker absent: runs the command, then writes the marker. Marker equal: skips. Marker different:
# --on-change redo (default) runs the command again; stop exits 1 with one line naming the change.
set -euo pipefail

inputs=
on_change=redo
# Not utils/parse_options.sh: that one scans every argument for --config, the wrapped command's too.
while [ $# -gt 0 ]; do
  case "$1" in
    --inputs) [ $# -ge 2 ] || { echo "$0: option --inputs needs a value" 1>&2; exit 1; }; inputs=$2; shift 2 ;;
    --on-change) [ $# -ge 2 ] || { echo "$0: option --on-change needs a value" 1>&2; exit 1; }; on_change=$2; shift 2 ;;
    --help | -h) echo "Usage: $0 [--inputs \"FILE...\"] [--on-change redo|stop] <marker> <command> [args...]" 1>&2; exit 0 ;;
    --*) echo "$0: invalid option $1" 1>&2; exit 1 ;;
    *) break ;;
  esac
done
. "$(dirname "${BASH_SOURCE[0]}")/stage_marker.sh"
if [ $# -lt 2 ]; then
  echo "Usage: $0 [--inputs \"FILE...\"] [--on-change redo|stop] <marker> <command> [args...]" 1>&2
  exit 1
fi
case "$on_change" in redo | stop) ;; *) echo "$0: --on-change must be redo or stop, not '$on_change'" 1>&2; exit 1 ;; esac
marker=$1
shift

if [ -n "$inputs" ]; then read -r -a files <<< "$inputs"; else files=("$@"); fi
want=$(marker_text "$(printf '%q ' "$@")" "${files[@]}")
case "$(marker_state "$marker" "$want")" in
  done)
    echo "$0: $marker: done already, skipping"
    exit 0
    ;;
  changed)
    if [ "$on_change" = stop ]; then
      echo "$0: $marker: made by a different command or input ($(diff "$marker" <(echo "$want") | grep '^[<>]' | head -2 | tr '\n' ' ')); remove it to redo the stage" 1>&2
      exit 1
    fi
    echo "$0: $marker: the command or an input changed, redoing"
    ;;
esac
rm -f "$marker"
"$@"
write_marker "$marker" "$want"
