#!/usr/bin/env bash
# Scores every recogs-*.txt of the given decoding directories (Kaldi's local/score.sh):
# errs-* (alignments, frequent errors) and wer-summary-* beside them. A directory is skipped when
# its marker <decode-dir>/.score.done says it was scored from the same recogs files; rescored when
# they changed (utils/run_once.sh).
#   steps/score.sh <decode-dir>...
set -euo pipefail

help_message="Usage: $0 <decode-dir>..."
. utils/parse_options.sh
if [ $# -lt 1 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
for dir in "$@"; do
  [ -d "$dir" ] || { echo "$0: $dir: decoding directory does not exist" 1>&2; exit 1; }
  utils/run_once.sh --inputs "$(find "$dir" -maxdepth 1 -name 'recogs-*.txt' -type f | LC_ALL=C sort | tr '\n' ' ')" \
    "$dir/.score.done" python -m icefall_ext.bin.score "$dir"
done
