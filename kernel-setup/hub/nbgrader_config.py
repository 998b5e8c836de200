# nbgrader settings shared by everyone on the course hub (students and instructors).
# kernel-setup/hub/install.sh copies this file to <hub venv>/etc/jupyter/nbgrader_config.py, where nbgrader finds it
# for every user; the instructor's own ~/.jupyter/nbgrader_config.py adds the course directory.
# Environment (set by the hub for every single-user server, and by kernel-setup/hub/start.sh):
#   GOLAB_COURSE_ID      the course's name in the exchange (default golab)
#   GOLAB_EXCHANGE_ROOT  the exchange directory (default /srv/golab-hub/exchange)
import os

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)

c.CourseDirectory.course_id = os.environ.get("GOLAB_COURSE_ID", "golab")
c.Exchange.root = os.environ.get("GOLAB_EXCHANGE_ROOT", "/srv/golab-hub/exchange")
# Submissions are readable by the instructor's group only (nbgrader's own submit makes them world-readable).
c.ExchangeFactory.submit = "golab_exchange.PrivateSubmit"

# Go notebooks. The lab marks a reference answer with "// BEGIN SOLUTION" … "// END SOLUTION" inside a function body
# and replaces it with the same stub as the lab's own generator (lab/assignment): a panic that the check cells
# report as "not implemented yet", and that compiles whatever the function returns.
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {
    "go": "// TODO: write your solution here.\npanic(check.ErrNotImplemented)",
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
# A written answer sits between "<!-- BEGIN SOLUTION -->" and "<!-- END SOLUTION -->" in a markdown cell; the
# student sees this prompt instead (lab/assignment.TextStub, the same text).
c.ClearSolutions.text_stub = "**Your answer:** *double-click this cell and write your answer here.*"

# Autograding (golab_nbgrader.py): the kernel runs with LAB_AUTOGRADE=1, so a check that does not pass fails its cell
# (0 points); a formula score (check.Score) becomes a partial grade; the feedback highlights the code as Go.
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, LimitOutput,  # noqa: E402
                                    SaveAutoGrades)
import golab_nbgrader  # noqa: E402

c.Execute.kernel_manager_class = golab_nbgrader.AutogradeKernelManager
c.Autograde.autograde_preprocessors = [Execute, golab_nbgrader.PointsToGrade, golab_nbgrader.GoLexer, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

# Autograding runs the GoNB kernel: the first cell of a notebook compiles the lab's packages, which takes a while on
# a cold build cache, so allow each cell up to 10 minutes.
c.ExecutePreprocessor.timeout = 600
c.Execute.timeout = 600
