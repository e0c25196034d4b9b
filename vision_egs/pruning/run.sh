#!/usr/bin/env bash
# Fine-grained structured pruning with pruning-scheme mapping and a compiler path that turns
# sparsity into real CPU speed (Gong et al., TODAES 2022), on CIFAR-10.
#
#   ./run.sh                                              # tiny config, embedded CIFAR-10 subset
#   ./run.sh --data-source folder --data-dir ../../../shared/data/cifar10_subset
#   ./run.sh --data-source cifar10 --data-dir download --download true --conf conf/full.yaml
#   ./run.sh --stage 5                                     # re-write RESULTS.md
#
# Stages: 0 dense models, 1 latency table of this machine, 2 mapping (rule, search), 3 prune and
#         fine-tune (uniform schemes and both mappings), 4 compile and measure, 5 RESULTS.md.
#         Each stage skips work already done.
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

help_message=$(sed -n '2,12p' run.sh | sed 's/^# \{0,1\}//')
. utils/parse_options.sh

. ./path.sh
. utils/log.sh

# Latency is measured with glibc keeping freed memory instead of returning every large activation
# to the kernel (a fresh mmap per tensor costs page faults that dwarf small convs); every model runs
# under the same setting.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1000000000}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1000000000}

stage_times=$exp_dir/log/stage_times.tsv
data_args=()
[ -n "$data_source" ] && data_args+=(--data-source "$data_source")
[ -n "$data_dir" ] && data_args+=(--data-dir "$data_dir")
$download && data_args+=(--download)

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: train the dense models -> $exp_dir/<arch>/dense"
  timed_stage "$stage_times" 0 python -m vision_egs.pruning.bin.train_dense --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: latency table of this machine -> $exp_dir/latency_table.json"
  timed_stage "$stage_times" 1 python -m vision_egs.pruning.bin.build_latency_table --config "$conf" --exp-dir "$exp_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: map schemes to layers (rule, search) -> $exp_dir/<arch>/mapping"
  timed_stage "$stage_times" 2 python -m vision_egs.pruning.bin.map_schemes --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: prune and fine-tune -> $exp_dir/<arch>/pruned"
  timed_stage "$stage_times" 3 python -m vision_egs.pruning.bin.prune_finetune --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: compile, measure accuracy and latency -> $exp_dir/<arch>/measure.json"
  timed_stage "$stage_times" 4 python -m vision_egs.pruning.bin.measure --config "$conf" --exp-dir "$exp_dir" "${data_args[@]}"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m vision_egs.pruning.bin.write_results --config "$conf" --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
