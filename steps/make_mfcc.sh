#!/usr/bin/env bash
# Kaldi's steps/make_mfcc.sh for the hybrid recipes: a lhotse cut manifest -> <data-dir> with `text`
# and feats.npz (13 MFCC + deltas + delta-deltas, per-utterance CMN; icefall_ext.hybrid.features).
#   steps/make_mfcc.sh <cuts> <data-dir>
# Skipped when <data-dir>/.done says it was made from the same manifest.
set -euo pipefail

help_message="Usage: $0 <cuts> <data-dir>"
. utils/parse_options.sh
if [ $# -ne 2 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
cuts=$1
data=$2
[ -f "$cuts" ] || { echo "$0: $cuts: cut manifest does not exist" 1>&2; exit 1; }
utils/run_once.sh --inputs "$cuts" "$data/.done" python -m icefall_ext.bin.make_mfcc --cuts "$cuts" --out-dir "$data"
