#!/usr/bin/env bash
# Ends the Slurm and munge daemons that tools/extras/install_slurm.sh started (and only those).
set -euo pipefail
# shellcheck source=tools/extras/daemons.sh
. "$(dirname "$0")/daemons.sh"
stop_daemons slurmd slurmctld munged
