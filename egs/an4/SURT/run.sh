#!/usr/bin/env bash
# SURT (streaming unmixing and recognition transducer, icefall's egs/libricss/SURT) with per-channel
# end-of-sentence endpointing and its latency penalty (SURT-EP, Lu et al. arXiv 2201.09979), on
# two-talker mixtures of AN4 built by the LibriSpeechMix protocol, started from ../ASR's causal
# <eos> transducer.
#
#   ./run.sh --corpus-dir /path/to/an4           # stage 0 runs ../ASR up to its alignments first
#   ./run.sh --corpus-dir DIR --stage 3          # re-decode, re-export, re-score the trained models
#
# Stages: 0 the single-talker source (../ASR/run.sh --conf $asr_conf, stages 0-13:
#         the <eos> model, its streaming decode, the forced alignments), 1 two-talker mixtures of
#         train, dev and test, 2 SURT training at each surt.late_scales, 3 streaming decode of the test
#         mixtures and of their single-talker utterances, 4 ONNX export and the driver check,
#         5 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=2                           # parallel feature-extraction jobs of stage 0 (../ASR/run.sh --nj)
cmd=$train_cmd                 # job runner of those jobs (cmd.sh)
conf=conf/tiny.yaml            # this recipe's config: ../ASR's as its base, plus the surt section
corpus_dir=                    # the an4/ folder, passed to ../ASR/run.sh
asr_dir=../ASR                 # the single-talker recipe the source model comes from
asr_conf=conf/tiny_eos.yaml    # its config (in $asr_dir): the base of $conf
asr_exp_dir=../ASR/exp/transducer_eos  # its --exp-dir
asr_data_dir=../ASR/data       # its --data-dir
asr_opts=                      # more options for $asr_dir/run.sh, e.g. "--num-dev 50"
data_dir=data
exp_dir=exp
results=RESULTS.md
device=cpu                     # cpu or cuda

. utils/parse_options.sh
. utils/check_stages.sh 5

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

src_exp=$asr_exp_dir
lang=$asr_data_dir/lang_bpe_eos
align=$src_exp/align
mixtures=$data_dir/mixtures
read -r -a late_scales <<< "$(python -m icefall_ext.bin.config_value "$conf" surt.late_scales)"
chunk=$(python -m icefall_ext.bin.config_value "$conf" surt.chunk_frames)

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: the single-talker <eos> source model and its alignments: $asr_dir/run.sh --conf $asr_conf --stop-stage 13"
  opts=(--conf "$asr_conf" --device "$device" --nj "$nj" --cmd "$cmd" --stop-stage 13)
  [ -n "$corpus_dir" ] && opts+=(--corpus-dir "$(cd "$corpus_dir" && pwd)")
  read -r -a more <<< "$asr_opts"
  opts+=("${more[@]}")
  mkdir -p "$asr_exp_dir" "$asr_data_dir"  # the ASR recipe works in its own folder: absolute paths
  "$asr_dir/run.sh" "${opts[@]}" --exp-dir "$(cd "$asr_exp_dir" && pwd)" --data-dir "$(cd "$asr_data_dir" && pwd)"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  # AN4's dev is ESPnet's train_dev, cut out of train: those two share speakers, test shares none.
  log "Stage 1: two-talker mixtures of train, dev and test (surt.mixtures) -> $mixtures"
  utils/run_once.sh --inputs "$conf:surt $align/cuts_train.jsonl.gz $align/cuts_dev.jsonl.gz $align/cuts_test.jsonl.gz" \
    --outputs "$mixtures/cuts_train.jsonl.gz $mixtures/cuts_dev.jsonl.gz $mixtures/cuts_test.jsonl.gz $mixtures/sources_test.jsonl.gz" \
    "$mixtures/.mix.done" python -m icefall_ext.bin.make_mixtures --config "$conf" --out-dir "$mixtures" --may-share train,dev \
    --path-root "$asr_dir" \
    "train=$align/cuts_train.jsonl.gz" "dev=$align/cuts_dev.jsonl.gz" "test=$align/cuts_test.jsonl.gz"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  checkpoints=$(python -m icefall_ext.bin.checkpoints --config "$conf" --exp-dir "$src_exp")
  for w in "${late_scales[@]}"; do
    out=$exp_dir/surt_late_$w
    log "Stage 2: train SURT at late weight $w from $src_exp (device $device; log in $out/log)"
    utils/run_once.sh --on-change stop \
      --inputs "$checkpoints $conf:model $conf:surt $lang/bpe.model $mixtures/cuts_train.jsonl.gz $mixtures/cuts_dev.jsonl.gz" \
      "$out/.train.done" python -m icefall_ext.bin.train_surt --config "$conf" --src-exp-dir "$src_exp" \
      --bpe-model "$lang/bpe.model" --train-cuts "$mixtures/cuts_train.jsonl.gz" --dev-cuts "$mixtures/cuts_dev.jsonl.gz" \
      --late-scale "$w" --exp-dir "$out" --device "$device"
  done
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  for w in "${late_scales[@]}"; do
    out=$exp_dir/surt_late_$w
    log "Stage 3: streaming decode (chunk $chunk) of the test mixtures and their single-talker utterances -> $out/decode"
    utils/run_once.sh --inputs "$out/.train.done $conf:surt $mixtures/cuts_test.jsonl.gz $mixtures/sources_test.jsonl.gz" \
      --outputs "$out/decode/mix_test.jsonl $out/decode/single_test.jsonl" \
      "$out/.decode.done" python -m icefall_ext.bin.decode_surt --config "$conf" --exp-dir "$out" \
      --bpe-model "$lang/bpe.model" --test-cuts "mix_test=$mixtures/cuts_test.jsonl.gz" \
      "single_test=$mixtures/sources_test.jsonl.gz" --plot mix_test
  done
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  for w in "${late_scales[@]}"; do
    out=$exp_dir/surt_late_$w
    log "Stage 4: ONNX export of SURT at late weight $w, the onnxruntime driver against PyTorch -> $out/onnx"
    utils/run_once.sh --inputs "$out/.train.done $conf:surt $mixtures/cuts_test.jsonl.gz" \
      --outputs "$out/onnx/surt_encoder.onnx $out/onnx/check.json" \
      "$out/.export.done" python -m icefall_ext.bin.export_onnx_surt --config "$conf" --exp-dir "$out" \
      --bpe-model "$lang/bpe.model" --check-cuts "$mixtures/cuts_test.jsonl.gz"
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: $results"
  baseline=$(ls -t "$src_exp"/streaming_greedy_search/recogs-test-chunk-"$chunk"-epoch-*.txt 2>/dev/null | head -1 || true)
  if [ -z "$baseline" ]; then
    echo "$0: no single-talker streaming decode of test at chunk $chunk in $src_exp/streaming_greedy_search (run stage 0)" 1>&2
    exit 1
  fi
  python -m icefall_ext.bin.write_surt_results --config "$conf" --exp-dir "$exp_dir" --bpe-model "$lang/bpe.model" \
    --mixtures mix_test --singles single_test --baseline-recogs "$baseline" --command "$cmdline" \
    --title "CMU AN4 two-talker mixtures: SURT with <eos> endpoints ($conf)" --out "$results"
fi
