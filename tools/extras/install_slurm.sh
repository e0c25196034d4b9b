#!/usr/bin/env bash
# Installs Debian's slurm-wlm and munge and starts a one-node Slurm cluster on localhost
# without systemd, for the cluster tests and for trying utils/slurm.pl on a laptop.
#   tools/extras/install_slurm.sh        # as root; safe to run again (starts only what is down)
#   tools/extras/stop_slurm.sh           # ends the daemons this script started, nothing else
# The node gets this machine's CPUs and memory; DefMemPerCPU lets jobs without --mem run side
# by side. Memory and CPU limits are not enforced (no cgroups): proctrack/linuxproc, task/none.
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker="# Written by tools/extras/install_slurm.sh"

[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root (it installs packages and starts daemons)" 1>&2; exit 1; }
# shellcheck source=tools/extras/daemons.sh
. "$(dirname "$0")/daemons.sh"

install_debs slurm-wlm munge

if [ -f "$conf" ] && ! grep -qx "$marker" "$conf"; then
  echo "$0: $conf exists and was not written by this script; not touching an existing cluster" 1>&2
  exit 1
fi
if [ ! -f "$conf" ]; then
  cpus=$(nproc)
  mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  mkdir -p /etc/slurm
  cat > "$conf.tmp" <<CONF
$marker
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_min_interval=0,batch_sched_delay=0
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$conf.tmp" "$conf"
fi

mkdir -p /run/munge /run/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
chown munge:munge /run/munge

start_daemon munged /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged
start_daemon slurmctld /run/slurm/slurmctld.pid slurmctld
start_daemon slurmd /run/slurm/slurmd.pid slurmd -N localhost

for _ in $(seq 60); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
    echo "$0: Slurm is up: $(sinfo -h -o '%P %D %t %c CPUs %m MB' | head -1)"
    exit 0
  fi
  sleep 0.5
done
echo "$0: the node did not become idle within 30 s; see /var/log/slurm/" 1>&2
exit 1
