#!/usr/bin/env bash
# Every endpointer of the endpointing section on test sets whose cuts carry word alignments
# (steps/align_transducer.sh), each utterance followed by every endpointing.trailing_silence:
# the <eos> endpointer of each fine-tuned model <exp-dir>/eos_late_<W> (icefall_ext.bin.decode_eos_endpoints,
# its last checkpoint), and sherpa-onnx's rule endpointer, default rules and the rule-2 sweep
# (icefall_ext.bin.decode_rule_endpoints), on the streaming export of the unpenalised twin.
#   steps/decode_endpoints.sh <conf> <lang-dir> <exp-dir> <align-dir> <set>...
# Writes <exp-dir>/endpoints/<system>/endpoints-<set>-silence-<S>.tsv; each system is skipped when its
# marker <exp-dir>/endpoints/<system>/.done says it was made from the same model, config and cuts.
set -euo pipefail

help_message="Usage: $0 <conf> <lang-dir> <exp-dir> <align-dir> <set>..."
. utils/parse_options.sh
if [ $# -lt 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3
align_dir=$4
shift 4

test_cuts=()
cut_files=
for part in "$@"; do
  test_cuts+=("$part=$align_dir/cuts_$part.jsonl.gz")
  cut_files+=" $align_dir/cuts_$part.jsonl.gz"
done
twin=
for w in $(python -m icefall_ext.bin.config_value "$conf" endpointing.late_scales); do
  awk -v w="$w" 'BEGIN { exit !(w == 0) }' && twin=$exp_dir/eos_late_$w
  model=$exp_dir/eos_late_$w
  checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$model" --avg 1)
  utils/run_once.sh --inputs "$checkpoints $conf:model $conf:endpointing $lang/bpe.model$cut_files" \
    "$exp_dir/endpoints/eos-late-$w/.done" \
    python -m icefall_ext.bin.decode_eos_endpoints --config "$conf" --exp-dir "$model" --bpe-model "$lang/bpe.model" \
      --avg 1 --system "eos-late-$w" --out-exp-dir "$exp_dir" --test-cuts "${test_cuts[@]}"
done

chunk=$(python -m icefall_ext.bin.config_value "$conf" endpointing.chunk_frames)
steps/export_onnx.sh --streaming true --avg 1 "$conf" "$lang" "$twin"
onnx_dir=$twin/onnx_streaming/chunk-$chunk
[ -f "$onnx_dir/encoder.onnx" ] || { echo "$0: $onnx_dir: no streaming export at endpointing.chunk_frames $chunk (add it to streaming.chunk_frames)" 1>&2; exit 1; }
for rule2 in default $(python -m icefall_ext.bin.config_value "$conf" endpointing.rule2_sweep); do
  if [ "$rule2" = default ]; then system=rules-default; rule=(); else system=rules-rule2-$rule2; rule=(--rule2 "$rule2"); fi
  utils/run_once.sh --inputs "$onnx_dir/encoder.onnx $onnx_dir/decoder.onnx $onnx_dir/joiner.onnx $conf:endpointing$cut_files" \
    "$exp_dir/endpoints/$system/.done" \
    python -m icefall_ext.bin.decode_rule_endpoints --config "$conf" --onnx-dir "$onnx_dir" "${rule[@]}" \
      --system "$system" --out-exp-dir "$exp_dir" --test-cuts "${test_cuts[@]}"
done
