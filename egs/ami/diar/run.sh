#!/usr/bin/env bash
# Meeting diarisation on real AMI array audio (Array1: 8 mics, 10 cm radius) with the four
# diarisers of egs/meeting/diar; reference turns from AMI's manual annotations via lhotse.
#
#   ./run.sh --corpus-dir /path/to/amicorpus        # AMI's layout, annotations inside or --annotations-dir
#   ./run.sh --download true                       # fetch AMI's array audio first (about 100 GB)
#
# Stages: 0 download, 1 prepare (lhotse), 2 front end, 3 diarise (operating points from dev),
#         4 score on test, 5 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2
cmd=$train_cmd
conf=conf/tiny.yaml
corpus_dir=
annotations_dir=
download=false
dl_dir=download/ami
data_dir=data
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 5

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

stage_times=$exp_dir/log/stage_times.tsv

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  if [ -n "$corpus_dir" ]; then
    log "Stage 0: --corpus-dir $corpus_dir given, no download"
  elif $download; then
    log "Stage 0: download AMI (mdm) into $dl_dir"
    python local/download_ami.py "$dl_dir"
  else
    echo "$0: error: give --corpus-dir (AMI's layout) or --download true" >&2
    exit 1
  fi
fi
[ -z "$corpus_dir" ] && corpus_dir=$dl_dir

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: prepare AMI -> $data_dir/{dev,test}"
  timed_stage "$stage_times" 1 utils/run_once.sh --inputs "local/prepare_ami.py" --on-change stop "$data_dir/.ami.done" \
    python local/prepare_ami.py --corpus-dir "$corpus_dir" --output-dir "$data_dir" \
      ${annotations_dir:+--annotations-dir "$annotations_dir"}
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: front end -> $exp_dir/frontend"
  mkdir -p "$exp_dir/frontend/log"
  timed_stage "$stage_times" 2 $cmd JOB=1:$nj "$exp_dir/frontend/log/frontend.JOB.log" \
    python -m diarization.bin.frontend --config "$conf" --data-root "$data_dir" --sets dev test \
      --out-dir "$exp_dir/frontend" --job JOB --num-jobs $nj
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: diarise -> $exp_dir/diar"
  timed_stage "$stage_times" 3 python -m diarization.bin.diarize --config "$conf" --frontend-dir "$exp_dir/frontend" \
    --data-root "$data_dir" --dev-sets dev --test-sets test --exp-dir "$exp_dir/diar"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: score -> $exp_dir/diar/scores.json"
  timed_stage "$stage_times" 4 python -m diarization.bin.score --config "$conf" --data-root "$data_dir" \
    --frontend-dir "$exp_dir/frontend" --test-sets test --exp-dir "$exp_dir/diar"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m diarization.bin.write_results --config "$conf" --exp-dir "$exp_dir/diar" \
    --title "AMI (Array1)" --command "$cmdline" --out "$results" --stage-times "$stage_times"
fi
