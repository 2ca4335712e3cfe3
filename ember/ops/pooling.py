"""Pooling: max / avg / adaptive / lp pooling (1-3d) and max_unpool.

* Max pooling copies the (-inf padded) input's sliding windows once into
  ``(N, C, *out, K)`` and takes ``argmax`` (first maximum, NaN wins: torch's rule).  The
  backward is ``MaxPoolBackward``: with non-overlapping windows (the CNN's 2x2/2) a single
  broadcast compare against the saved window-local argmax; otherwise a ``bincount``
  scatter of the flat indices.  Its own backward is a gather (``IndexGather``), whose
  backward is the scatter again, so double backward works.
* Average pooling (plain and adaptive) is a *separable* linear map: one small matrix per
  spatial dim (the window weights, divisors included: ``count_include_pad``, ``ceil_mode``
  and ``divisor_override`` all factor per dim).  ``SepLinear`` applies them with GEMMs and
  its backward is the same op with the transposed matrices (vision.py reuses it for
  linear/bilinear/bicubic/trilinear interpolation).
"""

from __future__ import annotations

import math as _m

import numpy as np

from .. import dtypes as _dt
from .registry import Op, apply

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "lp_pool1d",
    "lp_pool2d", "lp_pool3d",
]

_as_strided = np.lib.stride_tricks.as_strided


_HALF = _dt.HALF_NP


def _need(node, i) -> bool:
    return node.next_functions[i][0] is not None


def _ntuple(v, n, name="kernel_size"):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(f"max_pool{n}d: {name} must either be a single int, or a tuple of "
                           f"{n} ints")
    return v


def _lowest(dt):
    if _dt.np_is_floating(dt):
        return -np.inf
    if dt.kind == "b":
        return False
    return np.iinfo(dt).min


# --- scatter / gather by flat spatial index -----------------------------------------------

def _scatter(g, idx, sp, accumulate):
    """``out[n, c, idx[n, c, j]] (+)= g[n, c, j]`` with ``out`` of spatial shape ``sp``."""
    lead = idx.shape[:2]
    nc = lead[0] * lead[1]
    hw = _m.prod(sp)
    gi = g.reshape(nc, -1)
    ii = idx.reshape(nc, -1)
    if accumulate:
        flat = (ii + (np.arange(nc, dtype=np.int64) * hw)[:, None]).ravel()
        w = gi.ravel()
        out = np.bincount(flat, weights=w if w.dtype == np.float64 else w.astype(np.float64),
                          minlength=nc * hw)
        out = out.astype(g.dtype, copy=False)
    else:
        out = np.zeros((nc, hw), g.dtype)
        np.put_along_axis(out, ii, gi, axis=1)
    return out.reshape(lead + tuple(sp))


def _gather(x, idx):
    nc = idx.shape[0] * idx.shape[1]
    out = np.take_along_axis(x.reshape(nc, -1), idx.reshape(nc, -1), axis=1)
    return out.reshape(idx.shape)


# the torch op a SepLinear / IndexScatter call stands for, by the grad_fn name it records:
# autocast's name for the call (torch's CPU float32 list has the 3-d pools and the unpools)
_AMP_NAMES = {f"{bw}{nd}DBackward0": f"{op}{nd}d" for nd in (1, 2, 3) for bw, op in (
    ("AvgPool", "avg_pool"), ("AdaptiveAvgPool", "adaptive_avg_pool"),
    ("MaxUnpool", "max_unpool"))}


def _amp_name_by_bw(params):
    return _AMP_NAMES.get(params.get("bw_name"))


class IndexScatter(Op):
    """max-pool backward (``accumulate``) / max_unpool forward (assignment)."""

    name = "_pool_index_scatter"
    amp_name = staticmethod(_amp_name_by_bw)

    def forward(self, g, idx, sp, accumulate=True, fast=None, bw_name=None):
        if bw_name is not None:
            self._bw_name = bw_name
        self.idx = idx
        self.fast = fast
        self.sp = sp
        if fast is not None:
            return _fast_scatter(g, fast, sp)
        gw = g.astype(np.float32) if g.dtype in _HALF else g
        out = _scatter(gw, idx, sp, accumulate)
        return out.astype(g.dtype, copy=False)

    def backward(self, gg):
        idx = self.idx
        if idx is None:
            li, ks, out_sp = self.fast
            idx = MaxPool._flat_index(li, ks, ks, (0,) * len(ks), (1,) * len(ks), out_sp,
                                      self.sp)
        return (apply(IndexGather, gg, idx=idx),)


class IndexGather(Op):
    name = "_pool_index_gather"

    def forward(self, x, idx, bw_name=None):
        if bw_name is not None:
            self._bw_name = bw_name
        self.idx = idx
        return _gather(x, idx)

    def backward(self, g):
        return (apply(IndexScatter, g, idx=self.idx, sp=self._in_meta[0][0][2:]),)


def _first_max(views, out):
    """Index of the first window element equal to the max (torch's tie rule), int8."""
    it = np.int8 if len(views) <= 127 else np.int32
    li = np.zeros(out.shape, it)
    rem = np.ones(out.shape, bool)
    nan_out = np.isnan(out) if _dt.np_is_floating(out.dtype) else None
    if nan_out is not None and not nan_out.any():
        nan_out = None
    for j, vk in enumerate(views):
        eq = vk == out
        if nan_out is not None:
            eq |= np.isnan(vk) & nan_out
        eq &= rem
        rem ^= eq
        if j:
            li += eq.view(np.int8).astype(it) * it(j) if it is not np.int8 \
                else eq.view(np.int8) * np.int8(j)
    return li


def _fast_scatter(g, fast, sp):
    """Non-overlapping windows (stride == kernel, no padding/dilation): one masked write
    per window position into a strided view of the gradient."""
    li, ks, osp = fast
    n, c = g.shape[:2]
    full = tuple(o * k for o, k in zip(osp, ks))
    out = np.zeros((n, c) + tuple(sp), g.dtype)
    inner = out[(Ellipsis,) + tuple(slice(0, f) for f in full)]
    shp = (n, c)
    for o, k in zip(osp, ks):
        shp += (o, k)
    v = inner.reshape(shp) if inner.flags.c_contiguous else None
    if v is not None and g.dtype in _HALF:
        # half types: move the gradient's bit patterns (a native uint16 multiply by the
        # 0/1 mask) instead of ml_dtypes' slow float16/bfloat16 arithmetic
        g, v = g.view(np.uint16), v.view(np.uint16)
    for j, kk in enumerate(np.ndindex(*ks)):
        sel = (slice(None), slice(None))
        for k in kk:
            sel += (slice(None), k)
        if v is not None:
            np.multiply(g, li == j, out=v[sel])
        else:
            tgt = (slice(None), slice(None)) + tuple(slice(k, f, kd) for k, f, kd in
                                                     zip(kk, full, ks))
            out[tgt] = g * (li == j)
    return out


# --- max pooling ----------------------------------------------------------------------------

def _pool_out(size, k, s, p, d, ceil):
    num = size + 2 * p - d * (k - 1) - 1
    if ceil:
        o = -(-num // s) + 1
        if (o - 1) * s >= size + p:
            o -= 1
    else:
        o = num // s + 1
    return o


class MaxPool(Op):
    name = "max_pool"

    @staticmethod
    def amp_name(params):  # torch's op of the call, for autocast's lists
        nd = len(params["ks"])
        return f"max_pool{nd}d_with_indices" if params["with_indices"] else f"max_pool{nd}d"

    def forward(self, x, ks, stride, pad, dil, out_sp, with_indices):
        if x.dtype in _HALF:
            # NumPy has no native float16/bfloat16 compare loops (ml_dtypes' are ~10x
            # slower than float32's): select in float32; the maxima are input values, so
            # casting them back is exact
            res = self.forward(x.astype(np.float32), ks, stride, pad, dil, out_sp,
                               with_indices)
            if with_indices:
                return res[0].astype(x.dtype), res[1]
            return res.astype(x.dtype)
        nd = len(ks)
        self._bw_name = f"MaxPool{nd}DWithIndicesBackward0"
        n, c = x.shape[:2]
        sp = x.shape[2:]
        self.sp = sp
        nonover = (all(p == 0 for p in pad) and all(d == 1 for d in dil)
                   and tuple(ks) == tuple(stride))
        if nonover:
            # running max over the K strided window views: no window copy
            xc = x[(Ellipsis,) + tuple(slice(0, o * k) for o, k in zip(out_sp, ks))]
            shp = (n, c)
            for o, k in zip(out_sp, ks):
                shp += (o, k)
            v = xc.reshape(shp)
            views = []
            for kk in np.ndindex(*ks):
                sel = (slice(None), slice(None))
                for k in kk:
                    sel += (slice(None), k)
                views.append(v[sel])
            out = views[0].copy()
            for vk in views[1:]:
                np.maximum(out, vk, out=out)  # propagates NaN, as torch
            li = _first_max(views, out)
            self.fast = (li, ks, out_sp)
            self.idx = None
            if with_indices:
                idx = self._flat_index(li, ks, stride, pad, dil, out_sp, sp)
                self.idx = idx
                return out, idx
            return out
        hi = [max((o - 1) * s + d * (k - 1) + 1 - size - p, 0)
              for o, s, d, k, size, p in zip(out_sp, stride, dil, ks, sp, pad)]
        if any(pad) or any(hi):
            xp = np.full((n, c) + tuple(s + p + h for s, p, h in zip(sp, pad, hi)),
                         _lowest(x.dtype), x.dtype)
            xp[(Ellipsis,) + tuple(slice(p, p + s) for s, p in zip(sp, pad))] = x
        else:
            xp = x
        st = xp.strides
        view = _as_strided(xp, (n, c) + tuple(out_sp) + tuple(ks),
                           st[:2] + tuple(a * s for a, s in zip(st[2:], stride))
                           + tuple(a * d for a, d in zip(st[2:], dil)), writeable=False)
        win = view.reshape((n, c) + tuple(out_sp) + (-1,))
        li = win.argmax(-1)
        out = np.take_along_axis(win, li[..., None], -1)[..., 0]
        self.fast = (li, ks, out_sp) if nonover else None
        need_idx = with_indices or not nonover
        idx = None
        if need_idx:
            idx = self._flat_index(li, ks, stride, pad, dil, out_sp, sp)
        self.idx = idx
        if with_indices:
            return out, idx
        return out

    @staticmethod
    def _flat_index(li, ks, stride, pad, dil, out_sp, sp):
        nd = len(ks)
        kc = np.unravel_index(li, ks)
        flat = None
        for i in range(nd):
            shape = [1] * (li.ndim)
            shape[2 + i] = out_sp[i]
            o = np.arange(out_sp[i], dtype=np.int64).reshape(shape)
            coord = o * stride[i] - pad[i] + kc[i].astype(np.int64) * dil[i]
            flat = coord if flat is None else flat * sp[i] + coord
        return np.ascontiguousarray(flat, dtype=np.int64)

    def backward(self, g, *_):
        return (apply(IndexScatter, g, idx=self.idx, sp=self.sp, fast=self.fast,
                      bw_name=f"MaxPool{len(self.sp)}DWithIndicesBackwardBackward0"),)


def _batchify(input, nd, name):
    x = input._data
    if x.ndim == nd + 1:
        return input.unsqueeze(0), True
    if x.ndim == nd + 2:
        return input, False
    return None, None


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    ks = _ntuple(kernel_size, nd)
    st = ks if (stride is None or (not isinstance(stride, int) and len(stride) == 0)) \
        else _ntuple(stride, nd, "stride")
    pad = _ntuple(padding, nd, "padding")
    dil = _ntuple(dilation, nd, "dilation")
    x, unb = _batchify(input, nd, "max_pool")
    shape = input._data.shape
    if x is None or (nd > 1 and any(s == 0 for s in shape[-nd - 1:])):
        if nd == 1:
            raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got "
                               f"{list(shape)}")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected "
                           "for input")
    if any(k <= 0 for k in ks):
        raise RuntimeError(f"max_pool{nd}d kernel_size must be greater than zero, but got "
                           f"{list(ks)}" if nd != 1 else
                           f"max_pool1d() kernel_size must be greater than zero, but got "
                           f"{ks[0]}")
    if any(s <= 0 for s in st):
        raise RuntimeError(f"max_pool{nd}d stride must be greater than zero, but got "
                           f"{list(st)}")
    if any(p < 0 for p in pad):
        raise RuntimeError(f"max_pool{nd}d padding must be non-negative, but got {list(pad)}")
    if any(d <= 0 for d in dil):
        raise RuntimeError(f"max_pool{nd}d dilation must be greater than zero, but got "
                           f"{list(dil)}")
    if any(p > k // 2 for p, k in zip(pad, ks)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad[0] if nd == 1 else list(pad)}, kernel_size="
                           f"{ks[0] if nd == 1 else list(ks)} and dilation="
                           f"{dil[0] if nd == 1 else list(dil)}"
                           if nd != 2 else
                           f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad[0]}, kernel_size={ks[0]} and dilation={dil[0]}")
    sp = x._data.shape[2:]
    osp = tuple(_pool_out(s, k, t, p, d, ceil_mode)
                for s, k, t, p, d in zip(sp, ks, st, pad, dil))
    if any(o <= 0 for o in osp):
        ins = "x".join(str(s) for s in x._data.shape[1:])
        outs = "x".join(str(s) for s in (x._data.shape[1],) + osp)
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({outs}). "
                           "Output size is too small")
    res = apply(MaxPool, x, ks=ks, stride=st, pad=pad, dil=dil, out_sp=osp,
                with_indices=return_indices)
    if unb:
        if return_indices:
            return res[0].squeeze(0), res[1].squeeze(0)
        return res.squeeze(0)
    return res


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- max_unpool -------------------------------------------------------------------------------

def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    ks = _ntuple(kernel_size, nd)
    st = ks if stride is None else _ntuple(stride, nd, "stride")
    pad = _ntuple(padding, nd, "padding")
    shape = input._data.shape
    default = [(shape[-nd + d] - 1) * st[d] + ks[d] - 2 * pad[d] for d in range(nd)]
    if output_size is None:
        osz = default
    else:
        output_size = [int(s) for s in output_size]
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - st[d], default[d] + st[d]
            if not (lo < output_size[d] < hi):
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be '
                                 f'between {lo} and {hi})')
        osz = output_size
    if indices._data.shape != shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(shape)}) but got indices tensor with shape: "
                           f"{list(indices._data.shape)}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {input._data.ndim} dimensions.")
    unb = input._data.ndim == nd + 1
    x = input.unsqueeze(0) if unb else input
    idx = indices._data.reshape(x._data.shape)
    tot = _m.prod(osz)
    if idx.size and (idx.min() < 0 or idx.max() >= tot):
        bad = int(idx.max()) if idx.max() >= tot else int(idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in osz)}")
    out = apply(IndexScatter, x, idx=np.ascontiguousarray(idx), sp=tuple(osz),
                accumulate=False, bw_name=f"MaxUnpool{nd}DBackward0")
    return out.squeeze(0) if unb else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# --- separable linear maps (avg pooling, interpolation) ---------------------------------------

def _apply_mats(x, mats):
    nd = len(mats)
    for i, M in enumerate(mats):
        if M is None:
            continue
        ax = x.ndim - nd + i
        pre = _m.prod(x.shape[:ax])
        post = _m.prod(x.shape[ax + 1:])
        s = x.shape[ax]
        o = M.shape[0]
        new_shape = x.shape[:ax] + (o,) + x.shape[ax + 1:]
        if post == 1:
            x = (x.reshape(pre, s) @ M.T).reshape(new_shape)
        elif pre == 1:
            x = (M @ x.reshape(s, post)).reshape(new_shape)
        else:
            x = np.matmul(M, x.reshape(pre, s, post)).reshape(new_shape)
    return x


class SepLinear(Op):
    """``out = x x_1 M_1 ... x_k M_k`` over the last ``k`` dims (``M_i``: (out_i, in_i))."""

    name = "_separable_linear"
    amp_name = staticmethod(_amp_name_by_bw)

    def forward(self, x, mats, bw_name=None):
        if bw_name is not None:
            self._bw_name = bw_name
        self.mats = mats
        dt = x.dtype
        xw = x.astype(np.float32) if dt in _HALF else x
        ms = tuple(None if M is None else M.astype(xw.dtype, copy=False) for M in mats)
        out = _apply_mats(xw, ms)
        if out is x:
            out = x.copy()
        return out.astype(dt, copy=False)

    def backward(self, g):
        mt = tuple(None if M is None else np.ascontiguousarray(M.T) for M in self.mats)
        return (apply(SepLinear, g, mats=mt),)


def _avg_mat(size, k, s, p, o, count_include_pad, override):
    M = np.zeros((o, size), np.float64)
    for i in range(o):
        start = i * s - p
        end = min(start + k, size + p)
        pool = end - start
        a, b = max(start, 0), min(end, size)
        if b <= a:
            continue
        if override:
            M[i, a:b] = 1.0
        else:
            M[i, a:b] = 1.0 / (pool if count_include_pad else (b - a))
    return M


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    ks = _ntuple(kernel_size, nd)
    st = ks if (stride is None or (not isinstance(stride, int) and len(stride) == 0)) \
        else _ntuple(stride, nd, "stride")
    pad = _ntuple(padding, nd, "padding")
    x, unb = _batchify(input, nd, "avg_pool")
    if x is None:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input" if nd > 1 else
                           f"avg_pool1d() Expected 2D or 3D input tensor, but got "
                           f"{list(input._data.shape)}")
    if input._data.dtype.kind in "iub":
        from .math import _not_impl
        _not_impl(f"avg_pool{nd}d", input._data)
    if nd == 3:  # torch's CPU avg_pool3d has no float16/bfloat16 kernel
        from .math import _no_half
        _no_half("avg_pool3d_out_frame", input, "avg_pool3d")
    if any(s <= 0 for s in st):
        raise RuntimeError("stride should not be zero")
    if any(p > k // 2 for p, k in zip(pad, ks)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad[0]}, kernel_size={ks[0]} and dilation=1"
                           if nd == 2 else "pad should be smaller than or equal to half of "
                           "kernel size")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    sp = x._data.shape[2:]
    osp = tuple(_pool_out(s, k, t, p, 1, ceil_mode) for s, k, t, p in zip(sp, ks, st, pad))
    if any(o <= 0 for o in osp):
        ins = "x".join(str(s) for s in x._data.shape[1:])
        outs = "x".join(str(s) for s in (x._data.shape[1],) + osp)
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({outs}). "
                           "Output size is too small")
    mats = [_avg_mat(s, k, t, p, o, count_include_pad, divisor_override)
            for s, k, t, p, o in zip(sp, ks, st, pad, osp)]
    if divisor_override:
        mats[0] = mats[0] / divisor_override
    out = apply(SepLinear, x, mats=tuple(mats), bw_name=f"AvgPool{nd}DBackward0")
    return out.squeeze(0) if unb else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# --- adaptive pooling ----------------------------------------------------------------------

def _adaptive_bounds(size, o):
    i = np.arange(o)
    start = (i * size) // o
    end = -((-(i + 1) * size) // o)
    return start, end


def _adaptive_mat(size, o):
    M = np.zeros((o, size), np.float64)
    start, end = _adaptive_bounds(size, o)
    for i in range(o):
        M[i, start[i]:end[i]] = 1.0 / (end[i] - start[i])
    return M


def _adaptive_size(nd, input, output_size, name):
    shape = input._data.shape
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) == 1 and nd > 1:
        output_size = output_size * nd
    if len(output_size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    return tuple(shape[-nd + i] if s is None else int(s) for i, s in enumerate(output_size))


def _adaptive_check(nd, input, name):
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"{name}(): Expected 2D or 3D tensor, but got {list(x.shape)}")
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(x.shape)}")
    for i in range(1, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(x.shape)} with "
                               f"dimension {i} being empty")


def _adaptive_avg(nd, input, output_size):
    name = f"adaptive_avg_pool{nd}d"
    _adaptive_check(nd, input, name)
    osz = _adaptive_size(nd, input, output_size, name)
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to "
                           f"0 but received {list(osz)}")
    sp = input._data.shape[-nd:]
    mats = tuple(_adaptive_mat(s, o) for s, o in zip(sp, osz))
    return apply(SepLinear, input, mats=mats, bw_name=f"AdaptiveAvgPool{nd}DBackward0")


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(3, input, output_size)


class AdaptiveMaxPool(Op):
    name = "adaptive_max_pool"

    @staticmethod
    def amp_name(params):  # torch's op of the call, for autocast's lists
        return f"adaptive_max_pool{len(params['out_sp'])}d"

    def forward(self, x, out_sp, with_indices):
        nd = len(out_sp)
        self._bw_name = f"AdaptiveMaxPool{nd}DBackward0"
        n, c = x.shape[:2]
        sp = x.shape[2:]
        self.sp = sp
        idxs = []
        kms = []
        for s, o in zip(sp, out_sp):
            start, end = _adaptive_bounds(s, o)
            km = int((end - start).max()) if o else 1
            ii = np.minimum(start[:, None] + np.arange(km), (end - 1)[:, None])
            idxs.append(ii)
            kms.append(km)
        # gather windows: (N, C, O1, K1, O2, K2, ...)
        index = []
        for i, ii in enumerate(idxs):
            shape = [1] * (2 * nd)
            shape[2 * i] = ii.shape[0]
            shape[2 * i + 1] = ii.shape[1]
            index.append(ii.reshape(shape))
        win = x[(slice(None), slice(None)) + tuple(index)]
        perm = [0, 1] + [2 + 2 * i for i in range(nd)] + [3 + 2 * i for i in range(nd)]
        win = win.transpose(perm).reshape((n, c) + tuple(out_sp) + (-1,))
        li = win.argmax(-1) if win.shape[-1] else np.zeros(win.shape[:-1], np.int64)
        out = np.take_along_axis(win, li[..., None], -1)[..., 0]
        kc = np.unravel_index(li, kms)
        flat = None
        for i in range(nd):
            shape = [1] * li.ndim
            shape[2 + i] = out_sp[i]
            ii = idxs[i]
            sel = ii[np.arange(out_sp[i]).reshape(shape), kc[i]]
            flat = sel if flat is None else flat * sp[i] + sel
        flat = np.ascontiguousarray(np.broadcast_to(flat, li.shape), dtype=np.int64)
        self.idx = flat
        return (out, flat) if with_indices else out

    def backward(self, g, *_):
        return (apply(IndexScatter, g, idx=self.idx, sp=self.sp,
                      bw_name=f"AdaptiveMaxPool{len(self.sp)}DBackwardBackward0"),)


def _adaptive_max(nd, input, output_size, return_indices):
    name = f"adaptive_max_pool{nd}d"
    _adaptive_check(nd, input, name)
    osz = _adaptive_size(nd, input, output_size, name)
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to "
                           f"0 but received {list(osz)}")
    x, unb = _batchify(input, nd, name)
    res = apply(AdaptiveMaxPool, x, out_sp=osz, with_indices=return_indices)
    if unb:
        if return_indices:
            return res[0].squeeze(0), res[1].squeeze(0)
        return res.squeeze(0)
    return res


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(3, input, output_size, True)


# --- lp pooling -----------------------------------------------------------------------------

def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    from .activation import relu
    ks = _ntuple(kernel_size, nd)
    if norm_type == float("inf"):
        return _max_pool(nd, input.abs(), kernel_size, stride, 0, 1, ceil_mode, False)
    if norm_type == -float("inf"):
        return -_max_pool(nd, -input.abs(), kernel_size, stride, 0, 1, ceil_mode, False)
    out = _avg_pool(nd, input.pow(norm_type), kernel_size, stride, 0, ceil_mode, True, None)
    return (out.sign() * relu(out.abs())).mul(_m.prod(ks)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)

