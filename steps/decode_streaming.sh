#!/usr/bin/env bash
# Decodes test sets with a causal transducer in PyTorch, streaming, at every chunk size of the
# config's streaming.chunk_frames, and once with full context (icefall_ext.bin.decode_streaming);
# steps/score.sh scores them.
#   steps/decode_streaming.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <fbank-dir> <test-set>...
# Writes <exp-dir>/streaming_<method>/recogs-<test-set>-chunk-C-epoch-E-avg-A.txt and
# <exp-dir>/<method>/recogs-<test-set>-full-context-epoch-E-avg-A.txt. Skipped when its marker
# <exp-dir>/.decode_streaming.done says they were made from the same checkpoints, model, decode and
# streaming sections of the config, BPE model and test sets (utils/run_once.sh).
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
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
test_cuts=()
inputs="$checkpoints $conf:model $conf:decode $conf:streaming $lang/bpe.model"
for part in "$@"; do
  test_cuts+=("$part=$fbank/cuts_$part.jsonl.gz")
  inputs+=" $fbank/cuts_$part.jsonl.gz"
done
utils/run_once.sh --inputs "$inputs" "$exp_dir/.decode_streaming.done" \
  python -m icefall_ext.bin.decode_streaming --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${args[@]}" --test-cuts "${test_cuts[@]}"
