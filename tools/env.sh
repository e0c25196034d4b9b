# Sourced by every recipe's path.sh with TOOLKIT_ROOT set: installs the environment if
# missing (tools/install.sh does nothing when it is complete), then activates it.
# TOOLKIT_USE_CURRENT_PYTHON=1 skips both and uses the python on PATH, for machines whose
# environment is managed by other means (a cluster module, a container); it must provide
# tools/requirements.txt and torch.
if [ "${TOOLKIT_USE_CURRENT_PYTHON:-0}" != 1 ]; then
  bash "$TOOLKIT_ROOT/tools/install.sh"
  # shellcheck disable=SC1091
  . "$TOOLKIT_ROOT/.venv/bin/activate"
fi
export PYTHONPATH=$TOOLKIT_ROOT${PYTHONPATH:+:$PYTHONPATH}
export PATH=$PWD/utils:$PATH
export PYTHONUNBUFFERED=1
export LC_ALL=C
