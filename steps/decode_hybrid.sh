#!/usr/bin/env bash
# Kaldi's steps/decode.sh for a GMM-HMM (one-best, LatticeFasterDecoder): the model is
# <decode-dir>/../final.mdl, as in Kaldi; one recogs file per LM weight of the config's decode
# section (the dev sweep), named after <data-dir>'s last component. Score with steps/score.sh.
#   steps/decode_hybrid.sh <conf> <graph-dir> <data-dir> <decode-dir>
set -euo pipefail

help_message="Usage: $0 <conf> <graph-dir> <data-dir> <decode-dir>"
. utils/parse_options.sh
if [ $# -ne 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
graph=$2
data=$3
dir=$4
model=$(dirname "$dir")/final.mdl
for f in "$graph/HCLG.fst" "$data/feats.npz" "$model"; do
  [ -f "$f" ] || { echo "$0: $f: does not exist" 1>&2; exit 1; }
done
utils/run_once.sh --inputs "$conf:decode $graph/HCLG.fst $data/feats.npz $data/text $model" "$dir/.done" \
  python -m icefall_ext.bin.decode_hybrid --config "$conf" --set-name "$(basename "$data")" "$graph" "$model" "$data" "$dir"
