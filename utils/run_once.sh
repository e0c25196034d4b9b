#!/usr/bin/env bash
# Runs a stage's command once (utils/stage_marker.sh): the marker records the command, each of its
# --options with its value, the sha1 of its input files and the config sections it reads, so that
# a finished stage is skipped and a changed input is noticed instead of silently reusing old outputs.
#   utils/run_once.sh [--inputs "INPUT..."] [--outputs "FILE..."] [--ignore "--OPTION..."] [--on-change redo|stop] \
#     <marker> <command> [args...]
# --inputs: what the stage reads: files (their content matters) and FILE:SECTION for a section of
#   a YAML config (only that section matters; default: every argument that is a file). An option
#   whose value is one of the inputs is recorded by the input's content, not by its path.
# --outputs: files the stage must leave; one that is missing (removed by hand, or a newer version of
#   the stage writes more than the one that left the marker) makes an equal marker run it again.
# --ignore: options of the command that do not change its outputs (e.g. --nj), left out of the marker.
# Marker absent: runs the command, then writes the marker. Marker equal: skips, unless an output is missing. Marker different:
# --on-change redo (default) runs the command again; stop exits 1 with one line naming the option,
# file or section that changed and the folder to remove.
set -euo pipefail

inputs=
outputs=
ignore=
on_change=redo
usage="Usage: $0 [--inputs \"INPUT...\"] [--outputs \"FILE...\"] [--ignore \"--OPTION...\"] [--on-change redo|stop] <marker> <command> [args...]"
# Not utils/parse_options.sh: that one scans every argument for --config, the wrapped command's too.
while [ $# -gt 0 ]; do
  case "$1" in
    --inputs) [ $# -ge 2 ] || { echo "$0: option --inputs needs a value" 1>&2; exit 1; }; inputs=$2; shift 2 ;;
    --outputs) [ $# -ge 2 ] || { echo "$0: option --outputs needs a value" 1>&2; exit 1; }; outputs=$2; shift 2 ;;
    --ignore) [ $# -ge 2 ] || { echo "$0: option --ignore needs a value" 1>&2; exit 1; }; ignore=$2; shift 2 ;;
    --on-change) [ $# -ge 2 ] || { echo "$0: option --on-change needs a value" 1>&2; exit 1; }; on_change=$2; shift 2 ;;
    --help | -h) echo "$usage" 1>&2; exit 0 ;;
    --*) echo "$0: invalid option $1" 1>&2; exit 1 ;;
    *) break ;;
  esac
done
. "$(dirname "${BASH_SOURCE[0]}")/stage_marker.sh"
if [ $# -lt 2 ]; then
  echo "$usage" 1>&2
  exit 1
fi
case "$on_change" in redo | stop) ;; *) echo "$0: --on-change must be redo or stop, not '$on_change'" 1>&2; exit 1 ;; esac
marker=$1
shift

files=()
if [ -n "$inputs" ]; then
  read -r -a files <<< "$inputs"
else
  for f in "$@"; do if [ -f "$f" ]; then files+=("$f"); fi; done
fi

is_input() {
  local f
  for f in ${files[@]+"${files[@]}"}; do
    if [ "$f" = "$1" ] || [ "${f%:*}" = "$1" ]; then return 0; fi
  done
  return 1
}

# The command's words, then one line per --option (with its value unless that is an input).
describe() {
  local words=() options=()
  while [ $# -gt 0 ]; do
    if [[ $1 == --* ]] && [[ " $ignore " == *" $1 "* ]]; then
      shift
      [ $# -gt 0 ] && [[ $1 != --* ]] && shift
    elif [[ $1 == --* ]] && [ $# -ge 2 ] && [[ $2 != --* ]]; then
      if is_input "$2"; then options+=("option: $1"); else options+=("option: $1 $2"); fi
      shift 2
    elif [[ $1 == --* ]]; then
      options+=("option: $1")
      shift
    else
      words+=("$(printf '%q' "$1")")
      shift
    fi
  done
  printf '%s' "${words[*]}"
  [ ${#options[@]} -eq 0 ] || printf '\n%s' "${options[@]}"
}

want=$(marker_text "$(describe "$@")" ${files[@]+"${files[@]}"})
case "$(marker_state "$marker" "$want")" in
  done)
    missing=
    for f in $outputs; do [ -e "$f" ] || { missing=$f; break; }; done
    if [ -z "$missing" ]; then
      echo "$0: $marker: done already, skipping"
      exit 0
    fi
    echo "$0: $marker: done, but its output $missing is missing, redoing"
    ;;
  changed)
    change=$(marker_change "$marker" "$want")
    if [ "$on_change" = stop ]; then
      echo "$0: $(dirname "$marker") was made from other inputs: $change; remove $(dirname "$marker") (and what was made from it) to redo the stage" 1>&2
      exit 1
    fi
    echo "$0: $marker: $change, redoing"
    ;;
esac
rm -f "$marker"
"$@"
write_marker "$marker" "$want"
