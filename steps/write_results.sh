#!/usr/bin/env bash
# Writes RESULTS.md of an ASR recipe from its measured files (icefall_ext.bin.write_results) and
# prints it; skipped when its marker <exp-dir>/.results.done says it was made from the same files
# (wer-summary, rtf, streaming timing, loss history, training speed, test-set manifests, the recogs of the config's
# results.baseline run) and the same model, decode,
# streaming and results sections of the config (utils/run_once.sh). --command is not an input: RESULTS.md keeps
# the command of the run that wrote it, which a later re-run that changed nothing does not replace.
#   steps/write_results.sh [--title T] [--command C] <conf> <exp-dir> <manifest-prefix> <results> <test-set>...
# <manifest-prefix>: e.g. data/manifests/fsdd_cuts_; each test set's speakers are read from its manifest.
set -euo pipefail

title=Results
command=
help_message="Usage: $0 [--title T] [--command C] <conf> <exp-dir> <manifest-prefix> <results> <test-set>..."
. utils/parse_options.sh
if [ $# -lt 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
exp_dir=$2
prefix=$3
results=$4
shift 4

inputs=("$conf:model" "$conf:decode" "$conf:streaming" "$conf:results")
for part in "$@"; do inputs+=("$prefix$part.jsonl.gz"); done
while IFS= read -r f; do inputs+=("$f"); done < <(find "$exp_dir" \( -name 'wer-summary-*' -o -name 'rtf-*' -o -name 'timing-*' \
  -o -name loss.tsv -o -name train_speed.json \) -type f | LC_ALL=C sort)
baseline=$(python -m icefall_ext.bin.config_value "$conf" results.baseline.exp_dir)  # a run to compare with
if [ -n "$baseline" ]; then
  [ -d "$baseline" ] || { echo "$0: results.baseline.exp_dir $baseline of $conf does not exist (train it first)" 1>&2; exit 1; }
  while IFS= read -r f; do inputs+=("$f"); done < <(find "$baseline" -name 'recogs-*' -type f | LC_ALL=C sort)
fi
# --outputs: a deleted RESULTS.md is written again even though its inputs did not change.
utils/run_once.sh --inputs "${inputs[*]}" --outputs "$results" --ignore "--command" "$exp_dir/.results.done" \
  python -m icefall_ext.bin.write_results --config "$conf" --exp-dir "$exp_dir" --test-sets "$@" \
    --manifest-prefix "$prefix" --command "$command" --title "$title" --out "$results"
