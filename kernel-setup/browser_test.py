#!/usr/bin/env python3
"""JupyterLab in a real browser: what a person sees when running a notebook.

Starts the lab's JupyterLab (.venv, the GoNB kernel as setup.sh registers it) on a copy of a notebook (default
notebooks/00_getting_started.ipynb; the copy lives in notebooks/.executed/browser/, so the repository's notebook is
never modified), opens it in headless Chromium, checks that JupyterLab's news question is not shown (set-up switches
it off), runs every cell through the Run menu (Run All Cells), saves, and checks
  * in the page: at least as many images as the notebook's metadata "lab.expect" promises, every expected text, no
    error output and no failed check (✗);
  * in the notebook JupyterLab saved: the same rules as the headless test runner (run_notebooks.check_notebook).
Screenshots of the notebook, top to bottom: notebooks/.executed/browser/lab-*.png. Every wait is bounded.
Skipped with one line when Chromium, its driver or selenium is missing. Ends with "N passed, N failed".
Usage: browser_test.py [notebook]
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser  # noqa: E402
import run_notebooks  # noqa: E402

ROOT = browser.ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root_dir, port, token, log):
    argv = [str(ROOT / ".venv/bin/jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={root_dir}", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    env = dict(os.environ, LAB_QUICK=os.environ.get("LAB_QUICK", "1"))
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    end = time.time() + 60
    while time.time() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({proc.returncode}); see {log.name}")
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"JupyterLab did not answer within 60 s; see {log.name}")


def main():
    why = browser.unavailable()
    if why:
        print(f"browser test skipped: {why}")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    src = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "notebooks/00_getting_started.ipynb"
    work = browser.SHOTS / "lab"
    shutil.rmtree(work, ignore_errors=True)
    browser.clear_shots("lab-")
    work.mkdir(parents=True)
    nb_path = work / src.name
    shutil.copy(src, nb_path)
    expect = json.loads(src.read_text()).get("metadata", {}).get("lab", {}).get("expect", {})
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        passed, failed = passed + bool(ok), failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + detail}", flush=True)

    port, token = free_port(), secrets.token_hex(16)
    t0 = time.time()
    with open(work / "jupyterlab.log", "w") as log:
        lab = start_lab(work, port, token, log)
        try:
            with browser.Browser() as b:
                b.driver.get(f"http://127.0.0.1:{port}/lab/tree/{src.name}?token={token}")
                b.wait_lab(90)
                b.wait_notebook(120)
                time.sleep(3)  # JupyterLab asks its news question a moment after start, if it asks
                b.shot("lab-0-opened")
                check("JupyterLab's news prompt is not shown", not b.news_prompt())
                t = time.time()
                b.run_all(300)
                print(f"     Run All Cells: {time.time() - t:.0f} s", flush=True)
                b.save()
                imgs = b.css(".jp-OutputArea-output img")
                n_png = len([i for i in imgs if (i.get_attribute("src") or "").startswith("data:image/png")])
                check(f"images in the page: {n_png} (expected at least {expect.get('image/png', 0)})",
                      n_png >= expect.get("image/png", 0) and n_png > 0)
                text = b.text()
                missing = [s for s in expect.get("text", []) if s not in text]
                check("every expected text is in the page", not missing, str(missing))
                errors = b.css(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                check("no error output in the page", not errors, "; ".join(e.text[:200] for e in errors[:3]))
                check("no failed check (✗) in the page", "✗" not in text)
                shots = b.shots_of_notebook("lab")
                print(f"     screenshots: {', '.join(str(p.relative_to(ROOT)) for p in shots)}", flush=True)
        finally:
            os.killpg(lab.pid, 15)
            try:
                lab.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(lab.pid, 9)
    import nbformat
    problems, _ = run_notebooks.check_notebook(nbformat.read(nb_path, as_version=4))
    check("the notebook JupyterLab saved passes the test runner's checks", not problems, "; ".join(problems))
    print(f"browser test (JupyterLab, {src.name}): {time.time() - t0:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
