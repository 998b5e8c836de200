# Environment shared by the lab's scripts (sourced, not run); `source kernel-setup/env.sh` gives a shell the same.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Toolchain: go.mod says `toolchain go1.27.3`; any Go ≥ 1.21 downloads and runs that toolchain by itself (Go's
# GOTOOLCHAIN mechanism). Some installations set GOTOOLCHAIN=local (in $GOROOT/go.env, `go env -w`, or the
# environment), which forbids that switch: the lab's scripts override it with auto, Go's default.
if [ "$(go env GOTOOLCHAIN 2>/dev/null)" = local ]; then
  export GOTOOLCHAIN=auto
fi
# GOEXPERIMENT=simd: the lab's vector kernels (PCA, GMM, t-SNE) and GoMLX's pure-Go matmul are built only with it;
# they pick AVX-512 or AVX2+FMA at run time, and other CPUs get the portable code.
export GOEXPERIMENT=simd
export PATH="$ROOT/.bin:$PATH"
