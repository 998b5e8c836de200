#!/usr/bin/env bash
# Benchmarks of the lab against its Python peers. See bench/README.md.
#
#   bench/run.sh lab3        # PCA, GMM and peak-memory benchmarks of Lab 3 -> bench/results/lab3.md
#   bench/run.sh baseline    # recompute the scikit-learn grading baseline -> lab/grade/baseline_sklearn.json
#   bench/run.sh seeds       # the grade over seeds 0-19, lab vs scikit-learn -> bench/results/gmm_seeds.md
#                            #   and scikit-learn's per-seed figures -> lab/grade/sklearn_seeds.json
#
# Options after the target are passed to the Python script, e.g.
#   bench/run.sh lab3 --pca-repeats 3 --cases pca,gmm
# BENCH_THREADS (default 2) pins the threads of both sides: GOMAXPROCS for Go,
# OMP/OPENBLAS/MKL_NUM_THREADS (+ threadpoolctl) for Python.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

source kernel-setup/env.sh # the lab's toolchain (go1.27.3, fetched by Go if needed) and GOEXPERIMENT=simd
source bench/isa.sh        # BENCH_ISA=avx2: both sides as on a CPU without AVX-512
export GOFLAGS=-mod=mod
threads="${BENCH_THREADS:-2}"
export BENCH_THREADS="$threads" GOMAXPROCS="$threads"
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"

venv() {
  if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import numpy, sklearn, threadpoolctl' 2>/dev/null; then
    echo "bench: creating bench/.venv from bench/requirements.txt" >&2
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet -r bench/requirements.txt
  fi
}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

target="${1:-}"
[ -n "$target" ] || usage
shift

case "$target" in
  lab3)
    venv
    work=bench/results/raw/lab3 # git-ignored
    mkdir -p "$work"
    go build -o "$work/lab3bench" ./bench/lab3
    go build -o "$work/lab3" ./lab/cmd/lab3
    cmd="bench/run.sh lab3${*:+ $*}"
    [ -z "${BENCH_ISA:-}" ] || cmd="BENCH_ISA=$BENCH_ISA $cmd"
    bench/.venv/bin/python bench/lab3_bench.py --go-bin "$work/lab3bench" --lab3-bin "$work/lab3" \
      --work "$work" --json "$work/lab3.json" --command "$cmd" "$@"
    ;;
  baseline)
    venv
    bench/.venv/bin/python bench/lab3_baseline.py --threads "$threads" "$@"
    ;;
  seeds)
    venv
    work=bench/results/raw/gmm_seeds # git-ignored
    mkdir -p "$work"
    go build -o "$work/gmm_seeds" ./bench/gmm_seeds
    cmd="bench/run.sh seeds${*:+ $*}"
    bench/.venv/bin/python bench/gmm_seeds.py --go-bin "$work/gmm_seeds" --work "$work" --threads "$threads" \
      --spread-json lab/grade/sklearn_seeds.json --command "$cmd" "$@"
    ;;
  -h|--help|help)
    usage
    ;;
  *)
    echo "bench: unknown target '$target' (want lab3, baseline or seeds)" >&2
    exit 2
    ;;
esac
