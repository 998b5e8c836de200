#!/usr/bin/env bash
# Sets the lab up if needed, then runs every test: gofmt and go vet, the Go unit tests on every instruction set
# this CPU can run (see below), and every notebook under notebooks/ executed headless in quick mode (LAB_QUICK=1).
#
# The Go tests run in up to three legs, so that a green run means green on AVX-512, AVX2 and no-SIMD machines:
#   1. as normally built (GOEXPERIMENT=simd; the kernels pick AVX-512 or AVX2+FMA at run time);
#   2. on a CPU with AVX-512, again with it switched off (GODEBUG=cpu.avx512f=off: the AVX2 kernels, also GoMLX's);
#      skipped on a CPU without AVX-512, where leg 1 already ran the AVX2 kernels;
#   3. built without GOEXPERIMENT=simd (the portable code every other CPU runs), with -short.
# Each leg's kernel tests compare the vector kernels with the scalar path (tolerances in their doc comments).
# Options: --no-notebooks (Go tests only), --notebooks-only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
"$ROOT/kernel-setup/setup.sh" --xla  # --xla: the VAE and backend tests also run on xla:cpu
source "$ROOT/kernel-setup/env.sh"

go_tests=1 notebooks=1
for a in "$@"; do
  case "$a" in
    --no-notebooks) notebooks=0 ;;
    --notebooks-only) go_tests=0 ;;
    *) echo "test: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ "$go_tests" = 1 ]; then
  echo "== gofmt"
  bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*'))
  if [ -n "$bad" ]; then echo "gofmt wants to rewrite:"; echo "$bad"; exit 1; fi
  echo "== go vet (with and without GOEXPERIMENT=simd)"
  go vet ./...
  GOEXPERIMENT= go vet ./...
  echo "== student notebooks up to date"
  go run ./lab/cmd/assignments --check
  kernels() { go run ./kernel-setup/simdlevel; }
  echo "== go test (leg 1/3: GOEXPERIMENT=simd, vector kernels: $(kernels))"
  go test -count=1 ./...
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    echo "== go test (leg 2/3: AVX-512 switched off, GODEBUG=cpu.avx512f=off, vector kernels: $(GODEBUG=cpu.avx512f=off kernels))"
    GODEBUG=cpu.avx512f=off go test -count=1 ./...
  else
    echo "== go test (leg 2/3 skipped: this CPU has no AVX-512, leg 1 ran the AVX2 kernels)"
  fi
  echo "== go test (leg 3/3: built without GOEXPERIMENT=simd, -short, vector kernels: $(GOEXPERIMENT= kernels))"
  GOEXPERIMENT= go test -short -count=1 ./...
fi
if [ "$notebooks" = 1 ]; then
  echo "== notebooks (quick mode)"
  LAB_QUICK=1 "$ROOT/.venv/bin/python" "$ROOT/kernel-setup/run_notebooks.py"
fi
