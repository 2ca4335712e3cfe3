"""Indexing ops: ``__getitem__``/``__setitem__`` (basic indexing as views, advanced
indexing as copies), joins (cat/stack), gather/scatter and friends.

Every backward is written with ember ops so that double backward works; the scatter
family and the gather family are each other's gradients.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from ..autograd.grad_mode import _Mode
from .registry import (
    Op,
    _check_inplace,
    _Dispatch,
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
        if not isinstance(out, np.ndarray):  # all ints: keep a 0-d view, not a copy
            out = a[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
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
        if _dt.np_is_floating(out.dtype) and out.dtype.itemsize >= 4 and n_in <= 64:
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
            vshape = self._in_meta[1][0]
            if gv._data.ndim < len(vshape):  # torch strips leading 1s of the value
                gv = gv.reshape((1,) * (len(vshape) - gv._data.ndim) + tuple(gv.shape))
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
                from .creation import zeros
                res.append(zeros(0, dtype=g.dtype, device=g.device))
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

def _c(arr, like):
    """A constant tensor (indices, masks) on ``like``'s device."""
    return _make(arr, like._device)


def _idx_np(index, name="index"):
    if isinstance(index, Tensor):
        arr = index._data
    else:
        arr = np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return arr


def _wrap_neg(idx, n):
    return np.where(idx < 0, idx + n, idx) if idx.size and idx.min() < 0 else idx


# --- stacks / atleast ---------------------------------------------------------------------------

def atleast_1d(*tensors):
    from .shape import reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_1d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_1d(t) for t in tensors)
    t = tensors[0]
    return reshape(t, 1) if t._data.ndim == 0 else t


def atleast_2d(*tensors):
    from .shape import unsqueeze
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_2d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_2d(t) for t in tensors)
    t = tensors[0]
    if t._data.ndim == 0:
        return t.reshape(1, 1)
    return unsqueeze(t, 0) if t._data.ndim == 1 else t


def atleast_3d(*tensors):
    from .shape import unsqueeze
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = tensors[0]
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    if nd == 2:
        return unsqueeze(t, -1)
    return t


def hstack(tensors, *, out=None):
    ts = atleast_1d(list(tensors))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat(atleast_2d(list(tensors)), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat(atleast_3d(list(tensors)), 2, out=out)


def column_stack(tensors, *, out=None):
    ts = []
    for t in tensors:
        nd = t._data.ndim
        ts.append(t.reshape(-1, 1) if nd <= 1 else t)
    return cat(ts, 1, out=out)


# --- flip / roll / rot90 ------------------------------------------------------------------------

class Flip(Op):
    name = "flip"

    def forward(self, a, dims):
        self.dims = dims
        return np.flip(a, dims).copy() if dims else a.copy()

    def backward(self, g):
        return (apply(Flip, g, dims=self.dims),)


def _dims_list(dims, nd):
    if isinstance(dims, int):
        dims = (dims,)
    ws = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(ws)}, but "
                           f"unique flip dims size={len(set(ws))}")
    return ws


def flip(input, dims):
    return apply(Flip, input, dims=_dims_list(dims, input._data.ndim))


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Op):
    name = "roll"

    def forward(self, a, shifts, dims):
        self.p = (shifts, dims)
        if dims is None:
            return np.roll(a.reshape(-1), shifts).reshape(a.shape)
        return np.roll(a, shifts, dims)

    def backward(self, g):
        shifts, dims = self.p
        neg = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return (apply(Roll, g, shifts=neg, dims=dims),)


def roll(input, shifts, dims=None):
    nd = input._data.ndim
    if isinstance(shifts, int):
        shifts = (shifts,)
    shifts = tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims:0")
        return apply(Roll, input, shifts=shifts[0], dims=None)
    if isinstance(dims, int):
        dims = (dims,)
    if len(dims) != len(shifts):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    return apply(Roll, input, shifts=shifts, dims=dims)


def rot90(input, k=1, dims=(0, 1)):
    from .shape import transpose
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), (d1,))
    return input.clone()


# --- repeat / tile / repeat_interleave ---------------------------------------------------------

class Repeat(Op):
    name = "repeat"

    def forward(self, a, reps):
        self.reps = reps
        lead = len(reps) - a.ndim
        return np.tile(a.reshape((1,) * lead + a.shape), reps)

    def backward(self, g):
        shape = self._in_meta[0][0]
        reps = self.reps
        full = (1,) * (len(reps) - len(shape)) + tuple(shape)
        inter = []
        for r_, s in zip(reps, full):
            inter += [r_, s]
        gr = g.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2)))
        return (gr.reshape(shape),)


def repeat(input, *sizes):
    from .shape import _size_args
    reps = _size_args(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(r_ < 0 for r_ in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(reps)}: "
                           f"{list(reps)}")
    return apply(Repeat, input, reps=reps)


def tile(input, dims):
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    from .creation import arange
    if repeats is None:  # repeat_interleave(repeats_tensor)
        reps = input._data
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return _c(np.repeat(np.arange(reps.size, dtype=np.int64), reps), input)
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d] if nd else 1
    if isinstance(repeats, Tensor):
        reps = repeats._data
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if reps.ndim == 1 and reps.size != n and reps.size != 1:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {reps.size} and input.size({d}) = {n}")
        reps = reps.reshape(-1)
        if reps.size == 1:
            reps = int(reps[0])
    else:
        reps = int(repeats)
    if np.any(np.asarray(reps) < 0):
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), reps)
    if nd == 0:
        input = input.reshape(1)
    _ = arange
    return index_select(input, d, _c(idx, input))


# --- gather / scatter ------------------------------------------------------------------------

def _grid(index, dim):
    """Full coordinate tuple addressing ``index``'s positions with ``dim`` replaced by
    ``index``'s values (torch's scatter/gather addressing)."""
    nd = index.ndim
    key = []
    for i in range(nd):
        if i == dim:
            key.append(index)
        else:
            sh = [1] * nd
            sh[i] = index.shape[i]
            key.append(np.arange(index.shape[i], dtype=np.intp).reshape(sh))
    return tuple(key)


def _check_gather(name, a_shape, dim, index, src_shape=None):
    nd = len(a_shape)
    if index.ndim != max(nd, 0) and not (nd == 0 and index.ndim <= 1) and not (
            index.ndim == 0 and nd <= 1) and index.size:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    if index.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    for i in range(index.ndim):
        if i != dim and index.shape[i] > (a_shape[i] if i < nd else 1):
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(index.shape)} to be no larger than self "
                               f"{list(a_shape)} apart from dimension {dim}")
        if src_shape is not None and index.shape[i] > (src_shape[i] if i < len(src_shape)
                                                       else 1):
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(index.shape)} to be no larger than src "
                               f"{list(src_shape)}")
    n = a_shape[dim] if nd else 1
    if index.size and (index.min() < -n or index.max() >= n):
        bad = int(index.max()) if index.max() >= n else int(index.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")


def _sub(a, shape):
    return a[tuple(slice(0, s) for s in shape)] if a.shape != tuple(shape) else a


class Gather(Op):
    name = "gather"

    def forward(self, a, index, dim):
        self.dim = dim
        self.index = index
        if a.ndim == 0:
            return a.reshape(index.shape).copy() if index.size else np.empty(index.shape,
                                                                             a.dtype)
        return a[_grid(index, dim)]

    def backward(self, g):
        from .creation import zeros
        z = zeros(self._in_meta[0][0], dtype=g.dtype, device=g.device)
        return apply(ScatterAdd, z, _c(self.index, g), g, dim=self.dim), None


def gather(input, dim, index, *, sparse_grad=False, out=None):
    from .elementwise import _out
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    idx = index._data
    _check_gather("gather", input._data.shape, d, idx)
    return _out(apply(Gather, input, index, dim=d), out)


class Scatter(Op):
    """``scatter``: values from ``src`` (array or scalar) written at ``index``."""

    name = "scatter"
    _bw_name = "ScatterBackward0"

    def forward(self, a, index, src, dim, reduce=None):
        self.dim = dim
        self.index = index
        self.scalar = not isinstance(src, _ndarray)
        out = a.copy()
        if a.ndim == 0:
            out = out.reshape(1)
        key = _grid(index, dim) if index.ndim else (index.reshape(1),)
        v = src if self.scalar else _sub(src.reshape(src.shape or (1,)), index.shape or (1,))
        if not self.scalar and v.dtype != a.dtype:
            v = v.astype(a.dtype)
        if reduce is None:
            out[key] = v
        elif reduce == "add":
            np.add.at(out, key, np.broadcast_to(v, index.shape))
        else:
            np.multiply.at(out, key, np.broadcast_to(v, index.shape))
        return out.reshape(a.shape)

    def backward(self, g):
        idx = _c(self.index, g)
        gi = apply(Scatter, g, idx, 0, dim=self.dim) if self.next_functions[0][0] else None
        gs = None
        if not self.scalar and self.next_functions[2][0] is not None:
            gs = _pad_to(apply(Gather, g, idx, dim=self.dim), self._in_meta[2][0])
        return gi, None, gs


def _pad_to(gs, sshape):
    """Zero-pads a gradient of the index's shape up to the (larger) source shape."""
    if tuple(gs.shape) == tuple(sshape):
        return gs
    from .padding import pad
    p = []
    for s_have, s_want in zip(reversed(gs.shape), reversed(sshape)):
        p += [0, s_want - s_have]
    return pad(gs, p)


class ScatterAdd(Op):
    name = "scatter_add"

    def forward(self, a, index, src, dim):
        self.dim = dim
        self.index = index
        out = a.copy()
        if a.ndim == 0:
            out = out.reshape(1)
        v = _sub(src.reshape(src.shape or (1,)), index.shape or (1,))
        key = _grid(index, dim) if index.ndim else (index.reshape(1),)
        np.add.at(out, key, v.astype(a.dtype, copy=False))
        return out.reshape(a.shape)

    def backward(self, g):
        gs = None
        if self.next_functions[2][0] is not None:
            gs = apply(Gather, g, _c(self.index, g), dim=self.dim)
            sshape = self._in_meta[2][0]
            if tuple(gs.shape) != tuple(sshape):
                from .padding import pad
                p = []
                for s_have, s_want in zip(reversed(gs.shape), reversed(sshape)):
                    p += [0, s_want - s_have]
                gs = pad(gs, p)
        return g, None, gs


def _scatter_args(name, input, dim, index, src):
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    sshape = src._data.shape if isinstance(src, Tensor) else None
    _check_gather(name, input._data.shape, d, index._data, sshape)
    return d


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    from .elementwise import _out
    if src is None:
        src = value
    if isinstance(src, Tensor) and src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    d = _scatter_args("scatter", input, dim, index, src)
    if isinstance(src, np.generic):
        src = src.item()
    return _out(apply(Scatter, input, index, src, dim=d, reduce=reduce), out)


def scatter_add(input, dim, index, src, *, out=None):
    from .elementwise import _out
    if src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _scatter_args("scatter_add", input, dim, index, src)
    return _out(apply(ScatterAdd, input, index, src, dim=d), out)


class ScatterReduce(Op):
    name = "scatter_reduce"
    _bw_name = "ScatterReduceBackward0"

    def forward(self, a, index, src, dim, reduce, include_self):
        self.p = (dim, reduce, include_self)
        self.index = index
        a0 = a.reshape(1) if a.ndim == 0 else a
        key = _grid(index, dim) if index.ndim else (index.reshape(1),)
        v = _sub(src.reshape(src.shape or (1,)), index.shape or (1,)).astype(a.dtype,
                                                                               copy=False)
        self.key = key
        out = a0.copy()
        touched = np.zeros(a0.shape, dtype=bool)
        touched[key] = True
        self.touched = touched
        if not include_self:
            ident = {"sum": 0, "mean": 0, "prod": 1,
                     "amax": _lowest(a.dtype), "amin": _highest(a.dtype)}[reduce]
            out[touched] = ident
        if reduce in ("sum", "mean"):
            np.add.at(out, key, v)
            if reduce == "mean":
                cnt = np.zeros(a0.shape, dtype=np.int64)
                np.add.at(cnt, key, 1)
                if include_self:
                    cnt += 1
                cnt = np.maximum(cnt, 1)
                self.count = cnt
                if _dt.np_is_floating(out.dtype):
                    out = (out / cnt).astype(out.dtype)
                else:
                    out = np.floor_divide(out, cnt).astype(out.dtype)
        elif reduce == "prod":
            np.multiply.at(out, key, v)
        elif reduce == "amax":
            np.maximum.at(out, key, v)
        else:
            np.minimum.at(out, key, v)
        return out.reshape(a.shape)

    def backward(self, g):
        from .creation import zeros
        dim, reduce, include_self = self.p
        idx = _c(self.index, g)
        touched = _c(self.touched.reshape(self._in_meta[0][0]), g)
        a, src = self._saved_in
        out = self._saved_out
        gi = gs = None
        if reduce == "sum":
            gi = g if include_self else g.masked_fill(touched, 0)
            gs = apply(Gather, g, idx, dim=dim)
        elif reduce == "mean":
            cnt = _c(self.count.reshape(self._in_meta[0][0]).astype(g._dtype.np), g)
            gc = g / cnt
            gi = gc if include_self else gc.masked_fill(touched, 0)
            gs = apply(Gather, gc, idx, dim=dim)
        elif reduce == "prod":
            go = g * out
            gi = go / a if include_self else g.masked_fill(touched, 0)
            gs = apply(Gather, go, idx, dim=dim) / src
        else:  # amax / amin: gradient shared evenly between the tied values
            eq_self = (a == out).to(g.dtype)
            if not include_self:
                eq_self = eq_self.masked_fill(touched, 0)
            src_sub = src if tuple(src.shape) == tuple(idx.shape) else src[
                tuple(slice(0, s) for s in idx.shape)]
            eq_src = (src_sub == apply(Gather, out, idx, dim=dim)).to(g.dtype)
            z = zeros(self._in_meta[0][0], dtype=g.dtype, device=g.device)
            cnt = eq_self + apply(ScatterAdd, z, idx, eq_src, dim=dim)
            gd = g / cnt.masked_fill(cnt == 0, 1)
            gi = gd * eq_self
            gs = apply(Gather, gd, idx, dim=dim) * eq_src
        if gs is not None:
            gs = _pad_to(gs, self._in_meta[2][0])
        return gi, None, gs


def _lowest(dt):
    return -np.inf if _dt.np_is_floating(dt) else (np.iinfo(dt).min if dt.kind in "iu" else False)


def _highest(dt):
    return np.inf if _dt.np_is_floating(dt) else (np.iinfo(dt).max if dt.kind in "iu" else True)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    from .elementwise import _out
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    if src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _scatter_args("scatter_reduce", input, dim, index, src)
    r = apply(ScatterReduce, input, index, src, dim=d, reduce=reduce, include_self=include_self)
    node = r._grad_fn
    if node is not None:
        # kept with their graphs so that double backward (prod) differentiates through them
        # (a clone of input: the in-place form overwrites it)
        node._saved_in = (input.clone() if reduce in ("prod", "amax", "amin") else None, src)
        node._saved_out = r
    return _out(r, out)


# --- index_select / index_add / index_copy / index_fill ----------------------------------------

def _check_index_dim(name, input, dim, index):
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    idx = _idx_np(index, name)
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError("index out of range in self" if name == "index_select" else
                         f"{name}(): index {bad} is out of bounds for dimension {d} with size "
                         f"{n}")
    return d, idx.reshape(-1)


class IndexSelect(Op):
    name = "index_select"

    def forward(self, a, dim, index):
        self.p = (dim, index)
        if a.ndim == 0:
            return a.reshape(1)[index].reshape(())
        return np.take(a, index, axis=dim)

    def backward(self, g):
        from .creation import zeros
        dim, index = self.p
        z = zeros(self._in_meta[0][0], dtype=g.dtype, device=g.device)
        return (apply(IndexAdd, z, g, dim=dim, index=index, alpha=1),)


def index_select(input, dim, index, *, out=None):
    from .elementwise import _out
    d, idx = _check_index_dim("index_select", input, dim, index)
    if input._data.ndim == 0:
        idx = idx.reshape(index._data.shape)
    return _out(apply(IndexSelect, input, dim=d, index=idx), out)


def _dim_key(dim, index):
    return (slice(None),) * dim + (index,)


class IndexAdd(Op):
    name = "index_add"
    promote = None

    def forward(self, a, src, dim, index, alpha):
        self.p = (dim, index, alpha)
        out = a.copy()
        v = src * alpha if alpha != 1 else src
        if out.ndim == 0:
            np.add.at(out.reshape(1), index, np.asarray(v).reshape(-1).astype(a.dtype))
            return out
        np.add.at(out, _dim_key(dim, index), v.astype(a.dtype, copy=False))
        return out

    def backward(self, g):
        dim, index, alpha = self.p
        gs = None
        if self.next_functions[1][0] is not None:
            gs = apply(IndexSelect, g, dim=dim, index=index)
            if alpha != 1:
                gs = gs * alpha
        return g, gs


def _amp_casts(op, t) -> bool:
    from ..amp.autocast_mode import casts
    return casts(op, t)


def _check_source(name, input, d, idx, source):
    ishape, sshape = input._data.shape, source._data.shape
    if len(ishape) != len(sshape) and not (len(ishape) <= 1 and len(sshape) <= 1):
        raise IndexError(f"{name}(): Source/destination tensor must have same slice shapes")
    for i in range(len(ishape)):
        want = idx.size if i == d else ishape[i]
        have = sshape[i] if i < len(sshape) else 1
        if have != want:
            if i == d:
                raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal "
                                   f"to source.size(dim) ({have})")
            raise RuntimeError(f"{name}(): Source/destination tensor must have same slice "
                               "shapes")
    if source._dtype is not input._dtype and not _amp_casts(name, input):
        raise RuntimeError(f"{name}(): self ({_tn(input)}) and source ({_tn(source)}) must "
                           "have the same scalar type")


def _tn(t):
    from .registry import _type_name
    return _type_name(t._dtype)


def index_add(input, dim, index, source, *, alpha=1, out=None):
    from .elementwise import _out
    d, idx = _check_index_dim("index_add", input, dim, index)
    _check_source("index_add", input, d, idx, source)
    return _out(apply(IndexAdd, input, source, dim=d, index=idx, alpha=alpha), out)


class IndexCopy(Op):
    name = "index_copy"

    def forward(self, a, src, dim, index):
        self.p = (dim, index)
        out = a.copy()
        if out.ndim == 0:
            out.reshape(1)[index] = np.asarray(src).reshape(-1)
            return out
        out[_dim_key(dim, index)] = src
        return out

    def backward(self, g):
        dim, index = self.p
        gi = apply(IndexFill, g, 0, dim=dim, index=index)
        gs = apply(IndexSelect, g, dim=dim, index=index) \
            if self.next_functions[1][0] is not None else None
        return gi, gs


def index_copy(input, dim, index, source, *, out=None):
    from .elementwise import _out
    d, idx = _check_index_dim("index_copy", input, dim, index)
    _check_source("index_copy", input, d, idx, source)
    return _out(apply(IndexCopy, input, source, dim=d, index=idx), out)


class IndexFill(Op):
    name = "index_fill"

    def forward(self, a, value, dim, index):
        self.p = (dim, index)
        out = a.copy()
        v = value.reshape(()) if isinstance(value, _ndarray) else value
        if out.ndim == 0:
            out.reshape(1)[index] = v
            return out
        out[_dim_key(dim, index)] = v
        return out

    def backward(self, g):
        dim, index = self.p
        gi = apply(IndexFill, g, 0, dim=dim, index=index)
        gv = None
        if len(self.next_functions) > 1 and self.next_functions[1][0] is not None:
            gv = apply(IndexSelect, g, dim=dim, index=np.unique(_wrap_neg(
                index, self._in_meta[0][0][dim] if self._in_meta[0][0] else 1))).sum()
        return gi, gv


def index_fill(input, dim, index, value):
    d, idx = _check_index_dim("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    return apply(IndexFill, input, value, dim=d, index=idx)


def index_put(input, indices, values, accumulate=False):
    key = _adv_key(tuple(indices), input._data.shape)
    values = _value_arg(input, values)
    return apply(IndexPut, input, values, key=key, accumulate=accumulate)


def index_put_(input, indices, values, accumulate=False):
    key = _adv_key(tuple(indices), input._data.shape)
    values = _value_arg(input, values)
    return apply_inplace(IndexPut, input, values, key=key, accumulate=accumulate)


# --- masked ops ---------------------------------------------------------------------------------

def _mask_np(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor")
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name}: expected BoolTensor for mask")
    return m


class MaskedFill(Op):
    name = "masked_fill"

    def forward(self, a, value, mask):
        self.mask = mask
        v = value.reshape(()) if isinstance(value, _ndarray) else value
        if isinstance(v, _ndarray):
            v = v.astype(a.dtype)
        elif a.dtype.kind in "iub" and isinstance(v, float) and a.dtype.kind != "b":
            v = int(v)
        return np.where(mask, v, a).astype(a.dtype, copy=False)

    def backward(self, g):
        m = _c(self.mask, g)
        gi = apply(MaskedFill, g, 0, mask=self.mask)
        gv = None
        if len(self.next_functions) > 1 and self.next_functions[1][0] is not None:
            gv = (g * m.to(g.dtype)).sum()
        return gi, gv


def masked_fill(input, mask, value):
    m = _mask_np(mask, "masked_fill_")
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    try:
        shape = np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input._data.shape[-1]}) must match the "
                           f"size of tensor b ({m.shape[-1]}) at non-singleton dimension "
                           f"{input._data.ndim - 1}") from None
    if shape != input._data.shape:
        input = input.expand(shape)
    return apply(MaskedFill, input, value, mask=m)


def masked_fill_(input, mask, value):
    m = _mask_np(mask, "masked_fill_")
    if np.broadcast_shapes(m.shape, input._data.shape) != input._data.shape:
        raise RuntimeError(f"masked_fill_ on a tensor of shape {list(input._data.shape)} can't "
                           f"broadcast mask of shape {list(m.shape)}")
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    return apply_inplace(MaskedFill, input, value, mask=m)


def masked_select(input, mask, *, out=None):
    from .elementwise import _out
    m = _mask_np(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input._data.shape[-1]}) must match the "
                           f"size of tensor b ({m.shape[-1]}) at non-singleton dimension "
                           f"{input._data.ndim - 1}") from None
    if shape != input._data.shape:
        input = input.expand(shape)
    if m.shape != shape:
        m = np.broadcast_to(m, shape)
    if not shape:
        input = input.reshape(1)
        m = m.reshape(1)
    return _out(apply(Index, input, key=(m,)), out)


class MaskedScatter(Op):
    name = "masked_scatter"

    def forward(self, a, src, mask):
        self.mask = mask
        out = a.copy()
        n = int(mask.sum())
        if n > src.size:
            raise RuntimeError("masked_scatter: expected source to have at least as many "
                               "elements as ones in mask")
        m = np.broadcast_to(mask, a.shape)
        self.m = m
        out[m] = src.reshape(-1)[:n]
        return out

    def backward(self, g):
        from .creation import zeros
        gi = apply(MaskedFill, g, 0, mask=self.m)
        gs = None
        if self.next_functions[1][0] is not None:
            sshape = self._in_meta[1][0]
            sel = apply(Index, g, key=(self.m,)) if g._data.ndim else g.reshape(1)[
                _c(self.m.reshape(1), g)]
            total = int(np.prod(sshape, dtype=np.int64))
            rest = total - sel._data.size
            if rest:
                sel = cat([sel, zeros(rest, dtype=g.dtype, device=g.device)])
            gs = sel.reshape(sshape)
        return gi, gs


def masked_scatter(input, mask, source):
    m = _mask_np(mask, "masked_scatter_")
    try:
        shape = np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise RuntimeError("masked_scatter: mask and input shapes are not broadcastable") \
            from None
    if shape != input._data.shape:
        input = input.expand(shape)
    if source._dtype is not input._dtype:
        raise RuntimeError("masked_scatter_: expected self and source to have same dtypes but "
                           f"got {_tn(input)} and {_tn(source)}")
    if m.shape != shape:
        m = np.broadcast_to(m, shape)
    return apply(MaskedScatter, input, source, mask=m)


def masked_scatter_(input, mask, source):
    m = _mask_np(mask, "masked_scatter_")
    if source._dtype is not input._dtype:
        raise RuntimeError("masked_scatter_: expected self and source to have same dtypes but "
                           f"got {_tn(input)} and {_tn(source)}")
    return apply_inplace(MaskedScatter, input, source, mask=m)


# --- take / put ---------------------------------------------------------------------------------

def take(input, index):
    idx = _idx_np(index, "take")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return apply(Index, input.reshape(-1), key=(idx,))


def take_along_dim(input, indices, dim=None, *, out=None):
    from .elementwise import _out
    if dim is None:
        return _out(take(input, indices.reshape(-1)), out)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    ish = list(input._data.shape)
    xsh = list(indices._data.shape)
    if len(ish) != len(xsh):
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {len(ish)} dimensions for input, "
                           f"and {len(xsh)} dimensions for indices")
    a_sh, i_sh = list(ish), list(xsh)
    a_sh[d] = 1
    i_sh[d] = 1
    b = list(np.broadcast_shapes(tuple(a_sh), tuple(i_sh)))
    bi, bx = list(b), list(b)
    bi[d] = ish[d]
    bx[d] = xsh[d]
    inp = input.expand(bi) if tuple(bi) != tuple(ish) else input
    idx = indices._data
    if tuple(bx) != tuple(xsh):
        idx = np.broadcast_to(idx, bx)
    idx = _wrap_neg(idx, ish[d])
    return _out(apply(Gather, inp, _c(np.ascontiguousarray(idx), input), dim=d), out)


class Put(Op):
    name = "put"

    def forward(self, a, src, index, accumulate):
        self.p = (index, accumulate)
        out = a.copy()
        flat = out.reshape(-1)
        v = src.reshape(-1).astype(a.dtype, copy=False)
        if accumulate:
            np.add.at(flat, index.reshape(-1), v)
        else:
            flat[index.reshape(-1)] = v
        return out

    def backward(self, g):
        index, accumulate = self.p
        gi = g if accumulate else apply(Put, g, _c(np.zeros(index.size, g._dtype.np), g),
                                        index=index, accumulate=False)
        gs = None
        if self.next_functions[1][0] is not None:
            gs = apply(Index, g.reshape(-1), key=(index.reshape(-1),)).reshape(
                self._in_meta[1][0])
        return gi, gs


def _put_args(input, index, source):
    idx = _idx_np(index, "put")
    n = input._data.size
    if idx.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source._data.size}, "
                           f"index.numel() = {idx.size}")
    if source._dtype is not input._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_tn(input)} and source.dtype = {_tn(source)}")
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return idx


def put(input, index, source, accumulate=False):
    idx = _put_args(input, index, source)
    return apply(Put, input, source, index=idx, accumulate=accumulate)


def put_(input, index, source, accumulate=False):
    idx = _put_args(input, index, source)
    return apply_inplace(Put, input, source, index=idx, accumulate=accumulate)


# --- triangles and diagonals -----------------------------------------------------------------

class Tril(Op):
    name = "tril"

    def forward(self, a, diagonal, upper):
        self.p = (diagonal, upper)
        return np.triu(a, diagonal) if upper else np.tril(a, diagonal)

    def backward(self, g):
        return (apply(Tril, g, diagonal=self.p[0], upper=self.p[1]),)


def tril(input, diagonal=0, *, out=None):
    from .elementwise import _out
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _out(apply(Tril, input, diagonal=int(diagonal), upper=False), out)


def triu(input, diagonal=0, *, out=None):
    from .elementwise import _out
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    r = apply(Tril, input, diagonal=int(diagonal), upper=True)
    if r._grad_fn is not None:
        r._grad_fn._bw_name = "TriuBackward0"
    return _out(r, out)


class DiagEmbed(Op):
    name = "diag_embed"

    def forward(self, a, offset, dim1, dim2):
        from .shape import _diag_view
        self.p = (offset, dim1, dim2)
        n = a.shape[-1] + abs(offset)
        nd = a.ndim + 1
        rest = list(a.shape[:-1])
        shape = [0] * nd
        for i in range(nd):
            if i == dim1 or i == dim2:
                shape[i] = n
            else:
                shape[i] = rest.pop(0)
        out = np.zeros(shape, dtype=a.dtype)
        _diag_view(out, offset, dim1, dim2)[...] = a
        return out

    def backward(self, g):
        from .shape import Diagonal
        off, d1, d2 = self.p
        return (apply(Diagonal, g, offset=off, dim1=d1, dim2=d2),)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DiagEmbed, input, offset=int(offset), dim1=d1, dim2=d2)


def diag(input, diagonal=0, *, out=None):
    from .elementwise import _out
    from .shape import diagonal as _diagonal
    nd = input._data.ndim
    if nd == 1:
        return _out(diag_embed(input, diagonal, 0, 1), out)
    if nd == 2:
        return _out(_diagonal(input, diagonal).clone(), out)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + str(nd) + "D")


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset, 0, 1)


@autocast_composite("trace")
def trace(input):
    from .shape import diagonal as _diagonal
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return _diagonal(input).sum()


# --- broadcasting helpers / meshgrid ------------------------------------------------------------

def broadcast_shapes(*shapes):
    from .._tensor import Size
    norm = []
    for s in shapes:
        if isinstance(s, int):
            s = (s,)
        norm.append(tuple(int(x) for x in s))
    try:
        return Size(np.broadcast_shapes(*norm))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") \
            from None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    except ValueError:
        raise RuntimeError("The size of tensors do not match and cannot be broadcast") \
            from None
    return tuple(t.expand(shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.shape[0] for t in ts)
    n = len(ts)
    out = []
    for i, t in enumerate(ts):
        sh = [1] * n
        sh[i] = shape[i]
        out.append(t.reshape(sh).expand(shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


# --- nonzero ----------------------------------------------------------------------------------

def nonzero(input, *, out=None, as_tuple=False):
    a = input._data
    if as_tuple:
        if a.ndim == 0:
            return (_c(np.zeros(int(a != 0), dtype=np.int64), input),)
        return tuple(_c(x.astype(np.int64), input) for x in np.nonzero(a))
    r = _c(np.argwhere(a).astype(np.int64), input)
    if out is not None:
        from .elementwise import _out
        return _out(r, out)
    return r


def argwhere(input):
    return _c(np.argwhere(input._data).astype(np.int64), input)


def _where_cond(condition):
    """``torch.where(condition)``: the one-argument form (``nonzero(as_tuple=True)``)."""
    return nonzero(condition, as_tuple=True)


__all__ += [
    "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack",
    "column_stack", "flip", "fliplr", "flipud", "roll", "rot90", "repeat_interleave", "tile",
    "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
    "index_copy", "index_fill", "index_put", "index_put_", "masked_fill", "masked_select",
    "masked_scatter", "take", "take_along_dim", "put", "tril", "triu", "diag", "diag_embed",
    "diagflat", "trace", "broadcast_shapes", "broadcast_tensors", "meshgrid", "nonzero",
    "argwhere",
]


# --- Tensor methods ---------------------------------------------------------------------------

def _inplace_of(fn):
    def method(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        node = r._grad_fn
        cls = type(node) if node is not None else None
        del cls
        return _copy_into(self, r)
    return method


def _copy_into(self, r):
    """Writes the out-of-place result ``r`` (computed from ``self``) into ``self``."""
    from .registry import _rebase_history, _write
    _check_inplace(self)
    _write(self, r._data, r._dtype)
    if r._requires_grad and _Mode.grad_enabled:
        _rebase_history(self, r)
    return self


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return _copy_into(self, scatter(self, dim, index, src, value=value, reduce=reduce))


for _n in ["flip", "fliplr", "flipud", "roll", "rot90", "repeat_interleave", "tile", "repeat",
           "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "index_put", "index_put_", "masked_fill",
           "masked_fill_", "masked_select", "masked_scatter", "masked_scatter_", "take",
           "take_along_dim", "put", "put_", "tril", "triu", "diag", "diag_embed", "diagflat",
           "trace", "nonzero", "argwhere"]:
    setattr(Tensor, _n, globals()[_n])

Tensor.scatter_ = _scatter_
Tensor.scatter_add_ = _inplace_of(scatter_add)
Tensor.scatter_reduce_ = _inplace_of(scatter_reduce)
Tensor.index_add_ = _inplace_of(index_add)
Tensor.index_copy_ = _inplace_of(index_copy)
Tensor.index_fill_ = _inplace_of(index_fill)
Tensor.tril_ = _inplace_of(tril)
Tensor.triu_ = _inplace_of(triu)
