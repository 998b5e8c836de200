"""Lab 3's grade over seeds: the lab's PCA + GMM against scikit-learn's, random_state 0..19.

    bench/run.sh seeds [--seeds 0-19] [--out bench/results/gmm_seeds.md] [--spread-json lab/grade/sklearn_seeds.json]

Both sides make the course's baseline call, PCA(10) on the 60 000 raw 0..255 training images and
GaussianMixture(10, max_iter=100, random_state=seed) with scikit-learn's defaults (tol 1e-3, n_init 1,
init_params "kmeans", reg_covar 1e-6), and are graded as the course grades: the 10 000 test images are
projected and clustered, davies_bouldin_score(raw test images, labels), score = clip(30 * DB_baseline / DB, 0, 30)
with the embedded baseline's DB (lab/grade/baseline_sklearn.json, seed 123).

Columns, per seed:
  lab            Go: the lab's PCA (lab/pca) + the lab's GMM (gmm.DefaultOptions, Seed = seed), graded by lab/grade
  lab, PCG       the same with another random stream (Go's PCG seeded with the seed, not NumPy's RandomState)
  lab, tol 0     the lab's GMM with tol 0: exactly 100 EM iterations (the homework's own GMM)
  sk on lab PCA  scikit-learn's GaussianMixture on the lab's projection (the same numbers the Go GMM sees)
  sk (course)    scikit-learn's PCA + GaussianMixture: the course's baseline pipeline

The Go program (bench/gmm_seeds/main.go) writes the lab's projections and test labels to --work; this script
fits scikit-learn on them and on its own PCA, recomputes the Go labels' index with scikit-learn (a check of
lab/metrics), writes the markdown report and, with --spread-json, the course pipeline's per-seed figures for
the notebook (lab/grade/sklearn_seeds.json).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab3_common as common  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FULL_MARKS = 29.0  # the goal counts the seeds scoring at least this


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def score(base_db, db):
    return min(30.0, max(0.0, 30.0 * base_db / db))


def sk_fit(z_train, z_test, x_test, seed, s, base_db):
    """One scikit-learn GaussianMixture with the baseline's settings, graded on the test set."""
    gm = GaussianMixture(n_components=s["n_components"], max_iter=s["max_iter"], tol=s["gmm_tol"],
                         reg_covar=s["gmm_reg_covar"], init_params=s["gmm_init_params"], random_state=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(z_train)
    secs = time.perf_counter() - t0
    pred = gm.predict(z_test)
    db = float(davies_bouldin_score(x_test, pred))
    return {"seed": seed, "db": db, "score": score(base_db, db), "n_iter": int(gm.n_iter_),
            "converged": bool(gm.converged_), "lower_bound": float(gm.lower_bound_), "seconds": secs}, pred


def stats(runs):
    dbs = [r["db"] for r in runs]
    return {"median": statistics.median(dbs), "min": min(dbs), "max": max(dbs),
            "full": sum(r["score"] >= FULL_MARKS for r in runs), "n": len(runs),
            "median_score": statistics.median(r["score"] for r in runs),
            "iters": (min(r["n_iter"] for r in runs), max(r["n_iter"] for r in runs))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--go-bin", required=True, help="the built bench/gmm_seeds program")
    ap.add_argument("--work", required=True, help="directory for the exported projections and labels")
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "gmm_seeds.md"))
    ap.add_argument("--spread-json", default="", help="also write the course pipeline's figures here")
    ap.add_argument("--command", default="bench/run.sh seeds")
    args = ap.parse_args()
    common.pin_threads(args.threads)
    load = os.getloadavg()

    log(f"$ {args.go_bin} --out {args.work} --seeds {args.seeds}")
    t0 = time.perf_counter()
    out = subprocess.run([args.go_bin, "--out", args.work, "--seeds", args.seeds],
                         env=dict(os.environ, GOMAXPROCS=str(args.threads)), stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"gmm_seeds: the Go program failed (exit {out.returncode})")
    go = json.loads(out.stdout)
    go_seconds = time.perf_counter() - t0
    s, base_db = go["settings"], go["baseline_db"]
    seeds = [r["seed"] for r in go["variants"]["lab"]]

    xtr, _ = common.load_mnist("train")
    xte, _ = common.load_mnist("test")
    xtr = xtr[: go["n_train"]].astype(np.float64)
    xte = xte.astype(np.float64)
    d = s["embedding_dim"]
    ztr_lab = np.fromfile(os.path.join(args.work, "Z_train.f64"), dtype="<f8").reshape(-1, d)
    zte_lab = np.fromfile(os.path.join(args.work, "Z_test.f64"), dtype="<f8").reshape(-1, d)

    t0 = time.perf_counter()
    pca = PCA(d)
    ztr_sk = pca.fit_transform(xtr)
    zte_sk = pca.transform(xte)
    pca_seconds = time.perf_counter() - t0
    # How close the two projections are, up to the sign of each component.
    sign = np.sign(np.sum(ztr_lab * ztr_sk, axis=0))
    proj_diff = float(np.max(np.abs(ztr_lab - ztr_sk * sign)) / np.max(np.abs(ztr_sk)))
    log(f"scikit-learn PCA({d}) {pca_seconds:.2f}s (solver {pca._fit_svd_solver}); max |lab − sklearn| / max |z| = "
        f"{proj_diff:.1e} (signs aligned)")

    sk_lab, sk_course, db_check, same = [], [], [], []
    for seed in seeds:
        r, pred_sk_lab = sk_fit(ztr_lab, zte_lab, xte, seed, s, base_db)
        sk_lab.append(r)
        r2, _ = sk_fit(ztr_sk, zte_sk, xte, seed, s, base_db)
        sk_course.append(r2)
        go_labels = np.fromfile(os.path.join(args.work, f"labels_{seed}.i32"), dtype="<i4")
        go_r = next(g for g in go["variants"]["lab"] if g["seed"] == seed)
        db_check.append(abs(float(davies_bouldin_score(xte, go_labels)) - go_r["db"]))
        same.append(float(adjusted_rand_score(pred_sk_lab, go_labels)))
        log(f"seed {seed:2d}: lab {go_r['db']:.4f} ({go_r['n_iter']} it) | sk on lab PCA {r['db']:.4f} "
            f"({r['n_iter']} it, ARI with the lab's labels {same[-1]:.6f}) | sk course {r2['db']:.4f} ({r2['n_iter']} it)")

    cols = [("lab", go["variants"]["lab"]), ("lab, PCG stream", go["variants"]["lab-pcg"]),
            ("lab, tol 0 (100 it.)", go["variants"]["lab-tol0"]), ("sk on lab PCA", sk_lab),
            ("sk PCA + GMM (course)", sk_course)]
    st = {name: stats(runs) for name, runs in cols}
    course, lab = st["sk PCA + GMM (course)"], st["lab"]
    within = abs(lab["median"] / course["median"] - 1)
    goals = [
        ("lab's median test DB within 2 % of scikit-learn's (course pipeline)",
         f"{lab['median']:.4f} vs {course['median']:.4f}: {100 * within:.2f} %", within <= 0.02),
        (f"seeds scoring ≥ {FULL_MARKS:g}/30: lab at least as many as scikit-learn",
         f"{lab['full']} vs {course['full']} of {len(seeds)}", lab["full"] >= course["full"]),
    ]

    blas = common.thread_info()
    lines = [
        "# Lab 3: the grade over seeds, the lab's PCA + GMM vs scikit-learn",
        "",
        f"Command: `{args.command}` ({common.now()}). Seeds {seeds[0]}–{seeds[-1]} ({len(seeds)} seeds); "
        f"{go['n_train']} training images, {go['n_test']} test images; every fit is the course's baseline call "
        f"PCA({d}) + GaussianMixture({s['n_components']}, max_iter={s['max_iter']}, random_state=seed) with "
        f"scikit-learn's defaults tol={s['gmm_tol']:g}, n_init=1, init_params=\"{s['gmm_init_params']}\", "
        f"reg_covar={s['gmm_reg_covar']:g}. Grade: Davies–Bouldin index of the test clustering on the raw 784-d "
        f"test images (lower is better), score = clip(30 · {base_db:.4f} / DB, 0, 30) with the embedded baseline "
        f"(seed {s['random_state']}); ≥ {FULL_MARKS:g}/30 means DB ≤ {30 * base_db / FULL_MARKS:.4f}.",
        "",
        "Columns: **lab** = the lab's PCA (`lab/pca`) and GMM (`gmm.DefaultOptions()`, Seed = seed: NumPy's "
        "RandomState(seed), the draws scikit-learn makes), graded by `lab/grade`; **lab, PCG stream** = the same "
        "fit drawing from Go's PCG instead (the same semantics without scikit-learn's random numbers); **lab, tol 0** "
        "= exactly 100 EM iterations (the homework's own GMM, the lab's behaviour before); **sk on lab PCA** = "
        "scikit-learn's GaussianMixture on the lab's projection; **sk PCA + GMM (course)** = scikit-learn's PCA "
        f"(solver {pca._fit_svd_solver}) and GaussianMixture: the course's pipeline, the reference of the goals.",
        "",
        "## Summary",
        "",
        "| | " + " | ".join(name for name, _ in cols) + " |",
        "|---|" + "---|" * len(cols),
        "| median test DB | " + " | ".join(f"{st[n]['median']:.4f}" for n, _ in cols) + " |",
        "| min – max | " + " | ".join(f"{st[n]['min']:.3f} – {st[n]['max']:.3f}" for n, _ in cols) + " |",
        "| median score / 30 | " + " | ".join(f"{st[n]['median_score']:.2f}" for n, _ in cols) + " |",
        f"| seeds scoring ≥ {FULL_MARKS:g}/30 | " + " | ".join(f"{st[n]['full']} / {st[n]['n']}" for n, _ in cols) + " |",
        "| EM iterations (min – max) | " + " | ".join(f"{st[n]['iters'][0]} – {st[n]['iters'][1]}" for n, _ in cols) + " |",
        "",
        "| goal | measured | met |",
        "|---|---|---|",
    ]
    for g, m, ok in goals:
        lines.append(f"| {g} | {m} | {'yes' if ok else '**no**'} |")
    n_same = sum(a > 1 - 1e-12 for a in same)
    lines += [
        "",
        f"Same projection, same seed: the lab's GMM and scikit-learn's give the same test clustering (ARI = 1) for "
        f"{n_same} of {len(seeds)} seeds (lowest ARI {min(same):.6f}). Lab's PCA vs scikit-learn's: the "
        f"projections agree to {proj_diff:.1e} of their largest value, up to the sign of each component. "
        f"scikit-learn's davies_bouldin_score on the lab's labels differs from lab/metrics' by at most "
        f"{max(db_check):.1e}.",
        "",
        "## Per seed",
        "",
        "DB (score / 30, EM iterations; * = stopped at max_iter without converging).",
        "",
        "| seed | " + " | ".join(name for name, _ in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for i, seed in enumerate(seeds):
        cells = []
        for _, runs in cols:
            r = runs[i]
            assert r["seed"] == seed
            star = "*" if not r["converged"] else ""
            cells.append(f"{r['db']:.4f} ({r['score']:.2f}, {r['n_iter']}{star})")
        lines.append(f"| {seed} | " + " | ".join(cells) + " |")
    go_fit = [r["seconds"] for r in go["variants"]["lab"]]
    sk_fit_s = [r["seconds"] for r in sk_course]
    lines += [
        "",
        "## Machine and timing (for information; the goals are about the grade, not speed)",
        "",
        f"- CPU: {common.cpu_model()}; load average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        "(1 / 5 / 15 min).",
        f"- Threads: Go GOMAXPROCS={go['gomaxprocs']}; Python {', '.join(blas) or 'n/a'}.",
        f"- Go: {go['go_version']} (GOEXPERIMENT={go['goexperiment'] or 'none'}); Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}.",
        f"- PCA({d}) fit + transform on {go['n_train']} images: lab {go['pca_seconds']:.2f} s, scikit-learn "
        f"{pca_seconds:.2f} s. GMM fit (baseline call), median over seeds: lab {statistics.median(go_fit):.2f} s, "
        f"scikit-learn {statistics.median(sk_fit_s):.2f} s (not interleaved: timings indicative only). The whole Go "
        f"program (3 variants × {len(seeds)} seeds, grading included) took {go_seconds:.0f} s.",
    ]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"wrote {args.out}")
    for g, m, ok in goals:
        log(f"goal: {g}: {m}: {'met' if ok else 'MISSED'}")

    if args.spread_json:
        spread = {
            "pipeline": f"scikit-learn PCA({d}) + GaussianMixture({s['n_components']}, max_iter={s['max_iter']}, "
                        f"random_state=seed), defaults tol={s['gmm_tol']:g}, n_init=1, "
                        f"init_params=\"{s['gmm_init_params']}\", reg_covar={s['gmm_reg_covar']:g}; PCA and GMM fitted "
                        f"on {go['n_train']} training images, Davies–Bouldin index of the {go['n_test']} test images",
            "baseline_db": base_db,
            "settings": s,
            "runs": [{k: r[k] for k in ("seed", "db", "score", "n_iter", "converged", "lower_bound")} for r in sk_course],
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "command": args.command,
            "date": common.now(),
        }
        with open(args.spread_json, "w") as f:
            json.dump(spread, f, indent=2)
            f.write("\n")
        log(f"wrote {args.spread_json}")


if __name__ == "__main__":
    main()
