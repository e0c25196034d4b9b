#!/usr/bin/env bash
# CDD-RED: reverse engineering of adversarial perturbations (class-discriminative denoising),
# with the baselines DO (denoise only) and DS (denoised smoothing), on CIFAR-10.
#
#   ./run.sh                                              # tiny config, embedded CIFAR-10 subset
#   ./run.sh --data-source folder --corpus-dir ../../../shared/data/cifar10_subset
#   ./run.sh --data-source cifar10 --corpus-dir download --download true --conf conf/full.yaml --device cuda
#   ./run.sh --nj 3 --cmd "utils/slurm.pl --mem 4G"        # stages 1-3 as 3 jobs each, on Slurm
#   ./run.sh --stage 4                                     # re-evaluate and re-write RESULTS.md
#
# Stages: 0 data and config check, 1 victims + surrogate, 2 adversarial examples (torchattacks),
#         3 denoisers DO/DS/CDD-RED, 4 evaluation, 5 RESULTS.md. Each stage skips work already done;
#         stages 1-4 run through --cmd (cmd.sh), logs in exp/log/<stage>.JOB.log.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=1                  # jobs of stages 1-3 (one per classifier, attack set or denoiser at most); each
                      # already uses every core, so more than 1 pays off on a cluster
cmd=$train_cmd        # job runner (cmd.sh), e.g. "utils/slurm.pl --mem 4G"
conf=conf/tiny.yaml
data_source=          # embedded | folder | cifar10; empty: data.source of the config
corpus_dir=           # input images: DIR/{train,test}/<class>/*.png (folder) or the CIFAR-10 root
                      # (cifar10); empty: the embedded subset (embedded needs none)
download=false        # stage 0 fetches CIFAR-10 into --corpus-dir (with --data-source cifar10)
exp_dir=exp
results=RESULTS.md
device=cpu            # cpu or cuda (classifier and denoiser training)

. utils/parse_options.sh
. utils/check_stages.sh 5

. ./path.sh
. utils/log.sh

stage_times=$exp_dir/log/stage_times.tsv
logs=$exp_dir/log

data_args=()
[ -n "$data_source" ] && data_args+=(--data-source "$data_source")
[ -n "$corpus_dir" ] && data_args+=(--corpus-dir "$corpus_dir")
gpu=()
[ "$device" = cuda ] && gpu=(--gpu 1)

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: check the data and the config ${data_source:+($data_source $corpus_dir)}"
  # In this shell, not through $cmd: a quick check whose one-line error belongs on the terminal,
  # and the one step that downloads (stage 1's parallel jobs would race on it).
  download_arg=()
  $download && download_arg=(--download)
  timed_stage "$stage_times" 0 python -m vision_egs.red.bin.check_data --config "$conf" "${data_args[@]}" \
    "${download_arg[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: victim classifiers and surrogate -> $exp_dir/classifiers (nj=$nj, $logs/classifiers.*.log)"
  timed_stage "$stage_times" 1 $cmd "${gpu[@]}" JOB=1:"$nj" "$logs/classifiers.JOB.log" \
    python -m vision_egs.red.bin.train_classifiers --config "$conf" --exp-dir "$exp_dir" --device "$device" \
      --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: adversarial examples -> $exp_dir/adv (nj=$nj, $logs/adversarial.*.log)"
  timed_stage "$stage_times" 2 $cmd JOB=1:"$nj" "$logs/adversarial.JOB.log" \
    python -m vision_egs.red.bin.make_adversarial --config "$conf" --exp-dir "$exp_dir" \
      --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: train the denoisers -> $exp_dir/denoisers (nj=$nj, $logs/denoisers.*.log)"
  timed_stage "$stage_times" 3 $cmd "${gpu[@]}" JOB=1:"$nj" "$logs/denoisers.JOB.log" \
    python -m vision_egs.red.bin.train_denoisers --config "$conf" --exp-dir "$exp_dir" --device "$device" \
      --job JOB --num-jobs "$nj"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: evaluate -> $exp_dir/eval (one job, $logs/evaluate.log)"
  # One job whatever --nj: the evaluation draws one random stream (adaptive PGD, attributions)
  # across every row of one metrics.json; split into jobs, its numbers would differ from these.
  timed_stage "$stage_times" 4 $cmd "$logs/evaluate.log" \
    python -m vision_egs.red.bin.evaluate --config "$conf" --exp-dir "$exp_dir"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m vision_egs.red.bin.write_results --config "$conf" --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
