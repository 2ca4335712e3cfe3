"""Reductions: ``sum``, ``mean`` ... with ``dim`` (int or tuple) and ``keepdim``."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import _wrap_dim
from .registry import Op, apply
from .shape import expand


def _dims(dim, ndim):
    """Normalise ``dim`` to a sorted tuple of non-negative axes (None = all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    out = tuple(sorted({_wrap_dim(d, ndim) for d in dim}))
    if len(out) != len(dim):
        raise RuntimeError(f"dim {dim[0]} appears multiple times in the list of dims")
    return out if out else tuple(range(ndim))


def _grad_shape(in_shape, axes, keepdim):
    """Shape of a reduced gradient with the reduced axes re-inserted as size 1."""
    if keepdim:
        return None
    return tuple(1 if i in axes else s for i, s in enumerate(in_shape))


def _expand_back(node, g):
    in_shape = node._in_meta[0][0]
    if node.keep_shape is not None:
        g = g.reshape(node.keep_shape)
    return expand(g, in_shape)


class Sum(Op):
    name = "sum"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        if dtype is not None:
            out_dt = dtype.np
        elif a.dtype.kind in "biu":
            out_dt = np.int64
        else:
            out_dt = a.dtype
        acc = np.float32 if out_dt in (np.float16, _dt.bfloat16.np) else out_dt
        return a.sum(axis=axes, keepdims=keepdim, dtype=acc).astype(out_dt, copy=False)

    def backward(self, g):
        return (_expand_back(self, g),)


class Mean(Op):
    name = "mean"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        if dtype is None and a.dtype.kind in "biu":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_dt._BY_NP[a.dtype].name.capitalize()}")
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        self.n = n
        out_dt = dtype.np if dtype is not None else a.dtype
        acc = np.float32 if out_dt in (np.float16, _dt.bfloat16.np) else out_dt
        return a.mean(axis=axes, keepdims=keepdim, dtype=acc).astype(out_dt, copy=False)

    def backward(self, g):
        return (_expand_back(self, g) / self.n,)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    from .elementwise import _out
    return _out(apply(Sum, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    from .elementwise import _out
    return _out(apply(Mean, input, dim=dim, keepdim=keepdim, dtype=dtype), out)
