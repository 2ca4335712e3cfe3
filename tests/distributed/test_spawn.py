"""ember.multiprocessing.spawn: 2 processes forming one MPI job; a raising process surfaces
as ProcessRaisedException in the parent."""

import os
import subprocess
import sys

import pytest

from .conftest import HERE, ROOT, _mpi_ok

pytestmark = pytest.mark.slow


def _run(*args):
    if not _mpi_ok():
        pytest.skip("mpi4py/mpich not installed")
    return subprocess.run([sys.executable, os.path.join(HERE, "_spawn_script.py"), *args],
                          capture_output=True, text=True, timeout=90, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT))


def test_spawn_runs_fn_on_every_rank(tmp_path):
    p = _run(str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SPAWN_OK" in p.stdout
    for i in range(2):
        assert (tmp_path / f"p{i}.txt").read_text() == "3.0"


def test_spawn_raises_process_raised_exception(tmp_path):
    p = _run(str(tmp_path), "fail")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "RAISED 1 RuntimeError: spawned process 1 failed" in p.stdout


def test_spawn_join_false_returns_context(tmp_path):
    p = _run(str(tmp_path), "nojoin")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "NOJOIN_OK" in p.stdout
    # the ranks take far longer than 0.05 s to start: join(timeout) returned False first
    assert int(p.stdout.split("NOJOIN_OK")[1].split()[0]) > 0
    for i in range(2):
        assert (tmp_path / f"p{i}.txt").read_text() == "3.0"
