#!/usr/bin/env bash
# Starts a local demo course hub: JupyterHub on http://127.0.0.1:PORT with real Unix users, one instructor and N
# students, each logging in with one generated demo password (JupyterHub's shared-password authenticator; a course uses PAM or
# its university's login, see README.md beside this file). It installs the hub first if needed (install.sh), then:
#   users       golab-instructor, golab-student1 … golab-studentN (created here, marked "golab demo hub" so that
#               stop.sh --clean removes only them; an existing account without that mark is never taken over),
#               homes under <hub root>/home, mode 700
#   the course  nbgrader's course directory ~golab-instructor/course with source/<assignment>/ from course.conf,
#               the students in its gradebook, and the course's directory in the exchange, owned by the instructor
#   secrets     <hub root>/state/demo-password (generated once, mode 600); JupyterHub makes its cookie secret there
#               too; nothing secret is in the repository
#   the hub     in the background, log in <hub root>/state/hub.log; stop it with stop.sh (--clean removes the demo)
# Options: --port N (default 8000; the proxy's API uses N+1, the hub's API N+2), --students N (default 2).
# Environment: GOLAB_HUB_ROOT (default /srv/golab-hub).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HUB=${GOLAB_HUB_ROOT:-/srv/golab-hub}
STATE=$HUB/state
PORT=8000 NSTUDENTS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=${2:?hub start: --port needs a number}; shift 2 ;;
    --students) NSTUDENTS=${2:?hub start: --students needs a number}; shift 2 ;;
    *) echo "hub start: unknown option $1 (use --port N, --students N)" >&2; exit 2 ;;
  esac
done
say() { printf 'hub start: %s\n' "$*"; }
die() { printf 'hub start: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it creates Unix users and starts JupyterHub, which switches to them)"
source kernel-setup/hub/course.conf
MARK="golab demo hub"
INSTRUCTOR=golab-instructor
STUDENTS=()
for i in $(seq 1 "$NSTUDENTS"); do STUDENTS+=("golab-student$i"); done

if [ -f "$STATE/hub.pid" ] && kill -0 "$(cat "$STATE/hub.pid")" 2>/dev/null; then
  die "a hub already runs (pid $(cat "$STATE/hub.pid")); stop it with kernel-setup/hub/stop.sh"
fi
./kernel-setup/hub/install.sh | grep -v '^hub install: done' || true
[ -x "$HUB/venv/bin/jupyterhub" ] || die "the installation failed (see above)"

# --- Unix users
mkdir -p "$HUB/home" && chmod 755 "$HUB/home"
touch "$STATE/demo-users"
for u in "$INSTRUCTOR" "${STUDENTS[@]}"; do
  if getent passwd "$u" >/dev/null; then
    [ "$(getent passwd "$u" | cut -d: -f5)" = "$MARK" ] || die "user $u exists and was not made by this script; not touching it"
  else
    useradd --create-home --home-dir "$HUB/home/$u" --comment "$MARK" --shell /bin/bash --user-group "$u"
  fi
  echo "$u" >> "$STATE/demo-users"
  chmod 700 "$HUB/home/$u"
done
sort -u -o "$STATE/demo-users" "$STATE/demo-users"
python3 - "$STATE/roster.json" "$INSTRUCTOR" "${STUDENTS[@]}" <<'PY'
import json, sys
path, instructor, *students = sys.argv[1:]
with open(path, "w") as f:
    json.dump({"instructors": [instructor], "students": students}, f, indent=1)
PY
if [ ! -s "$STATE/demo-password" ]; then
  (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(12))' > "$STATE/demo-password")
fi

# --- the course: the instructor's nbgrader course directory and the course's directory in the exchange
as_instructor() { runuser -u "$INSTRUCTOR" -- env HOME="$HUB/home/$INSTRUCTOR" GOLAB_EXCHANGE_ROOT="$HUB/exchange" \
  PATH="$HUB/venv/bin:$HUB/bin:$HUB/go/bin:/usr/bin:/bin" "$@"; }
IHOME=$HUB/home/$INSTRUCTOR
as_instructor mkdir -p "$IHOME/.jupyter" "$IHOME/course/source/$GOLAB_ASSIGNMENT"
as_instructor tee "$IHOME/.jupyter/nbgrader_config.py" >/dev/null <<EOF
# The instructor's nbgrader settings (the course-wide ones are in $HUB/venv/etc/jupyter/nbgrader_config.py).
c = get_config()
c.CourseDirectory.root = "$IHOME/course"
EOF
install -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 644 "$GOLAB_ASSIGNMENT_NOTEBOOK" \
  "$IHOME/course/source/$GOLAB_ASSIGNMENT/$(basename "$GOLAB_ASSIGNMENT_NOTEBOOK")"
(cd "$IHOME/course" && for i in "${!STUDENTS[@]}"; do
  as_instructor nbgrader db student add "${STUDENTS[$i]}" --first-name=Student --last-name="$((i + 1))" --log-level=WARN
done)
EX=$HUB/exchange/golab
install -d -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 755 "$EX" "$EX/outbound"
install -d -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 2733 "$EX/inbound"
# feedback: files named by a hash of the submission, readable only by who knows it
install -d -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 711 "$EX/feedback"

# --- the hub
say "starting JupyterHub on http://127.0.0.1:$PORT (log: $STATE/hub.log)"
(
  cd "$STATE"
  umask 077
  GOLAB_HUB_ROOT=$HUB GOLAB_HUB_AUTH=shared-password GOLAB_HUB_PORT=$PORT GOLAB_COURSE_ID=golab \
    PATH="$HUB/venv/bin:$HUB/proxy/node_modules/.bin:/usr/local/bin:/usr/bin:/bin" \
    setsid "$HUB/venv/bin/jupyterhub" -f "$HUB/etc/jupyterhub_config.py" >> "$STATE/hub.log" 2>&1 < /dev/null &
  echo $! > "$STATE/hub.pid"
)
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/hub/health', timeout=2)" 2>/dev/null; then
    say "up. Log in at http://127.0.0.1:$PORT with user $INSTRUCTOR (instructor) or ${STUDENTS[*]} (students), password $(cat "$STATE/demo-password")"
    say "stop: kernel-setup/hub/stop.sh (--clean also removes the demo users, course and exchange)"
    exit 0
  fi
  kill -0 "$(cat "$STATE/hub.pid")" 2>/dev/null || die "JupyterHub exited: $(tail -3 "$STATE/hub.log")"
  sleep 1
done
die "JupyterHub did not answer within 60 s (log: $STATE/hub.log)"
