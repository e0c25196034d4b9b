# Sourced by the recipes on CMU AN4 (egs/an4/ASR, egs/an4/s5) after parse_options.sh: stage 0 (the
# corpus folder: --corpus-dir, or --download true into dl_dir) and stage 1 (lhotse manifests, one
# data prep for both). Reads stage, stop_stage, corpus_dir, download, dl_dir, data_dir, manifests,
# num_dev and TOOLKIT_ROOT; sets corpus_dir.
if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  if [ -n "$corpus_dir" ]; then
    log "Stage 0: --corpus-dir $corpus_dir given, no download"
  elif $download; then
    log "Stage 0: download AN4 into $dl_dir"
    python "$TOOLKIT_ROOT/local/download_an4.py" "$dl_dir"
  else
    echo "$0: give --corpus-dir DIR (AN4's layout: etc/an4_train.transcription, etc/an4.dic, wav/an4_clstk/) or --download true" 1>&2
    exit 1
  fi
fi
[ -z "$corpus_dir" ] && corpus_dir=$dl_dir/an4

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: lhotse manifests from $corpus_dir"
  utils/run_once.sh --inputs "$TOOLKIT_ROOT/local/prepare_an4.py" --on-change stop "$manifests/.an4.done" \
    python "$TOOLKIT_ROOT/local/prepare_an4.py" --corpus-dir "$corpus_dir" --output-dir "$data_dir" \
      --num-dev "$num_dev"
fi
