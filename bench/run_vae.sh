#!/usr/bin/env bash
# VAE training-step benchmark: the Go lab (lab/vae, pure-Go backend, and xla:cpu when its plugin is installed)
# against the homework's PyTorch VAE on this CPU, plus the peak memory of `vae --iter_max 2000`.
# Writes bench/results/vae.md (raw numbers in bench/results/raw/vae/, git-ignored). One command:
#
#   bench/run_vae.sh                       # 20 warm-up steps, 10 repeats × 100 steps per side, interleaved
#   bench/run_vae.sh --repeats 3 --steps 100 --mem-iters 500 --out /tmp/smoke.md   # quicker smoke run
#
# Options go to bench/vae_torch.py (see --help). BENCH_THREADS (default 2) pins the threads of both sides:
# GOMAXPROCS for Go; OMP/MKL_NUM_THREADS and torch.set_num_threads for PyTorch. The xla:cpu column is added when
# .xla/pjrt_c_api_cpu_plugin.so exists (kernel-setup/xla-cpu.sh) or XLA_PLUGIN_DIR names a directory holding it;
# NO_XLA=1 leaves it out. Needs bench/.venv with torch (bench/.venv/bin/pip install torch==2.15.0) and MNIST.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

source kernel-setup/env.sh # the lab's toolchain (go1.27.3, fetched by Go if needed) and GOEXPERIMENT=simd
source bench/isa.sh        # BENCH_ISA=avx2: both sides as on a CPU without AVX-512
export GOFLAGS=-mod=mod
threads="${BENCH_THREADS:-2}"
export GOMAXPROCS="$threads" OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"

py=bench/.venv/bin/python
if [ ! -x "$py" ] || ! "$py" -c 'import torch, numpy' 2>/dev/null; then
  echo "bench: PyTorch is missing from bench/.venv; install it with:" >&2
  [ -x "$py" ] || echo "  python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt" >&2
  echo "  bench/.venv/bin/pip install torch==2.15.0" >&2
  exit 1
fi

work=bench/results/raw/vae # git-ignored
mkdir -p "$work"
echo "bench: building bench/vae and lab/cmd/vae (GOEXPERIMENT=$GOEXPERIMENT)" >&2
go build -o "$work/vaebench" ./bench/vae
go build -o "$work/vae" ./lab/cmd/vae

xla=()
plugin_dir="${XLA_PLUGIN_DIR:-$root/.xla}"
if [ "${NO_XLA:-0}" != 1 ] && [ -f "$plugin_dir/pjrt_c_api_cpu_plugin.so" ]; then
  xla=(--xla-plugin-dir "$plugin_dir")
else
  echo "bench: no xla:cpu column (install the plugin with kernel-setup/xla-cpu.sh)" >&2
fi

cmd="bench/run_vae.sh${*:+ $*}"
[ "$threads" = 2 ] || cmd="BENCH_THREADS=$threads $cmd"
[ -z "${BENCH_ISA:-}" ] || cmd="BENCH_ISA=$BENCH_ISA $cmd"
PYTHONPATH=bench "$py" bench/vae_torch.py --go-bin "$work/vaebench" --vae-bin "$work/vae" "${xla[@]}" \
  --threads "$threads" --json "$work/vae.json" --command "$cmd" "$@"
