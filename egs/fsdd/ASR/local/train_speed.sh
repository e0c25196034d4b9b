#!/usr/bin/env bash
# The CUDA path of this recipe: trains the tiny config on the GPU with float16 mixed precision
# for a few hundred steps, decodes the dev set with that model, and prints steps/second beside
# the CPU figure; the table then goes into RESULTS.md (stage 10). Run where a GPU is present:
#   local/train_speed.sh                      # cpu and cuda
#   local/train_speed.sh --devices cpu        # the CPU row alone (any machine)
# Prepares the data first (run.sh stages 0-3) when it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
conf=conf/tiny.yaml
data_dir=data
exp_dir=exp/transducer
results=RESULTS.md
devices="cpu cuda"
steps=300              # timed CUDA steps
cpu_steps=40           # timed CPU steps
prepare_opts=          # run.sh options of the data it prepares or checks, e.g. "--test-speakers yweweler"
. utils/parse_options.sh
. ./path.sh

# shellcheck disable=SC2086
./run.sh --stop-stage 3 --conf "$conf" --data-dir "$data_dir" --exp-dir "$exp_dir" $prepare_opts
fbank=$data_dir/fbank
# shellcheck disable=SC2086
python -m icefall_ext.bin.train_speed --config "$conf" --train-cuts "$fbank/cuts_train.jsonl.gz" \
  --dev-cuts "$fbank/cuts_dev.jsonl.gz" --noise-cuts "$fbank/cuts_noise.jsonl.gz" \
  --bpe-model "$data_dir/lang_bpe/bpe.model" --devices $devices --steps "$steps" --cpu-steps "$cpu_steps" \
  --use-amp --out "$exp_dir/train_speed.json"
# shellcheck disable=SC2086
./run.sh --stage 10 --stop-stage 10 --conf "$conf" --data-dir "$data_dir" --exp-dir "$exp_dir" --results "$results" $prepare_opts
