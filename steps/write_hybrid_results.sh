#!/usr/bin/env bash
# RESULTS.md of a hybrid recipe (icefall_ext.bin.write_hybrid_results): each system's WER on every
# set at the LM weight chosen on dev, from the scored wer-summary files; printed too.
#   steps/write_hybrid_results.sh [--title T] [--command C] <conf> <results> <name=exp-dir>... -- <set>...
set -euo pipefail

title=Results
command=
help_message="Usage: $0 [--title T] [--command C] <conf> <results> <name=exp-dir>... -- <set>..."
. utils/parse_options.sh
if [ $# -lt 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
results=$2
shift 2
systems=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do systems+=(--system "$1"); shift; done
[ $# -gt 1 ] || { echo "$help_message" 1>&2; exit 1; }
shift
python -m icefall_ext.bin.write_hybrid_results --config "$conf" --title "$title" --command "$command" \
  "${systems[@]}" --out "$results" "$@"
