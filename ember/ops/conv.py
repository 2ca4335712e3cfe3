"""Convolutions (``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``) and ``unfold``/``fold``.

One N-d kernel serves every spatial rank.  The forward is im2col + one batched GEMM in
NC(spatial) layout: the padded input is viewed (``as_strided``) as
``(N, G, C/G, *kernel, *out)``, copied once into ``cols (N, G, K, L)`` and multiplied by
the weight ``(G, Cout/G, K)``, which yields the output directly in NCHW order (no
transposes).  The three linear maps of a convolution are registered ops, each the
others' adjoint, so every backward is itself differentiable:

* ``Convolution``        y  = conv(x, w)                       (im2col + GEMM)
* ``ConvBackwardInput``  gx = conv^T(g, w)                     (GEMM + col2im; also the
  forward of ``conv_transpose``)
* ``ConvBackwardWeight`` gw = sum_n g[n] @ cols[n]^T           (batched GEMM)

col2im scatters with one strided slice-add per kernel offset (``prod(kernel)`` NumPy
adds), never ``np.add.at``.
"""

from __future__ import annotations

import math as _m
from itertools import product as _product

import numpy as np

from .._tensor import Tensor
from .registry import Op, apply

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]

_as_strided = np.lib.stride_tricks.as_strided


def _half_types():
    from .. import dtypes as _dt
    return _dt.HALF_NP


_HALF = _half_types()


def _work(a):
    """Kernel dtype: half types compute in float32 (torch's CPU accumulation)."""
    return a.astype(np.float32) if a.dtype in _HALF else a


def _need(node, i) -> bool:
    return node.next_functions[i][0] is not None


# --- array kernels ------------------------------------------------------------------------

def _pad_arr(x, pads):
    """Zero-pad the spatial dims of ``x`` by ``pads = ((lo, hi), ...)`` (non-negative)."""
    for lo, hi in pads:
        if lo or hi:
            break
    else:
        return x
    nd = len(pads)
    shape = x.shape[:x.ndim - nd] + tuple(s + lo + hi for s, (lo, hi) in
                                          zip(x.shape[x.ndim - nd:], pads))
    out = np.zeros(shape, x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in
                            zip(x.shape[x.ndim - nd:], pads))] = x
    return out


def _out_size(sp, ks, stride, pads, dil):
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(sp, ks, stride, pads, dil))


def _im2col(x, ks, stride, pads, dil, groups, out_sp=None):
    """``(N, G, C/G * prod(ks), prod(out))`` columns of ``x`` (N, C, *spatial)."""
    xp = _pad_arr(x, pads)
    if out_sp is None:
        out_sp = _out_size(xp.shape[2:], ks, stride, ((0, 0),) * len(ks), dil)
    n, c = xp.shape[:2]
    cg = c // groups
    st = xp.strides
    sp_st = st[2:]
    view = _as_strided(
        xp, (n, groups, cg) + tuple(ks) + tuple(out_sp),
        (st[0], st[1] * cg, st[1]) + tuple(s * d for s, d in zip(sp_st, dil))
        + tuple(s * t for s, t in zip(sp_st, stride)),
        writeable=False)
    return view.reshape(n, groups, cg * _m.prod(ks), _m.prod(out_sp)), out_sp


def _col2im(cols, in_shape, ks, stride, pads, dil, groups, out_sp):
    """Adjoint of ``_im2col``: cols ``(N, G, K, L)`` summed back into ``in_shape``."""
    n, c = in_shape[:2]
    sp = in_shape[2:]
    cg = c // groups
    if (all(k == 1 for k in ks) and all(s == 1 for s in stride)
            and all(lo == 0 and hi == 0 for lo, hi in pads) and tuple(out_sp) == tuple(sp)):
        return cols.reshape(in_shape)
    cols = cols.reshape((n, groups, cg) + tuple(ks) + tuple(out_sp))
    covered = [st * (o - 1) + d * (k - 1) + 1 for st, o, d, k in zip(stride, out_sp, dil, ks)]
    psp = tuple(max(cv, s + lo) for cv, s, (lo, _) in zip(covered, sp, pads))
    out = np.zeros((n, groups, cg) + psp, cols.dtype)
    pre = (slice(None),) * 3
    for kk in _product(*[range(k) for k in ks]):
        dst = pre + tuple(slice(k * d, k * d + st * (o - 1) + 1, st)
                          for k, d, st, o in zip(kk, dil, stride, out_sp))
        out[dst] += cols[pre + kk]
    out = out.reshape((n, c) + psp)
    crop = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))
    if any(p != s for p, s in zip(psp, sp)):
        out = np.ascontiguousarray(out[crop])
    return out


def _wide_geo(sp, ks, pads, dil, out_sp):
    """Stride-1 "wide" layout: outputs live on the padded grid ``(O_1, P_2, ..., P_n)``
    so that every kernel offset is one flat shift of the padded input (long contiguous
    runs for the im2col copy and the col2im adds).  Returns (P, offsets, Lw, slack)."""
    P = tuple(max(s + lo + hi, o + d * (k - 1))
              for s, (lo, hi), o, d, k in zip(sp, pads, out_sp, dil, ks))
    S = [1] * len(P)
    for i in range(len(P) - 2, -1, -1):
        S[i] = S[i + 1] * P[i + 1]
    lw = out_sp[0] * S[0]
    slack = sum((k - 1) * d * st for k, d, st in zip(ks[1:], dil[1:], S[1:]))
    return P, S, lw, slack


def _wide_cols(x, ks, pads, dil, groups, out_sp):
    n, c = x.shape[:2]
    sp = x.shape[2:]
    P, S, lw, slack = _wide_geo(sp, ks, pads, dil, out_sp)
    ptot = _m.prod(P)
    buf = np.zeros((n, c, ptot + slack), x.dtype)
    inner = buf[:, :, :ptot].reshape((n, c) + P)
    inner[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))] = x
    it = buf.itemsize
    cg = c // groups
    st = buf.strides
    view = _as_strided(buf, (n, groups, cg) + tuple(ks) + (lw,),
                       (st[0], st[1] * cg, st[1]) + tuple(d * s * it for d, s in zip(dil, S))
                       + (it,), writeable=False)
    return view.reshape(n, groups, cg * _m.prod(ks), lw), P


def _wide_crop(a, P, out_sp):
    """(N, C, Lw) wide-layout array -> (N, C, *out_sp)."""
    a = a.reshape(a.shape[:2] + (out_sp[0],) + tuple(P[1:]))
    if tuple(P[1:]) == tuple(out_sp[1:]):
        return a
    return np.ascontiguousarray(a[(Ellipsis,) + tuple(slice(0, o) for o in out_sp[1:])])


def _wide_pad(g, P, out_sp):
    """(N, C, *out_sp) -> (N, C, Lw) with zeros in the wide layout's extra columns."""
    n, c = g.shape[:2]
    if tuple(P[1:]) == tuple(out_sp[1:]):
        return g.reshape(n, c, -1)
    w = np.zeros((n, c, out_sp[0]) + tuple(P[1:]), g.dtype)
    w[(Ellipsis,) + tuple(slice(0, o) for o in out_sp[1:])] = g
    return w.reshape(n, c, -1)


def _use_wide(ks, stride, pads):
    return all(s == 1 for s in stride) and not (
        all(k == 1 for k in ks) and all(lo == 0 and hi == 0 for lo, hi in pads))


def _conv_fwd(x, w, stride, pads, dil, groups, out_sp=None):
    n = x.shape[0]
    co = w.shape[0]
    ks = w.shape[2:]
    wm = w.reshape(groups, co // groups, -1)
    mm = np.matmul if x.dtype.kind not in "iub" else _int_matmul
    if _use_wide(ks, stride, pads):
        if out_sp is None:
            out_sp = _out_size(x.shape[2:], ks, stride, pads, dil)
        cols, P = _wide_cols(x, ks, pads, dil, groups, out_sp)
        out = mm(wm, cols).reshape(n, co, -1)
        return _wide_crop(out, P, out_sp), (cols, P)
    cols, out_sp = _im2col(x, ks, stride, pads, dil, groups, out_sp)
    out = mm(wm, cols)
    return out.reshape((n, co) + tuple(out_sp)), (cols, None)


def _int_matmul(a, b):
    return np.einsum("...ok,...kl->...ol", a, b)


def _conv_bwd_input(g, w, in_shape, stride, pads, dil, groups):
    n, co = g.shape[:2]
    out_sp = g.shape[2:]
    ks = w.shape[2:]
    wm = w.reshape(groups, co // groups, -1).transpose(0, 2, 1)
    mm = np.matmul if g.dtype.kind not in "iub" else _int_matmul
    if _use_wide(ks, stride, pads) and groups == 1 and min(co, in_shape[1]) >= 32:
        # stride 1 with many channels: grad_input is a forward conv of g with the
        # flipped, transposed kernel (one big GEMM, no col2im pass) — 2x faster here
        npads = tuple((d * (k - 1) - lo, d * (k - 1) - hi)
                      for (lo, hi), d, k in zip(pads, dil, ks))
        if all(a >= 0 and b >= 0 for a, b in npads):
            flip = (slice(None), slice(None)) + (slice(None, None, -1),) * len(ks)
            wf = np.ascontiguousarray(w.swapaxes(0, 1)[flip])
            return _conv_fwd(g, wf, stride, npads, dil, 1, out_sp=tuple(in_shape[2:]))[0]
    if _use_wide(ks, stride, pads):
        sp = in_shape[2:]
        P, S, lw, slack = _wide_geo(sp, ks, pads, dil, out_sp)
        gm = _wide_pad(g, P, out_sp).reshape(n, groups, co // groups, lw)
        c = in_shape[1]
        kk = _m.prod(ks)
        cols = mm(wm, gm).reshape(n * c, kk, lw)
        ptot = _m.prod(P)
        buf = np.zeros((n * c, ptot + slack), cols.dtype)
        for i, kidx in enumerate(_product(*[range(k) for k in ks])):
            off = sum(k * d * s for k, d, s in zip(kidx, dil, S))
            buf[:, off:off + lw] += cols[:, i]
        out = buf[:, :ptot].reshape((n, c) + P)
        return np.ascontiguousarray(
            out[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))])
    gm = g.reshape(n, groups, co // groups, -1)
    cols = mm(wm, gm)
    return _col2im(cols, in_shape, ks, stride, pads, dil, groups, out_sp)


def _conv_bwd_weight(g, x, w_shape, stride, pads, dil, groups, cols=None):
    n, co = g.shape[:2]
    out_sp = g.shape[2:]
    ks = w_shape[2:]
    if cols is None:
        if _use_wide(ks, stride, pads):
            cols = _wide_cols(x, ks, pads, dil, groups, out_sp)
        else:
            cols = (_im2col(x, ks, stride, pads, dil, groups, out_sp)[0], None)
    cols, P = cols
    if P is not None:
        gm = _wide_pad(g, P, out_sp).reshape(n, groups, co // groups, -1)
    else:
        gm = g.reshape(n, groups, co // groups, -1)
    ct = cols.transpose(0, 1, 3, 2)
    if g.dtype.kind in "iub":
        gw = np.einsum("ngol,ngkl->gok", gm, cols)
    elif n == 1:
        gw = np.matmul(gm[0], ct[0])
    else:
        gw = np.matmul(gm, ct).sum(0)
    return gw.reshape(w_shape)


# --- ops ----------------------------------------------------------------------------------

class Convolution(Op):
    """``y = conv(x, w) + b`` (N-d); ``geo = (stride, pads, dilation, groups)``."""

    name = "convolution"
    _bw_name = "ConvolutionBackward0"
    save = ((0, 1), (1, 0))

    def forward(self, x, w, b, geo, out_sp=None):
        self.geo = geo
        dt = x.dtype
        xw, ww = _work(x), _work(w)
        out, cols = _conv_fwd(xw, ww, *geo, out_sp=out_sp)
        self.cols = cols
        if b is not None:
            out += _work(b).reshape((-1,) + (1,) * (x.ndim - 2))
        return out.astype(dt, copy=False) if out.dtype != dt else out

    def backward(self, g):
        x, w = self._unpack()
        geo = self.geo
        gx = gw = gb = None
        if _need(self, 0):
            gx = apply(ConvBackwardInput, g, w, in_shape=self._in_meta[0][0], geo=geo)
        if _need(self, 1):
            gw = apply(ConvBackwardWeight, g, x, w_shape=self._in_meta[1][0], geo=geo,
                       cols=self.cols)
        if len(self.next_functions) > 2 and _need(self, 2):
            gb = g.sum((0,) + tuple(range(2, g.ndim)))
        self.cols = None
        return gx, gw, gb

    def _release(self):
        self.cols = None


class ConvBackwardInput(Op):
    """``conv^T(g, w)`` into ``in_shape``; the forward of ``conv_transpose``."""

    name = "_conv_backward_input"
    _bw_name = "ConvolutionBackwardBackward0"
    save = ((0, 1), (1, 0))

    def forward(self, g, w, in_shape, geo):
        self.geo = geo
        dt = g.dtype
        out = _conv_bwd_input(_work(g), _work(w), in_shape, *geo)
        return out.astype(dt, copy=False) if out.dtype != dt else out

    def backward(self, gg):
        g, w = self._unpack()
        geo = self.geo
        r0 = r1 = None
        if _need(self, 0):
            r0 = apply(Convolution, gg, w, None, geo=geo, out_sp=self._in_meta[0][0][2:])
        if _need(self, 1):
            r1 = apply(ConvBackwardWeight, g, gg, w_shape=self._in_meta[1][0], geo=geo)
        return r0, r1


class ConvBackwardWeight(Op):
    """``d conv(x, w) / d w`` contracted with ``g``."""

    name = "_conv_backward_weight"
    _bw_name = "ConvolutionBackwardBackward0"
    save = ((0, 1), (1, 0))

    def forward(self, g, x, w_shape, geo, cols=None):
        self.geo = geo
        dt = g.dtype
        out = _conv_bwd_weight(_work(g), _work(x), w_shape, *geo, cols=cols)
        return out.astype(dt, copy=False) if out.dtype != dt else out

    def backward(self, ggw):
        g, x = self._unpack()
        geo = self.geo
        r0 = r1 = None
        if _need(self, 0):
            r0 = apply(Convolution, x, ggw, None, geo=geo, out_sp=self._in_meta[0][0][2:])
        if _need(self, 1):
            r1 = apply(ConvBackwardInput, g, ggw, in_shape=self._in_meta[1][0], geo=geo)
        return r0, r1


class ConvTranspose(Op):
    """``y = conv^T(x, w) + b``: ``ConvBackwardInput`` forward with a bias."""

    name = "convolution_transpose"
    _bw_name = "ConvolutionBackward0"
    save = ((0, 1), (1, 0))

    def forward(self, x, w, b, out_shape, geo):
        self.geo = geo
        dt = x.dtype
        out = _conv_bwd_input(_work(x), _work(w), out_shape, *geo)
        if b is not None:
            out += _work(b).reshape((-1,) + (1,) * (x.ndim - 2))
        return out.astype(dt, copy=False) if out.dtype != dt else out

    def backward(self, g):
        x, w = self._unpack()
        geo = self.geo
        gx = gw = gb = None
        if _need(self, 0):
            gx = apply(Convolution, g, w, None, geo=geo, out_sp=self._in_meta[0][0][2:])
        if _need(self, 1):
            gw = apply(ConvBackwardWeight, x, g, w_shape=self._in_meta[1][0], geo=geo)
        if len(self.next_functions) > 2 and _need(self, 2):
            gb = g.sum((0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb


# --- argument handling --------------------------------------------------------------------

def _tup(v, n, name="value"):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(i) for i in v)
    if len(v) == 1 and n > 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got {name}={list(v)}")
    return v


def _fmt(sizes):
    return " x ".join(str(s) for s in sizes)


def _check_dtypes(input, weight, bias, op="convolution"):
    from ..amp.autocast_mode import casts
    if casts(op, input):
        return
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"expected scalar type {_tn(input)} but found {_tn(weight)}")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"expected scalar type {_tn(input)} but found {_tn(bias)}")


def _tn(t):
    from .registry import _type_name
    return _type_name(t._dtype)


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups):
    if not isinstance(input, Tensor):
        raise TypeError(f"conv{nd}d(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    shape = input._data.shape
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(shape)}")
    unbatched = input._data.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
        shape = input._data.shape
    wshape = weight._data.shape
    if weight._data.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if nd + 2 < 3 else
                           f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional "
                           f"weight {list(wshape)}, but got {weight._data.ndim}-dimensional "
                           f"weight of size {list(wshape)} instead")
    _check_dtypes(input, weight, bias)
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride = _tup(stride, nd, "stride")
    dilation = _tup(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    ks = wshape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(ks, dilation):
                tot = d * (k - 1)
                pads.append((tot // 2, tot - tot // 2))
            pads = tuple(pads)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tup(padding, nd, "padding")
        if any(i < 0 for i in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((i, i) for i in p)
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(wshape)}] instead")
    if shape[1] != wshape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(wshape)}, expected "
                           f"input{list(shape)} to have {wshape[1] * groups} channels, but got "
                           f"{shape[1]} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != wshape[0]):
        raise RuntimeError(f"Given weight of size {list(wshape)}, expected bias to be "
                           f"1-dimensional with {wshape[0]} elements, but got bias of size "
                           f"{list(bias._data.shape)} instead")
    psz = [s + lo + hi for s, (lo, hi) in zip(shape[2:], pads)]
    eks = [d * (k - 1) + 1 for k, d in zip(ks, dilation)]
    if any(p < e for p, e in zip(psz, eks)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_fmt(psz)}). Kernel "
                           f"size: ({_fmt(eks)}). Kernel size can't be greater than actual "
                           "input size")
    out = apply(Convolution, input, weight, bias, geo=(stride, pads, dilation, groups))
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    shape = input._data.shape
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv_transpose{nd}d, but got input of size: {list(shape)}")
    unbatched = input._data.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
        shape = input._data.shape
    wshape = weight._data.shape
    if weight._data.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional "
                           f"weight {list(wshape)}, but got {weight._data.ndim}-dimensional "
                           f"weight of size {list(wshape)} instead")
    _check_dtypes(input, weight, bias, "convolution_transpose")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride = _tup(stride, nd, "stride")
    dilation = _tup(dilation, nd, "dilation")
    padding = _tup(padding, nd, "padding")
    opad = _tup(output_padding, nd, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in opad):
        raise RuntimeError("negative output_padding is not supported")
    for op_, s, d in zip(opad, stride, dilation):
        if op_ >= s and op_ >= d:
            raise RuntimeError(
                f"output padding must be smaller than either stride or dilation, but got "
                f"output_padding: {list(opad)} stride: {list(stride)} dilation: "
                f"{list(dilation)}")
    if shape[1] != wshape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(wshape)}, expected "
                           f"input{list(shape)} to have {wshape[0]} channels, but got "
                           f"{shape[1]} channels instead")
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(wshape)}] instead")
    cout = wshape[1] * groups
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(wshape)}, expected bias "
                           f"to be 1-dimensional with {cout} elements, but got bias of size "
                           f"{list(bias._data.shape)} instead")
    ks = wshape[2:]
    osp = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1
                for i, s, p, d, k, o in zip(shape[2:], stride, padding, dilation, ks, opad))
    if any(o <= 0 for o in osp):
        raise RuntimeError(f"Given input size per channel: ({_fmt(shape[2:])}). Calculated "
                           f"output size per channel: ({_fmt(osp)}). Output size is too small")
    geo = (stride, tuple((p, p) for p in padding), dilation, groups)
    out = apply(ConvTranspose, input, weight, bias, out_shape=(shape[0], cout) + osp, geo=geo)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend(3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# --- unfold / fold (im2col / col2im) ------------------------------------------------------

class Im2Col(Op):
    name = "im2col"
    _bw_name = "Im2ColBackward0"

    def forward(self, x, ks, geo):
        self.ks, self.geo = ks, geo
        stride, pads, dil, _ = geo
        cols, out_sp = _im2col(x, ks, stride, pads, dil, 1)
        self.out_sp = out_sp
        return np.ascontiguousarray(cols.reshape(x.shape[0], cols.shape[2], cols.shape[3]))

    def backward(self, g):
        return (apply(Col2Im, g, in_shape=self._in_meta[0][0], ks=self.ks, geo=self.geo,
                      out_sp=self.out_sp),)


class Col2Im(Op):
    name = "col2im"
    _bw_name = "Col2ImBackward0"

    def forward(self, cols, in_shape, ks, geo, out_sp):
        self.ks, self.geo = ks, geo
        stride, pads, dil, _ = geo
        n = cols.shape[0]
        c4 = cols.reshape(n, 1, cols.shape[1], cols.shape[2])
        return _col2im(c4, in_shape, ks, stride, pads, dil, 1, out_sp)

    def backward(self, g):
        return (apply(Im2Col, g, ks=self.ks, geo=self.geo),)


def _fold_args(kernel_size, dilation, padding, stride):
    ks = _tup(kernel_size, 2, "kernel_size")
    dil = _tup(dilation, 2, "dilation")
    pad = _tup(padding, 2, "padding")
    st = _tup(stride, 2, "stride")
    if any(k <= 0 for k in ks):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{ks[0]} kernel_width: {ks[1]}")
    if any(s <= 0 for s in st):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: "
                           f"{st[0]} stride_width: {st[1]}")
    if any(d <= 0 for d in dil):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dil[0]} dilation_width: {dil[1]}")
    if any(p < 0 for p in pad):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {pad[0]} "
                           f"pad_width: {pad[1]}")
    return ks, (st, tuple((p, p) for p in pad), dil, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    ks, geo = _fold_args(kernel_size, dilation, padding, stride)
    nd = input._data.ndim
    if nd not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {list(input._data.shape)}")
    unbatched = nd == 3
    if unbatched:
        input = input.unsqueeze(0)
    sp = input._data.shape[2:]
    osz = _out_size(sp, ks, geo[0], geo[1], geo[2])
    if any(o < 1 for o in osz):
        raise RuntimeError(
            f"Given input with spatial size ({sp[0]}, {sp[1]}), kernel_size=({ks[0]}, {ks[1]}), "
            f"dilation=({geo[2][0]}, {geo[2][1]}), padding=({geo[1][0][0]}, {geo[1][1][0]}), "
            f"calculated shape of the array of sliding blocks as ({osz[0]}, {osz[1]}), but its "
            "components must be at least one.")
    out = apply(Im2Col, input, ks=ks, geo=geo)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    ks, geo = _fold_args(kernel_size, dilation, padding, stride)
    osz = _tup(output_size, 2, "output_size")
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {list(input._data.shape)}")
    unbatched = nd == 2
    if unbatched:
        input = input.unsqueeze(0)
    n, ck, L = input._data.shape
    kk = ks[0] * ks[1]
    if ck % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={ck} and "
                           f"kernel_size=({ks[0]}, {ks[1]})")
    blocks = _out_size(osz, ks, geo[0], geo[1], geo[2])
    if blocks[0] * blocks[1] != L:
        raise RuntimeError(
            f"Given output_size=({osz[0]}, {osz[1]}), kernel_size=({ks[0]}, {ks[1]}), "
            f"dilation=({geo[2][0]}, {geo[2][1]}), padding=({geo[1][0][0]}, {geo[1][1][0]}), "
            f"stride=({geo[0][0]}, {geo[0][1]}), expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size(2)={L}.")
    out = apply(Col2Im, input, in_shape=(n, ck // kk) + osz, ks=ks, geo=geo, out_sp=blocks)
    return out.squeeze(0) if unbatched else out
