#!/usr/bin/env bash
# Trains the sentencepiece model of a recipe on its training transcripts (icefall's lang_bpe_N).
#   steps/train_bpe.sh <conf> <train-cuts> <lang-dir>
# Writes <lang-dir>/bpe.model and tokens.txt (sherpa-onnx's form). Skipped when its marker
# <lang-dir>/.done says they were made from the same transcripts and tokens section of the config
# (vocab_size, model_type, eos); redone when those changed (utils/stage_marker.sh).
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

. utils/stage_marker.sh
[ -f "$cuts" ] || { echo "$0: $cuts: cut manifest does not exist" 1>&2; exit 1; }
tokens="vocab_size=$(python -m icefall_ext.bin.config_value "$conf" tokens.vocab_size)"
tokens+=" model_type=$(python -m icefall_ext.bin.config_value "$conf" tokens.model_type)"
# only an <eos> model records it: the markers of the models made before tokens.eos stay valid
if [ "$(python -m icefall_ext.bin.config_value "$conf" tokens.eos)" = True ]; then
  tokens+=" eos=True"
fi
want=$(marker_text "train_bpe $tokens" "$cuts")
case "$(marker_state "$lang/.done" "$want")" in
  done) echo "$0: $lang/tokens.txt done already, skipping"; exit 0 ;;
  changed) echo "$0: the transcripts or the tokens section changed since $lang was made, redoing" ;;
esac
rm -f "$lang/.done"
python -m icefall_ext.bin.train_bpe --config "$conf" --cuts "$cuts" --lang-dir "$lang"
write_marker "$lang/.done" "$want"
