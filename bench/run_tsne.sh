#!/usr/bin/env bash
# t-SNE benchmark: lab/tsne vs scikit-learn's TSNE (and openTSNE when installed in bench/.venv) on the same
# 10 000-point PCA-50 MNIST input, plus Go alone on all 70 000 images. Writes bench/results/tsne.md.
# Options go to bench/tsne_bench.py (--n, --repeats, --full-n 0 to skip the 70 000-point run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source kernel-setup/env.sh # the lab's toolchain (go1.27.3, fetched by Go if needed) and GOEXPERIMENT=simd
source bench/isa.sh        # BENCH_ISA=avx2: both sides as on a CPU without AVX-512
threads="${BENCH_THREADS:-2}"
export BENCH_THREADS="$threads" GOMAXPROCS="$threads"
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import numpy, sklearn, threadpoolctl' 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet -r bench/requirements.txt
fi
mkdir -p bench/results/raw/tsne
go build -o bench/results/raw/tsne/tsnebench ./bench/tsne
exec bench/.venv/bin/python bench/tsne_bench.py --go-bin bench/results/raw/tsne/tsnebench "$@"
