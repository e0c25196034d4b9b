#!/usr/bin/env bash
# RESULTS.md of a hybrid recipe (icefall_ext.bin.write_hybrid_results): each system's WER on every
# set at the LM weight chosen on dev, from the scored wer-summary files; printed too. Re-run with
# nothing changed, it does nothing (utils/run_once.sh).
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
# Skipped when nothing it reads changed (the systems' scored files, the config) and RESULTS.md is
# there; --command is not an input, as in steps/write_results.sh.
inputs=("$conf")
for spec in "${systems[@]}"; do
  [ "$spec" = --system ] && continue
  while IFS= read -r f; do inputs+=("$f"); done < <(find "${spec#*=}" \( -name 'wer-summary-*' -o -name 'rtf-*' \) -type f | LC_ALL=C sort)
done
first_exp=${systems[1]#*=}  # the marker sits in the first system's exp dir
utils/run_once.sh --inputs "${inputs[*]}" --outputs "$results" --ignore "--command" "$first_exp/.results.done" \
  python -m icefall_ext.bin.write_hybrid_results --config "$conf" --title "$title" --command "$command" \
    "${systems[@]}" --out "$results" "$@"
