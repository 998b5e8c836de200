# Sourced by the bench scripts. BENCH_ISA=avx2 runs both sides of a benchmark as on a CPU without AVX-512, on a
# machine that has it: Go's kernels and GoMLX's pure-Go backend through GODEBUG=cpu.avx512f=off; PyTorch's ATen
# kernels (ATEN_CPU_CAPABILITY), oneDNN (ONEDNN_MAX_CPU_ISA), MKL and OpenBLAS (Haswell kernels) likewise.
# BENCH_ISA unset: each side uses the best the CPU has (OPENBLAS_CORETYPE is unset). The reports name the instruction set in their Machine line.
case "${BENCH_ISA:-}" in
  "") # the best each side has: some machines set OPENBLAS_CORETYPE=Haswell globally, which keeps numpy off AVX-512
    unset OPENBLAS_CORETYPE ;;
  avx2)
    export GODEBUG="${GODEBUG:+$GODEBUG,}cpu.avx512f=off" ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \
      MKL_ENABLE_INSTRUCTIONS=AVX2 OPENBLAS_CORETYPE=Haswell
    ;;
  *) echo "bench: BENCH_ISA=$BENCH_ISA: use avx2, or leave it unset" >&2; exit 2 ;;
esac
