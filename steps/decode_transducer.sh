#!/usr/bin/env bash
# Decodes test sets with a trained transducer in PyTorch (icefall's decode.py), with every method
# of the config's decode.methods (steps/score.sh scores them).
#   steps/decode_transducer.sh [--epoch E] [--avg A] [--streaming true] <conf> <lang-dir> <exp-dir> <fbank-dir> <test-set>...
# Writes <exp-dir>/<method>/recogs-<test-set>-epoch-E-avg-A.txt. Skipped when its marker
# <exp-dir>/.decode.done says it was made from the same checkpoints (those --epoch/--avg select),
# model and decode sections of the config, BPE model and test sets; redone when one changed
# (utils/run_once.sh).
# --streaming true: a causal model decoded chunk by chunk at every streaming.chunk_frames and once
# with full context (icefall_ext.bin.decode_streaming), into
# <exp-dir>/streaming_<method>/recogs-<test-set>-chunk-C-epoch-E-avg-A.txt and
# <exp-dir>/<method>/recogs-<test-set>-full-context-epoch-E-avg-A.txt; marker .decode_streaming.done,
# which the streaming section also goes into.
set -euo pipefail

epoch=   # empty: the last
avg=     # empty: decode.avg of the config
streaming=false
help_message="Usage: $0 [--epoch E] [--avg A] [--streaming true] <conf> <lang-dir> <exp-dir> <fbank-dir> <test-set>..."

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
# a --epoch without its checkpoint or an --avg beyond the epochs stops here, in one line
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
entry=decode
marker=$exp_dir/.decode.done
inputs="$checkpoints $conf:model $conf:decode $lang/bpe.model"
if [ "$streaming" = true ]; then
  entry=decode_streaming
  marker=$exp_dir/.decode_streaming.done
  inputs+=" $conf:streaming"
fi
test_cuts=()
for part in "$@"; do
  test_cuts+=("$part=$fbank/cuts_$part.jsonl.gz")
  inputs+=" $fbank/cuts_$part.jsonl.gz"
done
utils/run_once.sh --inputs "$inputs" "$marker" \
  python -m "icefall_ext.bin.$entry" --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${args[@]}" --test-cuts "${test_cuts[@]}"
