#!/usr/bin/env python3
"""The nbgrader round trip on a real lab notebook, from the command line (no hub, no root).

In a temporary course directory, with the course hub's nbgrader configuration (kernel-setup/hub/nbgrader_config.py):

1. `nbgrader generate_assignment` makes the student version of a solution notebook; it must equal the lab's own
   generator's (notebooks/assignments/…) cell for cell (type and source);
2. two submissions: one made from the solution (every solution cell of the student version replaced by the
   solution's), one untouched;
3. `nbgrader autograde` runs both with the GoNB kernel (quick mode, LAB_QUICK=1) and the lab's autograde settings;
4. the solution gets every check item's points and a formula score above zero, the untouched version zero on every
   item, and both run to the end.

Usage: nbgrader_test.py [notebook]   (default notebooks/lab3/01_gmm_pca.ipynb). Ends with "N passed, N failed".
       nbgrader_test.py --answer SOLUTION STUDENT   writes the solution's answers into a student's notebook (used by
       teacher_recipe_test.sh).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "kernel-setup" / "hub"
VENV_BIN = Path(sys.executable).parent


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def cells(nb):
    return [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb["cells"]]


def nbgrader(course, *args, timeout=1800):
    env = dict(os.environ, LAB_QUICK="1", PYTHONPATH=str(HUB), PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    cmd = [str(VENV_BIN / "nbgrader"), *args, "--log-level=WARN"]
    p = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    return p


def answered(student, solution):
    """A copy of the student notebook whose answer cells (nbgrader "solution" cells) hold the solution's sources."""
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in solution["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    solved = json.loads(json.dumps(student))
    for c in solved["cells"]:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in by_id:
            c["source"] = by_id[meta["grade_id"]]
    return solved


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--answer":  # --answer SOLUTION STUDENT: answer a fetched notebook in place
        student = Path(sys.argv[3])
        nb = answered(json.loads(student.read_text()), json.loads(Path(sys.argv[2]).read_text()))
        student.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        return
    solution = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "notebooks/lab3/01_gmm_pca.ipynb")
    rel = solution.relative_to(ROOT / "notebooks")
    ours = ROOT / "notebooks" / "assignments" / rel
    name = "a-" + rel.stem.replace("_", "-")
    r = Results()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="golab-nbgrader-") as tmp:
        course = Path(tmp) / "course"
        (course / "source" / name).mkdir(parents=True)
        shutil.copy(solution, course / "source" / name / solution.name)
        (course / "nbgrader_config.py").write_text(
            f"import sys\nsys.path.insert(0, {str(HUB)!r})\n"
            f"exec(open({str(HUB / 'nbgrader_config.py')!r}).read())\n"
            f"c.CourseDirectory.root = {str(course)!r}\n"
            f"c.Exchange.root = {str(Path(tmp) / 'exchange')!r}\n")

        nbgrader(course, "generate_assignment", name, "--force")
        release = json.loads((course / "release" / name / solution.name).read_text())
        lab = json.loads(ours.read_text())
        r.check("nbgrader generate_assignment equals the lab's student notebook (cell types and sources)",
                cells(release) == cells(lab),
                next((f"cell {i}: {a!r:.200} vs {b!r:.200}" for i, (a, b) in enumerate(zip(cells(release), cells(lab))) if a != b),
                     f"{len(release['cells'])} vs {len(lab['cells'])} cells"))

        source = json.loads(solution.read_text())
        solved = answered(release, source)
        for student, nb in [("solved", solved), ("untouched", release)]:
            d = course / "submitted" / student / name
            d.mkdir(parents=True)
            (d / solution.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False))

        t1 = time.time()
        nbgrader(course, "autograde", name, "--force")
        print(f"autograde of 2 submissions: {time.time() - t1:.0f} s", flush=True)

        from nbgrader.api import Gradebook
        items = {c["metadata"]["nbgrader"]["grade_id"]: c for c in source["cells"]
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in ("solved", "untouched"):
                nb = gb.find_submission_notebook(solution.stem, name, student)
                scores = {g.cell.name: (g.score, g.max_score, g.auto_score) for g in nb.grades}
                graded = json.loads((course / "autograded" / student / name / solution.name).read_text())
                last = [c for c in graded["cells"] if c["cell_type"] == "code"][-1]
                r.check(f"{student}: ran to the end (the last code cell has outputs)", bool(last.get("outputs")))
                for gid, cell in items.items():
                    auto, pts = scores[gid][2], float(cell["metadata"]["nbgrader"]["points"])
                    if cell["cell_type"] == "markdown":
                        r.check(f"{student}: {gid} is left to the teacher", auto is None or (student == "untouched" and auto == 0),
                                f"auto score {auto}")
                        continue
                    is_formula = "check.Score(" in "".join(cell["source"])
                    if student == "untouched":
                        r.check(f"untouched: {gid} scores 0", auto == 0, f"{auto} / {pts}")
                    elif is_formula:
                        r.check(f"solved: {gid} (a formula) scores partial points", auto is not None and 0 < auto <= pts,
                                f"{auto} / {pts}")
                        print(f"      {gid}: {auto} / {pts}")
                    else:
                        r.check(f"solved: {gid} scores full points", auto == pts, f"{auto} / {pts}")
    print(f"nbgrader round trip ({rel}): {time.time() - t0:.0f} s")
    print(f"{r.passed} passed, {r.failed} failed")
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
