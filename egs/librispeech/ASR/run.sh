#!/usr/bin/env bash
# Transducer ASR on LibriSpeech, the same stages as egs/fsdd/ASR.
#
#   ./run.sh --download true --conf conf/full.yaml      # paper-scale: fetch LibriSpeech (~60 GB) first
#   ./run.sh --corpus-dir /data/LibriSpeech --conf conf/full.yaml --device cuda --world-size 4
#   ./run.sh --corpus-dir /data/LibriSpeech --train-parts train-clean-100   # the 100-hour setup
#
# Stages: 0 download, 1 prepare (lhotse), 2 fbank, 3 tokens, 4 train, 5 decode, 6 score,
#         7 export, 8 sherpa-onnx decode + score, 9 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=4
cmd=$train_cmd
conf=conf/tiny.yaml
corpus_dir=            # folder holding train-clean-100/, dev-clean/, ... (LibriSpeech's layout)
download=false         # stage 0 fetches LibriSpeech into $dl_dir (skipped with --corpus-dir)
dl_dir=download
train_parts="train-clean-100 train-clean-360 train-other-500"
dev_part=dev-clean
test_parts="test-clean test-other"
data_dir=data
exp_dir=exp/transducer
results=RESULTS.md
device=cpu
world_size=1
trainer_cmd=           # job runner for training, e.g. "$cuda_cmd" (cmd.sh); empty: this shell
use_amp=false          # mixed precision training (float16 on CUDA)
epoch=
avg=

. utils/parse_options.sh
. utils/check_stages.sh 9

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

manifests=$data_dir/manifests
fbank=$data_dir/fbank
lang=$data_dir/lang_bpe
method_list=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)  # a bad config stops here, in one line
read -r -a methods <<< "$method_list"

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  if [ -n "$corpus_dir" ]; then
    log "Stage 0: --corpus-dir $corpus_dir given, no download"
  elif $download; then
    log "Stage 0: download LibriSpeech into $dl_dir"
    lhotse download librispeech --full "$dl_dir"
  else
    echo "$0: give --corpus-dir DIR (LibriSpeech's layout) or --download true" 1>&2
    exit 1
  fi
fi
[ -z "$corpus_dir" ] && corpus_dir=$dl_dir/LibriSpeech

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: lhotse manifests from $corpus_dir"
  # shellcheck disable=SC2086
  utils/run_once.sh --inputs "local/prepare_librispeech.py" --ignore "--nj" --on-change stop "$manifests/.librispeech.done" \
    python local/prepare_librispeech.py --corpus-dir "$corpus_dir" \
    --output-dir "$data_dir" --nj "$nj" --train-parts $train_parts --dev-part "$dev_part" --test-parts $test_parts
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: fbank features (kaldi-native-fbank, 80 bins) with $nj jobs"
  steps/make_asr_fbank.sh --nj "$nj" --cmd "$cmd" --conf "$conf" "$data_dir" librispeech_ train "dev $test_parts"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: sentencepiece tokens -> $lang"
  steps/train_bpe.sh "$conf" "$manifests/librispeech_cuts_train.jsonl.gz" "$lang"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: train the transducer in $exp_dir (device $device, world size $world_size; log in $exp_dir/log)"
  steps/train_transducer.sh --device "$device" --world-size "$world_size" --trainer-cmd "$trainer_cmd" \
    --use-amp "$use_amp" "$conf" "$fbank" "$lang" "$exp_dir"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: decode $test_parts with PyTorch (${methods[*]})"
  # shellcheck disable=SC2086
  steps/decode_transducer.sh --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir" "$fbank" $test_parts
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
  log "Stage 8: decode $test_parts with sherpa-onnx (1 thread) and score"
  # shellcheck disable=SC2086
  steps/decode_sherpa_onnx.sh "$conf" "$exp_dir/onnx" "$manifests/librispeech_cuts_" $test_parts
  steps/score.sh "${methods[@]/#/$exp_dir/onnx/}"
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: $results"
  # shellcheck disable=SC2086
  steps/write_results.sh --title "LibriSpeech: transducer ($conf)" --command "$cmdline" \
    "$conf" "$exp_dir" "$manifests/librispeech_cuts_" "$results" $test_parts
fi
