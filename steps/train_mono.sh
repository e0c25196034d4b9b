#!/usr/bin/env bash
# Kaldi's steps/train_mono.sh (schedule and option names in icefall_ext.hybrid.mono; the mono
# section of the config): <exp-dir>/final.mdl, ali.npz and log.tsv.
#   steps/train_mono.sh <conf> <data-dir> <lang-dir> <exp-dir>
set -euo pipefail

help_message="Usage: $0 <conf> <data-dir> <lang-dir> <exp-dir>"
. utils/parse_options.sh
if [ $# -ne 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
data=$2
lang=$3
dir=$4
for f in "$data/feats.npz" "$data/text" "$lang/L_disambig.fst" "$lang/topo"; do
  [ -f "$f" ] || { echo "$0: $f: does not exist" 1>&2; exit 1; }
done
utils/run_once.sh --inputs "$conf:mono $data/feats.npz $data/text $lang/L_disambig.fst $lang/topo" "$dir/.done" \
  python -m icefall_ext.bin.train_mono --config "$conf" "$data" "$lang" "$dir"
