#!/usr/bin/env bash
# Creates the toolkit's virtual environment at <repo>/.venv with pinned packages.
# Safe to run again: it does nothing when the pinned set is already installed.
#   tools/install.sh            # torch==2.14.1 + torchvision==0.29.1 (never torchaudio), tools/requirements.txt
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$root/.venv
python=${PYTHON:-python3}
torch_pins="torch==2.14.1 torchvision==0.29.1"
stamp=$venv/.installed-$(cat "$root/tools/requirements.txt" "$root/tools/requirements-nodeps.txt" "$root/pyproject.toml" \
  <(echo "$torch_pins") | sha1sum | cut -c1-16)

if [ -f "$stamp" ]; then
  exit 0
fi

echo "$0: installing into $venv (one time; a few minutes)" 1>&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check $torch_pins
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tools/requirements.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$root/tools/requirements-nodeps.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$root"
if "$venv/bin/pip" show torchaudio >/dev/null 2>&1; then
  echo "$0: warning: torchaudio is installed in $venv; the toolkit never uses it outside benchmarks" 1>&2
fi
rm -f "$venv"/.installed-*
touch "$stamp"
echo "$0: done" 1>&2
