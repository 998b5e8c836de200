#!/usr/bin/env python3
"""Counts how many of N cells whose last statement displays an image show that image.

GoNB stops reading a cell program's outputs when the program exits, so an image sent by a cell's last statement can
be lost without an error. lab/display waits for GoNB's acknowledgement after each output (gonbui.Sync) to prevent
it. This script measures the effect: a notebook of N cells, each of which only displays a 400×400 noise image (about
480 KB of PNG), runs with the GoNB kernel, and the script counts the cells that show their image. Losses happen
mostly on a busy machine, so run it with the CPUs loaded (e.g. `yes > /dev/null &` once per core) and compare it
with lab/display before the acknowledgement was added (commit 6ee19c2 or earlier). Measured that way on 2 loaded
cores (2026-12-03): before, 39, 39 and 40 of 40 images shown; after, 40 of 40 three times.

Usage: display_flush_check.py [N]   (default 40). Exits 1 if any image is missing.
"""
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    setup = nbformat.read(ROOT / "notebooks" / "00_getting_started.ipynb", as_version=4)
    first = next(c for c in setup.cells if c.cell_type == "code")  # links the notebook to this clone's module
    helper = nbformat.v4.new_code_cell(
        'import (\n\t"image"\n\t"image/color"\n\t"math/rand/v2"\n\n\t"github.com/mnistlab/golab/lab/display"\n)\n\n'
        "// noise is an image that PNG cannot compress: a large output.\n"
        "func noise() image.Image {\n\timg := image.NewRGBA(image.Rect(0, 0, 400, 400))\n"
        "\tfor y := range 400 {\n\t\tfor x := range 400 {\n"
        "\t\t\timg.Set(x, y, color.RGBA{uint8(rand.IntN(256)), uint8(rand.IntN(256)), uint8(rand.IntN(256)), 255})\n"
        "\t\t}\n\t}\n\treturn img\n}\n")
    cells = [nbformat.v4.new_code_cell("%%\ndisplay.Must(display.Image(noise()))\n") for _ in range(n)]
    nb = nbformat.v4.new_notebook(cells=[first, helper, *cells], metadata=setup.metadata)
    t0 = time.time()
    NotebookClient(nb, kernel_name="gonb", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute(stderr=open(os.devnull, "w"))
    shown = sum(1 for c in cells if any("image/png" in o.get("data", {}) for o in c.outputs))
    print(f"{shown} of {n} cells show their image ({time.time() - t0:.0f} s)")
    sys.exit(0 if shown == n else 1)


if __name__ == "__main__":
    main()
