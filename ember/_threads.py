"""``set_num_threads`` / ``get_num_threads``: the BLAS thread pool NumPy uses.

NumPy's wheels bundle OpenBLAS; its pool size is what torch's ``set_num_threads``
controls for ember.  The library is found among the loaded shared objects and driven
through its own C API (as threadpoolctl does).  When no OpenBLAS is found (another
BLAS, or a platform without /proc), the calls are no-ops that report 1 thread.
"""

from __future__ import annotations

import ctypes
import os

_api = None


def _find():
    global _api
    if _api is not None:
        return _api or None
    _api = False
    import numpy  # noqa: F401  - make sure NumPy's BLAS is loaded
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes = (ctypes.c_int,)
                    getter.restype = ctypes.c_int
                    _api = (setter, getter)
                    return _api
    return None


def set_num_threads(n: int) -> None:
    """Sets the number of threads used for intra-op parallelism (NumPy's BLAS)."""
    if not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    api = _find()
    if api is not None:
        api[0](n)


def get_num_threads() -> int:
    """The number of threads used for intra-op parallelism (NumPy's BLAS)."""
    api = _find()
    return int(api[1]()) if api is not None else 1


def get_num_interop_threads() -> int:
    return 1


def set_num_interop_threads(n: int) -> None:
    if n < 1:
        raise RuntimeError(f"Expected positive number of threads, got {n}")


def cpu_count() -> int:
    return os.cpu_count() or 1
