#!/usr/bin/env bash
# CDD-RED: reverse engineering of adversarial perturbations (class-discriminative denoising),
# with the baselines DO (denoise only) and DS (denoised smoothing), on CIFAR-10.
#
#   ./run.sh                                              # tiny config, embedded CIFAR-10 subset
#   ./run.sh --data-source folder --data-dir ../../../shared/data/cifar10_subset
#   ./run.sh --data-source cifar10 --data-dir download --download true --conf conf/full.yaml --device cuda
#   ./run.sh --stage 4                                     # re-evaluate and re-write RESULTS.md
#
# Stages: 0 data, 1 victims + surrogate, 2 adversarial examples (torchattacks), 3 denoisers
#         DO/DS/CDD-RED, 4 evaluation, 5 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="$0 $*"
cd "$(dirname "$0")"

stage=0
stop_stage=100
conf=conf/tiny.yaml
data_source=          # embedded | folder | cifar10; empty: data.source of the config
data_dir=             # image folder (DIR/{train,test}/<class>/*.png) or CIFAR-10 root
download=false        # stage 0 fetches CIFAR-10 into --data-dir (with --data-source cifar10)
exp_dir=exp
results=RESULTS.md
device=cpu            # cpu or cuda (classifier and denoiser training)

help_message=$(sed -n '2,11p' run.sh | sed 's/^# \{0,1\}//')
. utils/parse_options.sh

. ./path.sh
. utils/log.sh

stage_times=$exp_dir/log/stage_times.tsv

data_args=()
[ -n "$data_source" ] && data_args+=(--data-source "$data_source")
[ -n "$data_dir" ] && data_args+=(--data-dir "$data_dir")
$download && data_args+=(--download)

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: check the data ${data_source:+($data_source $data_dir)}"
  timed_stage "$stage_times" 0 python -m vision_egs.red.bin.check_data --config "$conf" "${data_args[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: train the victim classifiers and the surrogate -> $exp_dir/classifiers"
  timed_stage "$stage_times" 1 python -m vision_egs.red.bin.train_classifiers --config "$conf" --exp-dir "$exp_dir" --device "$device" "${data_args[@]}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: adversarial examples -> $exp_dir/adv"
  timed_stage "$stage_times" 2 python -m vision_egs.red.bin.make_adversarial --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: train the denoisers -> $exp_dir/denoisers"
  timed_stage "$stage_times" 3 python -m vision_egs.red.bin.train_denoisers --config "$conf" --exp-dir "$exp_dir" --device "$device"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: evaluate -> $exp_dir/eval"
  timed_stage "$stage_times" 4 python -m vision_egs.red.bin.evaluate --config "$conf" --exp-dir "$exp_dir"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m vision_egs.red.bin.write_results --config "$conf" --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
