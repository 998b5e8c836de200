#!/usr/bin/env python3
"""Executes every notebook under notebooks/ headless with the GoNB kernel and checks it.

A notebook fails when
  * a cell errors (compile error, panic, non-zero exit: GoNB reports these as errors),
  * any output contains a failed check badge ("✗") or a Go panic trace,
  * it produced fewer outputs than it promises in its metadata, e.g.
        "lab": {"expect": {"image/png": 2, "text": ["✓ PCA fit"]}}
  ("expect_student", if present, replaces "expect" for the student version under notebooks/assignments/),
    ("image/png": at least that many PNG outputs; "text": strings that must appear in the outputs).

Executed copies are written to notebooks/.executed/<same relative path>, and every PNG a notebook
displayed to notebooks/.executed/<notebook>.png/NN.png so a person can look at them.

Environment: LAB_QUICK=1 (set by kernel-setup/test.sh) makes the notebooks use reduced sizes.
Usage: run_notebooks.py [notebook ...]   (default: all under notebooks/, except .executed/ and checkpoints)
Ends with a line "N passed, N failed".
"""
import base64
import os
import re
import sys
import time
import traceback
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
OUT_DIR = NB_DIR / ".executed"
CELL_TIMEOUT = int(os.environ.get("LAB_CELL_TIMEOUT", "1200"))


def find_notebooks(args):
    if args:
        return [Path(a).resolve() for a in args]
    found = []
    for p in sorted(NB_DIR.rglob("*.ipynb")):
        rel = p.relative_to(NB_DIR)
        if any(part.startswith(".") for part in rel.parts):
            continue
        found.append(p)
    return found


def output_texts(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                yield out.get("text", "")
            elif out.get("output_type") == "error":
                yield "\n".join(out.get("traceback", [])) or out.get("evalue", "")
            else:
                data = out.get("data", {})
                for mime in ("text/plain", "text/html", "text/markdown"):
                    if mime in data:
                        v = data[mime]
                        yield "".join(v) if isinstance(v, list) else v


def check_notebook(nb, student=False):
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: error output: {out.get('ename')}: {out.get('evalue')}"[:400])
    texts = list(output_texts(nb))
    joined = "\n".join(texts)
    if "panic:" in joined and "goroutine " in joined:
        problems.append("a Go panic trace appears in the outputs")
    if "✗" in joined:
        line = next(l for l in joined.splitlines() if "✗" in l)
        problems.append("a check failed: " + line.strip()[:300])
    # Check badges (lab/check): a solution notebook must pass every check; a student notebook
    # (under notebooks/assignments/) must run to the end with every check "not implemented yet".
    badges = re.findall(r'data-check="([a-z-]+)"', joined)
    if student:
        if not badges:
            problems.append("student notebook shows no check badge")
        elif any(b != "not-implemented" for b in badges):
            problems.append(f"student notebook: expected every check 'not implemented yet', got {sorted(set(badges))}")
    elif "not-implemented" in badges:
        problems.append("a check says 'not implemented yet' in a solution notebook")
    # "expect_student", if given, is what the student version must show (TODOs that draw pictures draw none).
    lab = nb.metadata.get("lab", {})
    expect = lab.get("expect_student", lab.get("expect", {})) if student else lab.get("expect", {})
    pngs = [
        out["data"]["image/png"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "data" in out and "image/png" in out["data"]
    ]
    if len(pngs) < expect.get("image/png", 0):
        problems.append(f"expected at least {expect['image/png']} PNG outputs, got {len(pngs)}")
    for s in expect.get("text", []):
        if s not in joined:
            problems.append(f"expected output text {s!r} not found")
    return problems, pngs


def run_one(path):
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "gonb")
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=CELL_TIMEOUT,
        allow_errors=True,  # collect every error, judge them below
        resources={"metadata": {"path": str(path.parent)}},
    )
    rel = path.relative_to(NB_DIR) if path.is_relative_to(NB_DIR) else Path(path.name)
    out = OUT_DIR / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    exec_problem = None
    try:
        # The kernel's own log (GoNB is chatty on stderr) goes to a file beside the executed copy.
        with open(out.with_suffix(".kernel.log"), "w") as log:
            client.execute(stderr=log)
    except (CellTimeoutError, DeadKernelError, CellExecutionError) as e:
        exec_problem = f"execution stopped: {type(e).__name__}: {str(e)[:300]}"
    elapsed = time.time() - t0
    # A student notebook: under notebooks/assignments/, or, in a student copy (kernel-setup/student-copy.sh), any
    # assignment (a notebook with a rubric; 00_getting_started has no TODO and stays as it is).
    student = rel.parts[0] == "assignments" or (
        (NB_DIR / "STUDENT_COPY").exists() and "rubric" in nb.metadata.get("lab", {}))
    problems, pngs = check_notebook(nb, student)
    if exec_problem:
        problems.insert(0, exec_problem)
    nbformat.write(nb, out)
    png_dir = out.with_suffix(".png")
    png_dir.mkdir(exist_ok=True)
    for old in png_dir.glob("*.png"):
        old.unlink()
    for k, b64 in enumerate(pngs):
        (png_dir / f"{k:02d}.png").write_bytes(base64.b64decode(b64))
    return problems, elapsed, len(pngs), out


def main():
    notebooks = find_notebooks(sys.argv[1:])
    if not notebooks:
        print("no notebooks found")
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    for p in notebooks:
        name = p.relative_to(NB_DIR) if p.is_relative_to(NB_DIR) else p
        print(f"--- {name}", flush=True)
        try:
            problems, elapsed, npng, out = run_one(p)
        except Exception:
            problems, elapsed, npng, out = ["runner crashed:\n" + traceback.format_exc()], 0, 0, None
        if problems:
            failed += 1
            print(f"FAIL {name} ({elapsed:.0f}s)")
            for pr in problems:
                print("   ", pr)
        else:
            passed += 1
            print(f"ok   {name} ({elapsed:.0f}s, {npng} images) → {out.relative_to(ROOT)}")
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
