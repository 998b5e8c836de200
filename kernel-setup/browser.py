"""Headless Chromium for the lab's browser tests: JupyterLab as a person sees it, driven by selenium.

Used by kernel-setup/browser_test.py (JupyterLab on a notebook) and kernel-setup/hub/hub_test.py --browser (a
student on the course hub). Chromium and its driver are Debian's (`chromium`, `chromium-driver`), selenium is pinned
in kernel-setup/requirements-browser.txt; `kernel-setup/setup.sh --browser` installs them. Every wait is bounded and
says what it waited for when it times out. Screenshots go to notebooks/.executed/browser/ (git-ignored).
"""
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "notebooks" / ".executed" / "browser"
# Without the background-networking flags Chromium's own connections are refused on a closed network and it stalls.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000"]
NEWS_PROMPT = "official Jupyter news"  # JupyterLab's "Would you like to get notified about official Jupyter news?"


def unavailable():
    """Why the browser tests cannot run here (one line), or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (kernel-setup/setup.sh --browser installs it)"
    for exe in ("chromium", "chromedriver"):
        if not shutil.which(exe):
            return f"{exe} is not installed (Debian: apt-get install chromium chromium-driver, as root; " \
                   "kernel-setup/setup.sh --browser does it)"
    return None


def clear_shots(prefix):
    """Removes the screenshots of an earlier run whose names start with prefix (and earlier timeout pictures)."""
    for p in list(SHOTS.glob(f"{prefix}*.png")) + list(SHOTS.glob("timeout-*.png")):
        p.unlink()


class Browser:
    """One headless Chromium with a new empty profile; use as a context manager."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="golab-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = shutil.which("chromium")
        for f in CHROMIUM_FLAGS + [f"--user-data-dir={self.profile}"]:
            opts.add_argument(f)
        self.driver = webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(30)
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # --- waiting and looking
    def wait(self, what, cond, timeout):
        """Waits until cond() is truthy (polling every 0.5 s), at most timeout seconds; returns its value."""
        end = time.time() + timeout
        last = None
        while time.time() < end:
            try:
                v = cond()
                if v:
                    return v
            except Exception as e:  # a stale element while JupyterLab re-renders: try again
                last = e
            time.sleep(0.5)
        shot = self.shot("timeout-" + "".join(ch if ch.isalnum() else "-" for ch in what)[:60])
        raise TimeoutError(f"waited {timeout} s for {what}" + (f" (last error: {last})" if last else "") +
                           f"; the page then: {shot.relative_to(ROOT)}")

    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def xpath(self, expr):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.XPATH, expr)

    def text(self):
        return self.driver.find_element("tag name", "body").text

    def shot(self, name):
        path = SHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def shots_of_notebook(self, name, max_shots=8):
        """Screenshots of the open notebook from top to bottom, one per screenful (at most max_shots)."""
        paths = []
        panel = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')"
        self.driver.execute_script(f"{panel}.scrollTop = 0")
        for k in range(max_shots):
            time.sleep(0.3)
            paths.append(self.shot(f"{name}-{k + 1}"))
            at_end = self.driver.execute_script(
                f"const p = {panel}; const before = p.scrollTop; p.scrollTop += p.clientHeight * 0.9;"
                "return p.scrollTop === before;")
            if at_end:
                break
        return paths

    # --- JupyterLab
    def wait_lab(self, timeout=90):
        """Waits for JupyterLab's shell (the splash screen gone, the main area present)."""
        self.wait("JupyterLab to load", lambda: self.css("#jp-main-dock-panel") and not self.css("#jupyterlab-splash"),
                  timeout)

    def open_menu(self, top, timeout=20):
        """Opens a main menu (clicking its title again if a click only toggled the menu bar)."""
        def is_open():
            active = [e.text for e in self.css(".lm-MenuBar-item.lm-mod-active")]
            return active == [top] and [e for e in self.css(".lm-Menu-itemLabel") if e.is_displayed()]

        def opened():
            if is_open():
                return True
            bar = [e for e in self.css(".lm-MenuBar-itemLabel") if e.text == top]
            if bar:
                bar[0].click()
                time.sleep(0.5)
            return is_open()
        self.wait(f"menu {top!r} to open", opened, timeout)

    def menu(self, top, item, timeout=20):
        """Clicks a main-menu entry, e.g. menu("Run", "Run All Cells")."""
        self.open_menu(top, timeout)
        entry = self.wait(f"menu item {top} → {item}",
                          lambda: [e for e in self.css(".lm-Menu-itemLabel") if e.text == item and e.is_displayed()],
                          timeout)
        entry[0].click()

    def wait_notebook(self, timeout=90):
        """Waits for a notebook's cells and its kernel's name in the toolbar. (GoNB's status shows as "Unknown" until
        a cell runs, so there is no "Idle" to wait for.)"""
        def ready():
            names = [e.text for e in self.css(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName")]
            return self.css(".jp-NotebookPanel .jp-Cell") and names and names[0] not in ("", "No Kernel")
        self.wait("the notebook and its kernel", ready, timeout)
        time.sleep(2)

    def prompts(self):
        return [e.text.strip() for e in self.css(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt")]

    def run_all(self, timeout):
        """Run → Run All Cells, then waits until every code cell has an execution number."""
        self.menu("Run", "Run All Cells")
        time.sleep(1)

        def finished():
            ps = self.prompts()
            return ps and all(p.startswith("[") and p.strip("[]: ").isdigit() for p in ps)
        self.wait("every cell to run", finished, timeout)

    def save(self, timeout=30):
        self.menu("File", "Save Notebook")
        self.wait("the notebook to be saved",
                  lambda: not self.css(".jp-NotebookPanel-tab.jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty"), timeout)

    def news_prompt(self):
        """True if JupyterLab's 'official Jupyter news' question shows anywhere on the page."""
        return NEWS_PROMPT in self.text() or bool(self.xpath(f"//*[contains(text(), '{NEWS_PROMPT}')]"))


    def hub_login(self, hub_url, user, password, shot):
        """Logs in to the hub and waits for the user's JupyterLab (the hub spawns the server first)."""
        self.driver.get(f"{hub_url}/hub/login")
        self.wait("the login form", lambda: self.css("#username_input"), 30)
        self.css("#username_input")[0].send_keys(user)
        self.css("#password_input")[0].send_keys(password)
        self.shot(shot)
        self.css("#login_submit")[0].click()
        self.wait_lab(180)

    def menu_items(self, top):
        """The labels of a main menu's entries (the menu is opened and closed again)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        self.open_menu(top)
        items = [e.text for e in self.css(".lm-Menu-itemLabel") if e.is_displayed()]
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()  # to the open menu, which has the focus
        return items


def type_into(cell, text):
    """Replaces the text of a cell's editor by typing text line by line, without the lines' leading white space
    (Go needs none, and the editor indents by itself)."""
    from selenium.webdriver.common.keys import Keys
    editor = cell.find_element("css selector", ".cm-content")
    editor.click()
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    for line in text.split("\n"):
        editor.send_keys(line.strip())
        editor.send_keys(Keys.ENTER)


def hub_student_round_trip(hub_url, user, password, assignment, notebook, solutions, answers):
    """As user on the course hub: log in, fetch the assignment from nbgrader's Assignments list, replace the stub of
    each solution cell by the solution and each written-answer prompt (nbgrader's text stub, the lab's TextStub
    "**Your answer:** …", rendered as "Your answer: …") by the answer (typed, line by line), run all
    cells from the Run menu, save, submit. Returns a list of problems (empty when all went well). Screenshots:
    hub-<step>.png."""
    from selenium.webdriver.common.action_chains import ActionChains
    problems = []
    with Browser() as b:
        d = b.driver
        b.hub_login(hub_url, user, password, "hub-1-login")
        time.sleep(3)  # JupyterLab asks its news question a moment after start, if it asks
        b.shot("hub-2-lab")
        if b.news_prompt():
            problems.append("JupyterLab's news prompt is shown")
        items = b.menu_items("Nbgrader")
        if "Assignment List" not in items or "Formgrader" in items or "Create assignment" in items:
            problems.append(f"a student's Nbgrader menu: {items}")
        # nbgrader's Assignments list: fetch
        b.menu("Nbgrader", "Assignment List")
        fetch = b.wait("the Fetch button of the released assignment",
                       lambda: [e for e in b.xpath("//button[normalize-space()='Fetch']") if e.is_displayed()], 60)
        b.shot("hub-3-assignments")
        fetch[0].click()
        b.wait("the fetched assignment", lambda: b.xpath("//button[normalize-space()='Submit']"), 60)
        # open the notebook
        d.get(f"{hub_url}/user/{user}/lab/tree/{assignment}/{notebook}")
        b.wait_lab(90)
        b.wait_notebook(90)
        # type the solutions into the cells that hold the stub
        stubs = [c for c in b.css(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
                 if "panic(check.ErrNotImplemented)" in c.text]
        if len(stubs) != len(solutions):
            problems.append(f"{len(stubs)} cells with the stub, {len(solutions)} solutions")
        for cell, sol in zip(stubs, solutions):
            type_into(cell, sol)
        blanks = [c for c in b.css(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell")
                  if c.text.strip().startswith("Your answer:")]
        if len(blanks) != len(answers):
            problems.append(f"{len(blanks)} markdown cells to answer, {len(answers)} answers")
        for cell, answer in zip(blanks, answers):
            ActionChains(d).double_click(cell).perform()  # a rendered markdown cell opens its editor on double-click
            type_into(cell, answer)
        b.shot("hub-4-solved")
        b.run_all(180)
        badges = [e.get_attribute("data-check") for e in b.css("[data-check]")]
        if not badges or any(x != "passed" for x in badges):
            problems.append(f"check badges after Run All: {badges}")
        b.shots_of_notebook("hub-5-ran")
        b.save()
        # submit from the Assignments list
        b.menu("Nbgrader", "Assignment List")
        submit = b.wait("the Submit button", lambda: [e for e in b.xpath("//button[normalize-space()='Submit']")
                                                      if e.is_displayed()], 60)
        submit[0].click()
        b.wait("the submission's time in the Submitted list", lambda: b.xpath("//*[contains(text(), ' UTC')]"), 60)
        b.shot("hub-6-submitted")
    return problems


def hub_instructor_collect_autograde(hub_url, user, password, assignment, students):
    """As the instructor on the course hub: log in, open nbgrader's formgrader, collect the assignment's submissions,
    autograde each student's. Returns (problems, {student: score text in the formgrader, e.g. "3 / 4"}).
    Screenshots: hub-7-*.png."""
    problems = []
    scores = {}
    with Browser() as b:
        d = b.driver
        b.hub_login(hub_url, user, password, "hub-7-instructor-login")
        items = b.menu_items("Nbgrader")
        if "Formgrader" not in items:
            problems.append(f"the instructor's Nbgrader menu has no Formgrader: {items}")
        # The formgrader's own page (JupyterLab shows the same page in a panel)
        base = f"{hub_url}/user/{user}/formgrader"
        d.get(base)
        collect = b.wait(f"the Collect button of {assignment}", lambda: b.xpath(
            f"//tr[td[contains(@class,'name')][normalize-space()='{assignment}']]/td[contains(@class,'collect')]/a"), 60)
        collect[0].click()
        b.wait("the formgrader to confirm the collection",
               lambda: "Successfully collected submissions" in b.text() or "error" in b.text().lower(), 120)
        b.shot("hub-7-collected")
        if "Successfully collected submissions" not in b.text():
            problems.append("collect: " + b.text()[-300:])
        for s in students:
            d.get(f"{base}/manage_submissions/{assignment}")
            flash = b.wait(f"the autograde button of {s}", lambda: b.xpath(
                f"//tr[td[contains(@class,'student-id')][normalize-space()='{s}']]/td[contains(@class,'autograde')]/a"),
                60)
            flash[0].click()
            b.wait(f"the formgrader to confirm autograding {s}", lambda: "Successfully autograded" in b.text()
                   or "There was an error" in b.text(), 300)
            if "Successfully autograded" not in b.text():
                problems.append(f"autograde {s}: " + b.text()[-300:])
        d.get(f"{base}/manage_submissions/{assignment}")
        b.wait("the submissions table", lambda: len(b.css("#main-table tr td.score")) >= len(students), 60)
        for row in b.css("#main-table tr"):
            sid = row.find_elements("css selector", "td.student-id")
            score = row.find_elements("css selector", "td.score")
            if sid and score:
                scores[sid[0].text.strip()] = score[0].text.strip()
        b.shot("hub-8-grades")
    return problems, scores
