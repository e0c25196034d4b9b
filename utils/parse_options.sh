#!/usr/bin/env bash
# Kaldi-compatible option parsing. Source it after the defaults are set:
#   stage=0; nj=4; . utils/parse_options.sh
# Every defined variable becomes a flag: --foo-bar v sets foo_bar=v. Unknown options are
# an error; variables defaulting to true/false accept only true/false; --config FILE is
# sourced first so that later flags win (a .yaml/.yml FILE is refused with a hint: recipes take
# their YAML config with --conf); --help prints $help_message. Positional
# arguments remain in "$@".

for ((argpos = 1; argpos < $#; argpos++)); do
  if [ "${!argpos}" == "--config" ]; then
    argpos_plus1=$((argpos + 1))
    config=${!argpos_plus1}
    [ ! -r "$config" ] && echo "$0: missing config '$config'" 1>&2 && exit 1
    case "$config" in
      *.yaml | *.yml)
        echo "$0: --config sources a shell file of variable settings (Kaldi's convention); '$config' is YAML: give it with --conf $config" 1>&2
        exit 1
        ;;
    esac
    . "$config" # sourced so that flags given after it override it
  fi
done

while true; do
  [ -z "${1:-}" ] && break # no more arguments
  case "$1" in
    --help | -h)
      if [ -z "${help_message:-}" ]; then echo "No help found." 1>&2; else printf "%s\n" "$help_message" 1>&2; fi
      exit 0
      ;;
    --*=*)
      echo "$0: options to scripts must be of the form --name value, got '$1'" 1>&2
      exit 1
      ;;
    --*)
      name=$(echo "$1" | sed s/^--// | sed s/-/_/g)
      eval '[ -z "${'"$name"'+xxx}" ]' && echo "$0: invalid option $1" 1>&2 && exit 1
      if [ $# -lt 2 ]; then
        echo "$0: option $1 needs a value" 1>&2
        exit 1
      fi
      oldval="$(eval echo "\$$name")"
      if [ "$oldval" == "true" ] || [ "$oldval" == "false" ]; then
        was_bool=true
      else
        was_bool=false
      fi
      eval "$name=\"\$2\""
      if $was_bool && [[ "$2" != "true" && "$2" != "false" ]]; then
        echo "$0: expected \"true\" or \"false\": $1 $2" 1>&2
        exit 1
      fi
      shift 2
      ;;
    *) break ;;
  esac
done

# An empty --cmd would make every job fail in a confusing way.
[ -n "${cmd+xxx}" ] && [ -z "$cmd" ] && echo "$0: empty argument to --cmd option" 1>&2 && exit 1

true # so that a sourcing script with 'set -e' does not stop here
