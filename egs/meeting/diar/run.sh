#!/usr/bin/env bash
# Meeting diarisation with moving speakers on simulated array meetings: embedding-only AHC, AHC
# with a stationary location model, AHC with a Kalman filter per cluster, and a particle filter
# that tracks and diarises jointly.
#
#   ./run.sh                                   # tiny config, embedded FSDD speech
#   ./run.sh --corpus-dir /path/to/fsdd/recordings
#   ./run.sh --download true                   # fetch the full FSDD first (needs internet)
#   ./run.sh --stage 3                         # re-run the diarisers and the scoring
#
# Stages: 0 speech corpus, 1 simulate meetings, 2 front end (segments, DOA, embeddings),
#         3 diarise (operating points from the dev meetings), 4 score, 5 RESULTS.md.
#         Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2                   # parallel front-end jobs (each takes every nj-th set)
cmd=$train_cmd
conf=conf/tiny.yaml
corpus_dir=            # folder of FSDD recordings; empty: the embedded subset, or the download
download=false
dl_dir=download
data_dir=data
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 5

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

dev_sets="dev_stationary dev_moving"
test_sets="test_stationary test_moving"
stage_times=$exp_dir/log/stage_times.tsv

. "$TOOLKIT_ROOT/local/fsdd_corpus.sh"

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: simulate meetings -> $data_dir/{dev,test}_{stationary,moving}"
  timed_stage "$stage_times" 1 utils/run_once.sh --inputs "$TOOLKIT_ROOT/local/simulate_meetings.py $conf:simulation" \
    --on-change stop "$data_dir/.simulate.done" python "$TOOLKIT_ROOT/local/simulate_meetings.py" --corpus-dir "$corpus_dir" \
    --config "$conf" --output-dir "$data_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: front end (sub-segments, DOA, embeddings) -> $exp_dir/frontend"
  mkdir -p "$exp_dir/frontend/log"
  timed_stage "$stage_times" 2 $cmd JOB=1:$nj "$exp_dir/frontend/log/frontend.JOB.log" \
    python -m diarization.bin.frontend --config "$conf" --data-root "$data_dir" --sets $dev_sets $test_sets \
      --out-dir "$exp_dir/frontend" --job JOB --num-jobs $nj
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: diarise -> $exp_dir/diar/<diariser>/<set>/rttm"
  timed_stage "$stage_times" 3 python -m diarization.bin.diarize --config "$conf" --frontend-dir "$exp_dir/frontend" \
    --data-root "$data_dir" --dev-sets $dev_sets --test-sets $test_sets --exp-dir "$exp_dir/diar"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: score -> $exp_dir/diar/scores.json, $exp_dir/diar/plots"
  timed_stage "$stage_times" 4 python -m diarization.bin.score --config "$conf" --data-root "$data_dir" \
    --frontend-dir "$exp_dir/frontend" --dev-sets $dev_sets --test-sets $test_sets --exp-dir "$exp_dir/diar"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  python -m diarization.bin.write_results --config "$conf" --exp-dir "$exp_dir/diar" \
    --title "Simulated meetings" --command "$cmdline" --out "$results" --stage-times "$stage_times"
fi
