#!/usr/bin/env bash
# Ends the Grid Engine daemons that tools/extras/install_gridengine.sh started (and only those).
set -euo pipefail
# shellcheck source=tools/extras/daemons.sh
. "$(dirname "$0")/daemons.sh"
stop_daemons sge_execd sge_qmaster
