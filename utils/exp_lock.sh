# Sourced by a recipe's run.sh after its options are parsed:  . utils/exp_lock.sh "$exp_dir"
# One run per experiment directory at a time: takes an exclusive flock(1) on <exp-dir>/.run.lock and
# writes this shell's PID into it. A second run into the same directory stops with one line naming
# the first run's PID. The kernel releases the lock when the run (and every job it started) exits,
# even on kill -9; a PID left in the file by such a run is taken over with a warning.
# (The trainer, python -m icefall_ext.bin.train, holds <exp-dir>/.train.lock the same way.)
_exp_lock_dir=$1
_exp_lock=$_exp_lock_dir/.run.lock
mkdir -p "$_exp_lock_dir"
exec {_exp_lock_fd}>>"$_exp_lock"
if ! flock -n "$_exp_lock_fd"; then
  echo "$0: error: $_exp_lock_dir is in use by another run (PID $(cat "$_exp_lock" 2>/dev/null || echo unknown), lock $_exp_lock); wait for it to finish or use another --exp-dir" 1>&2
  exit 1
fi
_exp_lock_holder=$(cat "$_exp_lock")
if [ -n "$_exp_lock_holder" ]; then
  echo "$0: warning: taking over the stale lock $_exp_lock of PID $_exp_lock_holder, which no longer holds it" 1>&2
fi
echo $$ > "$_exp_lock"
trap ': > "$_exp_lock"' EXIT
