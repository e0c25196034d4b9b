#!/usr/bin/env bash
# Kaldi-compatible option parsing. Source it after the defaults are set:
#   stage=0; nj=4; . utils/parse_options.sh
# Every defined variable becomes a flag: --foo-bar v sets foo_bar=v. Unknown options are
# an error; variables defaulting to true/false accept only true/false; --config FILE is
# sourced first so that later flags win (a .yaml/.yml FILE is refused with a hint: recipes take
# their YAML config with --conf); --help prints $help_message (when it is empty, the comment at
# the top of the script), then every option of the script's variable block (the assignments just
# above the line that sources this file) with its default and the comment beside it. Positional
# arguments remain in "$@".

# The calling script's file: $0, or its basename when the script has cd'ed into its own folder
# (as run.sh does); nothing when neither is readable.
kaldi_script_file() {
  if [ -r "$0" ]; then echo "$0"; elif [ -r "$(basename "$0")" ]; then basename "$0"; fi
}

# Prints the options of the variable block of script $1 as '--name value  comment'.
kaldi_print_options() {
  local src=$1 line name value width=0 names=() comments=()
  while IFS=$'\t' read -r name line; do
    if [ "$name" = "+" ]; then
      comments[${#comments[@]} - 1]+=$'\n'$line
      continue
    fi
    value=${!name-}
    [[ -z "$value" || "$value" =~ [[:space:]] ]] && value="\"$value\""
    names+=("--${name//_/-} $value")
    comments+=("$line")
    ((${#names[-1]} > width)) && width=${#names[-1]}
  done < <(awk '
    /^[[:space:]]*(\.|source)[[:space:]][^#]*parse_options\.sh/ { exit }
    /^[A-Za-z_][A-Za-z0-9_]*=/ {
      name = $0; sub(/=.*/, "", name)
      if (name == "help_message") next
      comment = ""
      if (match($0, /[[:space:]]#[[:space:]]?/)) comment = substr($0, RSTART + RLENGTH)
      n++; names[n] = name; comments[n] = comment; more[n] = ""; attached = 1; next
    }
    /^[[:space:]]+#/ && attached { line = $0; sub(/^[[:space:]]+#[[:space:]]?/, "", line); more[n] = more[n] "\n" line; next }
    /^[[:space:]]*$/ || /^#/ { attached = 0; next }
    { n = 0; attached = 0 }  # any other line: the block is the last one before parse_options.sh
    END {
      for (i = 1; i <= n; i++) {
        print names[i] "\t" comments[i]
        k = split(substr(more[i], 2), extra, "\n")
        for (j = 1; j <= k; j++) print "+\t" extra[j]
      }
    }' "$src")
  [ ${#names[@]} -eq 0 ] && return 0
  ((width > 40)) && width=40
  echo
  echo "Options (default value):"
  local i
  local indent
  indent=$(printf "%$((width + 4))s" "")
  for i in "${!names[@]}"; do
    if [ -z "${comments[$i]}" ]; then
      printf "  %s\n" "${names[$i]}"
    else
      printf "  %-${width}s  %s\n" "${names[$i]}" "${comments[$i]//$'\n'/$'\n'$indent}"
    fi
  done
}

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
      script_file=$(kaldi_script_file)
      if [ -n "${help_message:-}" ]; then
        printf "%s\n" "$help_message"
      elif [ -n "$script_file" ]; then
        sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$script_file"
      else
        echo "No help found."
      fi 1>&2
      [ -n "$script_file" ] && kaldi_print_options "$script_file" 1>&2
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
