# Sourced by run.sh: the toolkit's environment (installed on first use).
export TOOLKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$TOOLKIT_ROOT/tools/env.sh"
