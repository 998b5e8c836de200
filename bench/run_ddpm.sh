#!/usr/bin/env bash
# DDPM benchmark: training step and DDIM sampling of the Go lab's class-conditional DDPM (lab/ddpm, pure-Go backend,
# and xla:cpu when its plugin is installed) against the same network, loss, optimizer and EMA in PyTorch on this CPU.
# Writes bench/results/ddpm.md (raw numbers in bench/results/raw/ddpm/, git-ignored). One command:
#
#   bench/run_ddpm.sh                      # 5 warm-up steps, 5 repeats × 30 steps per side, interleaved; sampling
#                                          # 100 images × DDIM 50 steps at w = 0 and w = 3, 3 runs per side
#   bench/run_ddpm.sh --repeats 1 --steps 3 --sample-images 10 --sample-steps 5 --sample-repeats 1 --out /tmp/smoke.md
#
# Options go to bench/ddpm_torch.py (see --help). BENCH_THREADS (default 2) pins the threads of both sides:
# GOMAXPROCS for Go; OMP/MKL_NUM_THREADS and torch.set_num_threads for PyTorch. The xla:cpu column is added when
# .xla/pjrt_c_api_cpu_plugin.so exists (kernel-setup/xla-cpu.sh) or XLA_PLUGIN_DIR names a directory holding it;
# NO_XLA=1 leaves it out. Needs bench/.venv with torch (bench/.venv/bin/pip install torch==2.15.0) and MNIST.
# Run it on a quiet machine (no training job, no test suite): see bench/README.md.
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

work=bench/results/raw/ddpm # git-ignored
mkdir -p "$work"
echo "bench: building bench/ddpm (GOEXPERIMENT=$GOEXPERIMENT)" >&2
go build -o "$work/ddpmbench" ./bench/ddpm

xla=()
plugin_dir="${XLA_PLUGIN_DIR:-$root/.xla}"
if [ "${NO_XLA:-0}" != 1 ] && [ -f "$plugin_dir/pjrt_c_api_cpu_plugin.so" ]; then
  xla=(--xla-plugin-dir "$plugin_dir")
else
  echo "bench: no xla:cpu column (install the plugin with kernel-setup/xla-cpu.sh)" >&2
fi

cmd="bench/run_ddpm.sh${*:+ $*}"
[ "$threads" = 2 ] || cmd="BENCH_THREADS=$threads $cmd"
[ -z "${BENCH_ISA:-}" ] || cmd="BENCH_ISA=$BENCH_ISA $cmd"
PYTHONPATH=bench "$py" bench/ddpm_torch.py --go-bin "$work/ddpmbench" "${xla[@]}" \
  --threads "$threads" --json "$work/ddpm.json" --command "$cmd" "$@"
