"""Normalisation kernels (``ember.nn.functional``): batch/layer/group/instance/rms norm,
local response norm and ``normalize``.

``batch_norm`` and ``layer_norm`` are fused: one op whose forward is a few NumPy passes
(saving mean and inverse std) and whose backward is hand-written.  Plain backward runs
the closed-form gradient on arrays; under ``create_graph=True`` (grad mode on inside the
backward) the same gradient is written in ember ops from the saved input, so double
backward works.  ``group_norm`` runs the layer-norm kernel over ``(N * G, -1)`` and
``instance_norm`` the batch-norm kernel over ``(1, N * C, ...)``, as torch does.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import _Mode
from .math import _const, _need
from .registry import Op, apply

__all__ = [
    "batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm",
    "rms_norm", "normalize",
]

_HALF_DT = _dt.HALF_NP
_make = Tensor._make


def _cdt(a):
    """Compute dtype: half types in float32 (torch's opmath)."""
    return np.dtype(np.float32) if a.dtype in _HALF_DT else a.dtype


def _arr(a, dt):
    return a if a.dtype == dt else a.astype(dt)


# --- batch norm ---------------------------------------------------------------------------

class BatchNorm(Op):
    """``native_batch_norm``: x (N, C, *), weight/bias (C) or None."""

    name = "native_batch_norm"
    _bw_name = "NativeBatchNormBackward0"
    save = (0, 1)

    def forward(self, x, w, b, rm=None, rv=None, training=True, momentum=0.1, eps=1e-5):
        shape = x.shape
        n, c = shape[0], shape[1]
        cdt = _cdt(x)
        x3 = _arr(x.reshape(n, c, -1), cdt)
        m = x3.shape[0] * x3.shape[2]
        self.training = training
        self.eps = eps
        self.m = m
        if training:
            if m == 0:
                mean = np.full(c, np.nan, cdt)
                var = mean.copy()
                xc = x3.copy()
            else:
                mean = np.einsum("nci->c", x3) / cdt.type(m)
                xc = x3 - mean[:, None]
                var = np.einsum("nci,nci->c", xc, xc) / cdt.type(m)
            invstd = 1.0 / np.sqrt(var + cdt.type(eps))
            if rm is not None and m > 0:
                mom = momentum
                rm *= 1 - mom
                rm += (mean * mom).astype(rm.dtype, copy=False)
            if rv is not None and m > 0:
                with np.errstate(divide="ignore", invalid="ignore"):
                    unb = var * (cdt.type(m) / cdt.type(m - 1)) if m > 1 else var * np.inf
                rv *= 1 - momentum
                rv += (unb * momentum).astype(rv.dtype, copy=False)
            scale = invstd if w is None else invstd * _arr(w, cdt)
            xc *= scale[:, None]
            if b is not None:
                xc += _arr(b, cdt)[:, None]
            out = xc
        else:
            mean = _arr(rm, cdt)
            invstd = 1.0 / np.sqrt(_arr(rv, cdt) + cdt.type(eps))
            scale = invstd if w is None else invstd * _arr(w, cdt)
            shift = -mean * scale
            if b is not None:
                shift += _arr(b, cdt)
            out = x3 * scale[:, None]
            out += shift[:, None]
        self.mean = mean
        self.invstd = invstd
        return out.reshape(shape).astype(x.dtype, copy=False)

    def backward(self, g):
        x, w = self._unpack()
        if _Mode.grad_enabled:
            return _bn_backward_composite(self, g, x, w)
        need_x, need_w, need_b = _need(self, 0), _need(self, 1), _need(self, 2)
        shape = x.shape
        n, c = shape[0], shape[1]
        cdt = self.invstd.dtype
        x3 = _arr(x._data.reshape(n, c, -1), cdt)
        g3 = _arr(g._data.reshape(n, c, -1), cdt)
        mean, invstd = self.mean, self.invstd
        gsum = np.einsum("nci->c", g3)
        xc = x3 - mean[:, None]
        dotp = np.einsum("nci,nci->c", g3, xc)
        dev = g._device
        gx = gw = gb = None
        if need_x:
            k1 = invstd if w is None else invstd * _arr(w._data, cdt)
            if self.training:
                m = cdt.type(self.m)
                xc *= (-k1 * invstd * invstd * dotp / m)[:, None]
                xc += g3 * k1[:, None]
                xc += (-k1 * gsum / m)[:, None]
                r = xc
            else:
                r = g3 * k1[:, None]
            gx = _make(r.reshape(shape).astype(x._data.dtype, copy=False), dev)
        if need_w:
            gw = _make((dotp * invstd).astype(w._data.dtype, copy=False), dev)
        if need_b:
            gb = _make(gsum.astype(self._in_meta[2][1].np, copy=False), dev)
        return gx, gw, gb

    def _release(self):
        self.mean = self.invstd = None


def _bn_backward_composite(node, g, x, w):
    """The batch-norm gradient in ember ops (differentiable: double backward)."""
    from .math import rsqrt
    from .reduction import mean as rmean
    from .reduction import sum as rsum
    nd = x.ndim
    red = (0,) + tuple(range(2, nd))
    bshape = (1, x.shape[1]) + (1,) * (nd - 2)
    if node.training:
        mu = rmean(x, red, True)
        xc = x - mu
        invstd = rsqrt(rmean(xc * xc, red, True) + node.eps)
    else:
        xc = x - _const(node.mean.reshape(bshape).astype(x._data.dtype), x)
        invstd = _const(node.invstd.reshape(bshape).astype(x._data.dtype), x)
    xhat = xc * invstd
    gx = gw = gb = None
    if _need(node, 0):
        k = invstd if w is None else invstd * w.reshape(bshape)
        if node.training:
            gx = k * (g - rmean(g, red, True) - xhat * rmean(g * xhat, red, True))
        else:
            gx = g * k
    if _need(node, 1):
        gw = rsum(g * xhat, red)
    if _need(node, 2):
        gb = rsum(g, red)
    return gx, gw, gb


def _check_param(t, c, what):
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{what} should contain {c} elements not {t._data.size}")


def _verify_batch_size(size) -> None:
    p = size[0]
    for s in size[2:]:
        p *= s
    if p == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    shape = input._data.shape
    if training:
        _verify_batch_size(_size(shape))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if len(shape) < 2:
        raise RuntimeError(f"batch_norm: Expected input to have at least 2 dimensions, but "
                           f"got {len(shape)}")
    c = shape[1]
    _check_param(weight, c, "weight")
    _check_param(bias, c, "bias")
    _check_param(running_mean, c, "running_mean")
    _check_param(running_var, c, "running_var")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    rm = running_mean._data if running_mean is not None else None
    rv = running_var._data if running_var is not None else None
    if training and (rm is not None or rv is not None):
        if momentum is None:
            momentum = 0.0
    out = apply(BatchNorm, input, weight, bias, rm=rm, rv=rv, training=bool(training),
                momentum=momentum, eps=eps)
    if training:
        if running_mean is not None:
            running_mean._bump()
        if running_var is not None:
            running_var._bump()
    return out


def _size(shape):
    from .._tensor import Size
    return Size(shape)


# --- layer norm ---------------------------------------------------------------------------

class LayerNorm(Op):
    """``native_layer_norm`` over the last ``k`` dims; weight/bias of those dims or None."""

    name = "native_layer_norm"
    _bw_name = "NativeLayerNormBackward0"
    save = (0, 1)

    def forward(self, x, w, b, k=1, eps=1e-5):
        shape = x.shape
        d = 1
        for s in shape[len(shape) - k:]:
            d *= s
        self.k = k
        self.eps = eps
        cdt = _cdt(x)
        if x.size == 0 or d == 0:
            self.xhat = _arr(x, cdt).reshape(-1, max(d, 1)) if d else None
            self.invstd = np.zeros(0, cdt)
            return x.copy()
        x2 = _arr(x.reshape(-1, d), cdt)
        fd = cdt.type(d)
        mean = np.einsum("rd->r", x2) / fd
        xc = x2 - mean[:, None]
        var = np.einsum("rd,rd->r", xc, xc) / fd
        var += cdt.type(eps)
        invstd = np.sqrt(var, out=var)
        np.divide(1, invstd, out=invstd)
        xc *= invstd[:, None]
        self.xhat = xc
        self.invstd = invstd
        if w is not None:
            out = xc * _arr(w, cdt).reshape(-1)
            if b is not None:
                out += _arr(b, cdt).reshape(-1)
        elif b is not None:
            out = xc + _arr(b, cdt).reshape(-1)
        else:
            out = xc.copy()
        return out.reshape(shape).astype(x.dtype, copy=False)

    def backward(self, g):
        x, w = self._unpack()
        if _Mode.grad_enabled:
            return _ln_backward_composite(self, g, x, w)
        need_x, need_w, need_b = _need(self, 0), _need(self, 1), _need(self, 2)
        shape = x.shape
        dev = g._device
        xhat, invstd = self.xhat, self.invstd
        if x._data.size == 0 or xhat is None:
            z = np.zeros
            return (_make(z(shape, x._data.dtype), dev) if need_x else None,
                    _make(z(w.shape, w._data.dtype), dev) if need_w else None,
                    _make(z(self._in_meta[2][0], self._in_meta[2][1].np), dev)
                    if need_b else None)
        d = xhat.shape[1]
        cdt = xhat.dtype
        g2 = _arr(g._data.reshape(-1, d), cdt)
        gx = gw = gb = None
        if need_w:
            gw = _make(np.einsum("rd,rd->d", g2, xhat).reshape(w.shape)
                       .astype(w._data.dtype, copy=False), dev)
        if need_b:
            bm = self._in_meta[2]
            gb = _make(g2.sum(0).reshape(bm[0]).astype(bm[1].np, copy=False), dev)
        if need_x:
            gh = g2 * _arr(w._data, cdt).reshape(-1) if w is not None else g2.copy()
            fd = cdt.type(d)
            a = np.einsum("rd->r", gh) / fd
            bb = np.einsum("rd,rd->r", gh, xhat) / fd
            gh -= a[:, None]
            gh -= xhat * bb[:, None]
            gh *= invstd[:, None]
            gx = _make(gh.reshape(shape).astype(x._data.dtype, copy=False), dev)
        return gx, gw, gb

    def _release(self):
        self.xhat = self.invstd = None


def _ln_backward_composite(node, g, x, w):
    from .math import rsqrt
    from .reduction import mean as rmean
    from .reduction import sum as rsum
    nd = x.ndim
    k = node.k
    red = tuple(range(nd - k, nd))
    lead = tuple(range(nd - k))
    mu = rmean(x, red, True)
    xc = x - mu
    invstd = rsqrt(rmean(xc * xc, red, True) + node.eps)
    xhat = xc * invstd
    gx = gw = gb = None
    if _need(node, 0):
        gh = g * w if w is not None else g
        gx = invstd * (gh - rmean(gh, red, True) - xhat * rmean(gh * xhat, red, True))
    if _need(node, 1):
        gw = rsum(g * xhat, lead) if lead else g * xhat
    if _need(node, 2):
        gb = rsum(g, lead) if lead else g
    return gx, gw, gb


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    ns = _norm_shape(normalized_shape)
    shape = input._data.shape
    k = len(ns)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != ns:
            raise RuntimeError(
                f"Expected {what} to be of same shape as normalized_shape, but got {what} of "
                f"shape {list(t._data.shape)} and normalized_shape = {list(ns)}")
    if len(shape) < k or tuple(shape[len(shape) - k:]) != ns:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(shape)}")
    return apply(LayerNorm, input, weight, bias, k=k, eps=eps)


# --- group / instance norm ------------------------------------------------------------------

def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    shape = input._data.shape
    nd = len(shape)
    if nd < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {nd}")
    n, c = shape[0], shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(shape[2:]))
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(shape)} and num_groups={num_groups}")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(
                f"Expected {what} to be a vector of size equal to the number of channels in "
                f"input, but got {what} of shape {list(t._data.shape)} and input of shape "
                f"{list(shape)}")
    x = input.reshape(n * num_groups, -1)
    out = apply(LayerNorm, x, None, None, k=1, eps=eps).reshape(shape)
    bshape = (1, c) + (1,) * (nd - 2)
    if weight is not None:
        out = out * weight.reshape(bshape)
    if bias is not None:
        out = out + bias.reshape(bshape)
    return out


def _verify_spatial_size(size) -> None:
    p = 1
    for s in size[2:]:
        p *= s
    if p == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {size}")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    shape = input._data.shape
    if use_input_stats:
        _verify_spatial_size(_size(shape))
    n, c = shape[0], shape[1]
    x = input.reshape((1, n * c) + tuple(shape[2:]))
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = np.tile(running_mean._data, n) if running_mean is not None else None
    rv = np.tile(running_var._data, n) if running_var is not None else None
    if not use_input_stats and (rm is None or rv is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    out = apply(BatchNorm, x, w, b, rm=rm, rv=rv, training=bool(use_input_stats),
                momentum=0.0 if momentum is None else momentum, eps=eps)
    if use_input_stats:
        for t, a in ((running_mean, rm), (running_var, rv)):
            if t is not None:
                t._data[...] = a.reshape(n, c).mean(0).astype(t._data.dtype, copy=False)
                t._bump()
    return out.reshape(shape)


# --- local response / rms norm, normalize -------------------------------------------------

def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    from .padding import pad
    nd = input._data.ndim
    if nd < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {nd} dimensions)")
    if input._data.size == 0:
        return input
    if nd > 3:  # torch pools 4D+ inputs with avg_pool3d, which has no half CPU kernel
        from .math import _no_half
        _no_half("avg_pool3d_out_frame", input, "avg_pool3d")
    shape = input._data.shape
    sq = input * input
    sq = sq.reshape(shape[0], shape[1], -1)
    # sum over a channel window [c - size // 2, c + (size - 1) // 2], zero padded
    padded = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    c = shape[1]
    div = padded.narrow(1, 0, c)
    for j in range(1, size):
        div = div + padded.narrow(1, j, c)
    div = div.reshape(shape)
    div = (div * (alpha / size) + k) ** beta
    return input / div


def rms_norm(input, normalized_shape, weight=None, eps=None):
    from .math import rsqrt
    from .reduction import mean as rmean
    ns = _norm_shape(normalized_shape)
    shape = input._data.shape
    k = len(ns)
    if weight is not None and tuple(weight._data.shape) != ns:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of "
            f"shape {list(weight._data.shape)} and normalized_shape = {list(ns)}")
    if len(shape) < k or tuple(shape[len(shape) - k:]) != ns:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*{', '.join(map(str, ns))}], but got input of size{list(shape)}")
    x = input
    half = input._data.dtype in _HALF_DT
    if half:
        x = input.float()
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    dims = tuple(range(len(shape) - k, len(shape)))
    r = rsqrt(rmean(x * x, dims, True) + eps)
    out = x * r
    if half:
        out = out.to(input.dtype)
    if weight is not None:
        out = out * weight
    return out


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    from .elementwise import _out
    from .math import clamp_min
    from .reduction import norm
    denom = clamp_min(norm(input, p, dim, keepdim=True), eps).expand_as(input)
    if out is not None:
        return _out(input / denom, out)
    return input / denom
