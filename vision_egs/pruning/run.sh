#!/usr/bin/env bash
# Fine-grained structured pruning with pruning-scheme mapping and a compiler path that turns
# sparsity into real CPU speed (Gong et al., TODAES 2022), on CIFAR-10.
#
#   ./run.sh                                              # tiny config, embedded CIFAR-10 subset
#   ./run.sh --data-source folder --corpus-dir ../../../shared/data/cifar10_subset
#   ./run.sh --data-source cifar10 --corpus-dir download --download true --conf conf/full.yaml
#   ./run.sh --nj 8 --cmd "utils/slurm.pl --mem 4G"        # training as 8 jobs on Slurm, timing here
#   ./run.sh --stage 5                                     # re-write RESULTS.md
#
# Stages: 0 dense models, 1 latency table of this machine, 2 mapping (rule, search), 3 prune and
#         fine-tune (uniform schemes and both mappings), 4 compile and measure, 5 RESULTS.md.
#         Each stage skips work already done. The training stages (0, 3) run as --nj jobs through
#         --cmd, the timing stages (1, 2, 4) as one job each through --timing-cmd (cmd.sh); logs
#         in exp/log/<stage>.JOB.log.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=1                  # jobs of stages 0 and 3 (one per model, or per model and variant, at most);
                      # each already uses latency.threads cores, so more than 1 pays off on a cluster
cmd=$train_cmd        # job runner of the training stages (cmd.sh), e.g. "utils/slurm.pl --mem 4G"
timing_cmd=$timing_cmd  # job runner of the timing stages (cmd.sh): one job each, on the measured machine
conf=conf/tiny.yaml
data_source=          # embedded | folder | cifar10; empty: data.source of the config
corpus_dir=           # input images: DIR/{train,test}/<class>/*.png (folder) or the CIFAR-10 root
                      # (cifar10); empty: the embedded subset (embedded needs none)
download=false        # stage 0 fetches CIFAR-10 into --corpus-dir (with --data-source cifar10)
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 5
[ -z "$timing_cmd" ] && echo "$0: empty argument to --timing-cmd option" 1>&2 && exit 1

. ./path.sh
. utils/log.sh

# Latency is measured with glibc keeping freed memory instead of returning every large activation
# to the kernel (a fresh mmap per tensor costs page faults that dwarf small convs); every model runs
# under the same setting.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1000000000}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1000000000}

stage_times=$exp_dir/log/stage_times.tsv
logs=$exp_dir/log
data_args=()
[ -n "$data_source" ] && data_args+=(--data-source "$data_source")
[ -n "$corpus_dir" ] && data_args+=(--corpus-dir "$corpus_dir")

# The timing stages (1, 2, 4) are one job each, whatever --nj: a latency measured beside other
# jobs measures the contention, and the table (1), the calibration of the mappings (2) and the
# final measurement (4) must all time the same machine, the one RESULTS.md describes.

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: check config and data, train the dense models -> $exp_dir/<arch>/dense (nj=$nj, $logs/dense.*.log)"
  # The check runs in this shell, not through $cmd: its one-line error belongs on the terminal, and
  # it is the one step that downloads (the parallel jobs would race on it).
  download_arg=()
  $download && download_arg=(--download)
  python -m vision_egs.pruning.bin.check_inputs --config "$conf" "${data_args[@]}" "${download_arg[@]}"
  timed_stage "$stage_times" 0 $cmd JOB=1:"$nj" "$logs/dense.JOB.log" \
    python -m vision_egs.pruning.bin.train_dense --config "$conf" --exp-dir "$exp_dir" \
      --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: latency table of this machine -> $exp_dir/latency_table.json (one job, $logs/latency_table.log)"
  timed_stage "$stage_times" 1 $timing_cmd "$logs/latency_table.log" \
    python -m vision_egs.pruning.bin.build_latency_table --config "$conf" --exp-dir "$exp_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: map schemes to layers (rule, search) -> $exp_dir/<arch>/mapping (one job, $logs/map.log)"
  timed_stage "$stage_times" 2 $timing_cmd "$logs/map.log" \
    python -m vision_egs.pruning.bin.map_schemes --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: prune and fine-tune -> $exp_dir/<arch>/pruned (nj=$nj, $logs/prune.*.log)"
  timed_stage "$stage_times" 3 $cmd JOB=1:"$nj" "$logs/prune.JOB.log" \
    python -m vision_egs.pruning.bin.prune_finetune --config "$conf" --exp-dir "$exp_dir" \
      --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: compile, measure accuracy and latency -> $exp_dir/<arch>/measure.json (one job, $logs/measure.log)"
  timed_stage "$stage_times" 4 $timing_cmd "$logs/measure.log" \
    python -m vision_egs.pruning.bin.measure --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m vision_egs.pruning.bin.write_results --config "$conf" --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
