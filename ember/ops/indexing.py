"""Indexing ops: ``__getitem__``/``__setitem__`` (basic indexing as views, advanced
indexing as copies), joins (cat/stack), gather/scatter and friends.

Every backward is written with ember ops so that double backward works; the scatter
family and the gather family are each other's gradients.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import _Mode
from .registry import (
    Op,
    _check_inplace,
    _Dispatch,
    _result_dtype,
    apply,
    apply_inplace,
)
from .shape import _estrides, _restride

_make = Tensor._make
_ndarray = np.ndarray

__all__: list[str] = []


# --- index normalisation ---------------------------------------------------------------------

_BASIC = (int, slice, type(None), type(Ellipsis))


def _seq_as_tuple(key) -> bool:
    """torch's treatSequenceAsTuple for a list index."""
    if len(key) >= 32:
        return False
    for k in key:
        if isinstance(k, (Tensor, list, tuple, np.ndarray, slice)) or k is None or k is Ellipsis:
            return True
    return False


def _norm_key(key):
    """Returns (tuple key, is_basic).  0-d integer tensors count as ints (torch selects)."""
    if isinstance(key, tuple):
        items = key
    elif isinstance(key, list) and _seq_as_tuple(key):
        items = tuple(key)
    else:
        items = (key,)
    basic = True
    out = []
    for k in items:
        t = type(k)
        if t is int or t is slice or k is None or k is Ellipsis:
            out.append(k)
            continue
        if t is bool:
            basic = False
            out.append(k)
            continue
        if isinstance(k, np.integer):
            out.append(int(k))
            continue
        if isinstance(k, Tensor):
            if k._data.ndim == 0 and k._dtype.is_signed and not k._dtype.is_floating_point \
                    and not k._dtype.is_complex:
                out.append(int(k._data))
                continue
            basic = False
            out.append(k)
            continue
        if hasattr(k, "__index__") and not isinstance(k, (list, tuple, np.ndarray)):
            out.append(k.__index__())
            continue
        basic = False
        out.append(k)
    return tuple(out), basic


def _basic_key(key, shape):
    """Validates a basic key against ``shape``; returns (numpy key, torch strides for None
    dims as (result_pos, source_dim) pairs, last op name)."""
    nd = len(shape)
    consumed = 0
    n_ell = 0
    for k in key:
        if k is Ellipsis:
            n_ell += 1
        elif k is not None:
            consumed += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    d = 0        # source dim
    pos = 0      # result dim
    nones = None
    last = "AliasBackward0"
    for k in key:
        if k is None:
            if nones is None:
                nones = []
            nones.append((pos, d))
            pos += 1
            last = "UnsqueezeBackward0"
        elif k is Ellipsis:
            skip = nd - consumed
            d += skip
            pos += skip
        elif k.__class__ is slice:
            if k.step is not None and k.step <= 0:
                if k.step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            size = shape[d]
            if not (k.start in (None, 0) and k.stop is None and k.step in (None, 1)):
                start, stop, _ = k.indices(size)
                if not (start == 0 and stop >= size and k.step in (None, 1)):
                    last = "SliceBackward0"
            d += 1
            pos += 1
        else:
            size = shape[d]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {d} with size {size}")
            d += 1
            last = "SelectBackward0"
    return nones, last


class BasicIndex(Op):
    """``x[ints, slices, None, ...]``: a view."""

    name = "getitem_basic"
    is_view = True

    def forward(self, a, key, nones=None, bw_name="SliceBackward0"):
        self._bw_name = bw_name
        self.key = key
        out = a[key]
        if nones:
            st = _estrides(out)
            src_st = _estrides(a)
            for pos, d in nones:
                st[pos] = 1 if d >= a.ndim else a.shape[d] * src_st[d]
            out = _restride(out, st)
        elif out is a:
            out = a.view()
        return out

    def backward(self, g):
        return (apply(BasicIndexBackward, g, shape=self._in_meta[0][0], key=self.key),)


class BasicIndexBackward(Op):
    """Zeros of the source shape with ``g`` written into the indexed region."""

    name = "getitem_basic_backward"

    def forward(self, g, shape, key):
        self.key = key
        out = np.zeros(shape, dtype=g.dtype)
        out[key] = g
        return out

    def backward(self, gg):
        return (apply(BasicIndex, gg, key=self.key),)


# --- advanced indexing ---------------------------------------------------------------------

def _index_array(k, dev_t=None):
    """A numpy array (intp or bool) for one advanced index item."""
    if isinstance(k, Tensor):
        arr = k._data
        dt = arr.dtype
        if dt == np.bool_:
            return arr
        if dt == np.uint8:
            return arr.astype(np.bool_)
        if dt.kind in "iu":
            return arr
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(k, bool):
        return np.asarray(k)
    if isinstance(k, np.ndarray):
        arr = k
    else:
        arr = np.asarray(_unwrap_list(k))
    if arr.dtype == np.bool_:
        return arr
    if arr.size == 0 and arr.dtype.kind not in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def _unwrap_list(k):
    if isinstance(k, (list, tuple)):
        return [_unwrap_list(x) for x in k]
    if isinstance(k, Tensor):
        return k._data
    return k


def _adv_key(key, shape):
    """NumPy key for an advanced index, checked against ``shape`` with torch's errors."""
    out = []
    nd = len(shape)
    consumed = 0
    n_ell = 0
    items = []
    for k in key:
        if k is None or k.__class__ is slice or k.__class__ is int:
            items.append(k)
            if k is not None:
                consumed += 1
        elif k is Ellipsis:
            items.append(k)
            n_ell += 1
        else:
            arr = _index_array(k)
            items.append(arr)
            if arr.dtype == np.bool_:
                consumed += arr.ndim
            else:
                consumed += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    d = 0
    for k in items:
        if k is None:
            out.append(k)
        elif k is Ellipsis:
            d += nd - consumed
            out.append(k)
        elif k.__class__ is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
            d += 1
        elif k.__class__ is int:
            size = shape[d]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {d} with size {size}")
            out.append(k)
            d += 1
        elif k.dtype == np.bool_:
            for j in range(k.ndim):
                if k.shape[j] != shape[d + j]:
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {d + j}")
            out.append(k)
            d += k.ndim
        else:
            size = shape[d]
            if k.size:
                lo, hi = k.min(), k.max()
                if lo < -size or hi >= size:
                    bad = int(lo) if lo < -size else int(hi)
                    raise IndexError(
                        f"index {bad} is out of bounds for dimension {d} with size {size}")
            out.append(k)
            d += 1
    _check_broadcast(out)
    return tuple(out)


def _check_broadcast(key):
    shapes = []
    for k in key:
        if isinstance(k, np.ndarray):
            shapes.append(k.shape if k.dtype != np.bool_ else (int(k.sum()),) if k.ndim else ())
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         "with shapes " + ", ".join(str(list(s)) for s in shapes)) from None


class Index(Op):
    """``x[advanced index]``: a copy."""

    name = "index"

    def forward(self, a, key):
        self.key = key
        return a[key]

    def backward(self, g):
        return (apply(IndexBackward, g, shape=self._in_meta[0][0], key=self.key),)


class IndexBackward(Op):
    """``zeros(shape).index_put_(key, g, accumulate=True)``."""

    name = "index_backward"
    _bw_name = "IndexPutBackward0"

    def forward(self, g, shape, key):
        self.key = key
        out = np.zeros(shape, dtype=g.dtype)
        _accumulate(out, key, g)
        return out

    def backward(self, gg):
        return (apply(Index, gg, key=self.key),)


def _accumulate(out, key, vals):
    """``out[key] += vals`` with duplicates summed."""
    if len(key) == 1 and isinstance(key[0], np.ndarray) and key[0].dtype != np.bool_ \
            and out.ndim >= 1:
        idx = key[0].reshape(-1)
        idx = np.where(idx < 0, idx + out.shape[0], idx)
        inner = out.shape[1:]
        n_in = int(np.prod(inner, dtype=np.int64))
        v = np.broadcast_to(vals, key[0].shape + inner).reshape(idx.size, n_in)
        if out.dtype.kind == "f" and out.dtype.itemsize >= 4 and n_in <= 64:
            flat = (idx[:, None] * n_in + np.arange(n_in)).reshape(-1)
            res = np.bincount(flat, weights=v.reshape(-1), minlength=out.size)
            out += res.reshape(out.shape).astype(out.dtype, copy=False)
            return
        np.add.at(out.reshape(out.shape[0], n_in), idx, v)
        return
    np.add.at(out, key, vals)


def getitem(self, key):
    k, basic = _norm_key(key)
    shape = self._data.shape
    if basic:
        nones, last = _basic_key(k, shape)
        return apply(BasicIndex, self, key=k, nones=nones, bw_name=last)
    return apply(Index, self, key=_adv_key(k, shape))


# --- setitem / index_put -----------------------------------------------------------------------

class IndexPut(Op):
    """Out of place ``x[key] = v`` (``accumulate``: ``x[key] += v``)."""

    name = "index_put"

    def forward(self, a, v, key, accumulate=False):
        self.key = key
        self.accumulate = accumulate
        out = a.copy()
        if isinstance(v, _ndarray) and v.dtype != a.dtype:
            v = v.astype(a.dtype)
        if accumulate:
            _accumulate(out, key, v)
        else:
            out[key] = v
        return out

    def backward(self, g):
        ga = gv = None
        if self.next_functions[0][0] is not None:
            ga = g if self.accumulate else apply(IndexPut, g, 0, key=self.key)
        if len(self.next_functions) > 1 and self.next_functions[1][0] is not None:
            gv = _take_key(g, self.key)
        return ga, gv


def _take_key(g, key):
    for k in key:
        if isinstance(k, np.ndarray) or k.__class__ is bool:
            return apply(Index, g, key=key)
    return apply(BasicIndex, g, key=key)


def _value_arg(self, value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, bool, complex)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    from .creation import tensor
    return tensor(value, dtype=self._dtype, device=self._device)


def _setitem_key(self, key):
    k, basic = _norm_key(key)
    shape = self._data.shape
    if basic:
        _basic_key(k, shape)
        return k
    return _adv_key(k, shape)


def setitem(self, key, value):
    k = _setitem_key(self, key)
    value = _value_arg(self, value)
    if isinstance(value, Tensor) and value._dtype is not self._dtype:
        if _Mode.grad_enabled and value._requires_grad:
            value = value.to(self._dtype)
    if not (_Mode.grad_enabled and (self._requires_grad or
                                    (isinstance(value, Tensor) and value._requires_grad))) \
            and _Dispatch.hook is None:
        _check_inplace(self)
        v = value._data if isinstance(value, Tensor) else value
        try:
            self._data[k] = v
        except ValueError as e:
            raise RuntimeError(str(e)) from None
        self._bump()
        return
    try:
        apply_inplace(IndexPut, self, value, key=k)
    except ValueError as e:
        raise RuntimeError(str(e)) from None


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


# --- cat / stack -------------------------------------------------------------------------------

class Cat(Op):
    name = "cat"

    def forward(self, *arrays, dim):
        self.sizes = [a.shape[dim] if a.ndim else 0 for a in arrays]
        self.dim = dim
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)] or arrays[:1]
        if len(kept) == 1:
            return kept[0].copy()
        return np.concatenate(kept, axis=dim)

    def backward(self, g):
        from .shape import narrow
        res = []
        off = 0
        nd = g._data.ndim
        dim = self.dim
        for i, s in enumerate(self.sizes):
            shape = self._in_meta[i][0]
            if len(shape) == 1 and shape[0] == 0 and nd != 1:
                res.append(None)
                continue
            if self.next_functions[i][0] is None:
                res.append(None)
            else:
                res.append(narrow(g, dim, off, s))
            off += s
        return tuple(res)


def _cat_promote(args, arrays):
    rt = _result_dtype_tensors(args)
    npdt = rt.np
    return [a if a.dtype == npdt else a.astype(npdt) for a in arrays]


def _result_dtype_tensors(args):
    dt = args[0]._dtype
    for a in args[1:]:
        if a._dtype is not dt:
            dt = _dt.promote_types(dt, a._dtype)
    return dt


Cat.promote = staticmethod(_cat_promote)


def cat(tensors, dim=0, *, out=None):
    from .elementwise import _out
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {tensors.index(t)} in argument 0, "
                            f"but got {type(t).__name__}")
    ref = None
    for t in tensors:
        sh = t._data.shape
        if not (len(sh) == 1 and sh[0] == 0):
            ref = t
            break
    if ref is None:
        ref = tensors[0]
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position "
                           f"{tensors.index(ref)}) cannot be concatenated")
    d = _wrap_dim(dim, nd)
    rshape = ref._data.shape
    for i, t in enumerate(tensors):
        sh = t._data.shape
        if len(sh) == 1 and sh[0] == 0:
            continue
        if len(sh) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(sh)}")
        for j in range(nd):
            if j != d and sh[j] != rshape[j]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{rshape[j]} but got size {sh[j]} for tensor number {i} in the list.")
    return _out(apply(Cat, *tensors, dim=d), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    from .elementwise import _out
    from .shape import unsqueeze
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(s0)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(s0) + 1)
    return _out(apply(Cat, *[unsqueeze(t, d) for t in tensors], dim=d), out)


__all__ += ["cat", "concat", "concatenate", "stack"]
_ = _result_dtype
