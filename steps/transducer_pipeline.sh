#!/usr/bin/env bash
# The stages every transducer ASR recipe shares, after its corpus-specific data stages:
#   3 tokens, 4 train, 5 decode, 6 score, 7 export, 8 sherpa-onnx decode + score, 9 RESULTS.md.
#
#   steps/transducer_pipeline.sh [options] <data-dir> <exp-dir>
# <data-dir> holds manifests/<prefix>cuts_<set>.jsonl.gz (audio) and fbank/cuts_<set>.jsonl.gz
# (features); the tokens go to <data-dir>/lang_bpe. Options as variables below.
set -euo pipefail

stage=3
stop_stage=9
conf=conf/tiny.yaml
manifest_prefix=""        # e.g. fsdd_ for data/manifests/fsdd_cuts_test.jsonl.gz
train_set=train
dev_set=dev
test_sets="test"
device=cpu
world_size=1
trainer_cmd=""            # job runner for stage 4, e.g. "$cuda_cmd"; empty: this shell
use_amp=false             # mixed precision training (float16 on CUDA)
epoch=
avg=
results=RESULTS.md
title=Results
cmdline=""
help_message="Usage: $0 [options] <data-dir> <exp-dir>"

. utils/parse_options.sh

if [ $# -ne 2 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
data_dir=$1
exp_dir=$2

. utils/log.sh

manifests=$data_dir/manifests
fbank=$data_dir/fbank
lang=$data_dir/lang_bpe
epoch_avg_args=()
[ -n "$epoch" ] && epoch_avg_args+=(--epoch "$epoch")
[ -n "$avg" ] && epoch_avg_args+=(--avg "$avg")
methods=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)

test_cuts() {  # NAME=PATH for every test set; $1: path prefix of the manifests
  for part in $test_sets; do echo "$part=$1$part.jsonl.gz"; done
}

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: sentencepiece tokens -> $lang"
  if [ ! -f "$lang/tokens.txt" ]; then
    python -m icefall_ext.bin.train_bpe --config "$conf" --lang-dir "$lang" \
      --cuts "$manifests/${manifest_prefix}cuts_$train_set.jsonl.gz"
  fi
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: train the transducer in $exp_dir (device $device, world size $world_size; log in $exp_dir/log)"
  launcher=(python)
  [ "$world_size" -gt 1 ] && launcher=(torchrun --standalone --nproc_per_node "$world_size")
  train=("${launcher[@]}" -m icefall_ext.bin.train --config "$conf" --exp-dir "$exp_dir" --device "$device"
    --train-cuts "$fbank/cuts_$train_set.jsonl.gz" --dev-cuts "$fbank/cuts_$dev_set.jsonl.gz"
    --noise-cuts "$fbank/cuts_noise.jsonl.gz" --bpe-model "$lang/bpe.model")
  $use_amp && train+=(--use-amp)
  if [ -n "$trainer_cmd" ]; then
    resources=(--num-threads "$world_size")
    [ "$device" = cuda ] && resources+=(--gpu "$world_size")
    log "Training runs through $trainer_cmd; its output goes to $exp_dir/log/train.log"
    $trainer_cmd "${resources[@]}" "$exp_dir/log/train.log" "${train[@]}"
  else
    "${train[@]}"
  fi
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: decode $test_sets with PyTorch"
  # shellcheck disable=SC2046
  python -m icefall_ext.bin.decode --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${epoch_avg_args[@]}" --test-cuts $(test_cuts "$fbank/cuts_")
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "Stage 6: score"
  for m in $methods; do python -m icefall_ext.bin.score "$exp_dir/$m"; done
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "Stage 7: export to ONNX for sherpa-onnx -> $exp_dir/onnx"
  python -m icefall_ext.bin.export_onnx --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${epoch_avg_args[@]}"
fi

if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "Stage 8: decode $test_sets with sherpa-onnx (1 thread) and score"
  # shellcheck disable=SC2046,SC2086
  python -m icefall_ext.bin.sherpa_decode --onnx-dir "$exp_dir/onnx" --decoding-method $methods \
    --beam "$(python -m icefall_ext.bin.config_value "$conf" decode.beam)" \
    --test-cuts $(test_cuts "$manifests/${manifest_prefix}cuts_")
  for m in $methods; do python -m icefall_ext.bin.score "$exp_dir/onnx/$m"; done
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: $results"
  # shellcheck disable=SC2086
  python -m icefall_ext.bin.write_results --exp-dir "$exp_dir" --test-sets $test_sets \
    --command "$cmdline" --title "$title" --out "$results"
fi
