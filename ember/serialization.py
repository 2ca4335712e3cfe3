"""Pickling support for tensors (``save``/``load`` in torch's zip format come later)."""

from __future__ import annotations

import numpy as np


def _rebuild_tensor_pickle(arr: np.ndarray, device: str, requires_grad: bool, cls):
    from ._tensor import Tensor
    from .device import device as _device
    t = Tensor._make(np.array(arr, copy=True), _device(device))
    if cls is not Tensor:
        t = cls._from_tensor(t) if hasattr(cls, "_from_tensor") else t
    if requires_grad:
        t.requires_grad_(True)
    return t
