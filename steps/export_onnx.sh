#!/usr/bin/env bash
# Exports a trained transducer to ONNX in the form sherpa-onnx loads (icefall's export-onnx.py),
# checked against PyTorch.
#   steps/export_onnx.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir>
# Writes <exp-dir>/onnx/{encoder,decoder,joiner}.onnx, tokens.txt and, for a model with a CTC
# head, ctc.onnx (sherpa-onnx's CTC recogniser). Skipped when its marker <exp-dir>/onnx/.export.done
# says they were made from the same checkpoints (those --epoch/--avg select), model section of the
# config and BPE model; redone when one changed, or when one of the files is missing (a CTC
# model exported before ctc.onnx existed; utils/run_once.sh --outputs).
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
ctc_scale=$(python -m icefall_ext.bin.config_value "$conf" model.ctc_loss_scale)
outputs=("$exp_dir"/onnx/{encoder,decoder,joiner}.onnx "$exp_dir/onnx/tokens.txt")
if awk -v s="$ctc_scale" 'BEGIN { exit !(s > 0) }'; then
  outputs+=("$exp_dir/onnx/ctc.onnx")
fi
utils/run_once.sh --inputs "$checkpoints $conf:model $lang/bpe.model" --outputs "${outputs[*]}" \
  "$exp_dir/onnx/.export.done" \
  python -m icefall_ext.bin.export_onnx --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" "${args[@]}"
