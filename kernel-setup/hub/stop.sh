#!/usr/bin/env bash
# Stops the demo course hub started by start.sh: JupyterHub (which stops the users' servers and its proxy), then any
# process of a demo user that is still running.
# Options: --clean  also remove the demo: its Unix users and their homes (only users start.sh created, marked
#                   "golab demo hub"), the course's exchange directory, the hub's database, cookie secret, demo
#                   password and log; the installed software stays (start.sh reuses it)
#          --purge  --clean, then remove the whole hub root
# Environment: GOLAB_HUB_ROOT (default /srv/golab-hub).
set -euo pipefail
HUB=${GOLAB_HUB_ROOT:-/srv/golab-hub}
STATE=$HUB/state
CLEAN=0 PURGE=0
for a in "$@"; do
  case "$a" in
    --clean) CLEAN=1 ;;
    --purge) CLEAN=1 PURGE=1 ;;
    *) echo "hub stop: unknown option $a (use --clean or --purge)" >&2; exit 2 ;;
  esac
done
say() { printf 'hub stop: %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "hub stop: error: run as root" >&2; exit 1; }
MARK="golab demo hub"

stop_pid() { # stop_pid PIDFILE NAME: TERM, wait up to 20 s, then KILL
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { say "$2 (pid $pid) did not stop in 20 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    say "$2 stopped (pid $pid)"
  fi
  rm -f "$f"
}
stop_pid "$STATE/hub.pid" "JupyterHub"
stop_pid "$STATE/proxy.pid" "configurable-http-proxy"

users=()
[ -f "$STATE/demo-users" ] && mapfile -t users < "$STATE/demo-users"
for u in "${users[@]}"; do
  getent passwd "$u" >/dev/null || continue
  [ "$(getent passwd "$u" | cut -d: -f5)" = "$MARK" ] || { say "skipping $u: not a demo user"; continue; }
  if pgrep -u "$u" >/dev/null; then
    pkill -TERM -u "$u" || true
    for _ in $(seq 1 20); do pgrep -u "$u" >/dev/null || break; sleep 0.5; done
    pkill -KILL -u "$u" 2>/dev/null || true
    say "stopped the remaining processes of $u"
  fi
done

if [ "$CLEAN" = 1 ]; then
  for u in "${users[@]}"; do
    getent passwd "$u" >/dev/null || continue
    [ "$(getent passwd "$u" | cut -d: -f5)" = "$MARK" ] || continue
    userdel --remove "$u" 2>/dev/null || userdel "$u"
  done
  rm -rf "$HUB/home" "$HUB/exchange/golab"
  rm -f "$STATE"/{demo-users,roster.json,demo-password,jupyterhub.sqlite,jupyterhub_cookie_secret,hub.log}
  say "removed the demo users (${users[*]:-none}), their homes, the course's exchange and the hub's state"
fi
if [ "$PURGE" = 1 ]; then
  rm -rf "$HUB"
  say "removed $HUB"
fi
