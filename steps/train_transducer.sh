#!/usr/bin/env bash
# Trains a transducer on precomputed features (icefall's train.py); resumes from the last
# <exp-dir>/epoch-N.pt, and a finished training does nothing.
#   steps/train_transducer.sh [options] <conf> <fbank-dir> <lang-dir> <exp-dir>
# Reads <fbank-dir>/cuts_{<train-set>,<dev-set>,noise}.jsonl.gz; logs in <exp-dir>/log/.
set -euo pipefail

train_set=train
dev_set=dev
device=cpu          # cpu or cuda
world_size=1        # >1: torchrun --nproc_per_node $world_size
trainer_cmd=        # job runner, e.g. "$cuda_cmd" (cmd.sh); empty: this shell
use_amp=false       # mixed precision (float16 on CUDA, bfloat16 on CPU)
help_message="Usage: $0 [--train-set S] [--dev-set S] [--device cpu|cuda] [--world-size N] [--trainer-cmd CMD] [--use-amp B] <conf> <fbank-dir> <lang-dir> <exp-dir>"

. utils/parse_options.sh
if [ $# -ne 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
fbank=$2
lang=$3
exp_dir=$4

launcher=(python)
[ "$world_size" -gt 1 ] && launcher=(torchrun --standalone --nproc_per_node "$world_size")
train=("${launcher[@]}" -m icefall_ext.bin.train --config "$conf" --exp-dir "$exp_dir" --device "$device"
  --train-cuts "$fbank/cuts_$train_set.jsonl.gz" --dev-cuts "$fbank/cuts_$dev_set.jsonl.gz"
  --noise-cuts "$fbank/cuts_noise.jsonl.gz" --bpe-model "$lang/bpe.model")
$use_amp && train+=(--use-amp)
if [ -n "$trainer_cmd" ]; then
  resources=(--num-threads "$world_size")
  [ "$device" = cuda ] && resources+=(--gpu "$world_size")
  echo "$0: training runs through $trainer_cmd; its output goes to $exp_dir/log/train.log"
  $trainer_cmd "${resources[@]}" "$exp_dir/log/train.log" "${train[@]}"
else
  "${train[@]}"
fi
