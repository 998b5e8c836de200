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
# Then the browser leg, in headless Chromium (kernel-setup/browser_test.py, kernel-setup/hub/hub_test.py):
#   a. JupyterLab opens notebooks/00_getting_started.ipynb, runs it from the Run menu; images, texts, no error, no
#      news prompt; screenshots in notebooks/.executed/browser/;
#   b. as root only (it creates Unix users): the demo course hub (kernel-setup/hub/), a student logs in, fetches the
#      assignment, solves it, runs it, submits; a second student submits the untouched version; the instructor
#      collects and autogrades (full points, zero); a student is refused the instructor's files, the other
#      student's submission, the lab module's files and the hub's secrets.
#   c. the nbgrader round trip on a real notebook (kernel-setup/nbgrader_test.py, no root, no browser): nbgrader's
#      generate_assignment of notebooks/lab3/01_gmm_pca.ipynb equals the lab's student version; autograde with the
#      hub's configuration gives the solved submission every check's points and a partial Davies–Bouldin score,
#      the untouched one zero.
#   d. the README's teacher recipe run as written (kernel-setup/teacher_recipe_test.sh): generate, release, a student
#      fetches and submits, collect, autograde, feedback, export; grades.csv and the student's feedback page.
#   Each is skipped with one line where it cannot run (no Chromium, no root).
# Options: --no-notebooks (Go tests only), --notebooks-only (notebooks and browser), --no-browser, --browser-only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

go_tests=1 notebooks=1 browser=1
for a in "$@"; do
  case "$a" in
    --no-notebooks) notebooks=0 browser=0 ;;
    --notebooks-only) go_tests=0 ;;
    --no-browser) browser=0 ;;
    --browser-only) go_tests=0 notebooks=0 ;;
    *) echo "test: unknown option $a" >&2; exit 2 ;;
  esac
done
setup_flags=(--xla) # --xla: the VAE and backend tests also run on xla:cpu
[ "$browser" = 1 ] && setup_flags+=(--browser)
"$ROOT/kernel-setup/setup.sh" "${setup_flags[@]}"
source "$ROOT/kernel-setup/env.sh"

if [ "$go_tests" = 1 ]; then
  echo "== gofmt"
  bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*'))
  if [ -n "$bad" ]; then echo "gofmt wants to rewrite:"; echo "$bad"; exit 1; fi
  echo "== go vet (with and without GOEXPERIMENT=simd)"
  go vet ./...
  GOEXPERIMENT= go vet ./...
  if [ -e "$ROOT/notebooks/STUDENT_COPY" ]; then
    echo "== student notebooks up to date: skipped (a student copy has no solution notebooks)"
  else
    echo "== student notebooks up to date"
    go run ./lab/cmd/assignments --check
  fi
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
if [ "$browser" = 1 ]; then
  echo "== browser a: JupyterLab in Chromium"
  LAB_QUICK=1 "$ROOT/.venv/bin/python" "$ROOT/kernel-setup/browser_test.py"
  echo "== browser b: the course hub (kernel-setup/hub/)"
  if [ "$(id -u)" != 0 ]; then
    echo "hub test skipped: it needs root (it creates Unix users and runs JupyterHub's local spawner)"
  elif "$ROOT/.venv/bin/python" -c 'import sys; sys.path.insert(0, "kernel-setup"); import browser; sys.exit(0 if browser.unavailable() is None else 1)'; then
    "$ROOT/.venv/bin/python" "$ROOT/kernel-setup/hub/hub_test.py" --browser
  else
    echo "hub test in the browser skipped (no Chromium); the same round trip from the command line:"
    "$ROOT/.venv/bin/python" "$ROOT/kernel-setup/hub/hub_test.py"
  fi
  echo "== classroom c: nbgrader round trip on notebooks/lab3/01_gmm_pca.ipynb"
  if [ -e "$ROOT/notebooks/STUDENT_COPY" ]; then
    echo "nbgrader round trip skipped: a student copy has no solution notebooks"
  else
    LAB_QUICK=1 "$ROOT/.venv/bin/python" "$ROOT/kernel-setup/nbgrader_test.py"
    echo "== classroom d: the README's teacher recipe, as written (kernel-setup/teacher_recipe_test.sh)"
    "$ROOT/kernel-setup/teacher_recipe_test.sh"
  fi
fi
