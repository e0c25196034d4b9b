#!/usr/bin/env bash
# Connected-digit transducer ASR on real speech (Free Spoken Digit Dataset), from the corpus
# to a scored model decoded by sherpa-onnx.
#
#   ./run.sh                                   # every stage, tiny config, embedded corpus subset
#   ./run.sh --corpus-dir /path/to/fsdd/recordings --test-speakers "nicolas"
#   ./run.sh --download true                   # fetch the full corpus first (needs internet)
#   ./run.sh --stage 5 --stop-stage 6          # re-decode and re-score only
#
# Stages: 0 download, 1 prepare, 2 fbank, 3 tokens, 4 train, 5 decode, 6 score, 7 export,
#         8 sherpa-onnx decode + score, 9 long files (cut at pauses and whole) + score,
#         10 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2                   # parallel feature-extraction jobs
cmd=$train_cmd         # job runner for parallel steps (cmd.sh)
conf=conf/tiny.yaml    # recipe config (YAML): corpus, features, tokens, model, train, decode
corpus_dir=            # folder of FSDD recordings; empty: the embedded subset, or the download
download=false         # stage 0 fetches the full corpus into $dl_dir (skipped with --corpus-dir)
dl_dir=download
test_speakers=nicolas  # speakers held out for the speaker-open test (any speaker in the corpus)
data_dir=data
exp_dir=exp/transducer
results=RESULTS.md
device=cpu             # cpu or cuda
world_size=1           # >1 trains with torchrun --nproc_per_node $world_size
trainer_cmd=           # job runner for training, e.g. "$cuda_cmd" (cmd.sh); empty: this shell
use_amp=false          # mixed precision training (float16 on CUDA)
epoch=                 # checkpoint to decode/export; empty: the last
avg=                   # checkpoints to average; empty: decode.avg of the config
long_min_duration=     # stage 9: long files of one test speaker's utterances, min-max seconds;
long_max_duration=     #   empty: corpus.long_file_duration of the config (20-36 s by default)

. utils/parse_options.sh
. utils/check_stages.sh 10

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

tests="test test_open test_quiet test_open_quiet test_nopause test_silence"  # icefall_ext.data.connected_digits
manifests=$data_dir/manifests
fbank=$data_dir/fbank
lang=$data_dir/lang_bpe
method_list=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)  # a bad config stops here, in one line
read -r -a methods <<< "$method_list"

. "$TOOLKIT_ROOT/local/fsdd_corpus.sh"

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: prepare manifests and the connected-digit corpus from $corpus_dir"
  utils/run_once.sh --inputs "$TOOLKIT_ROOT/local/prepare_fsdd.py $conf:corpus" --on-change stop "$manifests/.fsdd.done" \
    python "$TOOLKIT_ROOT/local/prepare_fsdd.py" --corpus-dir "$corpus_dir" \
    --config "$conf" --test-speakers "$test_speakers" --output-dir "$data_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: fbank features (kaldi-native-fbank, 80 bins) with $nj jobs"
  steps/make_asr_fbank.sh --nj "$nj" --cmd "$cmd" --conf "$conf" "$data_dir" fsdd_ train "dev $tests"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: sentencepiece tokens -> $lang"
  steps/train_bpe.sh "$conf" "$manifests/fsdd_cuts_train.jsonl.gz" "$lang"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: train the transducer in $exp_dir (device $device, world size $world_size; log in $exp_dir/log)"
  steps/train_transducer.sh --device "$device" --world-size "$world_size" --trainer-cmd "$trainer_cmd" \
    --use-amp "$use_amp" "$conf" "$fbank" "$lang" "$exp_dir"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: decode $tests with PyTorch (${methods[*]})"
  # shellcheck disable=SC2086
  steps/decode_transducer.sh --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir" "$fbank" $tests
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "Stage 6: score"
  steps/score.sh "${methods[@]/#/$exp_dir/}"
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "Stage 7: export to ONNX for sherpa-onnx -> $exp_dir/onnx"
  steps/export_onnx.sh --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir"
fi

if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "Stage 8: decode $tests with sherpa-onnx (1 thread) and score"
  # shellcheck disable=SC2086
  steps/decode_sherpa_onnx.sh "$conf" "$exp_dir/onnx" "$manifests/fsdd_cuts_" $tests
  steps/score.sh "${methods[@]/#/$exp_dir/onnx/}"
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  read -r config_min config_max <<< "$(python -m icefall_ext.bin.config_value "$conf" corpus.long_file_duration)"
  long_min_duration=${long_min_duration:-$config_min}
  long_max_duration=${long_max_duration:-$config_max}
  log "Stage 9: long files ($long_min_duration-$long_max_duration s of test utterances): decode cut at pauses and whole, score"
  steps/decode_long_files.sh --epoch "$epoch" --avg "$avg" --min-duration "$long_min_duration" \
    --max-duration "$long_max_duration" "$conf" "$lang" "$exp_dir" "$manifests/fsdd_cuts_test.jsonl.gz" "$data_dir/test_long"
  steps/score.sh "${methods[@]/#/$exp_dir/}"
fi

if [ "$stage" -le 10 ] && [ "$stop_stage" -ge 10 ]; then
  log "Stage 10: $results"
  # shellcheck disable=SC2086
  steps/write_results.sh --title "FSDD connected digits: transducer ($conf)" --command "$cmdline" \
    "$conf" "$exp_dir" "$manifests/fsdd_cuts_" "$results" $tests
fi
