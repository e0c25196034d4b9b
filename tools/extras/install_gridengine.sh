#!/usr/bin/env bash
# Installs Debian's Grid Engine (gridengine-master, -exec, -client) and starts a one-host
# cluster on localhost without systemd, for utils/queue.pl's tests and for trying it locally.
#   tools/extras/install_gridengine.sh     # as root; safe to run again (starts only what is down)
#   tools/extras/stop_gridengine.sh        # ends the daemons this script started, nothing else
# One queue all.q with a slot per CPU and a parallel environment 'smp' (for --num-threads),
# mem_free set to the host's memory (for 'qsub -w e'), jobs from root allowed, and a one-second scheduler so that short test jobs start at once.
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root (it installs packages and starts daemons)" 1>&2; exit 1; }
# shellcheck source=tools/extras/daemons.sh
. "$(dirname "$0")/daemons.sh"

install_debs gridengine-master gridengine-exec gridengine-client
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
common=$SGE_ROOT/$SGE_CELL/common
[ -f "$common/bootstrap" ] || { echo "$0: $common/bootstrap is missing: the gridengine-master install did not create the cell" 1>&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The host is 'localhost', the name 127.0.0.1 resolves to; this machine's own name is an alias.
echo localhost > "$common/act_qmaster"
if [ "$(hostname)" != localhost ]; then echo "localhost $(hostname)" > "$common/host_aliases"; fi

start_daemon sge_qmaster /var/spool/gridengine/qmaster/qmaster.pid /usr/sbin/sge_qmaster
for _ in $(seq 60); do qconf -sh >/dev/null 2>&1 && break; sleep 0.5; done
qconf -sh >/dev/null || { echo "$0: sge_qmaster does not answer; see /var/spool/gridengine/qmaster/messages" 1>&2; exit 1; }

set_fields() {  # $1: file, rest: "key value" pairs to set in that qconf listing
  local file=$1 kv
  shift
  for kv in "$@"; do sed -i "s|^${kv%% *} .*|$kv|" "$file"; done
}

qconf -sconf global > "$tmp/global"
set_fields "$tmp/global" "min_uid 0" "min_gid 0"
(cd "$tmp" && qconf -Mconf global >/dev/null 2>&1)
qconf -ssconf > "$tmp/sched"
set_fields "$tmp/sched" "schedule_interval 0:0:1" "flush_submit_sec 1" "flush_finish_sec 1" "job_load_adjustments NONE"
qconf -Msconf "$tmp/sched" >/dev/null 2>&1
qconf -sh 2>/dev/null | grep -qx localhost || qconf -ah localhost >/dev/null 2>&1
qconf -ss 2>/dev/null | grep -qx localhost || qconf -as localhost >/dev/null 2>&1
if ! qconf -sp smp >/dev/null 2>&1; then
  printf '%s\n' "pe_name smp" "slots 9999" "user_lists NONE" "xuser_lists NONE" "start_proc_args NONE" \
    "stop_proc_args NONE" "allocation_rule \$pe_slots" "control_slaves FALSE" "job_is_first_task TRUE" \
    "urgency_slots min" "accounting_summary FALSE" "qsort_args NONE" > "$tmp/smp"
  qconf -Ap "$tmp/smp" >/dev/null 2>&1
fi

start_daemon sge_execd /var/spool/gridengine/execd/localhost/execd.pid /usr/sbin/sge_execd
# The host's memory as a fixed complex, so that 'qsub -w e' can reject a job asking for more.
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
qconf -mattr exechost complex_values "mem_free=${mem_mb}M" localhost >/dev/null 2>&1
if ! qconf -sq all.q >/dev/null 2>&1; then
  qconf -sq > "$tmp/all.q"   # the template queue
  set_fields "$tmp/all.q" "qname all.q" "hostlist localhost" "slots $(nproc)" "pe_list smp" \
    "load_thresholds NONE" "shell /bin/bash"
  qconf -Aq "$tmp/all.q" >/dev/null 2>&1
fi

for _ in $(seq 60); do
  if qstat -f 2>/dev/null | grep -E '^all\.q@localhost' | awk '{exit !(NF == 5)}'; then
    echo "$0: Grid Engine is up: $(qstat -f | grep '^all.q@' | awk '{print $1, $3, "slots (resv/used/tot)"}')"
    exit 0
  fi
  sleep 0.5
done
echo "$0: all.q@localhost is not available within 30 s; see /var/spool/gridengine/*/messages" 1>&2
exit 1
