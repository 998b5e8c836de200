#!/usr/bin/env python3
"""Warms the hub's shared Go build cache: runs a notebook once through the hub's GoNB kernel, with the kernel's
GOCACHEPROG replaced by GOCACHE=<hub>/gocache, so that every package a student's cell links is compiled there
(in quick mode, LAB_QUICK=1: the compiled packages are the point, not the results).
Run by kernel-setup/hub/install.sh as root. Usage: warm_cache.py HUB_ROOT NOTEBOOK
"""
import subprocess
import sys

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient


def main():
    hub, path = sys.argv[1:3]
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="gonb")
    env = km.kernel_spec.env  # loaded once and kept by the manager
    env.pop("GOCACHEPROG", None)
    env["GOCACHE"] = f"{hub}/gocache"
    env["LAB_QUICK"] = "1"  # what is wanted is the compiled packages, not the full-size results
    client = NotebookClient(nb, km=km, timeout=1200, allow_errors=True)
    try:
        client.execute(stderr=subprocess.DEVNULL)  # GoNB logs every step on stderr
    finally:
        if km.has_kernel:  # nbclient shuts down only the kernels of managers it made itself
            km.shutdown_kernel()  # a shutdown request: GoNB then stops its gopls too
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    print(f"warm_cache: ran {path}: {len(nb.cells)} cells, {len(errors)} with an error")


if __name__ == "__main__":
    main()
