#!/usr/bin/env bash
# Installs the course hub's software into the hub root ($GOLAB_HUB_ROOT, default /srv/golab-hub), owned by root and
# readable, not writable, by everyone else:
#   venv/        Python venv (Debian's python3, which every user can run) with pinned JupyterHub, JupyterLab,
#                nbgrader (kernel-setup/hub/requirements.txt), the GoNB kernel, nbgrader's settings for Go, the
#                private-submission exchange (golab_exchange.py) and the lab's JupyterLab settings (news prompt off)
#   proxy/       configurable-http-proxy from npm (package-lock.json: npm ci)
#   go/          the lab's toolchain (go1.27.3), copied from the one this clone runs
#   bin/         gonb, goimports, gopls (setup.sh's pinned builds) and golab-gocache (GOCACHEPROG, see gocache/)
#   gomodcache/  the Go module cache: every module the lab needs; kernels run with GOPROXY=off
#   gocache/     the shared build cache, warmed by building the lab's packages and running the course's notebook once;
#                kernels read it through golab-gocache and write only to the user's own cache
#   lab/         the lab's Go module as students import it: go.mod, go.sum and lab/ (shipped weights included), and
#                no notebook: the solution notebooks stay with the instructor
#   mnist/       MNIST
#   etc/         jupyterhub_config.py; Jupyter config directories per role (student: no formgrader, no assignment
#                creation); nbgrader-student
#   exchange/    nbgrader's exchange (1777, like /tmp)
# It runs as root and is idempotent: what is already in place and unchanged is kept (a stamp per step).
# Options: --force (redo every step). Environment: GOLAB_HUB_ROOT, GOLAB_HUB_PYTHON (default /usr/bin/python3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HUB=${GOLAB_HUB_ROOT:-/srv/golab-hub}
PY=${GOLAB_HUB_PYTHON:-/usr/bin/python3}
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    *) echo "hub install: unknown option $a (use --force)" >&2; exit 2 ;;
  esac
done
say() { printf 'hub install: %s\n' "$*"; }
die() { printf 'hub install: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root: the hub root ($HUB) must belong to root, and the demo creates Unix users"
[ -x "$PY" ] || die "$PY not found: install Debian's python3 and python3-venv, or set GOLAB_HUB_PYTHON to a Python ≥ 3.10 that every user can run"
command -v npm >/dev/null || die "npm is needed for configurable-http-proxy"
umask 022
source kernel-setup/hub/course.conf

./kernel-setup/setup.sh >/dev/null # the pinned Go tools in .bin/ and MNIST
source kernel-setup/env.sh
GOROOT_LAB=$(go env GOROOT)
MNIST_SRC=$(go run ./lab/cmd/mnist-fetch --verify | sed -n 's/^MNIST ok in //p')
[ -d "$MNIST_SRC" ] || die "MNIST not found (kernel-setup/setup.sh should have installed it)"

mkdir -p "$HUB"/{bin,etc,state}
chmod 755 "$HUB" "$HUB/bin" "$HUB/etc"
chmod 700 "$HUB/state" # secrets, database, logs: root only

# step NAME INPUTS... : true if the step must run (its inputs changed since the last run, or --force)
step() {
  local name=$1; shift
  local want; want=$(cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" = 0 ] && [ -f "$HUB/state/step-$name" ] && [ "$(cat "$HUB/state/step-$name")" = "$want" ]; then
    return 1
  fi
  STEP_STAMP=$want STEP_NAME=$name
}
done_step() { echo "$STEP_STAMP" > "$HUB/state/step-$STEP_NAME"; }

# --- Python
if step venv kernel-setup/hub/requirements.txt <(echo "$PY") <("$PY" --version); then
  say "venv/ (JupyterHub, JupyterLab, nbgrader)"
  rm -rf "$HUB/venv"
  "$PY" -m venv "$HUB/venv" || die "$PY -m venv failed (Debian: apt-get install python3-venv)"
  "$HUB/venv/bin/python" -m pip install --disable-pip-version-check -q -r kernel-setup/hub/requirements.txt
  done_step
fi
SITE=$("$HUB/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
install -m 644 kernel-setup/hub/golab_exchange.py "$SITE/golab_exchange.py"
install -m 644 kernel-setup/hub/golab_nbgrader.py "$SITE/golab_nbgrader.py"
install -D -m 644 kernel-setup/hub/nbgrader_config.py "$HUB/venv/etc/jupyter/nbgrader_config.py"
install -D -m 644 kernel-setup/jupyterlab-overrides.json "$HUB/venv/share/jupyter/lab/settings/overrides.json"
install -m 644 kernel-setup/hub/jupyterhub_config.py "$HUB/etc/jupyterhub_config.py"

# --- proxy
if step proxy kernel-setup/hub/proxy/package.json kernel-setup/hub/proxy/package-lock.json; then
  say "proxy/ (configurable-http-proxy)"
  rm -rf "$HUB/proxy" && mkdir -p "$HUB/proxy"
  cp kernel-setup/hub/proxy/package.json kernel-setup/hub/proxy/package-lock.json "$HUB/proxy/"
  (cd "$HUB/proxy" && npm ci --silent --no-audit --no-fund >/dev/null)
  done_step
fi

# --- Go: toolchain, tools, modules
if step go <(echo "$GOROOT_LAB") "$GOROOT_LAB/VERSION"; then
  say "go/ ($(go env GOVERSION))"
  rm -rf "$HUB/go" && cp -a "$GOROOT_LAB" "$HUB/go"
  chmod -R a+rX,go-w "$HUB/go"
  done_step
fi
install -m 755 .bin/gonb .bin/goimports .bin/gopls "$HUB/bin/"
HUBGO=(env PATH="$HUB/go/bin:$PATH" GOROOT="$HUB/go" GOTOOLCHAIN=local GOEXPERIMENT=simd GOFLAGS= GOMODCACHE="$HUB/gomodcache")
"${HUBGO[@]}" go build -o "$HUB/bin/golab-gocache" ./kernel-setup/hub/gocache
if step gomodcache go.mod go.sum "$HUB/go/VERSION"; then
  say "gomodcache/ (every module the lab needs; from this machine's module cache where it has them)"
  "${HUBGO[@]}" GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" GONOSUMDB= go mod download
  chmod -R a+rX "$HUB/gomodcache"
  done_step
fi

# --- the lab module students import: tracked files of go.mod, go.sum, lab/ (no notebooks anywhere)
say "lab/ (the lab's Go module, read-only, without notebooks)"
rm -rf "$HUB/lab.new" && mkdir -p "$HUB/lab.new"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z -- go.mod go.sum lab | grep -zv '\.ipynb$' | xargs -0 cp --parents -t "$HUB/lab.new"
else
  cp -a --parents go.mod go.sum lab "$HUB/lab.new"
  find "$HUB/lab.new" -name '*.ipynb' -delete
fi
chmod -R a+rX,go-w "$HUB/lab.new"
if [ -d "$HUB/lab" ] && diff -rq "$HUB/lab" "$HUB/lab.new" >/dev/null; then
  rm -rf "$HUB/lab.new"
else
  rm -rf "$HUB/lab.old"; [ -d "$HUB/lab" ] && mv "$HUB/lab" "$HUB/lab.old"
  mv "$HUB/lab.new" "$HUB/lab" && rm -rf "$HUB/lab.old"
fi

# --- MNIST
mkdir -p "$HUB/mnist"
cp -u "$MNIST_SRC"/* "$HUB/mnist/"
chmod -R a+rX,go-w "$HUB/mnist"

# --- Jupyter: the GoNB kernel and the per-role configuration
"$HUB/venv/bin/python" - "$HUB" <<'PY'
import json, os, sys
hub = sys.argv[1]
env = {
    "PATH": f"{hub}/bin:{hub}/go/bin:/usr/local/bin:/usr/bin:/bin",
    "GOTOOLCHAIN": "local",       # the lab's toolchain (hub/go, go1.27.3) is first on PATH; nothing is downloaded
    "GOEXPERIMENT": "simd",       # as kernel-setup/setup.sh registers it
    "GOMODCACHE": f"{hub}/gomodcache",  # shared, read-only
    "GOPROXY": "off",             # every module is in the shared cache
    "GOFLAGS": "",
    # the shared read-only build cache, with the user's own cache (~/.cache/golab/go-build) as the writable layer
    "GOCACHEPROG": f"{hub}/bin/golab-gocache -base {hub}/gocache",
    "LAB_ROOT": f"{hub}/lab",     # notebooks' first cell links the lab module from here
    "MNIST_DIR": f"{hub}/mnist",
}
spec = {
    "argv": [f"{hub}/bin/gonb", "--kernel", "{connection_file}"],
    "display_name": "Go (gonb) — MNIST lab",
    "language": "go",
    "interrupt_mode": "message",
    "env": env,
}
kdir = f"{hub}/venv/share/jupyter/kernels/gonb"
os.makedirs(kdir, exist_ok=True)
with open(f"{kdir}/kernel.json", "w") as f:
    json.dump(spec, f, indent=2)
# Students: nbgrader's assignment list and validation only (the formgrader and "create assignment" are for the
# instructor; hiding them is convenience: what protects the course is file permissions).
student = f"{hub}/etc/jupyter-student"
os.makedirs(f"{student}/labconfig", exist_ok=True)
with open(f"{student}/labconfig/page_config.json", "w") as f:
    json.dump({"disabledExtensions": {"@jupyter/nbgrader:formgrader": True,
                                      "@jupyter/nbgrader:create-assignment": True,
                                      "@jupyter/nbgrader:course-list": True}}, f, indent=2)
with open(f"{student}/jupyter_server_config.json", "w") as f:
    json.dump({"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False,
                                                     "nbgrader.server_extensions.course_list": False}}}, f, indent=2)
os.makedirs(f"{hub}/etc/jupyter-instructor", exist_ok=True)
PY

# --- nbgrader's exchange: writable by all like /tmp; the course's own directory is made by start.sh for the instructor
mkdir -p "$HUB/exchange" && chmod 1777 "$HUB/exchange"

# --- the shared build cache: the lab's packages built from hub/lab as students build them, then the course's notebook
#     run once through the hub's kernel (its first cell, GoNB's own packages), all with GOCACHE pointing at it
if step gocache "$HUB/go/VERSION" "$GOLAB_ASSIGNMENT_NOTEBOOK" \
    <(cd "$HUB/lab" && find . -type f \( -name '*.go' -o -name 'go.*' \) -print0 | sort -z | xargs -0 sha256sum); then
  say "gocache/ (building the lab's packages into the shared build cache; minutes the first time)"
  (cd "$HUB/lab" && "${HUBGO[@]}" GOPROXY=off GOCACHE="$HUB/gocache" go build ./lab/...)
  "$HUB/venv/bin/python" kernel-setup/hub/warm_cache.py "$HUB" "$GOLAB_ASSIGNMENT_NOTEBOOK"
  chmod -R a+rX,go-w "$HUB/gocache"
  done_step
fi
say "done: $HUB"
