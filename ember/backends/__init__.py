"""Backends: one array module per device type.

Op code never asks "is this CuPy?"; it uses the array module the tensor's backend
gives it (``xp``).  The CPU backend is NumPy; the CUDA backend (CuPy) registers
itself when CuPy and a GPU are present.
"""

from __future__ import annotations

import numpy as np

from ..device import CPU, device


class Backend:
    """What ember needs from an array library for one device type."""

    def __init__(self, name: str, xp, array_type) -> None:
        self.name = name
        self.xp = xp
        self.array_type = array_type

    def asarray(self, data, dtype=None, dev: device | None = None):
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, arr) -> np.ndarray:
        return np.asarray(arr)

    def device_of(self, arr) -> device:
        return CPU


numpy_backend = Backend("cpu", np, np.ndarray)
_BACKENDS = {"cpu": numpy_backend}


def get_backend(dev: device) -> Backend:
    b = _BACKENDS.get(dev.type)
    if b is None:
        from .. import cuda
        cuda._lazy_init()  # raises a clear error when CUDA is not usable
        b = _BACKENDS[dev.type]
    return b


def register_backend(type_name: str, backend: Backend) -> None:
    _BACKENDS[type_name] = backend
