#!/usr/bin/env bash
# Decodes test sets from their audio with the exported model through sherpa-onnx (one thread),
# with every method of the config's decode.methods (steps/score.sh scores them).
#   steps/decode_sherpa_onnx.sh <conf> <onnx-dir> <manifest-prefix> <test-set>...
# <manifest-prefix>: e.g. data/manifests/an4_cuts_ for data/manifests/an4_cuts_test.jsonl.gz.
# Writes <onnx-dir>/<method>/{recogs,rtf}-<test-set>.txt. Skipped when its marker
# <onnx-dir>/.decode.done says they were made from the same ONNX files, decode section of the
# config and test sets; redone when one changed (utils/run_once.sh).
set -euo pipefail

help_message="Usage: $0 <conf> <onnx-dir> <manifest-prefix> <test-set>..."
. utils/parse_options.sh
if [ $# -lt 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
onnx_dir=$2
prefix=$3
shift 3

method_list=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)  # a bad config stops here, in one line
read -r -a methods <<< "$method_list"
test_cuts=()
inputs="$onnx_dir/encoder.onnx $onnx_dir/decoder.onnx $onnx_dir/joiner.onnx $onnx_dir/tokens.txt $conf:decode"
for part in "$@"; do
  test_cuts+=("$part=$prefix$part.jsonl.gz")
  inputs+=" $prefix$part.jsonl.gz"
done
utils/run_once.sh --inputs "$inputs" "$onnx_dir/.decode.done" python -m icefall_ext.bin.sherpa_decode --onnx-dir "$onnx_dir" --decoding-method "${methods[@]}" \
  --beam "$(python -m icefall_ext.bin.config_value "$conf" decode.beam)" --test-cuts "${test_cuts[@]}"
