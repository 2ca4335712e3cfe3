"""``pad`` (torch.nn.functional.pad): constant, reflect, replicate and circular modes.

Every mode is an index map (or a constant border), so the backward of the non-constant
modes is a scatter-add of the gradient through the same per-dimension index arrays.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .registry import Op, apply

__all__ = ["pad"]


class ConstantPad(Op):
    name = "constant_pad_nd"
    _bw_name = "ConstantPadNdBackward0"

    def forward(self, a, pad, value):
        self.pad = pad
        nd = a.ndim
        n = len(pad) // 2
        shape = list(a.shape)
        src = [slice(None)] * nd
        dst = [slice(None)] * nd
        for i in range(n):
            d = nd - 1 - i
            lo, hi = pad[2 * i], pad[2 * i + 1]
            size = a.shape[d]
            new = size + lo + hi
            if new < 0:
                raise RuntimeError(
                    f"The input size {size}, plus negative padding {lo} and {hi} resulted in a "
                    f"negative output size, which is invalid. Check dimension {d} of your "
                    "input.")
            shape[d] = new
            s0, s1 = max(-lo, 0), size - max(-hi, 0)
            t0 = max(lo, 0)
            src[d] = slice(s0, max(s1, s0))
            dst[d] = slice(t0, t0 + max(s1 - s0, 0))
        self.src = tuple(src)
        self.dst = tuple(dst)
        v = value
        if a.dtype.kind in "iu" and isinstance(v, float):
            v = int(v)
        out = np.full(shape, v, dtype=a.dtype)
        out[self.dst] = a[self.src]
        return out

    def backward(self, g):
        return (apply(ConstantPad, g, pad=tuple(-p for p in self.pad), value=0),)


def _mode_index(size, lo, hi, mode):
    """Source index for each output position along one dim."""
    j = np.arange(-lo, size + hi)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(j)
        period = 2 * (size - 1)
        j = np.abs(j) % period
        return np.where(j >= size, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    return j % size  # circular


class IndexPad(Op):
    """reflect/replicate/circular: ``out = a[ix_(idx_d...)]`` over the padded dims."""

    name = "index_pad"

    @staticmethod
    def amp_name(params):  # torch's op of the call, for autocast's lists
        mode = params["mode"]
        if mode == "circular":
            return "_pad_circular"
        kind = "reflection" if mode == "reflect" else "replication"
        return f"{kind}_pad{len(params['idxs'])}d"

    def forward(self, a, idxs, mode):
        self.idxs = idxs
        self.mode = mode
        self._bw_name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad",
                         "circular": "CircularPad"}[mode] + f"{len(idxs)}DBackward0"
        n = len(idxs)
        out = a
        for i, idx in enumerate(idxs):
            out = np.take(out, idx, axis=a.ndim - n + i)
        return out if out is not a else a.copy()

    def backward(self, g):
        return (apply(IndexPadBackward, g, idxs=self.idxs, shape=self._in_meta[0][0]),)


class IndexPadBackward(Op):
    name = "index_pad_backward"

    def forward(self, g, idxs, shape):
        self.idxs = idxs
        n = len(idxs)
        nd = g.ndim
        out = g
        for i, idx in enumerate(idxs):
            ax = nd - n + i
            size = shape[ax]
            moved = np.moveaxis(out, ax, 0)
            acc = np.zeros((size,) + moved.shape[1:], dtype=g.dtype)
            np.add.at(acc, idx, moved)
            out = np.moveaxis(acc, 0, ax)
        return np.ascontiguousarray(out)

    def backward(self, gg):
        return (apply(IndexPad, gg, idxs=self.idxs, mode="circular"),)


def pad(input, pad, mode="constant", value=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input._data.ndim
    n = len(pad) // 2
    if n > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of "
                           f"dimension {nd}")
    if mode == "constant":
        return apply(ConstantPad, input, pad=pad, value=0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if n > 3 or not (n + 1 <= nd <= n + 2):
        raise NotImplementedError(
            "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
    shape = input._data.shape
    idxs = []
    for i in range(n):
        d = nd - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        size = shape[d]
        if mode == "reflect":
            if lo >= size or hi >= size:
                raise RuntimeError(
                    f"Argument #4: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{list(shape)}")
        elif mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
        elif mode == "replicate" and size == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(f"input tensor must have non-zero size at dimension {d}")
        if size + lo + hi < 0 or (mode != "constant" and size + lo + hi <= 0):
            raise RuntimeError(f"input (size {size}) is too small for padding ({lo}, {hi}) at "
                               f"dimension {d}; calculated output size {size + lo + hi}")
        idxs.append(_mode_index(size, lo, hi, mode))
    idxs.reverse()  # outermost padded dim first
    return apply(IndexPad, input, idxs=tuple(idxs), mode=mode)
