# Sourced by the recipes that speak FSDD digits (egs/fsdd/ASR, egs/meeting/diar) after
# parse_options.sh: stage 0 and the choice of the corpus folder. Reads stage, stop_stage,
# corpus_dir, download, dl_dir and TOOLKIT_ROOT; sets corpus_dir.
embedded=$TOOLKIT_ROOT/local/fsdd_subset/recordings
if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  if [ -n "$corpus_dir" ]; then
    log "Stage 0: --corpus-dir $corpus_dir given, no download"
  elif $download; then
    log "Stage 0: download FSDD into $dl_dir/fsdd"
    python "$TOOLKIT_ROOT/local/download_fsdd.py" "$dl_dir/fsdd"
  else
    log "Stage 0: no --corpus-dir and --download false: using the embedded subset $embedded"
  fi
fi
if [ -z "$corpus_dir" ]; then
  if $download; then corpus_dir=$dl_dir/fsdd/recordings; else corpus_dir=$embedded; fi
fi
