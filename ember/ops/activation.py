"""Activations (``ember.nn.functional.*`` and their top-level/Tensor forms).

Each hot activation is one fused op: the forward is a few NumPy passes, the backward
an expression in ember ops (a constant mask where the derivative is piecewise
constant), so double backward works.  ``softmax``/``log_softmax`` backward is itself
one op (``SoftmaxBackward``/``LogSoftmaxBackward``) whose own backward is written in
ember ops.
"""

from __future__ import annotations

import math as _m
import warnings

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from .math import _const, _keep, _need, _not_impl, _where_c, sigmoid, tanh
from .math import inplace as _inplace
from .registry import Op, apply, apply_inplace

_BF16 = np.dtype("bfloat16")

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_",
    "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardtanh_",
    "hardsigmoid", "hardswish", "logsigmoid", "softmax", "log_softmax", "softmin",
    "tanhshrink", "softshrink", "hardshrink", "threshold", "threshold_", "glu", "prelu",
    "rrelu", "rrelu_", "sigmoid", "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_HALF_DT = _dt.HALF_NP

_f32 = _dt.np_opmath


def _check_float(a, kernel):
    if not _dt.np_is_floating(a.dtype):
        _not_impl(kernel, a)


def _maybe_inplace(cls, input, inplace, **params):
    if inplace:
        return _inplace(cls, input, **params)
    return apply(cls, input, **params)


# --- piecewise-linear family ---------------------------------------------------------------

class Relu(Op):
    name = "relu"

    def forward(self, a):
        if a.dtype.kind in "bc":
            if a.dtype.kind == "c":
                raise NotImplementedError("clamp is not supported for complex types")
            _not_impl("clamp_min_cpu", a)
        if a.dtype.itemsize == 2 and a.dtype.kind != "i" and a.ndim:
            # float16/bfloat16: NumPy has no fast loops for these; decide on the bit
            # pattern instead (positive, or NaN of either sign, is kept)
            v = a.view(np.int16)
            nan_min = 0x7F80 if a.dtype == _BF16 else 0x7C00
            keep = v > 0
            keep |= (v & 0x7FFF) > nan_min
            self.mask = keep
            return _keep(a, keep)
        self.mask = a > 0
        return np.maximum(a, a.dtype.type(0))

    def backward(self, g):
        return (_where_c(self.mask, g, 0.0),)

    def _release(self):
        self.mask = None


class LeakyRelu(Op):
    name = "leaky_relu"

    def forward(self, a, negative_slope=0.01):
        _check_float(a, "leaky_relu_cpu")
        m = a > 0
        self.mask = m
        self.slope = negative_slope
        return np.where(m, a, a * np.asarray(negative_slope, a.dtype))

    def backward(self, g):
        return (_where_c(self.mask, g, g * self.slope),)


class Hardtanh(Op):
    name = "hardtanh"

    def forward(self, a, min_val=-1.0, max_val=1.0):
        if a.dtype == np.bool_:
            _not_impl("hardtanh_cpu", a)
        self.mask = (a > min_val) & (a < max_val)
        lo = np.asarray(min_val).astype(a.dtype)
        hi = np.asarray(max_val).astype(a.dtype)
        return np.minimum(np.maximum(a, lo), hi)

    def backward(self, g):
        return (_where_c(self.mask, g, 0.0),)


class Hardsigmoid(Op):
    name = "hardsigmoid"

    def forward(self, a):
        _check_float(a, "hardsigmoid_cpu")
        self.mask = (a > -3) & (a < 3)
        x = _f32(a)
        return (np.clip(x + x.dtype.type(3), 0, 6) / x.dtype.type(6)).astype(a.dtype, copy=False)

    def backward(self, g):
        return (_where_c(self.mask, g / 6, 0.0),)


class Hardswish(Op):
    name = "hardswish"
    save = (0,)

    def forward(self, a):
        _check_float(a, "hardswish_cpu")
        x = _f32(a)
        return (x * np.clip(x + x.dtype.type(3), 0, 6) / x.dtype.type(6)).astype(a.dtype,
                                                                                  copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        xd = x._data
        mid = g * (x / 3 + 0.5)
        return (_where_c(xd < -3, 0.0, _where_c(xd <= 3, mid, g)),)


class Threshold(Op):
    name = "threshold"

    def forward(self, a, threshold, value):
        m = a > threshold
        self.mask = m
        return np.where(m, a, np.asarray(value).astype(a.dtype))

    def backward(self, g):
        return (_where_c(self.mask, g, 0.0),)


class Softshrink(Op):
    name = "softshrink"

    def forward(self, a, lambd=0.5):
        _check_float(a, "softshrink_cpu")
        lam = np.asarray(lambd, a.dtype)
        self.mask = np.abs(a) > lam
        return np.where(a > lam, a - lam, np.where(a < -lam, a + lam, np.zeros((), a.dtype)))

    def backward(self, g):
        return (_where_c(self.mask, g, 0.0),)


class Hardshrink(Op):
    name = "hardshrink"

    def forward(self, a, lambd=0.5):
        _check_float(a, "hardshrink_cpu")
        m = (a > lambd) | (a < -lambd)
        self.mask = m
        return np.where(m, a, np.zeros((), a.dtype))

    def backward(self, g):
        return (_where_c(self.mask, g, 0.0),)


class Prelu(Op):
    name = "prelu"
    _bw_name = "PreluKernelBackward0"
    save = (0, 1)

    def forward(self, a, w):
        self.mask = a > 0
        return np.where(self.mask, a, a * w)

    def backward(self, g):
        x, w = self._unpack()
        gx = _where_c(self.mask, g, g * w) if _need(self, 0) else None
        gw = _where_c(self.mask, 0.0, g * x) if _need(self, 1) else None
        return gx, gw


# --- smooth family -------------------------------------------------------------------------

class Elu(Op):
    """elu / selu / celu: ``scale * (x if x > 0 else alpha * (exp(x * in_scale) - 1))``."""

    name = "elu"
    save = (0,)

    def forward(self, a, alpha=1.0, scale=1.0, input_scale=1.0):
        _check_float(a, "elu_cpu")
        self.p = (alpha, scale, input_scale)
        x = _f32(a)
        m = x > 0
        self.mask = m
        neg = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
        return np.where(m, x * scale, neg).astype(a.dtype, copy=False)

    def backward(self, g):
        from .elementwise import exp
        (x,) = self._unpack()
        alpha, scale, in_s = self.p
        neg = g * (exp(x * in_s) * (alpha * scale * in_s))
        return (_where_c(self.mask, g * scale if scale != 1 else g, neg),)


_K_TANH = _m.sqrt(2.0 / _m.pi)
_INV_SQRT_2PI = 1.0 / _m.sqrt(2.0 * _m.pi)


class Gelu(Op):
    name = "gelu"
    save = (0,)

    def forward(self, a, approximate="none"):
        _check_float(a, "GeluKernelImpl")
        self.approximate = approximate
        x = a if a.dtype == np.float64 else a.astype(np.float32)
        if approximate == "tanh":
            t = np.tanh(_K_TANH * (x + 0.044715 * x * x * x))
            self.aux = t  # tanh(inner), reused by the backward
            out = 0.5 * x * (1.0 + t)
        else:
            from .math import _erf64
            cdf = _erf64(x * _m.sqrt(0.5))
            cdf += 1.0
            cdf *= 0.5
            self.aux = cdf
            out = x * cdf
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        return (apply(GeluBackward, g, x, aux=self.aux, approximate=self.approximate),)

    def _release(self):
        self.aux = None


def _gelu_grad_np(x, aux, approximate):
    if approximate == "tanh":
        t = aux
        x2 = x * x
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _K_TANH * (1.0 + 0.134145 * x2)
    pdf = np.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return aux + x * pdf


class GeluBackward(Op):
    """``g * gelu'(x)`` as one op; its own backward (double backward) in ember ops."""

    name = "gelu_backward"
    save = (0, 1)

    def forward(self, g, x, aux, approximate):
        self.approximate = approximate
        xw = x if x.dtype == np.float64 else x.astype(np.float32)
        return (g * _gelu_grad_np(xw, aux, approximate)).astype(g.dtype, copy=False)

    def backward(self, gy):
        from .elementwise import exp
        from .math import erf
        g, x = self._unpack()
        if self.approximate == "tanh":
            k = _K_TANH
            x2 = x * x
            u = (x + x2 * x * 0.044715) * k
            t = tanh(u)
            du = (x2 * 0.134145 + 1) * k
            d = (t + 1) * 0.5 + x * (1 - t * t) * du * 0.5
            s = 1 - t * t
            # d/dx of d: 0.5*s*du + 0.5*(s*du + x*(-2 t s du^2 + s * k * 0.26829 x))
            dd = s * du + x * (s * (x * (k * 0.26829) - t * du * du * 2)) * 0.5
        else:
            cdf = (erf(x * _m.sqrt(0.5)) + 1) * 0.5
            pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
            d = cdf + x * pdf
            dd = pdf * (2 - x * x)
        return (gy * d if _need(self, 0) else None,
                gy * g * dd if _need(self, 1) else None)


class Silu(Op):
    name = "silu"
    save = (0,)

    def forward(self, a):
        _check_float(a, "silu_cpu")
        from .math import _fwd_sigmoid
        return a * _fwd_sigmoid(a)

    def backward(self, g):
        (x,) = self._unpack()
        s = sigmoid(x)
        return (g * (s * (x * (1 - s) + 1)),)


def _softplus_np(x):
    return np.logaddexp(np.zeros((), x.dtype), x)


class Mish(Op):
    name = "mish"
    save = (0,)

    def forward(self, a):
        _check_float(a, "mish_cpu")
        x = _f32(a)
        return (x * np.tanh(_softplus_np(x))).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        t = tanh(softplus(x))
        return (g * (t + x * sigmoid(x) * (1 - t * t)),)


class Softplus(Op):
    name = "softplus"
    save = (0,)

    def forward(self, a, beta=1.0, threshold=20.0):
        _check_float(a, "softplus_cpu")
        self.p = (beta, threshold)
        x = _f32(a)
        bx = x * np.asarray(beta, x.dtype) if beta != 1 else x
        self.lin = bx > threshold
        sp = _softplus_np(bx)
        if beta != 1:
            sp = sp / np.asarray(beta, x.dtype)
        return np.where(self.lin, x, sp).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        beta = self.p[0]
        s = sigmoid(x * beta if beta != 1 else x)
        return (_where_c(self.lin, g, g * s),)


class Logsigmoid(Op):
    name = "log_sigmoid"
    _bw_name = "LogSigmoidBackward0"
    save = (0,)

    def forward(self, a):
        _check_float(a, "log_sigmoid_forward")
        x = _f32(a)
        return (-_softplus_np(-x)).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        return (g * sigmoid(-x),)


# --- softmax family ------------------------------------------------------------------------

def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Op):
    name = "softmax"
    _bw_name = "SoftmaxBackward0"
    save_out = True

    def forward(self, a, dim, dtype=None, log=False):
        if dtype is not None:
            a = a.astype(dtype.np)
        _check_float(a, "softmax_lastdim_kernel_impl")
        self.dim = dim
        if a.size == 0 or a.ndim == 0:
            if a.ndim == 0:
                return np.zeros_like(a) if log else np.ones_like(a)
            return a.copy()
        half = a.dtype in _HALF_DT
        x = a.astype(np.float32) if half else a
        x = x - x.max(axis=dim, keepdims=True)
        if log:
            e = np.exp(x)
            s = e.sum(axis=dim, keepdims=True)
            np.log(s, out=s)
            x -= s
            out = x
        else:
            out = np.exp(x, out=x)
            out /= out.sum(axis=dim, keepdims=True)
        return out.astype(a.dtype, copy=False) if half else out

    def backward(self, g):
        (out,) = self._unpack()
        return (apply(SoftmaxBackward, g, out, dim=self.dim),)


class LogSoftmax(Softmax):
    name = "log_softmax"
    _bw_name = "LogSoftmaxBackward0"

    def forward(self, a, dim, dtype=None, log=True):
        return super().forward(a, dim, dtype, True)

    def backward(self, g):
        (out,) = self._unpack()
        return (apply(LogSoftmaxBackward, g, out, dim=self.dim),)


class SoftmaxBackward(Op):
    """``out * (g - sum(g * out))``; its own backward in ember ops."""

    name = "_softmax_backward_data"
    _bw_name = "SoftmaxBackwardDataBackward0"
    save = (0, 1)

    def forward(self, g, out, dim):
        self.dim = dim
        if g.size == 0:
            return g.copy()
        go = g * out
        go -= out * go.sum(axis=dim, keepdims=True)
        return go

    def backward(self, gy):
        from .reduction import sum as rsum
        g, out = self._unpack()
        d = self.dim
        s_gy = rsum(gy * out, d, True)
        gg = out * (gy - s_gy) if _need(self, 0) else None
        go = None
        if _need(self, 1):
            s_g = rsum(g * out, d, True)
            go = gy * (g - s_g) - g * s_gy
        return gg, go


class LogSoftmaxBackward(Op):
    """``g - exp(out) * sum(g)``; its own backward in ember ops."""

    name = "_log_softmax_backward_data"
    _bw_name = "LogSoftmaxBackwardDataBackward0"
    save = (0, 1)

    def forward(self, g, out, dim):
        self.dim = dim
        if g.size == 0:
            return g.copy()
        e = np.exp(out)
        e *= g.sum(axis=dim, keepdims=True)
        return g - e

    def backward(self, gy):
        from .elementwise import exp
        from .reduction import sum as rsum
        g, out = self._unpack()
        d = self.dim
        p = exp(out)
        gg = gy - rsum(gy * p, d, True) if _need(self, 0) else None
        go = -(gy * p) * rsum(g, d, True) if _need(self, 1) else None
        return gg, go


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    nd = input._data.ndim
    dim = _softmax_dim(nd) if dim is None else _wrap_dim(dim, nd)
    return apply(Softmax, input, dim=dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    nd = input._data.ndim
    dim = _softmax_dim(nd) if dim is None else _wrap_dim(dim, nd)
    return apply(LogSoftmax, input, dim=dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    nd = input._data.ndim
    dim = _softmax_dim(nd) if dim is None else _wrap_dim(dim, nd)
    return apply(Softmax, -input, dim=dim, dtype=dtype)


# --- public functions ----------------------------------------------------------------------

def relu(input, inplace=False):
    return _maybe_inplace(Relu, input, inplace)


def relu_(input):
    return apply_inplace(Relu, input)


def relu6(input, inplace=False):
    return _maybe_inplace(Hardtanh, input, inplace, min_val=0.0, max_val=6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(LeakyRelu, input, inplace, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return apply_inplace(LeakyRelu, input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _maybe_inplace(Elu, input, inplace, alpha=alpha)


def elu_(input, alpha=1.0):
    return _inplace(Elu, input, alpha=alpha)


def selu(input, inplace=False):
    return _maybe_inplace(Elu, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _maybe_inplace(Elu, input, inplace, alpha=alpha, input_scale=1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")  # noqa: F541
    return apply(Gelu, input, approximate=approximate)


def silu(input, inplace=False):
    return _maybe_inplace(Silu, input, inplace)


def mish(input, inplace=False):
    return _maybe_inplace(Mish, input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return apply(Softplus, input, beta=beta, threshold=threshold)


def softsign(input):
    from .math import abs as _abs
    return input / (_abs(input) + 1)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input, inplace=False):
    return _maybe_inplace(Hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    return _maybe_inplace(Hardswish, input, inplace)


def logsigmoid(input):
    return apply(Logsigmoid, input)


def tanhshrink(input):
    return input - tanh(input)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return apply(Softshrink, input, lambd=lambd)


def hardshrink(input, lambd=0.5):
    return apply(Hardshrink, input, lambd=lambd)


def threshold(input, threshold, value, inplace=False):
    return _maybe_inplace(Threshold, input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return apply_inplace(Threshold, input, threshold=threshold, value=value)


def glu(input, dim=-1):
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.chunk(2, d)
    return a * sigmoid(b)


def prelu(input, weight):
    nd = input._data.ndim
    wn = weight._data.size
    if wn != 1:
        if nd < 2:
            if nd == 1 and input._data.shape[0] == wn:
                return apply(Prelu, input, weight)
            raise RuntimeError("Not allow zero-dim input tensor.")
        c = input._data.shape[1]
        if c != wn:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {wn} and channel size = {c}.")
        weight = weight.reshape((wn,) + (1,) * (nd - 2))
    return apply(Prelu, input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    if input._data.dtype == np.float16:  # torch's CPU kernel has bfloat16 but not float16
        _not_impl("rrelu_with_noise_out_cpu", input._data)
    from ..random import _gen
    slopes = _gen(None).uniform(lower, upper, size=input._data.shape)
    w = _const(np.where(input._data >= 0, 1.0, slopes).astype(input._data.dtype), input)
    if inplace:
        from .elementwise import Mul
        return apply_inplace(Mul, input, w)
    return input * w


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


# --- Tensor methods ------------------------------------------------------------------------

Tensor.relu = relu
Tensor.relu_ = relu_
Tensor.softmax = lambda self, dim=None, dtype=None: softmax(self, dim, dtype=dtype)
Tensor.log_softmax = lambda self, dim=None, dtype=None: log_softmax(self, dim, dtype=dtype)
Tensor.hardshrink = hardshrink
Tensor.prelu = prelu
