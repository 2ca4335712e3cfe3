"""Pointwise math: unary functions, binary arithmetic beyond + - * /, comparisons,
logical and bitwise ops, ``where``/``clamp``/``lerp``/``pow`` — forward on arrays,
backward in ember ops (so double backward works), side by side.

NOTE [special functions]
``erf``/``erfc`` are evaluated with NumPy only: Chebyshev fits (built once, at import,
from the standard library's ``math.erf``/``math.erfc`` at Chebyshev nodes) on
``|x| < 1`` (erf) and on ``[1, 8)`` (``erfc(x) exp(x^2)``), and the asymptotic series
beyond.  ``erfinv`` starts from Winitzki's closed form and takes Halley steps on
``erf`` (or ``erfc`` near +-1, where that keeps relative accuracy).
"""

from __future__ import annotations

import builtins as _bi
import math as _m

import numpy as np
from numpy.polynomial import chebyshev as _cheb

from .. import dtypes as _dt
from .._tensor import Tensor
from .complex_ops import Sgn, conj_if_complex, holomorphic_backward
from .elementwise import _out
from .registry import (
    Op,
    _result_dtype,
    apply,
    apply_inplace,
    promote_float,
    promote_same,
    promote_same_scalar_t,
)

_make = Tensor._make
_ndarray = np.ndarray
_LN2 = _m.log(2.0)
_LN10 = _m.log(10.0)
_SQRTPI = _m.sqrt(_m.pi)
_2_SQRTPI = 2.0 / _SQRTPI

__all__ = [
    "abs", "absolute", "sign", "sgn", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
    "arcsin", "arccos", "arctan", "atan2", "arctan2", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "sigmoid", "logit", "erf", "erfc",
    "erfinv", "floor", "ceil", "round", "trunc", "fix", "frac", "clamp", "clip", "clamp_min",
    "clamp_max", "lerp", "addcmul", "addcdiv", "maximum", "minimum", "fmax", "fmin", "fmod",
    "remainder", "hypot", "pow", "float_power", "floor_divide", "where", "isnan", "isinf",
    "isposinf", "isneginf", "isfinite", "isreal", "nan_to_num", "copysign", "xlogy",
    "deg2rad", "rad2deg", "positive", "signbit", "heaviside", "logaddexp", "logaddexp2",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "allclose", "isclose", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift", "floor_divide_rm",
]


# --- erf / erfc / erfinv on arrays (NOTE [special functions]) ------------------------------

def _build_erf():
    erf_v = np.frompyfunc(_m.erf, 1, 1)
    erfc_v = np.frompyfunc(_m.erfc, 1, 1)

    def small(t):  # erf(x)/x as a function of t = x^2 in [0, 1]
        x = np.sqrt(t)
        return erf_v(x).astype(np.float64) / x

    def scaled(x):
        return erfc_v(x).astype(np.float64) * np.exp(x * x)

    # degrees where the Chebyshev coefficients reach the reference's noise (~1e-16)
    p_small = _cheb.Chebyshev.interpolate(small, 13, domain=[0.0, 1.0]).convert(
        kind=np.polynomial.Polynomial).coef[::-1].tolist()
    pieces = []
    for lo, hi, deg in ((1.0, 2.0, 16), (2.0, 4.0, 18), (4.0, 8.0, 20)):
        c = _cheb.Chebyshev.interpolate(scaled, deg, domain=[lo, hi]).coef
        pieces.append((lo, hi, c))
    # asymptotic series of erfc(x) exp(x^2) x sqrt(pi) in u = 1/x^2 (x >= 8)
    asym = [1.0]
    for n in range(1, 18):
        asym.append(asym[-1] * -(2 * n - 1) / 2.0)
    return p_small, pieces, np.array(asym[::-1])


_ERF_SMALL, _ERFC_PIECES, _ERFC_ASYM = _build_erf()


def _work(x):
    """Evaluation dtype: float64 stays, everything else runs in float32 (torch's float32
    kernels are accurate to float32 ulps; NumPy's float32 exp is much faster)."""
    x = np.asarray(x)
    if x.dtype == np.float64:
        return x
    return x.astype(np.float32)


def _horner(coefs, t):
    r = np.full_like(t, coefs[0])
    for c in coefs[1:]:
        r *= t
        r += c
    return r


def _erf_small(x):
    """erf(x) for |x| < 1."""
    r = _horner(_ERF_SMALL, x * x)
    r *= x
    return r


def _erfc_pos(x):
    """erfc(x) for x >= 1 (float64 array)."""
    out = np.empty_like(x)
    for lo, hi, c in _ERFC_PIECES:
        m = (x >= lo) & (x < hi)
        if m.any():
            xm = x[m]
            out[m] = np.exp(-xm * xm) * _cheb.chebval((2.0 * xm - (lo + hi)) / (hi - lo),
                                                      c.astype(x.dtype))
    m = x >= 8.0
    if m.any():
        xm = x[m]
        u = 1.0 / (xm * xm)
        with np.errstate(under="ignore"):
            out[m] = np.exp(-xm * xm) / (xm * _SQRTPI) * np.polyval(
                _ERFC_ASYM.astype(x.dtype), u)
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out


def _erf64(x):
    x = _work(x)
    if x.ndim != 1:
        return _erf64(x.reshape(-1)).reshape(x.shape)
    ax = np.abs(x)
    small = ax < 1.0
    if small.all():
        return _erf_small(x)
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    big = ~small
    out[big] = np.copysign(1.0 - _erfc_pos(ax[big]), x[big])
    return out


def _erfc64(x):
    x = _work(x)
    if x.ndim != 1:
        return _erfc64(x.reshape(-1)).reshape(x.shape)
    out = np.empty_like(x)
    small = np.abs(x) < 1.0
    out[small] = 1.0 - _erf_small(x[small])
    pos = x >= 1.0
    out[pos] = _erfc_pos(x[pos])
    neg = x <= -1.0
    out[neg] = 2.0 - _erfc_pos(-x[neg])
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out


def _erfinv64(x):
    x = _work(x)
    if x.ndim != 1:
        return _erfinv64(x.reshape(-1)).reshape(x.shape)
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 0.147
        ln = np.log1p(-ax * ax)
        t = 2.0 / (_m.pi * a) + ln / 2.0
        y = np.sqrt(np.sqrt(t * t - ln / a) - t)
        for sel in (ax <= 0.5, (ax > 0.5) & (ax < 1.0)):
            if not sel.any():
                continue
            ys = y[sel]
            axs = ax[sel]
            near = axs[0] > 0.5
            tail = 1.0 - axs
            for _ in range(2):
                f = tail - _erfc64(ys) if near else _erf64(ys) - axs
                ys = ys - f / (_2_SQRTPI * np.exp(-ys * ys) + ys * f)
            y[sel] = ys
        y[ax == 1.0] = np.inf
        y[ax > 1.0] = np.nan
    return np.copysign(y, x)


def _in64(fn):
    def k(a):
        if a.dtype.kind == "c":  # erf/erfc/erfinv: torch has no complex kernel
            raise NotImplementedError(f'"{fn.__name__[:-2].lstrip("_")}_vml_cpu" not '
                                      f'implemented for \'{_cname(a.dtype)}\'')
        r = fn(a)
        return r.astype(a.dtype, copy=False) if a.dtype != np.float64 else r
    return k


# --- helpers -----------------------------------------------------------------------------

def _const(arr, like: Tensor) -> Tensor:
    """A constant (no history) tensor on ``like``'s device."""
    return _make(np.asarray(arr), like._device)


def _need(node, i) -> bool:
    return node.next_functions[i][0] is not None


def _tensor_dt(*arrays):
    for a in arrays:
        if isinstance(a, _ndarray):
            return a.dtype
    return None


def _cname(npdt) -> str:
    return "ComplexFloat" if npdt == np.complex64 else "ComplexDouble"


def _not_impl(kernel: str, a) -> None:
    name = _dt._BY_NP[a.dtype].name
    tn = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool"}.get(name, name)
    raise NotImplementedError(f'"{kernel}" not implemented for \'{tn}\'')


def _no_half(kernel: str, t: Tensor, autocast_op: str | None = None) -> None:
    """torch's CPU kernel ``kernel`` has no float16/bfloat16 version (unless autocast casts
    the inputs of ``autocast_op`` to float32 first)."""
    a = t._data
    if a.dtype in _dt.HALF_NP:
        if autocast_op is not None:
            from ..amp.autocast_mode import casts
            if casts(autocast_op, t):
                return
        _not_impl(kernel, a)


def _is_float(a) -> bool:
    return _dt.np_is_inexact(a.dtype)


def _check_zero_div(b) -> None:
    if isinstance(b, _ndarray):
        if b.dtype.kind in "iub" and not b.all():
            raise RuntimeError("ZeroDivisionError")
    elif not isinstance(b, float) and b == 0:
        raise RuntimeError("ZeroDivisionError")


def inplace(cls, self, *args, **params):
    """``apply_inplace`` (kept as a name: it also saves the original ``self`` when needed)."""
    return apply_inplace(cls, self, *args, **params)


# --- unary ops ----------------------------------------------------------------------------

def _unary(opname, fwd, bwd=None, *, promote=promote_float, save_in=True, save_out=False,
           zero_grad=False, cls_name=None):
    def forward(self, a):
        return fwd(a)

    if zero_grad:
        def backward(self, g):
            from .creation import zeros_like
            return (zeros_like(g),)
    elif bwd is None:
        backward = Op.backward
    else:
        def backward(self, g):
            if g._dtype.is_complex:  # holomorphic: torch's grad is conj(f'(z)) * g
                return (conj_if_complex(bwd(conj_if_complex(g), *self._unpack())),)
            return (bwd(g, *self._unpack()),)

    ns = {"name": opname, "promote": staticmethod(promote) if promote else None,
          "save": (0,) if save_in and bwd is not None else (),
          "save_out": save_out and bwd is not None, "forward": forward, "backward": backward}
    cname = cls_name or opname[0].upper() + opname[1:]
    return type(cname, (Op,), ns)


def _fwd_sigmoid(a):
    if not _dt.np_is_floating(a.dtype) or a.dtype.itemsize < 4:
        if a.dtype.kind == "c":
            return 1 / (1 + np.exp(-a))
        return _sigmoid_np(a.astype(np.float32)).astype(a.dtype)
    return _sigmoid_np(a)


def _sigmoid_np(a):
    # 1 / (1 + exp(-x)) keeps full relative accuracy; exp overflows only where the
    # result is 0 anyway
    with np.errstate(over="ignore"):
        e = np.negative(a, out=np.empty_like(a))
        np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)


def _abs_fwd(a):
    if a.dtype == np.bool_:
        _not_impl("abs_cpu", a)
    return np.abs(a)


def _sign_fwd(a):
    if a.dtype.kind in "bc":
        if a.dtype.kind == "c":
            raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support "
                                      "complex numbers. Please use torch.sgn instead.")
        return a.copy()
    return np.sign(a)


def _frac_fwd(a):
    if not _is_float(a):
        _not_impl("frac_cpu", a)
    return a - np.trunc(a)


def _rounder(fn):
    def f(a):
        if a.dtype.kind in "iubc":
            if a.dtype.kind == "c":
                raise NotImplementedError(f"{fn.__name__} is not supported for complex inputs")
            return a.copy()
        return fn(a)
    return f


Abs = _unary("abs", _abs_fwd, lambda g, x: g * sgn(x), promote=None)
Sign = _unary("sign", _sign_fwd, promote=None, zero_grad=True)
Exp2 = _unary("exp2", np.exp2, lambda g, out: g * (out * _LN2), save_in=False, save_out=True)
Expm1 = _unary("expm1", np.expm1, lambda g, out: g * (out + 1), save_in=False, save_out=True)
Log = _unary("log", np.log, lambda g, x: g / x)
Log2 = _unary("log2", np.log2, lambda g, x: g / (x * _LN2))
Log10 = _unary("log10", np.log10, lambda g, x: g / (x * _LN10))
Log1p = _unary("log1p", np.log1p, lambda g, x: g / (x + 1))
Sqrt = _unary("sqrt", np.sqrt, lambda g, out: g / (out * 2), save_in=False, save_out=True)
Rsqrt = _unary("rsqrt", lambda a: 1 / np.sqrt(a),
               lambda g, out: g * (out * out * out * -0.5), save_in=False, save_out=True)
Reciprocal = _unary("reciprocal", lambda a: 1 / a, lambda g, out: -g * (out * out),
                    save_in=False, save_out=True)
Sin = _unary("sin", np.sin, lambda g, x: g * cos(x))
Cos = _unary("cos", np.cos, lambda g, x: g * -sin(x))
Tan = _unary("tan", np.tan, lambda g, out: g * (out * out + 1), save_in=False, save_out=True)
Asin = _unary("asin", np.arcsin, lambda g, x: g * rsqrt(1 - x * x))
Acos = _unary("acos", np.arccos, lambda g, x: -g * rsqrt(1 - x * x))
Atan = _unary("atan", np.arctan, lambda g, x: g / (x * x + 1))
Sinh = _unary("sinh", np.sinh, lambda g, x: g * cosh(x))
Cosh = _unary("cosh", np.cosh, lambda g, x: g * sinh(x))
Tanh = _unary("tanh", np.tanh, lambda g, out: g * (1 - out * out), save_in=False,
              save_out=True)
Asinh = _unary("asinh", np.arcsinh, lambda g, x: g * rsqrt(x * x + 1))
Acosh = _unary("acosh", np.arccosh, lambda g, x: g * rsqrt(x * x - 1))
Atanh = _unary("atanh", np.arctanh, lambda g, x: g / (1 - x * x))
Sigmoid = _unary("sigmoid", _fwd_sigmoid, lambda g, out: g * (out * (1 - out)),
                 save_in=False, save_out=True)
Erf = _unary("erf", _in64(_erf64), lambda g, x: g * (exp(-(x * x)) * _2_SQRTPI))
Erfc = _unary("erfc", _in64(_erfc64), lambda g, x: g * (exp(-(x * x)) * -_2_SQRTPI))
Erfinv = _unary("erfinv", _in64(_erfinv64),
                lambda g, out: g * (exp(out * out) * (_SQRTPI / 2)), save_in=False,
                save_out=True)
Floor = _unary("floor", _rounder(np.floor), promote=None, zero_grad=True)
Ceil = _unary("ceil", _rounder(np.ceil), promote=None, zero_grad=True)
Trunc = _unary("trunc", _rounder(np.trunc), promote=None, zero_grad=True)
Frac = _unary("frac", _frac_fwd, lambda g, x: g, promote=None)
Deg2rad = _unary("deg2rad", lambda a: a * np.asarray(_m.pi / 180, a.dtype),
                 lambda g, x: g * (_m.pi / 180))
Rad2deg = _unary("rad2deg", lambda a: a * np.asarray(180 / _m.pi, a.dtype),
                 lambda g, x: g * (180 / _m.pi))


class Round(Op):
    name = "round"

    def forward(self, a, decimals=0):
        if a.dtype.kind in "iubc":
            if a.dtype.kind == "c":
                raise NotImplementedError(
                    f'"round_vml_cpu" not implemented for \'{_cname(a.dtype)}\'')
            if decimals:
                _not_impl("round_cpu", a)
            return a.copy()
        if decimals == 0:
            return np.rint(a)
        p = np.asarray(10.0 ** _bi.abs(decimals), a.dtype)
        if decimals > 0:
            return np.rint(a * p) / p
        return np.rint(a / p) * p

    def backward(self, g):
        from .creation import zeros_like
        return (zeros_like(g),)


class Logit(Op):
    name = "logit"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a, eps=None):
        self.eps = eps
        x = _dt.np_opmath(a)
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        return np.log(x / (1 - x)).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self._unpack()
        r = g / (x * (1 - x))
        eps = self.eps
        if eps is None:
            return (r,)
        xd = x._data
        mask = (xd < eps) | (xd > 1 - eps)
        return (_where_c(mask, 0.0, r),)


class NanToNum(Op):
    name = "nan_to_num"

    def forward(self, a, nan=0.0, posinf=None, neginf=None):
        if not _is_float(a):
            return a.copy()
        self.mask = np.isfinite(a)
        info = _dt.finfo(_dt._BY_NP[a.dtype])
        out = np.where(np.isnan(a), np.asarray(nan, a.dtype), a)
        out = np.where(out == np.inf, np.asarray(info.max if posinf is None else posinf,
                                                 a.dtype), out)
        return np.where(out == -np.inf, np.asarray(info.min if neginf is None else neginf,
                                                   a.dtype), out)

    def backward(self, g):
        return (g * _const(self.mask.astype(g._dtype.np), g),)


class Positive(Op):
    name = "positive"

    def forward(self, a):
        return a


# --- where --------------------------------------------------------------------------------

def _promote_where(args, arrays):
    rt = _result_dtype(args[1:])
    npdt = rt.np
    out = [arrays[0]]
    for a, arr in zip(args[1:], arrays[1:]):
        if isinstance(a, Tensor):
            out.append(arr if arr.dtype == npdt else arr.astype(npdt))
        else:
            out.append(np.asarray(arr, npdt))
    return out


class Where(Op):
    name = "where"
    _bw_name = "WhereBackward0"
    promote = staticmethod(_promote_where)

    def forward(self, c, a, b):
        if c.dtype != np.bool_:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_type_name(c)}")
        self.c = c
        if b.ndim == 0 and _maskable(a, c) and b == 0:
            return _keep(a, c)
        if a.ndim == 0 and _maskable(b, c) and a == 0:
            return _keep(b, ~c)
        return np.where(c, a, b)

    def backward(self, g):
        c = _const(self.c, g)
        return (None,
                apply(Where, c, g, 0.0) if _need(self, 1) else None,
                apply(Where, c, 0.0, g) if _need(self, 2) else None)


_INT_OF = {2: np.int16, 4: np.int32, 8: np.int64}


def _maskable(a, c) -> bool:
    return (isinstance(a, np.ndarray) and a.ndim > 0
            and _dt.np_is_floating(a.dtype)
            and isinstance(c, np.ndarray) and c.ndim > 0
            and np.broadcast_shapes(a.shape, c.shape) == a.shape)


def _keep(a, c):
    """``where(c, a, 0)`` as a bitwise AND with an all-ones/all-zeros mask: exact (NaNs
    kept where ``c``, zeros elsewhere) and ~10x faster than ``np.where`` with a scalar."""
    it = _INT_OF[a.dtype.itemsize]
    m = c.astype(it)
    np.negative(m, out=m)
    return np.bitwise_and(a.view(it), m).view(a.dtype)


def _where_c(mask, a, b):
    """where(mask, a, b) with a constant NumPy mask (backward helper)."""
    like = a if isinstance(a, Tensor) else b
    return apply(Where, _const(mask, like), a, b)


def _type_name(a) -> str:
    from .registry import _type_name as tn
    return tn(_dt._BY_NP[a.dtype])


# --- binary ops ---------------------------------------------------------------------------

def _float_only(kernel):
    def check(a):
        if isinstance(a, _ndarray) and not _is_float(a):
            _not_impl(kernel, a)
    return check


class Atan2(Op):
    name = "atan2"
    promote = staticmethod(promote_float)
    save = (0, 1)

    def forward(self, a, b):
        try:
            return np.arctan2(a, b)
        except TypeError:
            if a.dtype.kind == "c":
                raise NotImplementedError(
                    f'"atan2_cpu" not implemented for \'{_cname(a.dtype)}\'') from None
            raise

    def backward(self, g):
        a, b = self._unpack()
        d = a * a + b * b
        return (g * b / d if _need(self, 0) else None,
                g * -a / d if _need(self, 1) else None)


def _max_coefs(a, b, pick):
    """torch's maximum/minimum gradient split: 1 to the picked side, 1/2 each on ties."""
    eq = a == b
    ca = np.where(eq, 0.5, 1.0)
    cb = ca.copy() if isinstance(ca, _ndarray) else ca
    lose_a = a < b if pick == "max" else a > b
    lose_b = a > b if pick == "max" else a < b
    ca = np.where(lose_a, 0.0, ca)
    cb = np.where(lose_b, 0.0, cb)
    return ca, cb


class Maximum(Op):
    name = "maximum"
    promote = staticmethod(promote_same)
    _pick = "max"

    def forward(self, a, b):
        if self.__class__ is Maximum:
            r = np.maximum(a, b)
        else:
            r = np.minimum(a, b)
        d = r.dtype if isinstance(r, _ndarray) else np.asarray(r).dtype
        if d.kind == "f" or d == _dt.BF16_NP:
            self.ab = (a, b)
        elif d.kind == "c":
            raise RuntimeError(f"{self._pick}imum not implemented for complex tensors.")
        return r

    def backward(self, g):
        a, b = self.ab
        ca, cb = _max_coefs(a, b, self._pick)
        dt = g._dtype.np
        return (g * _const(ca.astype(dt), g) if _need(self, 0) else None,
                g * _const(cb.astype(dt), g) if _need(self, 1) else None)

    def _release(self):
        self.ab = None


class Minimum(Maximum):
    name = "minimum"
    _pick = "min"


class Fmax(Op):
    name = "fmax"
    promote = staticmethod(promote_same)

    def forward(self, a, b):
        big = self.op_name == "fmax"
        r = np.fmax(a, b) if big else np.fmin(a, b)
        if _is_float(r):
            m = ((a >= b) if big else (a <= b)) | np.isnan(b)
            self.m = m
        return r

    def backward(self, g):
        m = self.m
        dt = g._dtype.np
        return (g * _const(m.astype(dt), g) if _need(self, 0) else None,
                g * _const((~m).astype(dt), g) if _need(self, 1) else None)


class Fmin(Fmax):
    name = "fmin"


class Fmod(Op):
    name = "fmod"
    promote = staticmethod(promote_same_scalar_t)
    save = (0, 1)

    def forward(self, a, b):
        _check_zero_div(b)
        try:
            if self.op_name == "fmod":
                return np.fmod(a, b)
            return np.remainder(a, b)
        except TypeError:
            dt = _tensor_dt(a, b)
            if dt is not None and dt.kind == "c":
                kernel = "fmod_cpu" if self.op_name == "fmod" else "remainder_cpu"
                raise NotImplementedError(
                    f'"{kernel}" not implemented for \'{_cname(dt)}\'') from None
            raise

    def backward(self, g):
        gb = None
        if _need(self, 1):
            a, b = (x._data if isinstance(x, Tensor) else x for x in self._unpack())
            with np.errstate(all="ignore"):
                q = np.trunc(a / b) if self.op_name == "fmod" else np.floor_divide(a, b)
            gb = -g * _const(np.asarray(q, g._dtype.np), g)
        return (g if _need(self, 0) else None), gb


class Remainder(Fmod):
    name = "remainder"


class RemainderScalarSelf(Op):
    name = "remainder_scalar_self"
    _bw_name = "RemainderBackward1"
    promote = staticmethod(promote_same_scalar_t)

    def forward(self, a, b):
        _check_zero_div(b)
        return np.remainder(a, b)


class Hypot(Op):
    name = "hypot"
    promote = staticmethod(promote_same)
    save = (0, 1)
    save_out = True

    def forward(self, a, b):
        for x in (a, b):
            if isinstance(x, _ndarray) and not _is_float(x):
                _not_impl("hypot_cpu", x)
        return np.hypot(a, b)

    def backward(self, g):
        a, b, out = self._unpack()
        return (g * a / out if _need(self, 0) else None,
                g * b / out if _need(self, 1) else None)


class Logaddexp(Op):
    name = "logaddexp"
    promote = staticmethod(promote_same)
    save = (0, 1)

    def forward(self, a, b):
        for x in (a, b):
            if isinstance(x, _ndarray) and not _is_float(x):
                _not_impl(self.op_name + "_cpu", x)
        return np.logaddexp(a, b) if self.op_name == "logaddexp" else np.logaddexp2(a, b)

    def backward(self, g):
        a, b = self._unpack()
        e = exp if self.op_name == "logaddexp" else exp2
        return (g / (e(b - a) + 1) if _need(self, 0) else None,
                g / (e(a - b) + 1) if _need(self, 1) else None)


class Logaddexp2(Logaddexp):
    name = "logaddexp2"


class Copysign(Op):
    name = "copysign"
    promote = staticmethod(promote_float)

    def forward(self, a, b):
        r = np.copysign(a, b)
        if isinstance(a, _ndarray):
            with np.errstate(all="ignore"):
                ratio = np.where(a == 0, 0, r / np.where(a == 0, 1, a))
            self.ratio = ratio
        return r

    def backward(self, g):
        from .creation import zeros_like
        ga = g * _const(self.ratio.astype(g._dtype.np), g) if _need(self, 0) else None
        return ga, (zeros_like(g) if _need(self, 1) else None)


class Xlogy(Op):
    name = "xlogy"
    promote = staticmethod(promote_float)
    save = (0, 1)

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
        dt = _tensor_dt(a, b)
        return r.astype(dt, copy=False)

    def backward(self, g):
        a, b = self._unpack()
        ga = gb = None
        if _need(self, 0):
            ga = g * log(b)
            ad = a._data if isinstance(a, Tensor) else a
            bd = b._data if isinstance(b, Tensor) else b
            mask = (np.asarray(ad) == 0) & (np.asarray(bd) <= 0)
            if mask.any():
                ga = _where_c(mask, 0.0, ga)
        if _need(self, 1):
            gb = g * a / b
        return ga, gb


class Heaviside(Op):
    name = "heaviside"

    def forward(self, a, b):
        if a.dtype != b.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different "
                               "dtypes")
        return np.where(a == 0, b, a > 0).astype(a.dtype)


class Lerp(Op):
    name = "lerp"
    save = (0, 1, 2)

    def forward(self, a, b, w):
        if a.dtype != b.dtype:
            raise RuntimeError(f"expected dtype {_dt._BY_NP[a.dtype]} for `end` but got dtype "
                               f"{_dt._BY_NP[b.dtype]}".replace("ember.", ""))
        if isinstance(w, _ndarray):
            if w.dtype != a.dtype:
                raise RuntimeError(f"expected dtype {_dt._BY_NP[a.dtype]} for `weight` but got "
                                   f"dtype {_dt._BY_NP[w.dtype]}".replace("ember.", ""))
            d = b - a
            return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))
        w = np.asarray(w, a.dtype)
        if _bi.abs(w.item()) < 0.5:
            return a + w * (b - a)
        return b - (b - a) * (1 - w)

    def backward(self, g):
        a, b, w = self._unpack()
        return (g * (1 - w) if _need(self, 0) else None,
                g * w if _need(self, 1) else None,
                g * (b - a) if _need(self, 2) else None)


class Addcmul(Op):
    name = "addcmul"
    promote = staticmethod(promote_same)
    save = (1, 2)

    def forward(self, a, t1, t2, value=1):
        self.value = value
        p = t1 * t2
        return a + (p if value == 1 else p * np.asarray(value, p.dtype))

    def backward(self, g):
        t1, t2 = self._unpack()
        v = self.value
        gv = g if v == 1 else g * v
        return (g if _need(self, 0) else None,
                gv * t2 if _need(self, 1) else None,
                gv * t1 if _need(self, 2) else None)


class Addcdiv(Op):
    name = "addcdiv"
    promote = staticmethod(promote_same)
    save = (1, 2)

    def forward(self, a, t1, t2, value=1):
        if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
        self.value = value
        q = t1 / t2
        return a + (q if value == 1 else q * np.asarray(value, q.dtype))

    def backward(self, g):
        t1, t2 = self._unpack()
        v = self.value
        gv = g if v == 1 else g * v
        return (g if _need(self, 0) else None,
                gv / t2 if _need(self, 1) else None,
                -gv * t1 / (t2 * t2) if _need(self, 2) else None)


class Clamp(Op):
    name = "clamp"
    promote = staticmethod(promote_same)
    save = (0, 1, 2)

    def forward(self, a, lo, hi):
        if a.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        if lo is None:
            return np.minimum(a, hi)
        if hi is None:
            return np.maximum(a, lo)
        return np.minimum(np.maximum(a, lo), hi)

    def backward(self, g):
        x, lo, hi = self._unpack()
        xd = x._data
        lod = lo._data if isinstance(lo, Tensor) else lo
        hid = hi._data if isinstance(hi, Tensor) else hi
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if _need(self, 0):
                gx = _where_c((xd >= lod) & (xd <= hid), g, 0.0)
            if _need(self, 1):
                glo = _where_c((xd < lod) & (lod < hid), g, 0.0)
            if _need(self, 2):
                ghi = _where_c((xd > hid) | (hid < lod), g, 0.0)
        elif lo is not None:
            if _need(self, 0):
                gx = _where_c(xd >= lod, g, 0.0)
            if _need(self, 1):
                glo = _where_c(xd < lod, g, 0.0)
        else:
            if _need(self, 0):
                gx = _where_c(xd <= hid, g, 0.0)
            if _need(self, 2):
                ghi = _where_c(xd > hid, g, 0.0)
        return gx, glo, ghi


# --- pow ----------------------------------------------------------------------------------

def _int_pow(a, b):
    """Integer power with torch's semantics for negative exponents (1, -1 or 0)."""
    neg = b < 0
    if not np.any(neg):
        return np.power(a, b)
    r = np.power(a, np.where(neg, 0, b))
    alt = np.where(np.asarray(b) % 2 == 0, 1, -1)
    special = np.where(a == 1, 1, np.where(a == -1, alt, 0))
    return np.where(neg, special, r).astype(r.dtype, copy=False)


def _pow_kernel(a, b):
    dt = _tensor_dt(a, b)
    if dt == np.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if dt.kind in "iu":
        return np.asarray(_int_pow(a, b)).astype(dt, copy=False)
    if not isinstance(b, _ndarray):
        if b == 2:
            return a * a
        if b == 0.5:
            return np.sqrt(a)
        if b == 1:
            return a.copy()
    return np.power(a, b)


class PowTensorScalar(Op):
    name = "pow"
    _bw_name = "PowBackward0"
    promote = staticmethod(promote_same)
    save = (0,)

    def forward(self, a, e):
        if a.dtype.kind in "iub" and not isinstance(e, float) and e < 0:
            if a.dtype.kind != "b":
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        if a.dtype == np.bool_ and isinstance(e, bool):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        self.e = e
        return _pow_kernel(a, e)

    def backward(self, g):
        (a,) = self._unpack()
        e = self.e
        if e == 0:
            from .creation import zeros_like
            return (zeros_like(g), None)
        if e == 2:
            return (g * (a * 2), None)
        return (g * (pow(a, e - 1) * e), None)


class PowTensorTensor(Op):
    name = "pow_tensor"
    _bw_name = "PowBackward1"
    promote = staticmethod(promote_same)
    save = (0, 1)
    save_out = True

    def forward(self, a, b):
        return _pow_kernel(a, b)

    def backward(self, g):
        a, b, out = self._unpack()
        ga = gb = None
        if _need(self, 0):
            ga = g * (b * pow(a, b - 1))
            bd = b._data
            if (bd == 0).any():
                ga = _where_c(bd == 0, 0.0, ga)
        if _need(self, 1):
            gb = g * (out * log(a))
            m = (a._data == 0) & (b._data >= 0)
            if m.any():
                gb = _where_c(m, 0.0, gb)
        return ga, gb


class PowScalarTensor(Op):
    name = "pow_scalar"
    _bw_name = "PowBackward2"
    promote = staticmethod(promote_same)
    save = (1,)
    save_out = True

    def forward(self, base, b):
        self.base = base
        if b.dtype.kind in "iu":
            return np.asarray(_int_pow(np.asarray(base, b.dtype), b))
        if b.dtype == np.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        return np.power(np.asarray(base, b.dtype), b)

    def backward(self, g):
        b, out = self._unpack()
        base = self.base
        if base == 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(b._data >= 0, 0.0, out._data * -np.inf)
            return None, g * _const(r.astype(g._dtype.np), g)
        return None, g * (out * _m.log(base))


for _c in (PowTensorScalar, PowTensorTensor, PowScalarTensor, Lerp, Addcmul, Addcdiv):
    _c.backward = holomorphic_backward(_c.backward)


class _PromoteDouble:
    @staticmethod
    def promote(args, arrays):
        cplx = any(isinstance(a, Tensor) and a._dtype.is_complex or isinstance(a, complex)
                   for a in args)
        dt = np.complex128 if cplx else np.float64
        return [arr.astype(dt) if isinstance(a, Tensor) and arr.dtype != dt else arr
                for a, arr in zip(args, arrays)]


class FloatPowerTensorScalar(PowTensorScalar):
    name = "float_power"
    promote = _PromoteDouble.promote


class FloatPowerTensorTensor(PowTensorTensor):
    name = "float_power_tensor"
    promote = _PromoteDouble.promote


class FloatPowerScalarTensor(PowScalarTensor):
    name = "float_power_scalar"
    promote = _PromoteDouble.promote

    def forward(self, base, b):
        return super().forward(float(base), b)


# --- division variants --------------------------------------------------------------------

def _div_floor(a, b):
    k = _tensor_dt(a, b).kind
    if k in "iubc":
        if k == "c":
            raise NotImplementedError(
                f'"div_floor_cpu" not implemented for \'{_cname(_tensor_dt(a, b))}\'')
        _check_zero_div(b)
        return np.floor_divide(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(a, b)


def _div_trunc(a, b):
    if _tensor_dt(a, b).kind in "iub":
        _check_zero_div(b)
        q = np.floor_divide(a, b)
        fix = (np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))
        return (q + fix).astype(q.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(a / b)


class FloorDivide(Op):
    name = "floor_divide"
    promote = staticmethod(promote_same)

    def forward(self, a, b):
        if _tensor_dt(a, b) == np.bool_:
            a = np.asarray(a, np.int64)
        return _div_floor(a, b)


class DivMode(Op):
    name = "div_rounding"
    _bw_name = "DivBackward2"
    promote = staticmethod(promote_same)

    def forward(self, a, b, mode):
        r = _div_trunc(a, b) if mode == "trunc" else _div_floor(a, b)
        if _tensor_dt(a, b) == np.bool_:
            r = r.astype(np.int64)
        return r

    def backward(self, g):
        from .creation import zeros_like
        z = zeros_like(g)
        return (z if _need(self, 0) else None), (z if _need(self, 1) else None)


def floor_divide_rm(input, other, rounding_mode):
    """``div(input, other, rounding_mode=...)`` for 'trunc' and 'floor'."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    if not isinstance(input, Tensor):
        from .creation import tensor
        input = tensor(input, device=other.device)
    return apply(DivMode, input, other, mode=rounding_mode)


# --- comparisons, logical, bitwise ---------------------------------------------------------

def _cmp(opname, ufunc, ordered=False):
    if ordered:  # torch has no order on complex numbers (NumPy's is lexicographic)
        def forward(self, a, b):
            if a.dtype.kind == "c":
                raise NotImplementedError(
                    f'"{opname}_cpu" not implemented for '
                    f"'{'ComplexDouble' if a.dtype.itemsize == 16 else 'ComplexFloat'}'")
            return ufunc(a, b)
    else:
        def forward(self, a, b):
            return ufunc(a, b)
    return type(opname.capitalize(), (Op,), {"name": opname, "promote": staticmethod(
        promote_same), "differentiable": False, "forward": forward})


Eq = _cmp("eq", np.equal)
Ne = _cmp("ne", np.not_equal)
Lt = _cmp("lt", np.less, ordered=True)
Le = _cmp("le", np.less_equal, ordered=True)
Gt = _cmp("gt", np.greater, ordered=True)
Ge = _cmp("ge", np.greater_equal, ordered=True)


def _logical(opname, ufunc):
    def forward(self, a, b):
        return ufunc(a, b)
    return type("Logical" + opname.capitalize(), (Op,), {"name": "logical_" + opname,
                                                          "differentiable": False,
                                                          "forward": forward})


LogicalAnd = _logical("and", np.logical_and)
LogicalOr = _logical("or", np.logical_or)
LogicalXor = _logical("xor", np.logical_xor)


class LogicalNot(Op):
    name = "logical_not"
    differentiable = False

    def forward(self, a):
        return np.logical_not(a)


def _bitwise(opname, ufunc, kernel):
    def forward(self, a, b):
        for x in (a, b):
            if isinstance(x, _ndarray) and x.dtype.kind not in "iub":
                _not_impl(kernel, x)
        dt = _tensor_dt(a, b)
        return np.asarray(ufunc(a, b)).astype(dt, copy=False)
    return type("Bitwise" + opname.capitalize(), (Op,), {
        "name": "bitwise_" + opname, "promote": staticmethod(promote_same),
        "differentiable": False, "forward": forward})


BitwiseAnd = _bitwise("and", np.bitwise_and, "bitwise_and_cpu")
BitwiseOr = _bitwise("or", np.bitwise_or, "bitwise_or_cpu")
BitwiseXor = _bitwise("xor", np.bitwise_xor, "bitwise_xor_cpu")


def _shift_fwd(left):
    kernel = "lshift_cpu" if left else "rshift_cpu"

    def forward(self, a, b):
        for x in (a, b):
            if isinstance(x, _ndarray) and x.dtype.kind not in "iu":
                _not_impl(kernel, x)
        dt = np.dtype(_tensor_dt(a, b))
        bits = dt.itemsize * 8
        a = np.asarray(a, dt)
        b = np.asarray(b, dt)
        bad = (b < 0) | (b >= bits)
        bs = np.where(bad, 0, b).astype(dt)
        if left or dt.kind == "u":
            r = np.where(bad, 0, (np.left_shift if left else np.right_shift)(a, bs))
        else:
            r = np.where(bad, np.right_shift(a, np.asarray(bits - 1, dt)),
                         np.right_shift(a, bs))
        return np.asarray(r).astype(dt, copy=False)
    return forward


class BitwiseLeftShift(Op):
    name = "bitwise_left_shift"
    promote = staticmethod(promote_same)
    differentiable = False
    forward = _shift_fwd(True)


class BitwiseRightShift(Op):
    name = "bitwise_right_shift"
    promote = staticmethod(promote_same)
    differentiable = False
    forward = _shift_fwd(False)


class BitwiseNot(Op):
    name = "bitwise_not"
    differentiable = False

    def forward(self, a):
        if a.dtype.kind not in "iub":
            _not_impl("bitwise_not_cpu", a)
        return np.invert(a)


def _pred(opname, fn):
    def forward(self, a):
        return fn(a)
    return type(opname.capitalize(), (Op,), {"name": opname, "differentiable": False,
                                              "forward": forward})


def _float_pred(fn, default):
    def f(a):
        if _is_float(a):
            return fn(a)
        return np.full(a.shape, default)
    return f


Isnan = _pred("isnan", _float_pred(np.isnan, False))
Isinf = _pred("isinf", _float_pred(np.isinf, False))
Isposinf = _pred("isposinf", _float_pred(np.isposinf, False))
Isneginf = _pred("isneginf", _float_pred(np.isneginf, False))
Isfinite = _pred("isfinite", _float_pred(np.isfinite, True))
Isreal = _pred("isreal", lambda a: np.isreal(a) if a.dtype.kind == "c"
               else np.ones(a.shape, np.bool_))
Signbit = _pred("signbit", lambda a: np.signbit(a) if a.dtype.kind != "b"
                else np.zeros(a.shape, np.bool_))


class Isclose(Op):
    name = "isclose"
    differentiable = False

    def forward(self, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        if a.dtype != b.dtype:
            raise RuntimeError(f"{_type_name(a)} did not match {_type_name(b)}")
        if a.dtype == np.bool_:
            return np.equal(a, b)
        if a.dtype.kind in "iu":
            a = a.astype(np.float64)
            b = b.astype(np.float64)
        return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


# --- public functions ---------------------------------------------------------------------

def _t(x):
    """Scalars pass through, NumPy arrays become tensors."""
    if isinstance(x, _ndarray):
        from .creation import as_tensor
        return as_tensor(x)
    return x


def _u(cls):
    def f(input, *, out=None):
        return _out(apply(cls, input), out)
    f.__name__ = cls.op_name
    return f


abs = _u(Abs)  # noqa: A001
absolute = abs
sign = _u(Sign)
sgn = _u(Sgn)
exp2 = _u(Exp2)
expm1 = _u(Expm1)
log = _u(Log)
log2 = _u(Log2)
log10 = _u(Log10)
log1p = _u(Log1p)
sqrt = _u(Sqrt)
rsqrt = _u(Rsqrt)
reciprocal = _u(Reciprocal)
sin = _u(Sin)
cos = _u(Cos)
tan = _u(Tan)
asin = arcsin = _u(Asin)
acos = arccos = _u(Acos)
atan = arctan = _u(Atan)
sinh = _u(Sinh)
cosh = _u(Cosh)
tanh = _u(Tanh)
asinh = arcsinh = _u(Asinh)
acosh = arccosh = _u(Acosh)
atanh = arctanh = _u(Atanh)
sigmoid = _u(Sigmoid)
erf = _u(Erf)
erfc = _u(Erfc)
erfinv = _u(Erfinv)
floor = _u(Floor)
ceil = _u(Ceil)
trunc = fix = _u(Trunc)
frac = _u(Frac)
deg2rad = _u(Deg2rad)
rad2deg = _u(Rad2deg)
isnan = _u(Isnan)
isinf = _u(Isinf)
isposinf = _u(Isposinf)
isneginf = _u(Isneginf)
isfinite = _u(Isfinite)
isreal = _u(Isreal)
signbit = _u(Signbit)
logical_not = _u(LogicalNot)
bitwise_not = _u(BitwiseNot)


def exp(input, *, out=None):
    from .elementwise import exp as _exp
    return _exp(input, out=out)


def square(input, *, out=None):
    return _out(pow(input, 2), out)


def round(input, *, decimals=0, out=None):  # noqa: A001
    return _out(apply(Round, input, decimals=decimals), out)


def logit(input, eps=None, *, out=None):
    return _out(apply(Logit, input, eps=eps), out)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    return _out(apply(NanToNum, input, nan=nan, posinf=posinf, neginf=neginf), out)


def positive(input):
    if input._dtype is _dt.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _b(cls, scalar_self=False):
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor) and not scalar_self:
            raise TypeError(f"{cls.op_name}(): argument 'input' (position 1) must be Tensor, "
                            f"not {type(input).__name__}")
        return _out(apply(cls, input, _t(other)), out)
    f.__name__ = cls.op_name
    return f


def _scalar_tensor(x, like):
    """A Python number as a 0-d tensor (torch wraps scalar ``self`` this way)."""
    from .creation import tensor
    return tensor(x, device=like.device)


atan2 = arctan2 = _b(Atan2)
maximum = _b(Maximum)
minimum = _b(Minimum)
fmax = _b(Fmax)
fmin = _b(Fmin)
hypot = _b(Hypot)
logaddexp = _b(Logaddexp)
logaddexp2 = _b(Logaddexp2)
copysign = _b(Copysign)
heaviside = _b(Heaviside)
eq = _b(Eq)
ne = not_equal = _b(Ne)
lt = less = _b(Lt)
le = less_equal = _b(Le)
gt = greater = _b(Gt)
ge = greater_equal = _b(Ge)
logical_and = _b(LogicalAnd)
logical_or = _b(LogicalOr)
logical_xor = _b(LogicalXor)
bitwise_and = _b(BitwiseAnd, True)
bitwise_or = _b(BitwiseOr, True)
bitwise_xor = _b(BitwiseXor, True)
bitwise_left_shift = _b(BitwiseLeftShift, True)
bitwise_right_shift = _b(BitwiseRightShift, True)


def fmod(input, other, *, out=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return _out(apply(Fmod, input, _t(other)), out)


def remainder(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return _out(apply(RemainderScalarSelf, input, other), out)
    return _out(apply(Remainder, input, _t(other)), out)


def floor_divide(input, other, *, out=None):
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, other)
    return _out(apply(FloorDivide, input, _t(other)), out)


def xlogy(input, other, *, out=None):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): argument 'input' must be Tensor")
    return _out(apply(Xlogy, input, _t(other)), out)


def pow(input, exponent, *, out=None):  # noqa: A001
    if not isinstance(input, Tensor):
        return _out(apply(PowScalarTensor, input, exponent), out)
    if isinstance(exponent, Tensor):
        return _out(apply(PowTensorTensor, input, exponent), out)
    return _out(apply(PowTensorScalar, input, exponent), out)


def float_power(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return _out(apply(FloatPowerScalarTensor, input, exponent), out)
    if isinstance(exponent, Tensor):
        return _out(apply(FloatPowerTensorTensor, input, exponent), out)
    return _out(apply(FloatPowerTensorScalar, input, exponent), out)


def _clamp_check(min, max):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    _clamp_check(min, max)
    return _out(apply(Clamp, input, _t(min), _t(max)), out)


clip = clamp


def clamp_min(input, min, *, out=None):  # noqa: A002
    return _out(apply(Clamp, input, _t(min), None), out)


def clamp_max(input, max, *, out=None):  # noqa: A002
    return _out(apply(Clamp, input, None, _t(max)), out)


def lerp(input, end, weight, *, out=None):
    return _out(apply(Lerp, input, end, _t(weight)), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return _out(apply(Addcmul, input, tensor1, tensor2, value=value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    return _out(apply(Addcdiv, input, tensor1, tensor2, value=value), out)


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        c = condition._data
        return tuple(_make(np.ascontiguousarray(i, dtype=np.int64), condition._device)
                     for i in np.nonzero(c))
    return _out(apply(Where, condition, _t(input), _t(other)), out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return apply(Isclose, input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    if input.shape != other.shape:
        return False
    return bool(apply(Eq, input, other)._data.all())


# --- Tensor methods and operators ---------------------------------------------------------

def _bind_methods() -> None:
    g = globals()
    for n in __all__:
        if n not in ("floor_divide_rm", "where", "equal", "allclose", "isclose"):
            setattr(Tensor, n, g[n])
    Tensor.where = lambda self, condition, other: where(condition, self, other)
    Tensor.equal = equal
    Tensor.allclose = allclose
    Tensor.isclose = isclose
    Tensor.exp2 = exp2

    def ip(cls, **fixed):
        def f(self, *args, **kw):
            kw.update(fixed)
            return inplace(cls, self, *[_t(a) for a in args], **kw)
        return f

    for n, cls in (("abs", Abs), ("absolute", Abs), ("sign", Sign), ("sgn", Sgn),
                   ("exp2", Exp2), ("expm1", Expm1), ("log", Log), ("log2", Log2),
                   ("log10", Log10), ("log1p", Log1p), ("sqrt", Sqrt), ("rsqrt", Rsqrt),
                   ("reciprocal", Reciprocal), ("sin", Sin), ("cos", Cos), ("tan", Tan),
                   ("asin", Asin), ("acos", Acos), ("atan", Atan), ("arcsin", Asin),
                   ("arccos", Acos), ("arctan", Atan), ("sinh", Sinh), ("cosh", Cosh),
                   ("tanh", Tanh), ("asinh", Asinh), ("acosh", Acosh), ("atanh", Atanh),
                   ("arcsinh", Asinh), ("arccosh", Acosh), ("arctanh", Atanh),
                   ("sigmoid", Sigmoid), ("erf", Erf), ("erfc", Erfc), ("erfinv", Erfinv),
                   ("floor", Floor), ("ceil", Ceil), ("trunc", Trunc), ("fix", Trunc),
                   ("frac", Frac), ("deg2rad", Deg2rad), ("rad2deg", Rad2deg),
                   ("atan2", Atan2), ("arctan2", Atan2), ("hypot", Hypot),
                   ("logaddexp", Logaddexp), ("copysign", Copysign), ("xlogy", Xlogy),
                   ("heaviside", Heaviside), ("fmod", Fmod), ("remainder", Remainder),
                   ("floor_divide", FloorDivide), ("logical_and", LogicalAnd),
                   ("logical_or", LogicalOr), ("logical_xor", LogicalXor),
                   ("logical_not", LogicalNot), ("bitwise_and", BitwiseAnd),
                   ("bitwise_or", BitwiseOr), ("bitwise_xor", BitwiseXor),
                   ("bitwise_not", BitwiseNot), ("bitwise_left_shift", BitwiseLeftShift),
                   ("bitwise_right_shift", BitwiseRightShift), ("eq", Eq), ("ne", Ne),
                   ("lt", Lt), ("le", Le), ("gt", Gt), ("ge", Ge), ("not_equal", Ne),
                   ("less", Lt), ("less_equal", Le), ("greater", Gt),
                   ("greater_equal", Ge)):
        setattr(Tensor, n + "_", ip(cls))
    Tensor.round_ = lambda self, *, decimals=0: inplace(Round, self, decimals=decimals)
    Tensor.logit_ = lambda self, eps=None: inplace(Logit, self, eps=eps)
    Tensor.nan_to_num_ = lambda self, nan=0.0, posinf=None, neginf=None: inplace(
        NanToNum, self, nan=nan, posinf=posinf, neginf=neginf)
    Tensor.square_ = lambda self: inplace(PowTensorScalar, self, 2)
    Tensor.pow_ = _pow_
    Tensor.__ipow__ = _pow_
    Tensor.float_power_ = _float_power_
    Tensor.lerp_ = lambda self, end, weight: inplace(Lerp, self, end, _t(weight))
    Tensor.addcmul_ = lambda self, tensor1, tensor2, *, value=1: inplace(
        Addcmul, self, tensor1, tensor2, value=value)
    Tensor.addcdiv_ = lambda self, tensor1, tensor2, *, value=1: inplace(
        Addcdiv, self, tensor1, tensor2, value=value)
    Tensor.clamp_ = Tensor.clip_ = _clamp_
    Tensor.clamp_min_ = lambda self, min: inplace(Clamp, self, _t(min), None)  # noqa: A002
    Tensor.clamp_max_ = lambda self, max: inplace(Clamp, self, None, _t(max))  # noqa: A002

    # operators
    Tensor.__pow__ = pow
    Tensor.__rpow__ = lambda self, other: apply(PowScalarTensor, other, self)
    Tensor.__mod__ = remainder
    Tensor.__rmod__ = lambda self, other: apply(RemainderScalarSelf, other, self)
    Tensor.__imod__ = ip(Remainder)
    Tensor.__floordiv__ = floor_divide
    Tensor.__rfloordiv__ = lambda self, other: floor_divide(other, self)
    Tensor.__ifloordiv__ = ip(FloorDivide)
    Tensor.__abs__ = abs
    Tensor.__pos__ = positive
    Tensor.__invert__ = _invert
    for op, cls in (("eq", Eq), ("ne", Ne), ("lt", Lt), ("le", Le), ("gt", Gt), ("ge", Ge)):
        setattr(Tensor, f"__{op}__", _cmp_operator(cls))
    Tensor.__hash__ = Tensor.__dict__.get("__hash__") or (lambda self: id(self))
    for op, cls in (("and", BitwiseAnd), ("or", BitwiseOr), ("xor", BitwiseXor),
                    ("lshift", BitwiseLeftShift), ("rshift", BitwiseRightShift)):
        setattr(Tensor, f"__{op}__", _bit_operator(cls))
        setattr(Tensor, f"__i{op}__", ip(cls))
    for op, cls in (("and", BitwiseAnd), ("or", BitwiseOr), ("xor", BitwiseXor),
                    ("lshift", BitwiseLeftShift), ("rshift", BitwiseRightShift)):
        setattr(Tensor, f"__r{op}__", _bit_operator(cls, True))


_NUMBER = (int, float, bool, complex, np.number, np.bool_)


def _cmp_operator(cls):
    def f(self, other):
        if isinstance(other, Tensor):
            return apply(cls, self, other)
        if isinstance(other, _NUMBER):
            return apply(cls, self, other)
        if isinstance(other, _ndarray):
            return apply(cls, self, _t(other))
        return NotImplemented
    return f


def _bit_operator(cls, reflected=False):
    def f(self, other):
        if not isinstance(other, (Tensor,) + _NUMBER):
            if isinstance(other, _ndarray):
                other = _t(other)
            else:
                return NotImplemented
        if reflected:
            return apply(cls, other, self)
        return apply(cls, self, other)
    return f


def _invert(self):
    return apply(BitwiseNot, self)


def _pow_(self, exponent):
    if isinstance(exponent, Tensor):
        return inplace(PowTensorTensor, self, exponent)
    return inplace(PowTensorScalar, self, exponent)


def _float_power_(self, exponent):
    if self._dtype is not _dt.float64 and self._dtype is not _dt.complex128:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_type_name(self._data)} but the operation's result requires "
                           f"dtype Double")
    if isinstance(exponent, Tensor):
        return inplace(FloatPowerTensorTensor, self, exponent)
    return inplace(FloatPowerTensorScalar, self, exponent)


def _clamp_(self, min=None, max=None):  # noqa: A002
    _clamp_check(min, max)
    return inplace(Clamp, self, _t(min), _t(max))


_bind_methods()
