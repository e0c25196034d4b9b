#!/usr/bin/env bash
# Exports a causal transducer for sherpa-onnx's OnlineRecognizer, one encoder per chunk size of the
# config's streaming.chunk_frames, checked chunk by chunk against PyTorch (icefall_ext.bin.export_onnx_streaming).
#   steps/export_onnx_streaming.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir>
# Writes <exp-dir>/onnx_streaming/chunk-C/{encoder,decoder,joiner}.onnx and tokens.txt. Skipped when
# its marker <exp-dir>/onnx_streaming/.export.done says they were made from the same checkpoints,
# model and streaming sections of the config and BPE model, and every file is there (utils/run_once.sh).
set -euo pipefail

epoch=
avg=
help_message="Usage: $0 [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir>"

. utils/parse_options.sh
if [ $# -ne 3 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3

args=()
[ -n "$epoch" ] && args+=(--epoch "$epoch")
[ -n "$avg" ] && args+=(--avg "$avg")
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
chunk_list=$(python -m icefall_ext.bin.config_value "$conf" streaming.chunk_frames)
outputs=()
for chunk in $chunk_list; do
  outputs+=("$exp_dir/onnx_streaming/chunk-$chunk"/{encoder.onnx,decoder.onnx,joiner.onnx,tokens.txt})
done
utils/run_once.sh --inputs "$checkpoints $conf:model $conf:streaming $lang/bpe.model" --outputs "${outputs[*]}" \
  "$exp_dir/onnx_streaming/.export.done" \
  python -m icefall_ext.bin.export_onnx_streaming --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${args[@]}"
