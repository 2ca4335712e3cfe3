"""``ember.multiprocessing.spawn``: torch's ``mp.spawn(fn, args, nprocs)`` over MPI.

The ``nprocs`` processes are started by the MPICH wheel's ``mpiexec`` (so they form one
MPI job and ``ember.distributed.init_process_group`` works in them); process ``i`` calls
``fn(i, *args)``.  As with torch's ``spawn`` start method, ``fn`` and ``args`` must be
picklable; a function defined in the main script is found by re-running that script as
``__mp_main__`` (its ``if __name__ == "__main__":`` block does not run).  A process that
raises ends the whole job, and the parent raises :class:`ProcessRaisedException` with that
process's traceback.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException"]


class ProcessException(Exception):
    def __init__(self, msg: str, error_index: int = -1, pid: int | None = None):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid


class ProcessRaisedException(ProcessException):
    pass


class ProcessExitedException(ProcessException):
    def __init__(self, msg, error_index=-1, error_pid=None, exit_code=1, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name


class ProcessContext:
    def __init__(self, proc: subprocess.Popen, tmpdir: str, nprocs: int):
        self._proc = proc
        self._tmp = tmpdir
        self.nprocs = nprocs

    def pids(self) -> list[int]:
        """The process ids of the ``nprocs`` processes, in rank order (waits up to 30 s for
        them to start; a process that already ended before reporting gives ``-1``)."""
        deadline = time.monotonic() + 30
        out = [None] * self.nprocs
        while True:
            for i in range(self.nprocs):
                if out[i] is None:
                    try:
                        with open(os.path.join(self._tmp, f"rank{i}.pid")) as f:
                            out[i] = int(f.read())
                    except (OSError, ValueError):
                        pass
            if all(o is not None for o in out) or self._proc.poll() is not None \
                    or time.monotonic() > deadline:
                return [-1 if o is None else o for o in out]
            time.sleep(0.01)

    def join(self, timeout: float | None = None) -> bool:
        try:
            rc = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        try:
            errs = sorted(f for f in os.listdir(self._tmp) if f.endswith(".err"))
            if errs:
                idx = int(errs[0][4:-4])
                with open(os.path.join(self._tmp, errs[0])) as f:
                    tb = f.read()
                raise ProcessRaisedException(
                    f"\n\n-- Process {idx} terminated with the following error:\n{tb}", idx)
            if rc != 0:
                raise ProcessExitedException(
                    f"process terminated with exit code {rc}", exit_code=rc)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return True


def start_processes(fn, args=(), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn"):
    from ..distributed._mpi import mpiexec_path
    tmp = tempfile.mkdtemp(prefix="ember-spawn-")
    main = sys.modules.get("__main__")
    main_path = getattr(main, "__file__", None) if fn.__module__ == "__main__" else None
    payload = {"module": fn.__module__, "qualname": fn.__qualname__,
               "main_path": os.path.abspath(main_path) if main_path else None,
               "sys_path": list(sys.path), "args": pickle.dumps(tuple(args))}
    with open(os.path.join(tmp, "payload.pkl"), "wb") as f:
        pickle.dump(payload, f)
    cmd = [mpiexec_path(), "-n", str(int(nprocs)), sys.executable, "-u", "-m",
           "ember.multiprocessing._entry", tmp]
    proc = subprocess.Popen(cmd)
    ctx = ProcessContext(proc, tmp, nprocs)
    if not join:
        return ctx
    while not ctx.join():
        pass
    return None


def spawn(fn, args=(), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn"):
    return start_processes(fn, args, nprocs, join, daemon, start_method)
