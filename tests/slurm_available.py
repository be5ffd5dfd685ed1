"""Whether the SLURM tests can run here, and the one line that says why not.

The cluster tests (tests/test_cluster.py and the SLURM cases of tests/input_catalogue.py) need
a SLURM scheduler that answers; `bash scripts/slurm_one_node.sh up` (root, Debian) starts a
one-node cluster on this machine, and `.ci/run` does so in CI, where it also sets
``CAPSIM_REQUIRE_SLURM=1`` so that a cluster that did not come up fails the tests instead of
skipping them.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SCRIPT = ROOT / "scripts" / "slurm_one_node.sh"
STATE_DIR = Path(os.environ.get("CAPSIM_SLURM_STATE", "/run/capsim-slurm"))
SKIP = ("needs a SLURM cluster: run `bash scripts/slurm_one_node.sh up` as root on Debian (.ci/run does), "
        "or run the tests on a cluster's login node")


@functools.cache
def slurm_missing() -> str:
    """"" if a SLURM controller answers and a partition has a usable node, else why not."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return SKIP
    try:
        r = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return SKIP
    states = r.stdout.split() if r.returncode == 0 else []
    if not any(s.rstrip("~#!%$@^-+") in ("idle", "mixed", "allocated") and "*" not in s for s in states):
        return SKIP
    return ""


def one_node_cluster() -> str:
    """"" if the cluster is scripts/slurm_one_node.sh's (its slurmd may be stopped and restarted)."""
    if slurm_missing():
        return slurm_missing()
    pid = (STATE_DIR / "slurmd.pid").read_text().strip() if (STATE_DIR / "slurmd.pid").is_file() else ""
    if os.geteuid() != 0 or not pid or not Path(f"/proc/{pid}").exists():
        return ("needs the one-node cluster of scripts/slurm_one_node.sh, run as root (the test stops and restarts "
                "its slurmd)")
    return ""


def private_dirs() -> str:
    """"" if a directory can be hidden from the SLURM node (root, unshare and mount: a private mount namespace)."""
    if slurm_missing():
        return slurm_missing()
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None:
        return ("needs root with unshare and mount (util-linux) to hide a directory from the SLURM node in a "
                "private mount namespace")
    return ""


def need(reason: str) -> None:
    """Skip with ``reason`` (or fail under CAPSIM_REQUIRE_SLURM=1, as in CI); nothing if reason is ""."""
    if not reason:
        return
    if os.environ.get("CAPSIM_REQUIRE_SLURM") == "1":
        pytest.fail(f"CAPSIM_REQUIRE_SLURM=1 but: {reason}")
    pytest.skip(reason)
