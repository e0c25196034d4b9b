#!/usr/bin/env bash
# Decodes test sets from their audio through sherpa-onnx's OnlineRecognizer on the streaming
# exports, the audio fed one chunk at a time, timed on streaming.num_threads threads, with every
# search of streaming.methods at every chunk of streaming.chunk_frames (steps/score.sh scores them).
#   steps/decode_sherpa_onnx_streaming.sh <conf> <exp-dir> <manifest-prefix> <test-set>...
# <manifest-prefix>: e.g. data/manifests/an4_cuts_ for data/manifests/an4_cuts_test.jsonl.gz.
# Writes <exp-dir>/onnx_streaming/<method>/{recogs-<test-set>-chunk-C.txt,timing-<test-set>-chunk-C.json}.
# Skipped when its marker <exp-dir>/onnx_streaming/.decode.done says they were made from the same
# ONNX files, decode and streaming sections of the config and test sets (utils/run_once.sh).
set -euo pipefail

help_message="Usage: $0 <conf> <exp-dir> <manifest-prefix> <test-set>..."
. utils/parse_options.sh
if [ $# -lt 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
exp_dir=$2
prefix=$3
shift 3

read -r -a chunks <<< "$(python -m icefall_ext.bin.config_value "$conf" streaming.chunk_frames)"
read -r -a methods <<< "$(python -m icefall_ext.bin.config_value "$conf" streaming.methods)"
inputs="$conf:decode $conf:streaming"
for chunk in "${chunks[@]}"; do
  for f in encoder.onnx decoder.onnx joiner.onnx tokens.txt; do inputs+=" $exp_dir/onnx_streaming/chunk-$chunk/$f"; done
done
test_cuts=()
for part in "$@"; do
  test_cuts+=("$part=$prefix$part.jsonl.gz")
  inputs+=" $prefix$part.jsonl.gz"
done
utils/run_once.sh --inputs "$inputs" "$exp_dir/onnx_streaming/.decode.done" \
  python -m icefall_ext.bin.sherpa_decode_streaming --exp-dir "$exp_dir" --chunk-frames "${chunks[@]}" \
    --decoding-method "${methods[@]}" --beam "$(python -m icefall_ext.bin.config_value "$conf" decode.beam)" \
    --num-threads "$(python -m icefall_ext.bin.config_value "$conf" streaming.num_threads)" --test-cuts "${test_cuts[@]}"
