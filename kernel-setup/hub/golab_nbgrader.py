"""nbgrader for the lab's Go notebooks: autograding with the lab's check semantics.

Selected in nbgrader_config.py:

* AutogradeKernelManager starts the GoNB kernel with LAB_AUTOGRADE=1 when nbgrader executes a notebook (autograde,
  validate). lab/check then ends a check cell with an error when its check does not pass — nbgrader's signal for
  0 points — while a student working in JupyterLab only sees badges.
* PointsToGrade turns a formula score's output (lab/check.Score publishes its points under the MIME type
  application/vnd.golab.points+json) into the execute_result that nbgrader reads as a partial grade. GoNB sends every
  output as display_data, so without it a formula cell would get all or nothing.
* GoLexer names the Go lexer in the executed notebook's language_info. GoNB (v0.11.5) reports an empty
  pygments_lexer, and nbconvert then highlights the code as Python (keywords like "as" in comments, a red box around
  every "×"), so the feedback pages students get would show mangled Go.
"""
import json
import os

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

POINTS_MIME = "application/vnd.golab.points+json"  # lab/check.PointsMIME


class AutogradeKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run with LAB_AUTOGRADE=1."""

    async def _async_start_kernel(self, **kw):
        env = dict(kw.pop("env", None) or os.environ)
        env["LAB_AUTOGRADE"] = "1"
        return await super()._async_start_kernel(env=env, **kw)

    start_kernel = _async_start_kernel


class PointsToGrade(NbGraderPreprocessor):
    """In graded code cells, replaces the lab's points output with an execute_result holding the points."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        for i, out in enumerate(cell.get("outputs", [])):
            data = out.get("data", {})
            if out.get("output_type") != "display_data" or POINTS_MIME not in data:
                continue
            raw = data[POINTS_MIME]
            points = json.loads(raw if isinstance(raw, str) else json.dumps(raw))
            cell.outputs[i] = new_output(
                "execute_result",
                data={"text/plain": repr(float(points["earned"])), "text/html": data.get("text/html", "")},
                execution_count=cell.get("execution_count"))
        return cell, resources


class GoLexer(NbGraderPreprocessor):
    """Sets language_info.pygments_lexer to "go" where a Go kernel left it empty (the feedback's highlighting)."""

    def preprocess(self, nb, resources):
        info = nb.metadata.get("language_info")
        if info is not None and info.get("name") == "go" and not info.get("pygments_lexer"):
            info["pygments_lexer"] = "go"
        return nb, resources
