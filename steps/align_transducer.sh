#!/usr/bin/env bash
# Forced-aligns the transcripts of cut sets with a trained transducer, its own Viterbi path through
# the RNN-T lattice (icefall_ext.bin.align_cuts): the word end times the <eos> latency penalty trains
# against and every endpointer is measured against.
#   steps/align_transducer.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <fbank-dir> <out-dir> <set>...
# Writes <out-dir>/cuts_<set>.jsonl.gz (the cuts of <fbank-dir>/cuts_<set>.jsonl.gz with word
# alignments). Each set is skipped when its marker <out-dir>/.align_<set>.done says it was made
# from the same checkpoints, model section and cuts (utils/run_once.sh).
set -euo pipefail

epoch=
avg=
help_message="Usage: $0 [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <fbank-dir> <out-dir> <set>..."

. utils/parse_options.sh
if [ $# -lt 6 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3
fbank=$4
out_dir=$5
shift 5

args=()
[ -n "$epoch" ] && args+=(--epoch "$epoch")
[ -n "$avg" ] && args+=(--avg "$avg")
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
for part in "$@"; do
  utils/run_once.sh --inputs "$checkpoints $conf:model $lang/bpe.model $fbank/cuts_$part.jsonl.gz" \
    --outputs "$out_dir/cuts_$part.jsonl.gz" "$out_dir/.align_$part.done" \
    python -m icefall_ext.bin.align_cuts --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
      "${args[@]}" --cuts "$fbank/cuts_$part.jsonl.gz" --out "$out_dir/cuts_$part.jsonl.gz"
done
