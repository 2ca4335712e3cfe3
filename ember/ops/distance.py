"""Distance functions (``ember.nn.functional``): cosine_similarity, pairwise_distance,
pdist and cdist (``torch.cdist``), composed of ember ops (so double backward works)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from .math import _no_half

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "cdist"]

_make = Tensor._make


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    from .indexing import broadcast_tensors
    from .math import clamp_min, sqrt
    from .reduction import sum as rsum
    if not (x1._dtype.is_floating_point and x2._dtype.is_floating_point):
        from .. import dtypes as _dt
        x1 = x1 if x1._dtype.is_floating_point else x1.to(_dt.get_default_dtype())
        x2 = x2 if x2._dtype.is_floating_point else x2.to(_dt.get_default_dtype())
    x1, x2 = broadcast_tensors(x1, x2)
    nd = x1._data.ndim
    d = _wrap_dim(dim, max(nd, 1))
    # as torch: each input divided by its clamped norm, then the dot product
    n1 = clamp_min(sqrt(rsum(x1 * x1, d, True)), eps)
    n2 = clamp_min(sqrt(rsum(x2 * x2, d, True)), eps)
    return rsum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from .reduction import norm
    nd = max(x1._data.ndim, x2._data.ndim)
    inner = nd - 1 if nd else 0
    diff = x1 - x2 + eps
    if nd == 0:
        return norm(diff.reshape(1), p, 0, keepdim).reshape(())
    return norm(diff, p, inner, keepdim)


def pdist(input, p=2):
    from .reduction import norm
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {a.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    _no_half("pdist", input, "pdist")
    n = a.shape[0]
    if n <= 1:
        return _make(np.zeros(0, a.dtype), input._device) * input.sum()
    i, j = np.triu_indices(n, 1)
    dev = input._device
    diff = input[_make(i, dev)] - input[_make(j, dev)]
    return norm(diff, p, 1)


@autocast_composite("cdist")
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    from .reduction import norm
    a, b = x1._data, x2._data
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: "
            f"{b.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _no_half("cdist", x1, "cdist")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, -1)
