#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for CI and for trying capsim's cluster path.
#
#   bash scripts/slurm_one_node.sh up         install (Debian, root), configure and start it; idempotent
#   bash scripts/slurm_one_node.sh down       stop what `up` started (and nothing else); idempotent
#   bash scripts/slurm_one_node.sh status     show the daemons and the node; exit 0 if the node takes jobs
#   bash scripts/slurm_one_node.sh stop-node  stop only the slurmd `up` started (a node failure); `up` restarts it
#
# What `up` does: installs Debian's slurmctld, slurmd, slurm-client and munge when missing
# (apt-get, --no-install-recommends), starts munged, slurmctld and slurmd as plain daemons (no
# systemd) with a minimal slurm.conf (one node = this machine, one partition `debug`, no
# accounting database: capsim reads job states from squeue/scontrol, never from sacct). Each
# daemon it starts has its pid recorded under $CAPSIM_SLURM_STATE (default /run/capsim-slurm);
# `down` stops exactly those processes (checking each pid still belongs to that daemon) and
# removes the slurm.conf it wrote; daemons and configuration it did not create are left alone.
#
# With CAPSIM_SLURM_STARTED=<file>, `up` also lists in that file the daemons it started in this
# call, and `down` stops only the daemons listed there (and removes slurm.conf only if that call
# wrote it): .ci/run uses this so that it tears down exactly what it brought up, and leaves a
# cluster that was already running alone.
#
# Needs root (packages, daemons, /etc/slurm). Elsewhere it says so in one line and exits 1.
# Facts behind the settings (munge's run directory, no accounting, scheduling delay):
# ../shared/TOOLCHAIN.md and docs/cluster.md.
set -euo pipefail

STATE=${CAPSIM_SLURM_STATE:-/run/capsim-slurm}
SESSION=${CAPSIM_SLURM_STARTED:-}
CONF=/etc/slurm/slurm.conf
MARK="# written by capsim scripts/slurm_one_node.sh"
NODE=$(hostname -s)
PARTITION=debug
PACKAGES="slurmctld slurmd slurm-client munge"

say() { echo "slurm_one_node: $*"; }
die() { echo "slurm_one_node: $*" >&2; exit 1; }

# is_daemon PID NAME: the process PID is alive, not a zombie, and its command name is NAME.
is_daemon() {
  local comm state
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  comm=$(cut -d' ' -f2 < "/proc/$1/stat" 2>/dev/null) || return 1
  state=$(cut -d' ' -f3 < "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$comm" = "($2)" ] && [ "$state" != Z ]
}

# ours NAME: the daemon NAME that this script started is running.
ours() { is_daemon "$(cat "$STATE/$1.pid" 2>/dev/null || true)" "$1"; }

# others NAME: pids of running NAME daemons that this script did not start.
others() {
  local mine p
  mine=$(cat "$STATE/$1.pid" 2>/dev/null || true)
  for p in $(pgrep -x "$1" 2>/dev/null || true); do
    [ "$p" != "$mine" ] && is_daemon "$p" "$1" && echo "$p"
  done
  return 0
}

# start NAME PIDFILE COMMAND...: run a daemon that writes PIDFILE; record its pid as ours.
start() {
  local name=$1 pidfile=$2 pid i
  shift 2
  rm -f "$pidfile"
  "$@"
  for i in $(seq 100); do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if is_daemon "$pid" "$name"; then
      echo "$pid" > "$STATE/$name.pid"
      [ -z "$SESSION" ] || echo "$name" >> "$SESSION"
      say "started $name (pid $pid)"
      return 0
    fi
    sleep 0.1
  done
  die "$name did not start; see /var/log/slurm/$name.log (or syslog for munged)"
}

# stop NAME: stop the daemon NAME if this script started it.
stop() {
  local name=$1 pid i
  pid=$(cat "$STATE/$name.pid" 2>/dev/null || true)
  if is_daemon "$pid" "$name"; then
    kill -TERM "$pid"
    for i in $(seq 100); do is_daemon "$pid" "$name" || break; sleep 0.1; done
    if is_daemon "$pid" "$name"; then
      say "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
      kill -KILL "$pid"
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$STATE/$name.pid"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (it installs Debian packages and starts daemons); run it as root, or use a real cluster (docs/cluster.md)"
}

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
    && command -v sbatch >/dev/null && return 0
  command -v apt-get >/dev/null || die "slurmctld/slurmd/munge are not installed and there is no apt-get to install them (Debian packages: $PACKAGES)"
  say "installing $PACKAGES (Debian packages) ..."
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null; } \
    || die "apt-get could not install $PACKAGES"
}

config_text() {
  local mem
  # Memory the node offers: 90% of what is available now, in whole GiB, in MiB.
  mem=$(awk '/MemAvailable/ { g = int($2 / 1048576 * 0.9); if (g < 1) g = 1; print g * 1024 }' /proc/meminfo)
  cat <<EOF
$MARK (delete this file only with 'down')
ClusterName=capsim-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Start jobs as soon as they are submitted (about 1 s round trip instead of 3).
SchedulerParameters=batch_sched_delay=0
# A node that stops answering is marked down after 20 s (so that tests of a lost node are short);
# when its slurmd comes back it returns to service by itself.
SlurmdTimeout=20
ReturnToService=2
# Finished jobs stay visible to scontrol and squeue for an hour.
MinJobAge=3600
KillWait=5
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1 || true; }

up() {
  need_root
  install_packages
  mkdir -p "$STATE" /run/munge /run/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  chown munge:munge /run/munge
  chmod 755 /run/munge

  # munge: the authentication every SLURM message carries.
  [ -s /etc/munge/munge.key ] || mungekey --create
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  if ! ours munged; then
    if [ -n "$(others munged)" ]; then
      say "using the munged already running (pid $(others munged | head -n 1)); it was not started here"
    else
      start munged /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged
    fi
  fi
  munge -n | unmunge >/dev/null || die "munge does not work (munge -n | unmunge failed)"

  # slurm.conf: ours, or refuse to touch someone else's.
  if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    die "$CONF exists and was not written by this script; refusing to replace it (this script only runs its own one-node cluster)"
  fi
  local new
  new=$(config_text)
  if [ ! -e "$CONF" ] || [ "$new" != "$(cat "$CONF")" ]; then
    echo "$new" > "$CONF"
    touch "$STATE/conf.written"
    [ -z "$SESSION" ] || echo "slurm.conf" >> "$SESSION"
    if ours slurmctld; then scontrol reconfigure; fi
  fi

  for d in slurmctld slurmd; do
    if ! ours $d && [ -n "$(others $d)" ]; then
      die "a $d not started by this script is running (pid $(others $d | head -n 1)); stop it or use that cluster"
    fi
  done
  ours slurmctld || start slurmctld /run/slurm/slurmctld.pid slurmctld
  ours slurmd || start slurmd /run/slurm/slurmd.pid slurmd

  local st i
  for i in $(seq 120); do
    st=$(node_state)
    case $st in
      idle|mixed|allocated|completing)
        # (completing: the node answers and is finishing a job killed while it was away - SLURM's cleanup
        # can take a minute or more; new jobs start once it is done, as `status` also accepts)
        say "up: partition $PARTITION, node $NODE ($(nproc) CPUs), state $st"
        return 0 ;;
      down*|drain*|*'*')
        # a node that was stopped with stop-node, or found down after a restart
        scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  die "node $NODE did not become usable (state '${st:-unknown}'); see /var/log/slurm/slurmctld.log"
}

# in_session NAME: `down` may stop NAME (no session file given, or NAME is listed in it).
in_session() { [ -z "$SESSION" ] || grep -qx "$1" "$SESSION" 2>/dev/null; }

down() {
  [ "$(id -u)" -eq 0 ] || die "needs root (it stops the daemons it started as root)"
  if [ -n "$SESSION" ] && [ ! -s "$SESSION" ]; then
    say "nothing to stop: this session started no daemon (the cluster was already up)"
    return 0
  fi
  if ours slurmctld && in_session slurmctld; then
    # Our controller: any job left on it is a leftover of tests on this cluster.
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      say "cancelled leftover jobs: $(echo $jobs)"
      sleep 1
    fi
  fi
  local d
  for d in slurmd slurmctld munged; do
    in_session $d && stop $d
  done
  if [ -e "$STATE/conf.written" ] && in_session slurm.conf; then
    grep -qsF "$MARK" "$CONF" && rm -f "$CONF"
    rm -f "$STATE/conf.written"
  fi
  rmdir "$STATE" 2>/dev/null || true
  [ -z "$SESSION" ] || : > "$SESSION"
  say "down"
}

status() {
  local d rc=0
  for d in munged slurmctld slurmd; do
    if ours $d; then
      echo "$d: running (pid $(cat "$STATE/$d.pid"), started by this script)"
    elif [ -n "$(others $d)" ]; then
      echo "$d: running (pid $(others $d | head -n 1), not started by this script)"
    else
      echo "$d: not running"
    fi
  done
  if command -v sinfo >/dev/null; then
    sinfo -N -o "%N %P %T %c %m" 2>/dev/null || echo "sinfo: no SLURM controller answers"
  fi
  case $(node_state) in idle|mixed|allocated|completing) ;; *) rc=1 ;; esac
  return $rc
}

stop_node() {
  need_root
  ours slurmd || die "no slurmd started by this script is running"
  stop slurmd
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  stop-node) stop_node ;;
  *) echo "usage: bash scripts/slurm_one_node.sh up|down|status|stop-node" >&2; exit 2 ;;
esac
