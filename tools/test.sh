#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (the command CI runs).
#   tools/test.sh [pytest args...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/install.sh"
cd "$root"
exec "$root/.venv/bin/python" -m pytest "${@:--q}" tests
