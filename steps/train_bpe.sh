#!/usr/bin/env bash
# Trains the sentencepiece model of a recipe on its training transcripts (icefall's lang_bpe_N).
#   steps/train_bpe.sh <conf> <train-cuts> <lang-dir>
# Writes <lang-dir>/bpe.model and tokens.txt (sherpa-onnx's form); does nothing if they exist.
set -euo pipefail

help_message="Usage: $0 <conf> <train-cuts> <lang-dir>"
. utils/parse_options.sh
if [ $# -ne 3 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
cuts=$2
lang=$3

if [ -f "$lang/tokens.txt" ]; then
  echo "$0: $lang/tokens.txt exists, skipping"
  exit 0
fi
python -m icefall_ext.bin.train_bpe --config "$conf" --cuts "$cuts" --lang-dir "$lang"
