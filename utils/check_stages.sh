# Sourced by run.sh right after utils/parse_options.sh: checks --stage, --stop-stage and --nj
# before any work. The argument is the number of the last stage:
#   . utils/check_stages.sh 9
# A stage that is not an integer or is beyond the last stage, a --stop-stage below --stage (no
# stage would run), or an --nj that is not a whole number of 1 or more stops run.sh with one line
# naming the option and the value.

check_stages() {
  local last=$1 name value
  for name in stage stop_stage; do
    value=${!name}
    if ! [[ "$value" =~ ^-?[0-9]+$ ]]; then
      echo "$0: --${name//_/-} '$value': expected an integer (a stage number, 0 to $last)" 1>&2
      exit 1
    fi
  done
  if [ "$stage" -gt "$last" ]; then
    echo "$0: --stage $stage is beyond the last stage ($last)" 1>&2
    exit 1
  fi
  if [ "$stop_stage" -lt "$stage" ]; then
    echo "$0: --stop-stage $stop_stage is below --stage $stage: no stage would run" 1>&2
    exit 1
  fi
  if [ -n "${nj+set}" ] && ! [[ "$nj" =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: --nj '$nj': expected a whole number of jobs, 1 or more" 1>&2
    exit 1
  fi
}

check_stages "$@"
unset -f check_stages
