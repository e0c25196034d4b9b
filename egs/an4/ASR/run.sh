#!/usr/bin/env bash
# Transducer ASR on CMU AN4 (real read speech: spelled names, digits, control words), from the
# corpus to a scored model decoded by sherpa-onnx; split as ESPnet's egs2/an4 (train_dev = the
# first 100 train utterances), scored against ESPnet's published test WER.
#
#   ./run.sh --corpus-dir /path/to/an4           # CMU's release (.sph) or a FLAC copy, same layout
#   ./run.sh --download true                     # fetch an4_sphere.tar.gz (64 MB) into download/ first
#   ./run.sh --corpus-dir DIR --stage 5          # re-decode, re-score, re-export from the trained model
#   ./run.sh --corpus-dir DIR --conf conf/tiny_streaming.yaml --exp-dir exp/transducer_streaming   # causal, streaming
#   ./run.sh --corpus-dir DIR --conf conf/tiny_eos.yaml --exp-dir exp/transducer_eos   # + <eos> endpointing
#
# Stages: 0 download, 1 prepare, 2 fbank, 3 tokens, 4 train, 5 decode, 6 score, 7 export,
#         8 sherpa-onnx decode + score, then for a causal encoder (model.encoder.causal) only:
#         9 streaming decode (PyTorch, each chunk of streaming.chunk_frames, and full context),
#         10 score, 11 streaming export, 12 sherpa-onnx streaming decode + score; then for a causal
#         <eos> model (tokens.eos) only: 13 forced alignment, 14 latency-penalty fine-tuning sweep,
#         15 endpoint decodes (<eos> and sherpa-onnx's rules), 16 endpoint scoring; 17 RESULTS.md.
#         Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2                   # parallel feature-extraction jobs
cmd=$train_cmd         # job runner for parallel steps (cmd.sh)
conf=conf/tiny.yaml    # recipe config (YAML): features, tokens, model, train, decode, results
corpus_dir=            # the an4/ folder (etc/, wav/); empty: $dl_dir/an4 after --download true
download=false         # stage 0 fetches CMU's release into $dl_dir (skipped with --corpus-dir)
dl_dir=download
num_dev=100            # train utterances held out as dev (ESPnet's train_dev: the first 100 in C order)
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
. utils/check_stages.sh 17

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

tests="dev test"
manifests=$data_dir/manifests
fbank=$data_dir/fbank
lang=$data_dir/lang_bpe
if [ "$(python -m icefall_ext.bin.config_value "$conf" tokens.eos)" = True ]; then
  lang=${lang}_eos  # an <eos> model has tokens of its own
fi
method_list=$(python -m icefall_ext.bin.config_value "$conf" decode.methods)  # a bad config stops here, in one line
read -r -a methods <<< "$method_list"
causal=$(python -m icefall_ext.bin.config_value "$conf" model.encoder.causal)
read -r -a streaming_methods <<< "$(python -m icefall_ext.bin.config_value "$conf" streaming.methods)"
eos=$(python -m icefall_ext.bin.config_value "$conf" tokens.eos)
endpointing=false
[ "$causal" = True ] && [ "$eos" = True ] && endpointing=true

. "$TOOLKIT_ROOT/local/an4_corpus.sh"  # stages 0 (corpus folder) and 1 (lhotse manifests)

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: fbank features (kaldi-native-fbank, 80 bins) with $nj jobs"
  steps/make_asr_fbank.sh --nj "$nj" --cmd "$cmd" --conf "$conf" "$data_dir" an4_ train "$tests"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: sentencepiece tokens -> $lang"
  steps/train_bpe.sh "$conf" "$manifests/an4_cuts_train.jsonl.gz" "$lang"
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
  steps/decode_sherpa_onnx.sh "$conf" "$exp_dir/onnx" "$manifests/an4_cuts_" $tests
  steps/score.sh "${methods[@]/#/$exp_dir/onnx/}"
fi

if [ "$causal" != True ] && [ "$stage" -le 12 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stages 9-12: skipped, the encoder of $conf is not causal (model.encoder.causal: false): no streaming"
fi

if [ "$causal" = True ] && [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: streaming decode of $tests with PyTorch (${streaming_methods[*]}), and full context"
  # shellcheck disable=SC2086
  steps/decode_transducer.sh --streaming true --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir" "$fbank" $tests
fi

if [ "$causal" = True ] && [ "$stage" -le 10 ] && [ "$stop_stage" -ge 10 ]; then
  log "Stage 10: score the streaming and full-context decodes"
  steps/score.sh "${streaming_methods[@]/#/$exp_dir/streaming_}" "${streaming_methods[@]/#/$exp_dir/}"
fi

if [ "$causal" = True ] && [ "$stage" -le 11 ] && [ "$stop_stage" -ge 11 ]; then
  log "Stage 11: streaming export to ONNX for sherpa-onnx's OnlineRecognizer -> $exp_dir/onnx_streaming"
  steps/export_onnx.sh --streaming true --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir"
fi

if [ "$causal" = True ] && [ "$stage" -le 12 ] && [ "$stop_stage" -ge 12 ]; then
  log "Stage 12: streaming decode of $tests with sherpa-onnx's OnlineRecognizer and score"
  # shellcheck disable=SC2086
  steps/decode_sherpa_onnx_streaming.sh "$conf" "$exp_dir" "$manifests/an4_cuts_" $tests
  steps/score.sh "${streaming_methods[@]/#/$exp_dir/onnx_streaming/}"
fi

if [ "$endpointing" != true ] && [ "$stage" -le 16 ] && [ "$stop_stage" -ge 13 ]; then
  log "Stages 13-16: skipped, $conf is not a causal model with <eos> (model.encoder.causal, tokens.eos): no endpointing"
fi

if [ "$endpointing" = true ] && [ "$stage" -le 13 ] && [ "$stop_stage" -ge 13 ]; then
  log "Stage 13: forced alignment of train, dev and $tests with the trained model -> $exp_dir/align"
  # shellcheck disable=SC2086
  steps/align_transducer.sh --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir" "$fbank" "$exp_dir/align" \
    train $tests
fi

if [ "$endpointing" = true ] && [ "$stage" -le 14 ] && [ "$stop_stage" -ge 14 ]; then
  log "Stage 14: fine-tune with the <eos> latency penalty at each endpointing.late_scales -> $exp_dir/eos_late_*"
  steps/train_eos_penalty.sh --epoch "$epoch" --avg "$avg" "$conf" "$lang" "$exp_dir" "$exp_dir/align" "$fbank"
fi

if [ "$endpointing" = true ] && [ "$stage" -le 15 ] && [ "$stop_stage" -ge 15 ]; then
  log "Stage 15: endpoint $tests with every <eos> model and with sherpa-onnx's rules -> $exp_dir/endpoints"
  # shellcheck disable=SC2086
  steps/decode_endpoints.sh "$conf" "$lang" "$exp_dir" "$exp_dir/align" $tests
fi

if [ "$endpointing" = true ] && [ "$stage" -le 16 ] && [ "$stop_stage" -ge 16 ]; then
  log "Stage 16: endpoint metrics and plots -> $exp_dir/endpoints"
  # shellcheck disable=SC2086
  python -m icefall_ext.bin.score_endpoints --config "$conf" --exp-dir "$exp_dir" --tests $tests
fi

if [ "$stage" -le 17 ] && [ "$stop_stage" -ge 17 ]; then
  log "Stage 17: $results"
  # shellcheck disable=SC2086
  steps/write_results.sh --title "CMU AN4: transducer ($conf)" --command "$cmdline" \
    "$conf" "$exp_dir" "$manifests/an4_cuts_" "$results" $tests
fi
