#!/usr/bin/env python3
"""Runs every solution notebook in full mode, as a student's *Run All* on a fresh clone would, and records what it took.

* Full mode (LAB_QUICK unset), in a new, empty results cache and checkpoint directory (LAB_CACHE_DIR,
  LAB_CHECKPOINT_DIR in a temporary directory), so nothing computed before is reused: what a fresh clone does. The
  shipped weights are used, as the notebooks do by default; no notebook trains unless the student asks for it. The Go
  build cache is the machine's (set-up warms it).
* Each notebook is executed headless with the GoNB kernel (kernel-setup/run_notebooks.py: the same checks as the
  tests) and timed from kernel start to the last cell's end; the slowest cell is noted.
* The README's figures: a code cell whose metadata says "lab": {"figures": ["name", null, …]} has its PNG outputs,
  in order, written to docs/figures/<name>.png (null skips one).
* A table of the times, with the machine and the command, is written to docs/run_all_<vector kernels>.md, e.g.
  docs/run_all_avx512.md; run it again with GODEBUG=cpu.avx512f=off for the AVX2 laptop's path
  (docs/run_all_avx2.md).

Usage: full_run.py [--no-figures] [notebook ...]   (default: every notebook under notebooks/ but the student
versions). Takes about 15 minutes on 2 cores. Ends with "N passed, N failed".
"""
import base64
import datetime
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_notebooks  # noqa: E402

ROOT = run_notebooks.ROOT
FIGURES = ROOT / "docs" / "figures"
GOAL_S = 300  # issue 15: Run All of each notebook fits in 5 minutes on 2 cores


def kernels():
    """The vector kernels this process's environment selects (avx512, avx2 or scalar)."""
    return subprocess.run(["go", "run", "./kernel-setup/simdlevel"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip() or "unknown"


def cpu():
    model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                  if l.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    env = os.environ.get("GODEBUG", "")
    return f"{model}, {os.cpu_count()} cores, vector kernels {kernels()}" + (f" (GODEBUG={env})" if env else "")


def slowest_cell(nb):
    """The index and seconds of the cell that ran longest (from nbclient's execution timestamps)."""
    best = (None, 0.0)
    for i, c in enumerate(nb.cells):
        t = c.get("metadata", {}).get("execution", {})
        a, b = t.get("iopub.execute_input"), t.get("shell.execute_reply")
        if a and b:
            s = (datetime.datetime.fromisoformat(b.replace("Z", "+00:00")) -
                 datetime.datetime.fromisoformat(a.replace("Z", "+00:00"))).total_seconds()
            if s > best[1]:
                best = (i, s)
    return best


def figures(nb):
    """Writes the PNG outputs of cells tagged with lab.figures; returns the names written."""
    written = []
    for c in nb.cells:
        names = c.get("metadata", {}).get("lab", {}).get("figures")
        if not names:
            continue
        pngs = [o["data"]["image/png"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        for name, b64 in zip(names, pngs):
            if name:
                FIGURES.mkdir(parents=True, exist_ok=True)
                (FIGURES / f"{name}.png").write_bytes(base64.b64decode(b64))
                written.append(name)
        missing = [n for n in names[len(pngs):] if n]
        if missing:
            raise RuntimeError(f"figure cell shows {len(pngs)} images; no image for {missing}")
    return written


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    want_figures = "--no-figures" not in sys.argv
    notebooks = [p for p in run_notebooks.find_notebooks(args)
                 if "assignments" not in p.relative_to(run_notebooks.NB_DIR).parts]
    os.environ.pop("LAB_QUICK", None)
    rows, passed, failed = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="golab-fresh-") as tmp:
        os.environ["LAB_CACHE_DIR"] = str(Path(tmp) / "results")
        os.environ["LAB_CHECKPOINT_DIR"] = str(Path(tmp) / "checkpoints")
        for p in notebooks:
            rel = p.relative_to(run_notebooks.NB_DIR)
            print(f"--- {rel} (full mode, fresh caches)", flush=True)
            problems, elapsed, npng, out = run_notebooks.run_one(p)
            nb = nbformat.read(out, as_version=4)
            cell, cell_s = slowest_cell(nb)
            names = []
            if want_figures and not problems:
                try:
                    names = figures(nb)
                except RuntimeError as e:
                    problems.append(str(e))
            ok = not problems
            passed, failed = passed + ok, failed + (not ok)
            code_cells = sum(c.cell_type == "code" for c in nb.cells)
            print(f"{'ok  ' if ok else 'FAIL'} {rel}: {elapsed:.0f} s, {code_cells} code cells, {npng} images, "
                  f"slowest cell {cell} ({cell_s:.0f} s)" + (f", figures {names}" if names else ""), flush=True)
            for pr in problems:
                print("   ", pr)
            rows.append((str(rel), elapsed, code_cells, npng, cell, cell_s, ok))
    if not args:
        table = ROOT / "docs" / f"run_all_{kernels()}.md"
        lines = [
            "# Run All, full mode, from fresh caches",
            "",
            f"Measured {datetime.date.today()} on {cpu()}, pure-Go backend, with `kernel-setup/full_run.py` "
            f"{'GODEBUG=' + os.environ['GODEBUG'] + ' ' if os.environ.get('GODEBUG') else ''}"
            "(each notebook executed headless by the GoNB kernel as *Run All* does, in a new results cache and "
            "checkpoint directory, shipped weights, the machine's Go build cache). Goal: each ≤ 5 min.",
            "",
            "| notebook | Run All | code cells | images | slowest cell | ≤ 5 min |",
            "|---|---:|---:|---:|---|:-:|",
        ]
        for rel, s, n, npng, cell, cs, ok in rows:
            verdict = ("yes" if s <= GOAL_S else "**no**") if ok else "failed"
            lines.append(f"| `{rel}` | {int(s // 60)} min {s % 60:02.0f} s | {n} | {npng} | cell {cell}: {cs:.0f} s "
                         f"| {verdict} |")
        table.parent.mkdir(exist_ok=True)
        table.write_text("\n".join(lines) + "\n")
        print(f"wrote {table.relative_to(ROOT)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
