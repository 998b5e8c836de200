"""Lab 3 benchmarks: the Go packages next to numpy / scikit-learn, in one run, written to bench/results/lab3.md.

Run it through bench/run.sh lab3 (which builds the Go programs and pins the threads). Cases, on the
real MNIST training set (60 000 raw 0..255 images):

  PCA 60000×784 → k    lab/pca Fit  vs  numpy mean + eigh(np.cov(X.T)) (the homework's method), k = 10 and 50, with
                       the covariance / eigendecomposition split on both sides (pca.Covariance + pca.SymEigen vs
                       np.cov + np.linalg.eigh)
                       vs scikit-learn PCA(k, svd_solver="randomized", random_state=0)  (and "full", for information)
  GMM K=10 full cov.   lab/gmm Fit  vs  scikit-learn GaussianMixture, on the same PCA-50 projection (exported by
                       the Go side), from the same initial parameters (k-means, seed 123), tol=0, exactly 100 EM
                       iterations, reg_covar=1e-6; time ratio and final mean log-likelihood difference
  memory               peak RSS of `lab3 train` in full mode (/usr/bin/time -v)

Medians of repeats; Go runs with GOMAXPROCS=threads, Python with OMP/OpenBLAS/MKL=threads (threadpoolctl).
"""

import os

THREADS = os.environ.get("BENCH_THREADS", "2")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = THREADS

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
import threadpoolctl  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab3_common as common  # noqa: E402


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def timed(fn, repeats):
    """Runs fn repeats times; returns (list of seconds, last result)."""
    secs, out = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        secs.append(time.perf_counter() - t0)
    return secs, out


def run_go(args, go_bin, threads):
    env = dict(os.environ, GOMAXPROCS=str(threads))
    log("$ GOMAXPROCS=%s %s %s" % (threads, os.path.relpath(go_bin), " ".join(args)))
    out = subprocess.run([go_bin] + args, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"lab3_bench: {go_bin} {' '.join(args)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def numpy_pca(X, dim):
    """The homework's PCA.fit: mean, np.cov(X.T), eigh, sort descending, top dim eigenvectors as rows."""
    mean = X.mean(axis=0)
    cov = np.cov(X.T)
    w, v = np.linalg.eigh(cov)
    order = np.argsort(w)[::-1][:dim]
    return mean, v[:, order].T, w[order]


def summary(secs):
    return {"seconds": secs, "median": statistics.median(secs), "min": min(secs)}


def bench_pca(X, args):
    """For each k: alternates the sides, one repeat each per round, so that any drift in the machine's load hits all
    alike. The Go program fits once untimed (a fresh process: page faults of new memory; reported as the cold fit),
    then times one fit, pca.Covariance and pca.SymEigen(cov, k); numpy times its fit, then np.cov and eigh alone."""
    out = {}
    full_repeats = min(args.pca_repeats, 3)
    for dim in args.pca_dims:
        go_s, cold_s, np_s, rnd_s, full_s, cov_s, eig_s, npcov_s, npeig_s = [], [], [], [], [], [], [], [], []
        go = w = None
        for r in range(args.pca_repeats):
            go = run_go(["--case", "pca", "--repeats", "1", "--dim", str(dim)] + args.n_flag, args.go_bin,
                        args.threads)
            go_s += go["seconds"]
            cold_s.append(go["cold_seconds"])
            cov_s += go["cov_seconds"]
            eig_s += go["eigen_seconds"]
            secs, (_, _, w) = timed(lambda: numpy_pca(X, dim), 1)
            np_s += secs
            secs, C = timed(lambda: np.cov(X.T), 1)
            npcov_s += secs
            secs, _ = timed(lambda: np.linalg.eigh(C), 1)
            npeig_s += secs
            del C
            secs, _ = timed(lambda: PCA(dim, svd_solver="randomized", random_state=0).fit(X), 1)
            rnd_s += secs
            if r < full_repeats:
                secs, _ = timed(lambda: PCA(dim, svd_solver="full").fit(X), 1)
                full_s += secs
            log(f"  k={dim} round {r + 1}: Go {go_s[-1]:.3f}s (cov {cov_s[-1]:.3f}, eigen {eig_s[-1]:.3f}), numpy "
                f"{np_s[-1]:.3f}s (cov {npcov_s[-1]:.3f}, eigh {npeig_s[-1]:.3f}), sklearn randomized "
                f"{rnd_s[-1]:.3f}s" + (f", full {full_s[-1]:.3f}s" if r < full_repeats else ""))
        res = {"dim": dim, "go": dict(go, **summary(go_s)), "go_cold": summary(cold_s), "numpy": summary(np_s),
               "sk_randomized": summary(rnd_s), "sk_full": summary(full_s),
               "breakdown": {"go_cov": summary(cov_s), "go_eigen": summary(eig_s), "numpy_cov": summary(npcov_s),
                             "numpy_eigh": summary(npeig_s)}}
        top = np.asarray(go["top_eigenvalues"])
        res["eig_rel_diff"] = float(np.max(np.abs(w[: top.size] - top) / w[: top.size]))
        log(f"  k={dim} medians: Go {res['go']['median']:.3f}s, numpy {res['numpy']['median']:.3f}s, randomized "
            f"{res['sk_randomized']['median']:.3f}s, full {res['sk_full']['median']:.3f}s; top-5 eigenvalues max "
            f"rel. diff Go/numpy {res['eig_rel_diff']:.1e}")
        out[str(dim)] = res
    return out


def bench_gmm(args):
    """Alternates Go and scikit-learn fits; the first Go run exports the projection and the start."""
    go_s, sk_s, go_runs = [], [], []
    Z = w0 = m0 = p0 = None
    gm = None
    for r in range(args.gmm_repeats):
        src = ["--export", args.work] if r == 0 else ["--import", args.work]
        go = run_go(["--case", "gmm", "--repeats", "1"] + src + args.n_flag, args.go_bin, args.threads)
        go_runs.append(go)
        go_s += go["seconds"]
        if r == 0:
            Z = np.load(os.path.join(args.work, "Z.npy"))
            w0 = np.load(os.path.join(args.work, "init_weights.npy"))
            m0 = np.load(os.path.join(args.work, "init_means.npy"))
            c0 = np.load(os.path.join(args.work, "init_covariances.npy"))
            p0 = np.linalg.inv(c0)
            p0 = (p0 + np.transpose(p0, (0, 2, 1))) / 2
            # The starting point as scikit-learn sees it (its own log-likelihood code on the exported parameters).
            g0 = GaussianMixture(n_components=w0.size, covariance_type="full")
            g0.weights_, g0.means_, g0.covariances_ = w0, m0, c0
            g0.precisions_cholesky_ = _compute_precision_cholesky(c0, "full")
            sk_init_ll = float(g0.score(Z))

        def fit():
            m = GaussianMixture(n_components=w0.size, covariance_type="full", tol=0.0, reg_covar=go["reg_covar"],
                                max_iter=go["n_iter"], n_init=1, init_params="random_from_data",
                                weights_init=w0 / w0.sum(), means_init=m0, precisions_init=p0, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return m.fit(Z)

        secs, gm = timed(fit, 1)
        sk_s += secs
        log(f"  round {r + 1}: Go {go_s[-1]:.3f}s (n_iter {go['n_iter']}), sklearn {sk_s[-1]:.3f}s "
            f"(n_iter_ {gm.n_iter_})")
    # For information: scikit-learn's fit with one thread (BLAS and OpenMP), to show what the second thread buys it.
    with threadpoolctl.threadpool_limits(limits=1):
        secs1, _ = timed(fit, 1)
    log(f"  sklearn with 1 thread (info): {secs1[0]:.3f}s")
    first = go_runs[0]
    if any(g["final_log_likelihood"] != first["final_log_likelihood"] for g in go_runs):
        log("lab3_bench: warning: the Go runs did not all end at the same log-likelihood")
    res = {"go": dict(first, **summary(go_s)), "sk_init_ll": sk_init_ll, "sk_1thread": secs1[0]}
    res["sklearn"] = dict(summary(sk_s), n_iter=int(gm.n_iter_), converged=bool(gm.converged_),
                          lower_bound=float(gm.lower_bound_), score=float(gm.score(Z)))
    log(f"  medians: Go {res['go']['median']:.3f}s, sklearn {res['sklearn']['median']:.3f}s; final mean "
        f"log-likelihood Go {first['final_log_likelihood']:.9f}, sklearn {gm.lower_bound_:.9f}")
    return res


def bench_memory(args):
    res_dir = os.path.join(args.work, "train_results")
    env = dict(os.environ, GOMAXPROCS=str(args.threads))
    env.pop("LAB_QUICK", None)
    cmd = ["/usr/bin/time", "-v", args.lab3_bin, "train", "--results", res_dir]
    log("$ GOMAXPROCS=%s %s" % (args.threads, " ".join(os.path.relpath(c) if c == args.lab3_bin else c for c in cmd)))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"lab3_bench: lab3 train failed: {out.stderr.strip()[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    train = json.loads(out.stdout.strip().splitlines()[-1])
    res = {"max_rss_kb": int(m.group(1)), "train": train}
    gjson = os.path.join(res_dir, "grade.json")
    out = subprocess.run([args.lab3_bin, "grade", "--results", res_dir, "--json", gjson], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"lab3_bench: lab3 grade failed: {out.stderr.strip()}")
    with open(gjson) as f:
        res["grade"] = json.load(f)
    log(f"  lab3 train: max RSS {res['max_rss_kb'] / 1024:.0f} MiB; grade DB {res['grade']['db']:.4f}")
    return res


def fmt_list(xs):
    return "[" + ", ".join(f"{x:.3f}" for x in xs) + "]"


def verdict(value, goal):
    return "yes" if value <= goal else f"**no** ({value / goal:.2f}× the goal)"


def report(args, pca, gmm, mem):
    blas = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    blas_s = ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads)"
                       for i in blas)
    omp = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "openmp"]
    go_info = (next(iter(pca.values())) if pca else gmm or {}).get("go", {})
    L = []
    L.append("# Lab 3 benchmarks: Go (lab/pca, lab/gmm) vs numpy / scikit-learn\n")
    L.append(f"Produced by `{args.command}` on {args.date}.\n")
    L.append("| | |\n|---|---|")
    L.append(f"| machine | {os.cpu_count()} CPUs (`nproc`), {common.cpu_model()}, "
             f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, {platform.system()} "
             f"{platform.release()} |")
    L.append(f"| threads | **{args.threads} on both sides**: Go `GOMAXPROCS={args.threads}`; Python "
             f"`OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS={args.threads}` + threadpoolctl limit "
             f"{args.threads} (OpenMP pools: {', '.join(str(i['num_threads']) for i in omp) or 'none'}) |")
    L.append(f"| Go | {go_info.get('go_version', '?')}, GOEXPERIMENT={go_info.get('goexperiment', '')}, gonum "
             f"{go_info.get('gonum', '?')} |")
    L.append(f"| Python | {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
             f"scipy {scipy.__version__}, threadpoolctl {threadpoolctl.__version__} |")
    L.append(f"| BLAS (Python) | {blas_s}; `OPENBLAS_CORETYPE` {os.environ.get('OPENBLAS_CORETYPE') or 'unset'} |")
    L.append(f"| load average (1 min) | {args.load_start:.2f} before the run (other processes compete for the cores "
             f"if it is well above 0), {args.load_end:.2f} at the end (includes the benchmark's own threads) |")
    L.append(f"| data | MNIST training set, {args.n or 60000} images × 784 raw 0..255 pixels, float64 (loading "
             f"and conversion not timed) |")
    L.append("")
    L.append("Times are medians of the repeats in seconds (every repeat listed below); the sides alternate, one "
             "repeat each per round. Ratio = Go / peer (below 1: Go is faster).\n")
    L.append("| case | Go | peer | peer time | ratio Go/peer | goal | met |")
    L.append("|---|---|---|---|---|---|---|")
    for p in (pca or {}).values():
        k, g, b = p["dim"], p["go"]["median"], p["breakdown"]
        rows = [("numpy `eigh(np.cov(X.T))` (homework)", p["numpy"]["median"], 0.5),
                (f'sklearn `PCA({k}, svd_solver="randomized", random_state=0)`', p["sk_randomized"]["median"], 1.0),
                (f'sklearn `PCA({k}, svd_solver="full")` (info)', p["sk_full"]["median"], None)]
        for name, peer, goal in rows:
            r = g / peer
            L.append(f"| PCA {args.n or 60000}×784 → {k}, fit | {g:.3f} s | {name} | {peer:.3f} s | {r:.2f} | "
                     f"{'≤ %.1f' % goal if goal else '–'} | {verdict(r, goal) if goal else '–'} |")
        gc_, nc = b["go_cov"]["median"], b["numpy_cov"]["median"]
        L.append(f"| PCA → {k}: covariance (info) | {gc_:.3f} s | numpy `np.cov(X.T)` | {nc:.3f} s | "
                 f"{gc_ / nc:.2f} | – | – |")
        ge, ne = b["go_eigen"]["median"], b["numpy_eigh"]["median"]
        L.append(f"| PCA → {k}: eigendecomposition of the 784×784 covariance (info) | {ge:.3f} s | numpy "
                 f"`np.linalg.eigh` (all vectors) | {ne:.3f} s | {ge / ne:.2f} | – | – |")
    if gmm:
        g, s = gmm["go"]["median"], gmm["sklearn"]["median"]
        r = g / s
        L.append(f"| GMM K=10 full, 60000×50, 100 EM iterations | {g:.3f} s | sklearn `GaussianMixture` "
                 f"(same start, tol=0) | {s:.3f} s | {r:.2f} | ≤ 1.0 | {verdict(r, 1.0)} |")
        s1 = gmm["sk_1thread"]
        L.append(f"| GMM, same (info) | {g:.3f} s | sklearn `GaussianMixture` with **1 thread** (one run) | {s1:.3f} s | "
                 f"{g / s1:.2f} | – | – |")
        d = abs(gmm["go"]["final_log_likelihood"] - gmm["sklearn"]["lower_bound"])
        L.append(f"| GMM final mean log-likelihood | {gmm['go']['final_log_likelihood']:.6f} | sklearn "
                 f"`lower_bound_` | {gmm['sklearn']['lower_bound']:.6f} | abs. diff {d:.1e} | ≤ 1e-3 | "
                 f"{'yes' if d <= 1e-3 else '**no**'} |")
    if mem:
        gb = mem["max_rss_kb"] * 1024 / 1e9
        L.append(f"| peak memory of `lab3 train` (full: PCA(10) on 60000×784, GMM K=10) | {gb:.2f} GB "
                 f"({mem['max_rss_kb'] / 1024:.0f} MiB) max RSS | – | – | – | ≤ 1.5 GB | {verdict(gb, 1.5)} |")
    L.append("")
    L.append("## Details\n")
    for p in (pca or {}).values():
        k, b = p["dim"], p["breakdown"]
        L.append(f"- PCA k={k} repeats: Go {fmt_list(p['go']['seconds'])} (cov {fmt_list(b['go_cov']['seconds'])}, "
                 f"eigen {fmt_list(b['go_eigen']['seconds'])}; the cold first fit of each Go process "
                 f"{fmt_list(p['go_cold']['seconds'])}, median {p['go_cold']['median']:.3f}); numpy "
                 f"{fmt_list(p['numpy']['seconds'])} (cov {fmt_list(b['numpy_cov']['seconds'])}, eigh "
                 f"{fmt_list(b['numpy_eigh']['seconds'])}); sklearn randomized {fmt_list(p['sk_randomized']['seconds'])}; "
                 f"sklearn full {fmt_list(p['sk_full']['seconds'])} s.")
        L.append(f"- PCA k={k} minima: Go {p['go']['min']:.3f}, numpy {p['numpy']['min']:.3f}, sklearn randomized "
                 f"{p['sk_randomized']['min']:.3f} s: ratios of minima Go/numpy "
                 f"{p['go']['min'] / p['numpy']['min']:.2f}, Go/randomized "
                 f"{p['go']['min'] / p['sk_randomized']['min']:.2f}. Top 5 eigenvalues of Go and numpy differ by at "
                 f"most {p['eig_rel_diff']:.1e} (relative).")
    if pca:
        L.append("- What is timed (PCA): Go `pca.New(k).Fit(X)` in a process that has already done one untimed fit "
                 "(numpy's repeats run in one warm process too; the cold fits are listed above): mean and covariance "
                 "(integer data such as these pixels: exact integer XᵀX and column sums with 16-bit vector "
                 "multiply-adds that skip all-zero pixel groups, then (N·XᵀX − S·Sᵀ)/(N(N−1)); other data: float64 "
                 "rank-k update), then `pca.SymEigen` (Householder tridiagonalisation, all 784 eigenvalues, inverse "
                 "iteration for the k vectors, back-transformation), sign fix; the breakdown times "
                 "`pca.Covariance(X)` and `pca.SymEigen(cov, k)` alone. numpy: `X.mean(0)`, `np.cov(X.T)`, "
                 "`np.linalg.eigh` (all eigenvectors), argsort, top k rows; breakdown `np.cov(X.T)` and "
                 "`np.linalg.eigh(C)` alone. scikit-learn: `PCA(...).fit(X)`.")
    if gmm:
        G, S = gmm["go"], gmm["sklearn"]
        L.append(f"- GMM repeats: Go {fmt_list(G['seconds'])}; sklearn {fmt_list(S['seconds'])} s. "
                 f"Minima: Go {G['min']:.3f}, sklearn {S['min']:.3f} s (ratio {G['min'] / S['min']:.2f}). "
                 f"Iterations: Go {G['n_iter']}, sklearn `n_iter_` {S['n_iter']} (converged_={S['converged']}).")
        L.append(f"- GMM start: k-means (lab/kmeans, k-means++ seed {123}, {G['kmeans_n_iter']} Lloyd iterations) "
                 f"on the Go PCA-50 projection; initial weights/means/covariances exported as .npy and given to "
                 f"sklearn as `weights_init`, `means_init`, `precisions_init` (= inverse covariances). Initial mean "
                 f"log-likelihood: Go {G['init_log_likelihood']:.9f}, sklearn on the same parameters "
                 f"{gmm['sk_init_ll']:.9f}.")
        L.append(f"- GMM end: mean log-likelihood at the final parameters (`score`): Go {G['final_score']:.9f}, "
                 f"sklearn {S['score']:.9f} (diff {abs(G['final_score'] - S['score']):.1e}).")
        L.append("- What is timed: Go `gmm.New(10, {MaxIter: 100, Tol: 0, RegCovar: 1e-6, Init: InitFromMeans})"
                 ".Fit(Z)` (nearest-mean assignment + one M-step to start, 100 × (E-step + M-step)); sklearn "
                 "`GaussianMixture(...).fit(Z)` (input checks, `random_from_data` responsibilities that the given "
                 "initial parameters override, 100 × (E-step + M-step), plus its final E-step).")
    if mem:
        t, gr = mem["train"], mem["grade"]
        L.append(f"- `lab3 train` (GOMAXPROCS={args.threads}): load {t['load_seconds']:.2f} s, PCA(10) fit + "
                 f"transform {t['pca_seconds']:.2f} s, GMM (k-means init + {t['n_iter']} EM iterations) "
                 f"{t['gmm_seconds']:.2f} s, final mean log-likelihood {t['mean_log_likelihood']:.6f}.")
        L.append(f"- `lab3 grade` of that training (10 000 test images): Davies–Bouldin {gr['db']:.4f} "
                 f"(baseline {gr['baseline_db']:.4f}), score {gr['score']:.2f} / 30, NMI {gr['nmi']:.4f}, "
                 f"ARI {gr['ari']:.4f}, cluster accuracy {100 * gr['accuracy']:.2f}%.")
    missed = analysis(pca, gmm, mem)
    if missed:
        L.append("\n## Goals missed, and why\n")
        L.extend(missed)
    L.append("")
    return "\n".join(L)


def analysis(pca, gmm, mem):
    """Explains each missed goal from the measured numbers."""
    out = []
    for p in (pca or {}).values():
        k, b = p["dim"], p["breakdown"]
        g, n = p["go"]["median"], p["numpy"]["median"]
        r = g / n
        if r > 0.5:
            gc_, ge, nc, ne = (b["go_cov"]["median"], b["go_eigen"]["median"], b["numpy_cov"]["median"],
                               b["numpy_eigh"]["median"])
            out.append(
                f"- **PCA → {k} vs numpy: {r:.2f}× numpy, goal ≤ 0.5× ({r / 0.5:.2f}× over).** Covariance: Go "
                f"{gc_:.3f} s vs `np.cov` {nc:.3f} s ({gc_ / nc:.2f}×); eigendecomposition: Go {ge:.3f} s vs `eigh` "
                f"{ne:.3f} s ({ge / ne:.2f}×). Go's fit is {g:.3f} s against the {0.5 * n:.3f} s the goal allows.")
        if g / p["sk_randomized"]["median"] > 1.0:
            out.append(f"- **PCA → {k} vs scikit-learn randomized: {g / p['sk_randomized']['median']:.2f}×, goal "
                       f"≤ 1.0×.**")
    if gmm:
        r = gmm["go"]["median"] / gmm["sklearn"]["median"]
        if r > 1.0:
            out.append(f"- **GMM: {r:.2f}× scikit-learn, goal ≤ 1.0×.**")
        d = abs(gmm["go"]["final_log_likelihood"] - gmm["sklearn"]["lower_bound"])
        if d > 1e-3:
            out.append(f"- **GMM log-likelihood difference {d:.1e} > 1e-3.**")
    if mem and mem["max_rss_kb"] * 1024 / 1e9 > 1.5:
        out.append(f"- **Peak memory {mem['max_rss_kb'] * 1024 / 1e9:.2f} GB > 1.5 GB.**")
    return out


def main():
    ap = argparse.ArgumentParser(description="Lab 3 benchmarks (see bench/README.md)")
    ap.add_argument("--go-bin", help="the built bench/lab3 program")
    ap.add_argument("--lab3-bin", help="the built lab/cmd/lab3 command")
    ap.add_argument("--work", help="scratch directory (exported arrays, trained models)")
    ap.add_argument("--out", default=None, help="markdown report (default: bench/results/lab3.md)")
    ap.add_argument("--json", default=None, help="also write the raw numbers as JSON here")
    ap.add_argument("--pca-repeats", type=int, default=5)
    ap.add_argument("--pca-dims", default="10,50", help="PCA components k, comma-separated (one table row each)")
    ap.add_argument("--gmm-repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(THREADS))
    ap.add_argument("--n", type=int, default=0, help="first n training images only (smoke test; 0: all)")
    ap.add_argument("--cases", default="pca,gmm,memory")
    ap.add_argument("--command", default="bench/run.sh lab3")
    ap.add_argument("--render", default=None, metavar="JSON",
                    help="only rewrite the report from the raw numbers of an earlier run (its --json file)")
    args = ap.parse_args()
    args.n_flag = ["--n", str(args.n)] if args.n else []
    args.pca_dims = [int(k) for k in str(args.pca_dims).split(",")]
    if args.out is None:
        args.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "lab3.md")
    if args.render:
        with open(args.render) as f:
            raw = json.load(f)
        for k, v in raw["meta"].items():
            setattr(args, k, v)
        write(args.out, report(args, raw["pca"], raw["gmm"], raw["memory"]))
        return
    if not (args.go_bin and args.lab3_bin and args.work):
        ap.error("--go-bin, --lab3-bin and --work are required (unless --render)")
    os.makedirs(args.work, exist_ok=True)
    cases = set(args.cases.split(","))
    limiter = common.pin_threads(args.threads)  # noqa: F841 (keeps the limits)
    args.load_start = os.getloadavg()[0]
    if args.load_start > 0.5:
        log(f"lab3_bench: warning: load average {args.load_start:.2f}: other processes are running; "
            f"BLAS/OpenMP thread teams slow down badly when they compete for the cores")

    pca = gmm = mem = None
    if "pca" in cases:
        log(f"PCA 60000×784 → {args.pca_dims}")
        X, _ = common.load_mnist("train")
        if args.n:
            X = X[: args.n]
        X = X.astype(np.float64)
        pca = bench_pca(X, args)
        del X
    if "gmm" in cases:
        log("GMM K=10 on the PCA-50 projection")
        gmm = bench_gmm(args)
    if "memory" in cases:
        log("peak memory of lab3 train")
        mem = bench_memory(args)

    args.load_end = os.getloadavg()[0]
    args.date = common.now()
    if args.json:
        meta = {k: getattr(args, k) for k in ("command", "date", "threads", "n", "load_start", "load_end")}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "pca": pca, "gmm": gmm, "memory": mem}, f, indent=2)
    write(args.out, report(args, pca, gmm, mem))


def write(path, md):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, path)
    print(md)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
