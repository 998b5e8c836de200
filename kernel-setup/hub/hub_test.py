#!/usr/bin/env python3
"""Tests the demo course hub end to end, as root, with real Unix users.

It starts a fresh demo hub (stop.sh --clean, start.sh on a test port), then
  * the round trip: the instructor generates and releases the assignment of course.conf; golab-student1 fetches it,
    puts the solution in (the source notebook's solution cells), runs every cell with the GoNB kernel and submits;
    golab-student2 fetches, runs the untouched student version and submits; the instructor collects and autogrades
    (nbgrader runs the GoNB kernel). Student 1 must get every autograded point, student 2 none, and both submissions
    must have run to the end (every code cell executed). The points expected come from the source notebook's
    nbgrader metadata, so the test holds for any notebook named in course.conf.
  * who sees what: as golab-student1, each of these is refused: reading or listing the instructor's course
    directory (the source notebooks), listing the exchange's inbound directory, reading or writing golab-student2's
    submission (its path known to the test), reading another student's home, writing the lab module, the module cache
    or the shared build cache, reading the hub's secrets (cookie secret, database, demo password). The lab module
    students import holds no notebook; no secret the hub generated appears in the repository.
With --browser, golab-student1 does its part in Chromium instead (kernel-setup/browser.py): logs in, fetches from
the Assignments list, types the solution, runs all cells from the Run menu, saves, submits from the Assignments list;
screenshots go to notebooks/.executed/browser/. Every wait is bounded.
It starts from a clean demo (stop.sh --clean: a demo hub already running under the same GOLAB_HUB_ROOT is stopped
and its users removed) and ends with "N passed, N failed", stopping and removing the demo hub unless --keep.
Usage: hub_test.py [--browser] [--keep] [--port N]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HUB = Path(os.environ.get("GOLAB_HUB_ROOT", "/srv/golab-hub"))
STATE = HUB / "state"
INSTRUCTOR, S1, S2 = "golab-instructor", "golab-student1", "golab-student2"
COURSE = "golab"


def course_conf():
    conf = {}
    for line in (ROOT / "kernel-setup/hub/course.conf").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            conf[k.strip()] = v.strip()
    return conf["GOLAB_ASSIGNMENT"], ROOT / conf["GOLAB_ASSIGNMENT_NOTEBOOK"]


ASSIGNMENT, SOURCE_NB = course_conf()
NB_NAME = SOURCE_NB.name


def home(user):
    return HUB / "home" / user


def as_user(user, command, check=True, timeout=900):
    """Runs a shell command as user, with the environment the hub gives that user's server."""
    role = "instructor" if user == INSTRUCTOR else "student"
    env = {
        "HOME": str(home(user)), "USER": user, "LANG": "C.UTF-8",
        "PATH": f"{HUB}/venv/bin:{HUB}/bin:{HUB}/go/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": f"{HUB}/etc/jupyter-{role}",
        "LAB_CACHE_DIR": f"{home(user)}/.cache/golab/results",
        "LAB_CHECKPOINT_DIR": f"{home(user)}/.cache/golab/checkpoints",
        "GOLAB_COURSE_ID": COURSE, "GOLAB_EXCHANGE_ROOT": f"{HUB}/exchange",
    }
    argv = ["runuser", "-u", user, "--", "env", "-i"] + [f"{k}={v}" for k, v in env.items()] + \
        ["bash", "-c", f"cd ~ && {command}"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"as {user}: {command!r} exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + detail if detail else ''}", flush=True)


def refused(user, command):
    """True if command, run as user, fails with a permission error (and not for another reason)."""
    p = as_user(user, command, check=False)
    return p.returncode != 0 and "Permission denied" in (p.stdout + p.stderr), (p.stdout + p.stderr).strip()[-300:]


def grade_cells(nb):
    """Autograded points and manually graded cells of a source notebook, from its nbgrader metadata."""
    auto, manual = 0.0, []
    for c in nb["cells"]:
        m = c.get("metadata", {}).get("nbgrader", {})
        if m.get("grade"):
            if c["cell_type"] == "code" and not m.get("solution"):
                auto += float(m["points"])
            else:
                manual.append(m["grade_id"])
    return auto, manual


def solve(student_nb_path, source):
    """Puts the source notebook's solution cells into a fetched student notebook (by grade_id), as a student would."""
    sol = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
           if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = json.loads(Path(student_nb_path).read_text())
    for c in nb["cells"]:
        gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in sol:
            c["source"] = sol[gid]
    return nb


RUN_NB = r"""
import subprocess, sys, nbformat
from nbclient import NotebookClient
p = sys.argv[1]
nb = nbformat.read(p, as_version=4)
NotebookClient(nb, kernel_name="gonb", timeout=600, allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute(stderr=subprocess.DEVNULL)
nbformat.write(nb, p)
"""


def run_and_submit_cli(user, solved, source):
    d = home(user) / ASSIGNMENT
    as_user(user, f"nbgrader fetch_assignment {ASSIGNMENT} --log-level=WARN")
    nbp = d / NB_NAME
    if solved:
        tmp = STATE / f"solved-{user}.ipynb"
        tmp.write_text(json.dumps(solve(nbp, source), indent=1, ensure_ascii=False) + "\n")
        subprocess.run(["install", "-o", user, "-g", user, "-m", "644", str(tmp), str(nbp)], check=True)
        tmp.unlink()
    script = home(user) / ".run_nb.py"
    script.write_text(RUN_NB)
    subprocess.run(["chown", f"{user}:{user}", str(script)], check=True)
    t = time.time()
    as_user(user, f"python {shlex.quote(str(script))} {shlex.quote(str(nbp))} {shlex.quote(str(d))}")
    print(f"     {user} ran {ASSIGNMENT}/{NB_NAME} in {time.time() - t:.1f} s", flush=True)
    as_user(user, f"nbgrader submit {ASSIGNMENT} --log-level=WARN")


def environ_of(user, needle):
    """The environment of user's first process whose command line contains needle, or None."""
    uid = int(subprocess.run(["id", "-u", user], capture_output=True, text=True).stdout)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if proc.stat().st_uid != uid or needle not in (proc / "cmdline").read_bytes().decode(errors="replace"):
                continue
            pairs = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)
    return None


def check_environments(r):
    """What the hub gave student 1's server and GoNB kernel (read from /proc while they run)."""
    h = str(home(S1))
    server = environ_of(S1, "jupyterhub-singleuser") or {}
    want = {"LAB_CACHE_DIR": f"{h}/.cache/golab/results", "LAB_CHECKPOINT_DIR": f"{h}/.cache/golab/checkpoints",
            "JUPYTER_CONFIG_PATH": f"{HUB}/etc/jupyter-student", "GOPROXY": "off",
            "GOCACHEPROG": f"{HUB}/bin/golab-gocache -base {HUB}/gocache"}
    got = {k: server.get(k) for k in want}
    r.check("a student's server has per-user result and checkpoint caches and the student configuration",
            got == want, str(got))
    kernel = environ_of(S1, "gonb") or {}
    want = {"GOEXPERIMENT": "simd", "GOTOOLCHAIN": "local", "GOPROXY": "off", "LAB_ROOT": f"{HUB}/lab",
            "MNIST_DIR": f"{HUB}/mnist", "GOMODCACHE": f"{HUB}/gomodcache",
            "GOCACHEPROG": f"{HUB}/bin/golab-gocache -base {HUB}/gocache", "LAB_CACHE_DIR": f"{h}/.cache/golab/results"}
    got = {k: kernel.get(k) for k in want}
    r.check("the student's GoNB kernel: the lab's toolchain settings, shared read-only module and build caches, "
            "per-user results", got == want, str(got))
    layer = Path(h) / ".cache/golab/go-build"
    size = sum(p.stat().st_size for p in layer.rglob("*") if p.is_file()) if layer.is_dir() else -1
    r.check(f"the student's own build cache layer holds only what the notebook's cells added ({size / 1e6:.1f} MB)",
            0 < size < 20e6, str(size))


GRADES = r"""
import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///course/gradebook.db") as gb:
    out = {}
    for s in sys.argv[2:]:
        sub = gb.find_submission_notebook(sys.argv[1].split("/")[1], sys.argv[1].split("/")[0], s)
        out[s] = {"auto": sum(g.score for g in sub.grades if g.auto_score is not None and g.cell.cell_type == "code"),
                  "needs_manual": sub.needs_manual_grade,
                  "grades": {g.name: [g.auto_score, g.manual_score, g.max_score] for g in sub.grades}}
    print(json.dumps(out))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", action="store_true", help="student 1 works in Chromium")
    ap.add_argument("--keep", action="store_true", help="leave the demo hub running at the end")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("hub test skipped: it needs root (it creates Unix users)")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    if args.browser:
        sys.path.insert(0, str(ROOT / "kernel-setup"))
        import browser
        why = browser.unavailable()
        if why:
            print(f"hub test in the browser skipped: {why}")
            print("0 passed, 0 failed, 1 skipped")
            return 0
        browser.clear_shots("hub-")
    r = Results()
    t0 = time.time()
    subprocess.run([str(ROOT / "kernel-setup/hub/stop.sh"), "--clean"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(ROOT / "kernel-setup/hub/start.sh"), "--port", str(args.port)], check=True)
    print(f"     hub up after {time.time() - t0:.0f} s", flush=True)
    source = json.loads(SOURCE_NB.read_text())
    auto_max, manual_ids = grade_cells(source)
    total = sum(float(c["metadata"]["nbgrader"]["points"]) for c in source["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    hub_url, password = f"http://127.0.0.1:{args.port}", (STATE / "demo-password").read_text().strip()
    try:
        # --- release
        as_user(INSTRUCTOR, f"cd course && nbgrader generate_assignment {ASSIGNMENT} --log-level=WARN && "
                            f"nbgrader release_assignment {ASSIGNMENT} --log-level=WARN")
        released = json.loads((HUB / "exchange" / COURSE / "outbound" / ASSIGNMENT / NB_NAME).read_text())
        stub = "".join("".join(c["source"]) for c in released["cells"])
        r.check("released notebook has the Go stub, not the solution",
                "panic(check.ErrNotImplemented)" in stub and "BEGIN SOLUTION" not in stub)
        # --- students
        if args.browser:
            def solutions(kind):
                return ["".join(c["source"]) for c in source["cells"]
                        if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == kind]
            t = time.time()
            try:
                problems = browser.hub_student_round_trip(hub_url, S1, password, ASSIGNMENT, NB_NAME,
                                                          solutions("code"), solutions("markdown"))
            except Exception as e:  # a wait that timed out says what it waited for
                problems = [f"{type(e).__name__}: {e}"]
            r.check(f"browser: a student logs in, fetches, solves, runs all, saves, submits ({time.time() - t:.0f} s)",
                    not problems, "; ".join(problems))
        else:
            run_and_submit_cli(S1, True, source)
        if args.browser:
            check_environments(r)
        run_and_submit_cli(S2, False, source)
        # --- who sees what (student 1 against the instructor, student 2 and the hub)
        inbound = HUB / "exchange" / COURSE / "inbound"
        subs2 = sorted(p for p in inbound.iterdir() if p.name.startswith(S2 + "+"))
        r.check("student 2's submission is in the exchange", len(subs2) == 1, str(subs2))
        sub2_nb = subs2[0] / NB_NAME
        for name, cmd in [
            ("list the instructor's course directory", f"ls {home(INSTRUCTOR)}/course"),
            ("read the instructor's source notebook", f"cat {home(INSTRUCTOR)}/course/source/{ASSIGNMENT}/{NB_NAME}"),
            ("list the exchange's inbound directory", f"ls {inbound}"),
            ("read student 2's submission (path known)", f"cat {shlex.quote(str(sub2_nb))}"),
            ("overwrite student 2's submission", f"echo x > {shlex.quote(str(sub2_nb))}"),
            ("add a file to student 2's submission", f"touch {shlex.quote(str(subs2[0] / 'extra.ipynb'))}"),
            ("list student 2's home", f"ls {home(S2)}"),
            ("write the lab module", f"touch {HUB}/lab/lab/check/x.go"),
            ("change the lab module's go.mod", f"echo >> {HUB}/lab/go.mod"),
            ("write the module cache", f"touch {HUB}/gomodcache/x"),
            ("write the shared build cache", f"touch {HUB}/gocache/x"),
            ("write the Go toolchain", f"touch {HUB}/go/bin/x"),
            ("read the hub's cookie secret", f"cat {STATE}/jupyterhub_cookie_secret"),
            ("read the hub's database", f"cat {STATE}/jupyterhub.sqlite"),
            ("read the demo password", f"cat {STATE}/demo-password"),
        ]:
            ok, out = refused(S1, cmd)
            r.check(f"student refused: {name}", ok, out)
        ok = as_user(S1, f"ls {HUB}/lab/lab/check && test -r {HUB}/lab/go.mod", check=False).returncode == 0
        r.check("student can read the lab module", ok)
        # The hub needs nothing from this clone once installed; a clone that students can read gives away the
        # solution notebooks, so say so (the test cannot decide where an administrator keeps the clone).
        clone_nb = ROOT / "notebooks"
        if as_user(S1, f"test -r {shlex.quote(str(clone_nb))}/00_getting_started.ipynb", check=False).returncode == 0:
            print(f"note this clone's solution notebooks ({clone_nb}) are readable by every user of this machine: keep "
                  "the clone of a course hub in a directory students cannot enter", flush=True)
        ipynb = [str(p) for p in (HUB / "lab").rglob("*.ipynb")]
        r.check("the lab module students read holds no notebook", not ipynb and not (HUB / "lab/notebooks").exists(),
                str(ipynb[:3]))
        secrets_ = [(STATE / f).read_text().strip() for f in ("demo-password",)]
        secrets_.append((STATE / "jupyterhub_cookie_secret").read_text().strip())
        tracked = subprocess.run(["git", "-C", str(ROOT), "grep", "-l", "-F"] + sum([["-e", s] for s in secrets_], []),
                                 capture_output=True, text=True)
        r.check("no generated secret is in the repository", tracked.returncode == 1 and not tracked.stdout,
                tracked.stdout)
        modes = {f: oct(os.stat(STATE / f).st_mode & 0o777) for f in ("jupyterhub_cookie_secret", "demo-password")}
        r.check("the secrets are mode 600 in a root-only directory",
                set(modes.values()) == {"0o600"} and (os.stat(STATE).st_mode & 0o077) == 0, str(modes))
        inst_gid = int(subprocess.run(["id", "-g", INSTRUCTOR], capture_output=True, text=True).stdout)
        sub_modes = {p.name: (oct(os.stat(p).st_mode & 0o7777), os.stat(p).st_gid == inst_gid)
                     for p in [subs2[0], *subs2[0].iterdir()]}
        r.check("submissions are private (directory 770, files 640, group the instructor's)",
                all(m == ("0o640" if p != subs2[0].name else "0o770") and g for p, (m, g) in sub_modes.items()),
                str(sub_modes))
        # --- collect and autograde
        t = time.time()
        if args.browser:
            try:
                problems, scores = browser.hub_instructor_collect_autograde(hub_url, INSTRUCTOR, password,
                                                                            ASSIGNMENT, [S1, S2])
            except Exception as e:
                problems, scores = [f"{type(e).__name__}: {e}"], {}
            r.check(f"browser: the instructor collects and autogrades in the formgrader ({time.time() - t:.0f} s)",
                    not problems, "; ".join(problems))
            want = {S1: f"{auto_max:g} / {total:g}", S2: f"0 / {total:g}"}
            r.check(f"the formgrader shows the scores {want}", scores == want, str(scores))
        else:
            as_user(INSTRUCTOR, f"cd course && nbgrader collect {ASSIGNMENT} --log-level=WARN && "
                                f"nbgrader autograde {ASSIGNMENT} --log-level=WARN")
            print(f"     collect + autograde of 2 submissions: {time.time() - t:.1f} s", flush=True)
        script = home(INSTRUCTOR) / ".grades.py"
        script.write_text(GRADES)
        subprocess.run(["chown", f"{INSTRUCTOR}:{INSTRUCTOR}", str(script)], check=True)
        p = as_user(INSTRUCTOR, f"python .grades.py {ASSIGNMENT}/{Path(NB_NAME).stem} {S1} {S2}", check=False)
        r.check("the gradebook has both submissions", p.returncode == 0, p.stderr.strip()[-300:])
        if p.returncode != 0:
            return finish(r, t0, args)
        grades = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"     grades: {json.dumps(grades)}", flush=True)
        r.check(f"solved submission: every autograded point ({auto_max:g})", grades[S1]["auto"] == auto_max,
                str(grades[S1]))
        r.check("untouched submission: zero", grades[S2]["auto"] == 0, str(grades[S2]))
        if manual_ids:
            r.check("solved submission: the written answer waits for the instructor", grades[S1]["needs_manual"],
                    str(grades[S1]))
            r.check("untouched written answer: zero without manual grading",
                    all(grades[S2]["grades"][g][0] == 0 for g in manual_ids), str(grades[S2]))
        for s in (S1, S2):
            nb = json.loads((home(INSTRUCTOR) / "course/autograded" / s / ASSIGNMENT / NB_NAME).read_text())
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            ran = [c for c in code if c.get("execution_count") is not None]
            r.check(f"{s}'s submission ran to the end under autograde ({len(ran)}/{len(code)} code cells)",
                    len(ran) == len(code))
    finally:
        if not args.keep:
            subprocess.run([str(ROOT / "kernel-setup/hub/stop.sh"), "--clean"], stdout=subprocess.DEVNULL)
    return finish(r, t0, args)


def finish(r, t0, args):
    print(f"hub test{' (browser)' if args.browser else ''}: {time.time() - t0:.0f} s")
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
