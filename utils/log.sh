# Sourced by recipe scripts: log MESSAGE prints it with the time, file, line and function.
log() {
  local fname=${BASH_SOURCE[1]##*/}
  echo -e "$(date '+%Y-%m-%d %H:%M:%S') ($fname:${BASH_LINENO[0]}:${FUNCNAME[1]}) $*"
}

# timed_stage TSV STAGE COMMAND...: runs COMMAND and appends 'STAGE<tab>SECONDS' to TSV.
timed_stage() {
  local tsv=$1 stage_no=$2 start=$SECONDS
  shift 2
  "$@"
  mkdir -p "$(dirname "$tsv")"
  printf '%s\t%s\n' "$stage_no" $((SECONDS - start)) >> "$tsv"
}
