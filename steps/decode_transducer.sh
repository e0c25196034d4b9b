#!/usr/bin/env bash
# Decodes test sets with a trained transducer in PyTorch (icefall's decode.py), with every method
# of the config's decode.methods (steps/score.sh scores them).
#   steps/decode_transducer.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <fbank-dir> <test-set>...
# Writes <exp-dir>/<method>/recogs-<test-set>-epoch-E-avg-A.txt.
set -euo pipefail

epoch=   # empty: the last
avg=     # empty: decode.avg of the config
help_message="Usage: $0 [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <fbank-dir> <test-set>..."

. utils/parse_options.sh
if [ $# -lt 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3
fbank=$4
shift 4

args=()
[ -n "$epoch" ] && args+=(--epoch "$epoch")
[ -n "$avg" ] && args+=(--avg "$avg")
test_cuts=()
for part in "$@"; do test_cuts+=("$part=$fbank/cuts_$part.jsonl.gz"); done
python -m icefall_ext.bin.decode --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
  "${args[@]}" --test-cuts "${test_cuts[@]}"
