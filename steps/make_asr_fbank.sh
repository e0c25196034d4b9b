#!/usr/bin/env bash
# Features for an ASR recipe: synthetic noise for CutMix, the training set with the config's
# speed and volume perturbation, and every other set, each through steps/make_fbank.sh.
#   steps/make_asr_fbank.sh [--nj 4] [--cmd utils/run.pl] --conf conf/tiny.yaml \
#     <data-dir> <manifest-prefix> <train-set> "<other sets>"
# Reads <data-dir>/manifests/<prefix>cuts_<set>.jsonl.gz, writes <data-dir>/fbank/cuts_<set>.jsonl.gz.
set -euo pipefail

nj=4
cmd=utils/run.pl
conf=conf/tiny.yaml
help_message="Usage: $0 [--nj N] [--cmd CMD] --conf CONF <data-dir> <manifest-prefix> <train-set> \"<other sets>\""

. utils/parse_options.sh

if [ $# -ne 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
data_dir=$1
prefix=$2
train_set=$3
other_sets=$4
manifests=$data_dir/manifests
fbank=$data_dir/fbank

[ -f "$manifests/noise_cuts.jsonl.gz" ] || python "$TOOLKIT_ROOT/local/make_noise.py" --config "$conf" --output-dir "$data_dir"
steps/make_fbank.sh --nj "$nj" --cmd "$cmd" "$manifests/noise_cuts.jsonl.gz" "$fbank" noise
steps/make_fbank.sh --nj "$nj" --cmd "$cmd" \
  --speed-perturb "$(python -m icefall_ext.bin.config_value "$conf" features.speed_perturb)" \
  --volume-perturb-db "$(python -m icefall_ext.bin.config_value "$conf" features.volume_perturb_db)" \
  "$manifests/${prefix}cuts_$train_set.jsonl.gz" "$fbank" "$train_set"
for part in $other_sets; do
  steps/make_fbank.sh --nj "$nj" --cmd "$cmd" "$manifests/${prefix}cuts_$part.jsonl.gz" "$fbank" "$part"
done
