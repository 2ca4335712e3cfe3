"""Dropout kernels (``ember.nn.functional``): dropout, channel-wise dropout1d/2d/3d,
alpha_dropout and feature_alpha_dropout.

As torch's CPU path: a noise tensor (Bernoulli(1 - p) mask, scaled by ``1 / (1 - p)``) is
drawn from ember's default generator (so ``manual_seed`` reproduces the mask) and the
input is multiplied by it (``MulBackward0``: gradient = noise).  Alpha dropout adds the
affine shift that keeps SELU's mean/variance.

The mask is drawn inside the ``dropout`` op's ``forward`` (one dispatcher call), so a
tracer records ``aten::dropout`` and a replay draws a fresh mask (NOTE [hook API] in
``registry.py``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from .elementwise import Mul
from .registry import Op, apply, apply_inplace

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766
_make = Tensor._make


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(a, p, feature):
    from ..random import _gen
    if feature:
        if a.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = a.shape[:2] + (1,) * (a.ndim - 2)
    else:
        shape = a.shape
    keep = _gen(None).random(shape, dtype=np.float32) < np.float32(1.0 - p)
    return keep


def _scalar_dt(dt):
    return np.float64 if dt == np.float64 else np.float32


class Dropout(Op):
    """Training-mode dropout with ``0 < p < 1``: draws the Bernoulli(1 - p) mask from the
    default generator and applies it (alpha: with SELU's affine shift).  The gradient is
    the scaled mask, and the node is named as torch's (``MulBackward0``; alpha dropout
    ``AddBackward0``)."""

    name = "dropout"
    _bw_name = "MulBackward0"

    def forward(self, a, p, train=True, feature=False, alpha=False):
        keep = _noise(a, p, feature)
        dt = a.dtype
        sdt = _scalar_dt(dt)
        if not alpha:
            noise = self._noise = (keep * (sdt(1) / sdt(1.0 - p))).astype(dt, copy=False)
            return a * noise
        ka = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        kf = keep.astype(sdt)
        b = ((kf - 1) * sdt(_ALPHA * ka) + sdt(_ALPHA * ka * p)).astype(dt, copy=False)
        noise = self._noise = (kf * sdt(ka)).astype(dt, copy=False)
        self._bw_name = "AddBackward0"
        return a * noise + b

    def backward(self, g):
        return (g * _make(self._noise, g._device),)


def _dropout_impl(input, p, train, inplace, feature=False, alpha=False):
    a = input._data
    if p == 0 or not train or a.size == 0:
        return input
    if a.dtype.kind != "f" and a.dtype.name != "bfloat16":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{_tname(a.dtype)}")
    dt = a.dtype
    if p == 1:
        z = _make(np.zeros((), dt), input._device)
        return apply_inplace(Mul, input, z) if inplace else apply(Mul, input, z)
    params = {"p": float(p), "train": True, "feature": bool(feature), "alpha": bool(alpha)}
    if inplace:
        return apply_inplace(Dropout, input, **params)
    return apply(Dropout, input, **params)


def _tname(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool"}.get(dt.name, dt.name)


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def _unbatched(input, inplace, fn):
    x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    r = fn(x)
    return r.squeeze_(0) if inplace else r.squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    fn = lambda x: _dropout_impl(x, p, training, inplace, feature=True)  # noqa: E731
    if nd == 2:
        return _unbatched(input, inplace, fn)
    return fn(input)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d "
            "instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    fn = lambda x: _dropout_impl(x, p, training, inplace, feature=True)  # noqa: E731
    if nd == 4:
        return _unbatched(input, inplace, fn)
    return fn(input)
