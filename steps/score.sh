#!/usr/bin/env bash
# Scores every recogs-*.txt of the given decoding directories (Kaldi's local/score.sh):
# errs-* (alignments, frequent errors) and wer-summary-* beside them.
#   steps/score.sh <decode-dir>...
set -euo pipefail

help_message="Usage: $0 <decode-dir>..."
. utils/parse_options.sh
if [ $# -lt 1 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
python -m icefall_ext.bin.score "$@"
