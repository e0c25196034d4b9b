# Sourced by stage scripts: the one mechanism by which a stage knows it is done. A marker file
# records what produced the stage's outputs: a description (the command, the options that matter)
# and the sha1 of each input file. A stage whose marker matches is skipped; one whose marker
# differs was made from other inputs and is redone (or refused); the marker is written last, so an
# interrupted stage has none.
#   marker_text DESCRIPTION INPUT...       the marker's content
#   marker_state MARKER TEXT               prints done, changed or absent
#   write_marker MARKER TEXT               atomically (temp file, then rename)

marker_text() {
  local description=$1 f
  shift
  printf 'command: %s\n' "$description"
  for f in "$@"; do
    if [ -f "$f" ]; then printf 'input: %s %s\n' "$(sha1sum < "$f" | cut -c1-40)" "$f"; fi
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

write_marker() {
  local tmp
  mkdir -p "$(dirname "$1")"
  tmp=$(mktemp "$1.XXXXXX")
  printf '%s\n' "$2" > "$tmp"
  mv "$tmp" "$1"
}
