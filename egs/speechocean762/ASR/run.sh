#!/usr/bin/env bash
# Transducer ASR on speechocean762 (Mandarin-L1 children and adults reading English), from the
# corpus to a scored model decoded by sherpa-onnx; dev = 10 upstream-train speakers (5 children,
# 5 adults), test = upstream test. No published ASR result to compare with: reported as measured.
#
#   ./run.sh --corpus-dir /path/to/speechocean762  # OpenSLR 101's release (.WAV) or an .opus copy
#   ./run.sh --download true                       # fetch speechocean762.tar.gz into download/ first
#   ./run.sh --corpus-dir DIR --stage 5            # re-decode, re-score, re-export from the trained model
#
# Stages: 0 download, 1 prepare, 2 fbank, 3 tokens, 4 train, 5 decode, 6 score, 7 export,
#         8 sherpa-onnx decode + score, 9 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2                   # parallel feature-extraction jobs
cmd=$train_cmd         # job runner for parallel steps (cmd.sh)
conf=conf/tiny.yaml    # recipe config (YAML): features, tokens, model, train, decode, results
corpus_dir=            # the speechocean762/ folder (train/, test/, WAVE/); empty: $dl_dir/speechocean762
download=false         # stage 0 fetches OpenSLR 101 into $dl_dir (skipped with --corpus-dir)
dl_dir=download
data_dir=data
exp_dir=exp/transducer
results=RESULTS.md
device=cpu             # cpu or cuda
world_size=1           # >1 trains with torchrun --nproc_per_node $world_size
trainer_cmd=           # job runner for training, e.g. "$cuda_cmd" (cmd.sh); empty: this shell
use_amp=false          # mixed precision training (float16 on CUDA)
epoch=                 # checkpoint to decode/export; empty: the last
avg=                   # checkpoints to average; empty: decode.avg of the config

. utils/parse_options.sh
. utils/check_stages.sh 9

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

tests="dev test"
manifests=$data_dir/manifests
fbank=$data_dir/fbank
lang=$data_dir/lang_bpe
method_list=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)  # a bad config stops here, in one line
read -r -a methods <<< "$method_list"

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  if [ -n "$corpus_dir" ]; then
    log "Stage 0: --corpus-dir $corpus_dir given, no download"
  elif $download; then
    log "Stage 0: download speechocean762 into $dl_dir"
    python "$TOOLKIT_ROOT/local/download_speechocean762.py" "$dl_dir"
  else
    echo "$0: give --corpus-dir DIR (speechocean762's layout: Kaldi dirs train/ and test/, WAVE/) or --download true" 1>&2
    exit 1
  fi
fi
[ -z "$corpus_dir" ] && corpus_dir=$dl_dir/speechocean762

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: lhotse manifests from $corpus_dir"
  utils/run_once.sh --inputs "$TOOLKIT_ROOT/local/prepare_speechocean762.py" --on-change stop "$manifests/.speechocean762.done" \
    python "$TOOLKIT_ROOT/local/prepare_speechocean762.py" --corpus-dir "$corpus_dir" --output-dir "$data_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: fbank features (kaldi-native-fbank, 80 bins) with $nj jobs"
  steps/make_asr_fbank.sh --nj "$nj" --cmd "$cmd" --conf "$conf" "$data_dir" speechocean762_ train "$tests"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: sentencepiece tokens -> $lang"
  steps/train_bpe.sh "$conf" "$manifests/speechocean762_cuts_train.jsonl.gz" "$lang"
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
  steps/decode_sherpa_onnx.sh "$conf" "$exp_dir/onnx" "$manifests/speechocean762_cuts_" $tests
  steps/score.sh "${methods[@]/#/$exp_dir/onnx/}"
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: $results"
  # shellcheck disable=SC2086
  steps/write_results.sh --title "speechocean762: transducer ($conf)" --command "$cmdline" \
    "$conf" "$exp_dir" "$manifests/speechocean762_cuts_" "$results" $tests
fi
