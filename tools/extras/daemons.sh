# Sourced by install_slurm.sh / install_gridengine.sh and their stop scripts: starting daemons
# by hand (no systemd) and remembering which ones we started, so that a stop ends only those.
daemon_state=/run/toolkit-daemons

daemon_running() {  # $1: pid file; true if it names a live process
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_daemon() {  # $1: name (its /proc comm), $2: the pid file it writes, rest: command
  local name=$1 pidfile=$2
  shift 2
  mkdir -p "$daemon_state"
  if daemon_running "$pidfile"; then
    echo "$0: $name is already running (pid $(cat "$pidfile"))"
    return
  fi
  "$@"
  for _ in $(seq 100); do daemon_running "$pidfile" && break; sleep 0.1; done
  daemon_running "$pidfile" || { echo "$0: $name did not start; see its log" 1>&2; exit 1; }
  cp "$pidfile" "$daemon_state/$name.pid"
  echo "$0: started $name (pid $(cat "$pidfile"))"
}

stop_daemons() {  # names, in the order to stop them; only those start_daemon started
  local name pid
  for name in "$@"; do
    [ -f "$daemon_state/$name.pid" ] || continue
    pid=$(cat "$daemon_state/$name.pid")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "$0: stopped $name (pid $pid)"
    fi
    rm -f "$daemon_state/$name.pid"
  done
}

install_debs() {  # Debian packages, when any is missing
  if ! dpkg -s "$@" >/dev/null 2>&1; then
    echo "$0: installing $* (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
  fi
}
