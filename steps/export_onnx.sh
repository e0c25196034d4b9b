#!/usr/bin/env bash
# Exports a trained transducer to ONNX in the form sherpa-onnx loads (icefall's export-onnx.py),
# checked against PyTorch.
#   steps/export_onnx.sh [--epoch E] [--avg A] [--streaming true] <conf> <lang-dir> <exp-dir>
# Writes <exp-dir>/onnx/{encoder,decoder,joiner}.onnx, tokens.txt and, for a model with a CTC
# head, ctc.onnx (sherpa-onnx's CTC recogniser). Skipped when its marker <exp-dir>/onnx/.export.done
# says they were made from the same checkpoints (those --epoch/--avg select), model section of the
# config and BPE model; redone when one changed, or when one of the files is missing (a CTC
# model exported before ctc.onnx existed; utils/run_once.sh --outputs).
# --streaming true: a causal model for sherpa-onnx's OnlineRecognizer, one encoder per chunk size of
# streaming.chunk_frames (sherpa-onnx reads the chunk from the metadata), checked chunk by chunk
# (icefall_ext.bin.export_onnx_streaming): <exp-dir>/onnx_streaming/chunk-C/{encoder,decoder,joiner}.onnx
# and tokens.txt, marker <exp-dir>/onnx_streaming/.export.done, the streaming section an input too.
set -euo pipefail

epoch=
avg=
streaming=false
help_message="Usage: $0 [--epoch E] [--avg A] [--streaming true] <conf> <lang-dir> <exp-dir>"

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
inputs="$checkpoints $conf:model $lang/bpe.model"
if [ "$streaming" = true ]; then
  entry=export_onnx_streaming
  out_dir=$exp_dir/onnx_streaming
  inputs+=" $conf:streaming"
  outputs=()
  for chunk in $(python -m icefall_ext.bin.config_value "$conf" streaming.chunk_frames); do
    outputs+=("$out_dir/chunk-$chunk"/{encoder.onnx,decoder.onnx,joiner.onnx,tokens.txt})
  done
else
  entry=export_onnx
  out_dir=$exp_dir/onnx
  outputs=("$out_dir"/{encoder,decoder,joiner}.onnx "$out_dir/tokens.txt")
  ctc_scale=$(python -m icefall_ext.bin.config_value "$conf" model.ctc_loss_scale)
  if awk -v s="$ctc_scale" 'BEGIN { exit !(s > 0) }'; then
    outputs+=("$out_dir/ctc.onnx")
  fi
fi
utils/run_once.sh --inputs "$inputs" --outputs "${outputs[*]}" "$out_dir/.export.done" \
  python -m "icefall_ext.bin.$entry" --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" "${args[@]}"
