"""Launcher and failure handling: a raising rank ends the job with its traceback, a killed
or absent rank makes the others fail within timeout + 5 s."""

import time

import pytest

from .conftest import launch

pytestmark = pytest.mark.slow


def test_exception_on_one_rank_ends_job():
    t0 = time.monotonic()
    rc, out, err = launch("_fail_worker.py", "raise", 30, timeout=60)
    assert rc != 0
    assert time.monotonic() - t0 < 25  # promptly, long before the 30 s collective timeout
    assert "[rank 1] uncaught exception" in err
    assert "ValueError: boom from rank 1" in err
    assert "ember-run: rank 1 failed: ValueError: boom from rank 1" in err
    assert "rank 0 finished" not in out


def test_killed_rank_ends_job_within_timeout():
    t0 = time.monotonic()
    rc, out, err = launch("_fail_worker.py", "kill", 5, timeout=60)
    assert rc != 0
    assert time.monotonic() - t0 < 5 + 5 + 5  # timeout + 5 s, plus start-up
    assert "rank 0 finished" not in out


def test_collective_timeout_names_op_rank_timeout():
    t0 = time.monotonic()
    rc, out, err = launch("_fail_worker.py", "hang", 3, timeout=60)
    assert rc != 0
    assert time.monotonic() - t0 < 3 + 5 + 5
    assert "[Rank 0] Timed out: all_reduce" in err
    assert "0:00:03" in err
    assert "ember-run: rank 0 failed" in err


def test_env_vars_and_launcher_help(tmp_path):
    script = tmp_path / "env.py"
    script.write_text(
        "import os, ember.distributed as dist\n"
        "dist.init_process_group('nccl')\n"
        "e = os.environ\n"
        "v = [e['RANK'], e['WORLD_SIZE'], e['LOCAL_RANK'], e['LOCAL_WORLD_SIZE'],"
        " e['MASTER_ADDR'], e['MASTER_PORT'], dist.get_rank(), dist.get_world_size(),"
        " dist.get_backend()]\n"
        "os.write(1, ('<ENV ' + ' '.join(map(str, v)) + '>').encode())\n")
    import os
    import subprocess
    import sys

    from .conftest import ROOT, _mpi_ok
    if not _mpi_ok():
        pytest.skip("mpi4py/mpich not installed")
    p = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2",
                        "--master-port", "29512", str(script)], capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert p.returncode == 0, p.stderr
    import re
    lines = sorted(re.findall(r"<(ENV [^>]*)>", p.stdout))
    assert lines == ["ENV 0 2 0 2 127.0.0.1 29512 0 2 mpi",
                     "ENV 1 2 1 2 127.0.0.1 29512 1 2 mpi"]
    assert "falling back to MPI" in p.stderr


def test_single_process_without_launcher():
    import subprocess
    import sys

    from .conftest import ROOT, _mpi_ok
    if not _mpi_ok():
        pytest.skip("mpi4py/mpich not installed")
    code = ("import ember, ember.distributed as d\n"
            "assert not d.is_initialized() and d.is_available()\n"
            "d.init_process_group('gloo'); t = ember.ones(2); d.all_reduce(t)\n"
            "assert d.get_world_size() == 1 and t.tolist() == [1.0, 1.0]\n"
            "d.destroy_process_group(); assert not d.is_initialized()\n"
            "import ember.nn.parallel\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env={**__import__('os').environ, "PYTHONPATH": ROOT})
    assert p.returncode == 0, p.stderr
