import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _mpi_ok() -> bool:
    try:
        import mpi4py  # noqa: F401

        from ember.distributed._mpi import mpiexec_path
        mpiexec_path()
        return True
    except Exception:
        return False


def launch(script, *args, nproc=2, timeout=120, env=None):
    """Runs ``ember-run --nproc-per-node nproc script args`` bounded by ``timeout``;
    the whole process group is killed on timeout."""
    if not _mpi_ok():
        pytest.skip("mpi4py/mpich not installed (pip install 'ember[distributed]')")
    cmd = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc),
           os.path.join(HERE, script), *map(str, args)]
    e = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
             OMP_NUM_THREADS="1")
    e.update(env or {})
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=e, cwd=ROOT, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        pytest.fail(f"{script} {args} did not finish within {timeout} s\n{out}\n{err}")
    return p.returncode, out, err
