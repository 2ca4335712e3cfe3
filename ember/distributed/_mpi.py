"""Lazy access to ``mpi4py.MPI`` and the NumPy <-> MPI plumbing ember's collectives use.

Importing ``mpi4py.MPI`` initialises MPI, so nothing here touches it before
``init_process_group`` (or an explicit :func:`mpi`) asks for it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time

import numpy as np

_MPI = None


def available() -> bool:
    """Whether mpi4py can be imported (checked without initialising MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """The ``mpi4py.MPI`` module (initialises MPI on first use)."""
    global _MPI
    if _MPI is None:
        import mpi4py
        mpi4py.rc.threads = True
        mpi4py.rc.thread_level = "multiple"
        from mpi4py import MPI
        _MPI = MPI
    return _MPI


def mpiexec_path() -> str:
    """The ``mpiexec`` of the MPICH wheel: next to ``sys.executable`` first, then PATH."""
    cand = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(cand):
        return cand
    try:  # the mpich wheel's own bin directory
        import mpich  # type: ignore[import-not-found]
        base = os.path.dirname(getattr(mpich, "__file__", "") or "")
        for sub in ("bin", os.path.join("..", "bin")):
            p = os.path.join(base, sub, "mpiexec")
            if os.path.exists(p):
                return os.path.abspath(p)
    except ImportError:
        pass
    found = shutil.which("mpiexec")
    if found:
        return found
    raise RuntimeError("mpiexec not found: install the MPI engine with "
                       "`pip install 'ember[distributed]'` (mpi4py + mpich)")


_REDUCIBLE = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32,
                                     np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                                     np.complex64, np.complex128)}


def wire_array(arr: np.ndarray):
    """``(buffer, finish)``: an MPI-ready contiguous array standing for ``arr`` and a
    function writing it back into ``arr`` (``None`` when ``buffer`` *is* ``arr``'s memory).

    float16/bfloat16 travel as float32 (MPI has no 16-bit float type), bool as uint8, and
    non-contiguous arrays through a contiguous copy."""
    dt = arr.dtype
    if dt == np.bool_:
        if arr.flags.c_contiguous:
            return arr.view(np.uint8), None
        buf = np.ascontiguousarray(arr).view(np.uint8)
    elif dt in _REDUCIBLE:
        if arr.flags.c_contiguous and arr.flags.writeable:
            return arr, None
        buf = np.ascontiguousarray(arr)
        if buf is arr:
            buf = arr.copy()
    else:  # float16, bfloat16 and friends
        buf = arr.astype(np.float32)

    def finish(buf=buf, arr=arr):
        arr[...] = buf.view(np.bool_) if arr.dtype == np.bool_ else buf.astype(arr.dtype)
    return buf, finish


def wait_request(req, deadline: float | None, what: str, status=None):
    """Polls ``req.Test()`` until it completes or ``deadline`` (``time.monotonic``) passes.

    MPI progresses a non-blocking collective only inside MPI calls, so the wait keeps
    calling ``Test``: flat out for the first ~20 ms (a sleep there would stall the peer
    ranks' pipelined transfers), yielding the core to other runnable processes between
    polls, and only for long waits (a rank blocked on a slow peer) backing off with
    sleeps of up to 1 ms so that an idle rank does not burn its core."""
    if req is None:
        return
    if req.Test(status):
        return
    t0 = time.monotonic()
    spins = 0
    while not req.Test(status):
        spins += 1
        if spins & 63:
            os.sched_yield()
            continue
        now = time.monotonic()
        if deadline is not None and now > deadline:
            raise RuntimeError(what)
        if now - t0 > 0.02:
            time.sleep(min(1e-3, (now - t0) * 1e-3))
