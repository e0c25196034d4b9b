# Sourced by stage scripts: the one mechanism by which a stage knows it is done. A marker file
# records what produced the stage's outputs: a description (the command, one line per option that
# matters), the sha1 of each input file and the config sections the stage reads. A stage whose
# marker matches is skipped; one whose marker differs was made from other inputs and is redone (or
# refused); the marker is written last, so an interrupted stage has none.
#   marker_text DESCRIPTION INPUT...       the marker's content; an INPUT is a file (its sha1 is
#                                          recorded) or FILE:SECTION (that top-level section of a
#                                          YAML config, as canonical JSON)
#   marker_state MARKER TEXT               prints done, changed or absent
#   marker_change MARKER TEXT              prints what differs, naming the option, file or section
#   write_marker MARKER TEXT               atomically (temp file, then rename)

_marker_root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

marker_text() {
  local description=$1 f section
  shift
  printf 'command: %s\n' "$description"
  for f in "$@"; do
    if [ -f "$f" ]; then
      printf 'input: %s %s\n' "$(sha1sum < "$f" | cut -c1-40)" "$f"
    elif [[ $f == *:* ]] && [ -f "${f%:*}" ]; then
      section=$(PYTHONPATH=$_marker_root${PYTHONPATH:+:$PYTHONPATH} python -m recipe_common.bin.config_section \
        "${f%:*}" "${f##*:}") || return 1
      printf 'config: %s %s\n' "${f##*:}" "$section"
    fi
  done
}

marker_state() {
  if [ ! -f "$1" ]; then
    echo absent
  elif [ "$(cat "$1")" = "$2" ]; then
    echo done
  else
    echo changed
  fi
}

# The first line of TEXT that MARKER lacks (else the first line of MARKER that TEXT lacks), in words.
marker_change() {
  local line old kind
  line=$(grep -vxF -f "$1" <<< "$2" | head -1) || true
  kind=now
  if [ -z "$line" ]; then
    line=$(grep -vxF -f <(printf '%s\n' "$2") "$1" | head -1) || true
    kind=gone
  fi
  case "$line" in
    option:*)
      local name=${line#option: }
      name=${name%% *}
      old=$(grep -m1 "^option: $name\( \|$\)" "$1") || true
      local value=${line#"option: $name"}
      if [ "$kind" = gone ]; then
        echo "option $name was given ('${value# }'), now it is not"
      elif [ -z "$old" ]; then
        echo "option $name was not given, now it is ('${value# }')"
      else
        old=${old#"option: $name"}
        echo "option $name was '${old# }', now '${value# }'"
      fi
      ;;
    input:*) echo "input file ${line#input: * } changed" ;;
    config:*) line=${line#config: }; echo "config section '${line%% *}' changed" ;;
    *) echo "the command changed" ;;
  esac
}

write_marker() {
  local tmp
  mkdir -p "$(dirname "$1")"
  tmp=$(mktemp "$1.XXXXXX")
  printf '%s\n' "$2" > "$tmp"
  mv "$tmp" "$1"
}
