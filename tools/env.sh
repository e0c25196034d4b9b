# Sourced by every recipe's path.sh with TOOLKIT_ROOT set: installs the environment if
# missing (tools/install.sh does nothing when it is complete), then activates it.
bash "$TOOLKIT_ROOT/tools/install.sh"
# shellcheck disable=SC1091
. "$TOOLKIT_ROOT/.venv/bin/activate"
export PATH=$PWD/utils:$PATH
export PYTHONUNBUFFERED=1
export LC_ALL=C
