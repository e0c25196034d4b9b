#!/usr/bin/env bash
# Long files (20-36 s, one speaker's test utterances joined) decoded as `transcribe` does, cut at
# pauses, and decoded whole (icefall_ext.bin.make_long_files, icefall_ext.bin.decode_long_files).
#   steps/decode_long_files.sh [--epoch E] [--avg A] [--min-duration S] [--max-duration S] <conf> <lang-dir> <exp-dir> <test-cuts> <long-dir>
# Writes <long-dir>/{wav/,wav.scp,text} and <exp-dir>/<method>/recogs-test_long{,_unsegmented}-epoch-E-avg-A.txt
# (steps/score.sh scores them). Each part is skipped when its marker says it was made from the
# same inputs (utils/run_once.sh).
set -euo pipefail

epoch=          # empty: the last
avg=            # empty: decode.avg of the config
min_duration=20 # seconds of one long file: drawn in [min, max]
max_duration=36
help_message="Usage: $0 [--epoch E] [--avg A] [--min-duration S] [--max-duration S] <conf> <lang-dir> <exp-dir> <test-cuts> <long-dir>"

. utils/parse_options.sh
if [ $# -ne 5 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
lang=$2
exp_dir=$3
cuts=$4
long_dir=$5

args=()
[ -n "$epoch" ] && args+=(--epoch "$epoch")
[ -n "$avg" ] && args+=(--avg "$avg")
utils/run_once.sh --inputs "$cuts" "$long_dir/.done" \
  python -m icefall_ext.bin.make_long_files --cuts "$cuts" --out-dir "$long_dir" \
    --min-duration "$min_duration" --max-duration "$max_duration"
checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$exp_dir" "${args[@]}")
utils/run_once.sh --inputs "$checkpoints $conf:model $conf:decode $lang/bpe.model $long_dir/wav.scp $long_dir/text" \
  "$exp_dir/.decode_long.done" \
  python -m icefall_ext.bin.decode_long_files --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    "${args[@]}" --data-dir "$long_dir"
