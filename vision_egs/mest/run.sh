#!/usr/bin/env bash
# MEST (memory-economic sparse training, NeurIPS'21) against dense, small-dense, static, SET and RigL
# on CIFAR-10, with forgetting-based data efficiency and training-memory accounting.
#
#   ./run.sh --data-source folder --corpus-dir ../../../shared/data/cifar10_subset   # tiny config (~2.5 h)
#   ./run.sh --conf conf/ci.yaml                                                     # embedded subset, CI
#   ./run.sh --data-source cifar10 --corpus-dir download --download true --conf conf/full.yaml
#   ./run.sh --stage 3                                                               # re-write RESULTS.md
#
# Stages: 0 check config and data, 1 train every run (methods x settings x seeds, data efficiency),
#         2 block-scheme step times, 3 RESULTS.md. Each stage skips work already done; stage 1 runs
#         as --nj jobs through --cmd, stage 2 as one job through --timing-cmd (cmd.sh).
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=1                  # jobs of stage 1 (each trains every nj-th run)
cmd=$train_cmd        # job runner of stage 1 (cmd.sh)
timing_cmd=$timing_cmd  # job runner of stage 2: one job, on the measured machine
conf=conf/tiny.yaml
data_source=          # embedded | folder | cifar10; empty: data.source of the config
corpus_dir=           # DIR/{train,test}/<class>/*.png (folder) or the CIFAR-10 root (cifar10)
download=false        # stage 0 fetches CIFAR-10 into --corpus-dir (with --data-source cifar10)
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 3
. ./path.sh
. utils/log.sh

stage_times=$exp_dir/log/stage_times.tsv
logs=$exp_dir/log
data_args=()
[ -n "$data_source" ] && data_args+=(--data-source "$data_source")
[ -n "$corpus_dir" ] && data_args+=(--corpus-dir "$corpus_dir")

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: check config, schemes, bounds and data"
  download_arg=()
  $download && download_arg=(--download)
  python -m vision_egs.mest.bin.check_inputs --config "$conf" "${data_args[@]}" "${download_arg[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: train every run -> $exp_dir/runs/<run> (nj=$nj, $logs/train.*.log)"
  timed_stage "$stage_times" 1 $cmd JOB=1:"$nj" "$logs/train.JOB.log" \
    python -m vision_egs.mest.bin.train_sparse --config "$conf" --exp-dir "$exp_dir" \
      --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: block-scheme step times -> $exp_dir/step_times.json (one job, $logs/measure.log)"
  timed_stage "$stage_times" 2 $timing_cmd "$logs/measure.log" \
    python -m vision_egs.mest.bin.measure_steps --config "$conf" --exp-dir "$exp_dir"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: $results"
  python -m vision_egs.mest.bin.write_results --config "$conf" --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
