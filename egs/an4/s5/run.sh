#!/usr/bin/env bash
# A Kaldi-style hybrid GMM-HMM system on CMU AN4 from the PyPI wheels (kaldi-hmm-gmm, kaldifst,
# kaldilm): Kaldi's stage names as calls, the algorithms in icefall_ext/hybrid/. Same data and
# split as egs/an4/ASR (train_dev = the first 100 train utterances).
#
#   ./run.sh --corpus-dir /path/to/an4           # CMU's release (.sph) or a FLAC copy, same layout
#   ./run.sh --download true                     # fetch an4_sphere.tar.gz (64 MB) into download/ first
#   ./run.sh --corpus-dir DIR --stage 7          # re-decode and re-score the trained monophone model
#
# Stages: 0 download, 1 local/prepare_data, 2 utils/prepare_lang, 3 steps/make_mfcc,
#         4 local/format_lm (bigram G), 5 steps/train_mono, 6 utils/mkgraph, 7 steps/decode,
#         8 local/score, 9 RESULTS.md. Each stage skips work already done.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=1                   # (kept for utils/check_stages.sh; the hybrid steps run in one process)
conf=conf/tiny.yaml    # recipe config (YAML): mono, lm, decode, results
corpus_dir=            # the an4/ folder (etc/, wav/); empty: $dl_dir/an4 after --download true
download=false         # stage 0 fetches CMU's release into $dl_dir (skipped with --corpus-dir)
dl_dir=download
num_dev=100            # train utterances held out as dev (ESPnet's train_dev)
data_dir=data
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 9

. ./path.sh
. utils/log.sh
. utils/exp_lock.sh "$exp_dir"  # one run per exp dir at a time

tests="dev test"
manifests=$data_dir/manifests
lang=$data_dir/lang
lang_test=$data_dir/lang_test_bg

. "$TOOLKIT_ROOT/local/an4_corpus.sh"  # stages 0 (corpus folder) and 1 (lhotse manifests)

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: utils/prepare_lang: $corpus_dir/etc/an4.dic + an4.filler -> $lang"
  steps/hybrid_prepare_lang.sh --phones "$corpus_dir/etc/an4.phone" \
    "$corpus_dir/etc/an4.dic" "$corpus_dir/etc/an4.filler" "$lang"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: steps/make_mfcc: train $tests"
  for x in train $tests; do
    steps/make_mfcc.sh "$manifests/an4_cuts_$x.jsonl.gz" "$data_dir/mfcc/$x"
  done
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: local/format_lm: word bigram on the train transcripts -> $lang_test/G.fst"
  steps/hybrid_make_g.sh "$conf" "$data_dir/mfcc/train/text" "$lang" "$lang_test"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: steps/train_mono -> $exp_dir/mono"
  steps/train_mono.sh "$conf" "$data_dir/mfcc/train" "$lang" "$exp_dir/mono"
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "Stage 6: utils/mkgraph -> $exp_dir/mono/graph"
  utils/mkgraph.sh "$lang_test" "$exp_dir/mono" "$exp_dir/mono/graph"
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "Stage 7: steps/decode: $tests"
  for x in $tests; do
    steps/decode_hybrid.sh "$conf" "$exp_dir/mono/graph" "$data_dir/mfcc/$x" "$exp_dir/mono/decode_$x"
  done
fi

if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "Stage 8: local/score"
  for x in $tests; do
    steps/score.sh "$exp_dir/mono/decode_$x"
  done
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: $results"
  # shellcheck disable=SC2086
  steps/write_hybrid_results.sh --title "CMU AN4: Kaldi-style GMM-HMM ($conf)" --command "$cmdline" \
    "$conf" "$results" "mono=$exp_dir/mono" -- $tests
fi
