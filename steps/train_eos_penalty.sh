#!/usr/bin/env bash
# The <eos> latency-penalty sweep: fine-tunes a trained <eos> transducer at every late weight of
# endpointing.late_scales (icefall_ext.bin.train_eos_penalty; weight 0: the same fine-tuning with
# no penalty, the twin every penalised model is compared with).
#   steps/train_eos_penalty.sh [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <align-dir> <fbank-dir>
# Reads <align-dir>/cuts_{train,dev}.jsonl.gz (steps/align_transducer.sh) and the noise cuts of
# <fbank-dir>; writes <exp-dir>/eos_late_<W>/epoch-N.pt. An interrupted fine-tuning resumes from its
# last checkpoint; a finished one is skipped (marker <exp-dir>/eos_late_<W>/.train.done), and one
# whose source checkpoints, model section, BPE model or cuts changed stops with a line naming the
# folder to remove (utils/run_once.sh --on-change stop).
set -euo pipefail

epoch=
avg=
help_message="Usage: $0 [--epoch E] [--avg A] <conf> <lang-dir> <exp-dir> <align-dir> <fbank-dir>"

. utils/parse_options.sh
if [ $# -ne 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3
align_dir=$4
fbank=$5

args=()
[ -n "$epoch" ] && args+=(--epoch "$epoch")
[ -n "$avg" ] && args+=(--avg "$avg")
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
for w in $(python -m icefall_ext.bin.config_value "$conf" endpointing.late_scales); do
  out=$exp_dir/eos_late_$w
  echo "$0: late weight $w -> $out (log in $out/log)"
  utils/run_once.sh --on-change stop \
    --inputs "$checkpoints $conf:model $lang/bpe.model $align_dir/cuts_train.jsonl.gz $align_dir/cuts_dev.jsonl.gz" \
    "$out/.train.done" python -m icefall_ext.bin.train_eos_penalty --config "$conf" --src-exp-dir "$exp_dir" "${args[@]}" \
    --bpe-model "$lang/bpe.model" --train-cuts "$align_dir/cuts_train.jsonl.gz" --dev-cuts "$align_dir/cuts_dev.jsonl.gz" \
    --noise-cuts "$fbank/cuts_noise.jsonl.gz" --late-scale "$w" --exp-dir "$out"
done
