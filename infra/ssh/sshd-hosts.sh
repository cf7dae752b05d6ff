#!/usr/bin/env bash
# Virtual SSH hosts on one machine: one OpenSSH sshd per port on 127.0.0.1, each with its own sshd_config, host key
# and authorized_keys, key login only (PasswordAuthentication no). The system's /etc/ssh is never read or changed.
#
#   infra/ssh/sshd-hosts.sh start DIR PORT [PORT...]   # prints one line per host: PORT PID
#   infra/ssh/sshd-hosts.sh stop DIR [PORT...]         # SIGKILLs those hosts' sshd (default: all in DIR) and every process they started
#
# start writes DIR/client_ed25519 (the key a client logs in with; kept if it exists), DIR/known_hosts (every host's
# key, so StrictHostKeyChecking=yes works), DIR/hosts.txt (a tensorfleet hostfile) and DIR/PORT/{sshd_config,
# host_ed25519, authorized_keys, sshd.pid, sshd.log}. Needs Debian's openssh-server (/usr/sbin/sshd).
set -euo pipefail

sshd=/usr/sbin/sshd
command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT... | stop DIR" >&2; exit 2; }

# Every descendant of a process, deepest first (/proc/PID/task/*/children; procps may not be installed).
descendants() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

case "$command" in
start)
  shift 2
  [ $# -gt 0 ] || { echo "$0: start needs at least one port" >&2; exit 2; }
  [ -x "$sshd" ] || { echo "$0: $sshd not found (apt-get install openssh-server)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # sshd's privilege-separation directory (Debian creates it at boot; a container may not have it).
  mkdir -p /run/sshd
  [ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C tensorfleet-test -f "$dir/client_ed25519"
  : > "$dir/known_hosts"
  : > "$dir/hosts.txt"
  for port in "$@"; do
    host="$dir/$port"
    mkdir -p "$host"
    [ -f "$host/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "host-$port" -f "$host/host_ed25519"
    cp "$dir/client_ed25519.pub" "$host/authorized_keys"
    cat > "$host/sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $host/host_ed25519
AuthorizedKeysFile $host/authorized_keys
PidFile $host/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
AcceptEnv none
Subsystem sftp internal-sftp
CONFIG
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$host/host_ed25519.pub")" >> "$dir/known_hosts"
    rm -f "$host/sshd.pid"
    # -E: the daemon's log goes to a file (it daemonizes: no terminal to write to).
    "$sshd" -f "$host/sshd_config" -E "$host/sshd.log"
    for _ in $(seq 1 100); do [ -s "$host/sshd.pid" ] && break; sleep 0.05; done
    [ -s "$host/sshd.pid" ] || { echo "$0: sshd on port $port did not start; see $host/sshd.log" >&2; cat "$host/sshd.log" >&2; exit 1; }
    echo "127.0.0.1:$port slots=2" >> "$dir/hosts.txt"
    echo "$port $(cat "$host/sshd.pid")"
  done
  ;;
stop)
  shift 2
  pidfiles=()
  if [ $# -gt 0 ]; then for port in "$@"; do pidfiles+=("$dir/$port/sshd.pid"); done; else pidfiles=("$dir"/*/sshd.pid); fi
  for pidfile in "${pidfiles[@]}"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # The host goes away whole: its listener, its sessions and everything they started (SIGKILL, no goodbyes).
    tree=$(descendants "$pid")
    kill -KILL "$pid" $tree 2>/dev/null || true
    rm -f "$pidfile"
  done
  ;;
*)
  echo "usage: $0 start DIR PORT... | stop DIR" >&2
  exit 2
  ;;
esac
