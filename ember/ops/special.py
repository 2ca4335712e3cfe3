"""Special functions (torch's ``lgamma``, ``digamma``, ``polygamma`` ... and the kernels
behind ``ember.special``): forward on arrays, backward in ember ops, side by side.  The
float64 array kernels themselves are in ``ember.ops._special_kernels``.

NOTE [special function kernels]
Every kernel works on float64 NumPy arrays, vectorized (loops run over a handful of
recurrence or series steps, never over elements); float32/float16/bfloat16 inputs are
computed in float64 and rounded once.  The algorithms:

- ``lgamma``: Taylor series of ``lgamma(2 + z)`` in ``z`` (coefficients
  ``(-1)^k (zeta(k) - 1) / k``, built at import from ``_zeta``) on ``|z| <= 1/2``, the
  recurrence ``Gamma(x + 1) = x Gamma(x)`` to reach that interval from ``(-1/2, 10.5)``,
  Stirling's series beyond, and the reflection formula for ``x <= -1/2``.
- ``digamma``: the recurrence up to ``x >= 10`` and the asymptotic series there
  (Bernoulli numbers), the reflection formula for ``x < 0``.
- ``polygamma(n, x)`` (``n >= 1``): ``(-1)^(n+1) n! zeta(n + 1, x)`` with the Hurwitz zeta
  of Cephes' shape (a direct sum until ``q + k > 9``, then Euler-Maclaurin); ``n = 1``
  reflects ``x < 1/2`` first, as torch's ``trigamma``.
- ``i0/i0e/i1/i1e``: the power series in ``x^2/4`` below ``|x| = 20``, the asymptotic series
  of ``exp(-x) I_nu(x)`` above (its smallest term is ~``e^-2x``).
- ``bessel_j0/j1``: the power series below 1, Miller's backward recurrence (normalized
  with ``J0 + 2 sum J_2k = 1``) on ``[1, 25)``, Hankel's asymptotic series beyond.
- ``erfcx``/``ndtr``/``log_ndtr``: the erfc pieces of ``ember.ops.math`` kept in their
  scaled form; ``ndtri``: Acklam's rational guess and three Halley steps on ``ndtr``.
- ``igamma``/``igammac``: the power series of P (``x < a + 1``) or the continued fraction
  of Q (modified Lentz), with the prefactor ``x^a e^-x / Gamma(a)`` formed from
  ``log1p(d) - d`` and Stirling's correction for ``a >= 10`` (no cancellation of large
  logarithms).
Values at poles, infinities and NaN follow torch's CPU kernels; where torch's kernel is
less accurate (trigamma's 4-term series, bessel_j0/j1, ndtr's tail, igamma for a > 20)
ember keeps full accuracy (tests/special measures both against mpmath).
"""

from __future__ import annotations

import math as _m

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.engine import should_compute_output
from . import math as _mt
from ._special_kernels import (
    _LOG_PI,
    _PI,
    _SQRT2PI,
    _bessel_i64,
    _bessel_j64,
    _digamma64,
    _entr_np,
    _erfcx64,
    _igamma64,
    _lgamma64,
    _log_ndtr64,
    _ndtr64,
    _ndtri64,
    _polygamma64,
    _sinc_np,
    _xlog1py_np,
    _zeta_arr,
)
from .elementwise import _out
from .registry import (
    _TYPE_NAMES,
    Op,
    _result_dtype,
    apply,
    apply_inplace,
    promote_float,
    promote_same,
)

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "igamma", "igammac"]


# --- ops --------------------------------------------------------------------------------------

_CNAME = {np.dtype(np.complex64): "ComplexFloat", np.dtype(np.complex128): "ComplexDouble"}


def _round(r, dtype):
    """The float64 result rounded once to ``dtype`` (overflow gives inf, as torch)."""
    with np.errstate(over="ignore"):
        return r.astype(dtype)


def _kernel(fn, kernel_name: str):
    """Compute ``fn`` in float64 and round once to the input's dtype."""
    def k(a, *args):
        if a.dtype.kind == "c":
            raise NotImplementedError(
                f'"{kernel_name}" not implemented for \'{_CNAME[a.dtype]}\'')
        r = fn(a.astype(np.float64, copy=False), *args)
        return r if a.dtype == np.float64 else _round(r, a.dtype)
    return k


_lgamma_k = _kernel(_lgamma64, "lgamma_vml_cpu")
_digamma_k = _kernel(_digamma64, "digamma")


def _polygamma_k(a, n):
    if a.dtype.kind == "c":
        raise NotImplementedError(f'"polygamma" not implemented for \'{_CNAME[a.dtype]}\'')
    r = _polygamma64(n, a.astype(np.float64, copy=False), a.dtype != np.float64)
    return r if a.dtype == np.float64 else _round(r, a.dtype)


class Lgamma(Op):
    name = "lgamma"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a):
        return _lgamma_k(a)

    def backward(self, g):
        (x,) = self._unpack()
        return (g * digamma(x),)


class Digamma(Op):
    name = "digamma"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a):
        return _digamma_k(a)

    def backward(self, g):
        (x,) = self._unpack()
        return (g * polygamma(1, x),)


class Polygamma(Op):
    name = "polygamma"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a, n=0):
        self.n = n
        return _polygamma_k(a, n)

    def backward(self, g):
        (x,) = self._unpack()
        return (g * polygamma(self.n + 1, x),)


def _no_half(kernel: str, a) -> None:
    if a.dtype in _dt.HALF_NP:
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_TYPE_NAMES[a.dtype.name]}\'')


def _kernel_nohalf(fn, kernel_name: str):
    """As ``_kernel``, for torch kernels with no float16/bfloat16 version."""
    k64 = _kernel(fn, kernel_name)

    def k(a, *args):
        _no_half(kernel_name, a)
        return k64(a, *args)
    return k


def _sgn_const(x: Tensor) -> Tensor:
    return _const(np.sign(x._data), x)


def _const(arr, like: Tensor) -> Tensor:
    return Tensor._make(np.asarray(arr, dtype=like._data.dtype), like._device)


def _unary_op(opname, cls_name, kernel, grad=None, save_out=False, differentiable=True):
    """An elementwise op ``kernel(array)`` with ``grad(g, x, out)`` in ember ops."""
    def forward(self, a):
        return kernel(a)

    def backward(self, g):
        saved = self._unpack()
        x = saved[0]
        out = saved[1] if save_out else None
        return (grad(g, x, out),)

    ns = {"name": opname, "promote": staticmethod(promote_float), "save": (0,),
          "save_out": save_out, "forward": forward, "differentiable": differentiable}
    if grad is not None:
        ns["backward"] = backward
    return type(cls_name, (Op,), ns)


def _half_backward(kernel: str, x: Tensor) -> None:
    if x._data.dtype in _dt.HALF_NP:  # torch has no float16/bfloat16 kernel for it
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_TYPE_NAMES[x._data.dtype.name]}\'')


def _i1_grad(g, x, out):
    _half_backward("i1_backward", x)
    # d/dx I1 = I0 - I1 / x, 1/2 at 0
    zero = _const(x._data == 0, x).bool()
    xs = _m_where(zero, 1.0, x)
    return g * _m_where(zero, 0.5, i0(x) - out / xs)


def _i1e_grad(g, x, out):
    _half_backward("i1e_backward", x)
    # d/dx exp(-|x|) I1 = I0e - I1e (sgn(x) + 1/x), 1/2 at 0
    zero = _const(x._data == 0, x).bool()
    xs = _m_where(zero, 1.0, x)
    return g * _m_where(zero, 0.5, special_i0e(x) - out * (_sgn_const(x) + 1.0 / xs))


def _sinc_grad(g, x, out):
    zero = _const(x._data == 0, x).bool()
    xs = _m_where(zero, 1.0, x)  # a safe denominator; the value at 0 is masked to 0
    px = xs * _PI
    r = _m_where(zero, 0.0, (px * _mt.cos(px) - _mt.sin(px)) / (px * xs))
    return g * r.conj() if r.is_complex() else g * r


I0 = _unary_op("i0", "I0", _kernel(lambda a: _bessel_i64(a, 0, False), "i0_vml_cpu"),
               lambda g, x, out: g * special_i1(x))
I0e = _unary_op("special_i0e", "SpecialI0e",
                _kernel(lambda a: _bessel_i64(a, 0, True), "i0e_cpu"),
                lambda g, x, out: g * (special_i1e(x) - _sgn_const(x) * out), save_out=True)
I1 = _unary_op("special_i1", "SpecialI1", _kernel(lambda a: _bessel_i64(a, 1, False), "i1_cpu"),
               _i1_grad, save_out=True)
I1e = _unary_op("special_i1e", "SpecialI1e",
                _kernel(lambda a: _bessel_i64(a, 1, True), "i1e_cpu"), _i1e_grad,
                save_out=True)
BesselJ0 = _unary_op("special_bessel_j0", "SpecialBesselJ0",
                     _kernel_nohalf(lambda a: _bessel_j64(a, 0), "bessel_j0_cpu"),
                     differentiable=False)
BesselJ1 = _unary_op("special_bessel_j1", "SpecialBesselJ1",
                     _kernel_nohalf(lambda a: _bessel_j64(a, 1), "bessel_j1_cpu"),
                     differentiable=False)
Erfcx = _unary_op("special_erfcx", "SpecialErfcx", _kernel_nohalf(_erfcx64, "erfcx_cpu"),
                  lambda g, x, out: g * (2.0 * x * out - 2.0 / _m.sqrt(_PI)), save_out=True)
Ndtr = _unary_op("special_ndtr", "SpecialNdtr", _kernel(_ndtr64, "erf_vml_cpu"),
                 lambda g, x, out: g * (_mt.exp(x * x * -0.5) * (1.0 / _SQRT2PI)))
Ndtri = _unary_op("special_ndtri", "SpecialNdtri", _kernel_nohalf(_ndtri64, "ndtri_cpu"),
                  lambda g, x, out: g * (_mt.exp(out * out * 0.5) * _SQRT2PI), save_out=True)
LogNdtr = _unary_op("special_log_ndtr", "SpecialLogNdtr",
                    _kernel_nohalf(_log_ndtr64, "log_ndtr_cpu"),
                    lambda g, x, out: g * (_mt.exp(-(out + x * x * 0.5)) * (1.0 / _SQRT2PI)),
                    save_out=True)
Entr = _unary_op("special_entr", "SpecialEntr",
                 _kernel(lambda a: _entr_np(a), "entr_cpu"),
                 lambda g, x, out: g * -(_mt.log(x) + 1.0))


class Sinc(Op):
    name = "sinc"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a):
        return _sinc_np(a)

    def backward(self, g):
        (x,) = self._unpack()
        return (_sinc_grad(g, x, None),)


def _need(node, i) -> bool:
    return should_compute_output(node, i)


class Xlog1py(Op):
    name = "special_xlog1py"
    promote = staticmethod(promote_float)
    save = (0, 1)

    def forward(self, a, b):
        dt = _tensor_np_dtype(a, b)
        r = _xlog1py_np(np.asarray(a, np.float64), np.asarray(b, np.float64))
        return r if dt == np.float64 else _round(r, dt)

    def backward(self, g):
        a, b = self._unpack()
        ga = gb = None
        if _need(self, 0):
            r = special_xlog1py(g, b)
            ga = _m_where((a == 0) & (b <= -1.0), 0.0, r)
        if _need(self, 1):
            gb = g * a / (b + 1.0)
        return ga, gb


def _tensor_np_dtype(*arrays):
    for x in arrays:
        if isinstance(x, np.ndarray):
            return x.dtype
    return np.dtype(np.float64)


def _promote_zeta(args, arrays):
    rt = _result_dtype(args)
    if rt.np in _dt.HALF_NP:
        _no_half("zeta_cpu", np.empty(0, rt.np))
    return promote_float(args, arrays)


class Zeta(Op):
    name = "special_zeta"
    promote = staticmethod(_promote_zeta)
    save = (0, 1)

    def forward(self, x, q):
        dt = _tensor_np_dtype(x, q)
        r = _zeta_arr(x, q)
        return r if dt == np.float64 else _round(r, dt)

    def backward(self, g):
        if _need(self, 0):
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = self._unpack()
        return None, g * -x * special_zeta(x + 1.0, q)


def _igamma_op(opname, cls_name, upper):
    def forward(self, a, x):
        dt = a.dtype
        if dt.kind in "iub":
            raise NotImplementedError(f'"{opname}_cpu" not implemented for '
                                      f'\'{_TYPE_NAMES[dt.name]}\'')
        if dt.kind == "c":
            raise NotImplementedError(f'"{opname}_cpu" not implemented for '
                                      f'\'{_CNAME[dt]}\'')
        r = _igamma64(a.astype(np.float64), x.astype(np.float64), upper)
        return r if dt == np.float64 else _round(r, dt)

    def backward(self, g):
        if _need(self, 0):
            raise NotImplementedError(
                f"the derivative for '{opname}: input' is not implemented.")
        a, x = self._unpack()
        d = _mt.exp((a - 1.0) * _mt.log(x) - x - lgamma(a))
        return None, (-g * d if upper else g * d)

    return type(cls_name, (Op,), {"name": opname, "promote": staticmethod(promote_same),
                                  "save": (0, 1), "forward": forward, "backward": backward})


Igamma = _igamma_op("igamma", "Igamma", False)
Igammac = _igamma_op("igammac", "Igammac", True)


def _m_where(cond, a, b):
    return _mt.where(cond, a, b)


# --- public functions -----------------------------------------------------------------------

def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Natural log of the absolute value of the gamma function of ``input``."""
    return _out(apply(Lgamma, input), out)


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Logarithmic derivative of the gamma function, ``d/dx lgamma(x)``."""
    return _out(apply(Digamma, input), out)


def _check_n(n, fname: str = "polygamma") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{fname}(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of the digamma function of ``input`` (``n >= 0``)."""
    n = _check_n(n)
    return _out(apply(Polygamma, input, n=n), out)


def _check_p(p) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not "
                        f"{type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return int(p)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``, elementwise:
    ``p (p - 1) / 4 log(pi) + sum_{j<p} lgamma(input - j / 2)``."""
    p = _check_p(p)
    if input._dtype.is_complex:
        raise NotImplementedError(
            f'"arange_cpu" not implemented for \'{_CNAME[input._data.dtype]}\'')
    if input._dtype is _dt.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    x = input if input._dtype.is_floating_point else input.to(_dt.get_default_dtype())
    shift = _const(0.5 * np.arange(1 - p, 1), x)
    r = lgamma(x.unsqueeze(-1) + shift).sum(-1) + p * (p - 1) * _LOG_PI / 4
    return _out(r, out)


def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0."""
    return _out(apply(I0, input), out)


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The normalized sinc function ``sin(pi x) / (pi x)`` (1 at 0)."""
    return _out(apply(Sinc, input), out)


def _tensor_pair(fname: str, input, other) -> None:
    for i, (n, a) in enumerate((("input", input), ("other", other))):
        if not isinstance(a, Tensor):
            raise TypeError(f"{fname}(): argument '{n}' (position {i + 1}) must be Tensor, "
                            f"not {type(a).__name__}")


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other)."""
    _tensor_pair("igamma", input, other)
    return _out(apply(Igamma, input, other), out)


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other)."""
    _tensor_pair("igammac", input, other)
    return _out(apply(Igammac, input, other), out)


# torch.special-only functions (exported by ``ember.special``, not at the top level)

def _special_unary(cls, doc: str):
    def f(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        return _out(apply(cls, input), out)
    f.__name__ = cls.op_name
    f.__doc__ = doc
    return f


special_i0e = _special_unary(I0e, "Exponentially scaled I0: ``exp(-|x|) i0(x)``.")
special_i1 = _special_unary(I1, "The modified Bessel function of the first kind of order 1.")
special_i1e = _special_unary(I1e, "Exponentially scaled I1: ``exp(-|x|) i1(x)``.")
special_bessel_j0 = _special_unary(BesselJ0, "The Bessel function of the first kind, order 0.")
special_bessel_j1 = _special_unary(BesselJ1, "The Bessel function of the first kind, order 1.")
special_erfcx = _special_unary(Erfcx, "The scaled complementary error function "
                                      "``exp(x^2) erfc(x)``.")
special_ndtr = _special_unary(Ndtr, "The standard normal CDF.")
special_ndtri = _special_unary(Ndtri, "The inverse of the standard normal CDF.")
special_log_ndtr = _special_unary(LogNdtr, "The log of the standard normal CDF.")
special_entr = _special_unary(Entr, "Elementwise entropy ``-x log(x)`` (0 at 0, -inf below).")


def _scalar_pair(fname: str, input, other) -> None:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{fname}(): expected a Tensor for 'input' or 'other', got "
                        f"{type(input).__name__} and {type(other).__name__}")


def _as_arg(x):
    if isinstance(x, np.ndarray):
        from .creation import as_tensor
        return as_tensor(x)
    return x


def special_xlog1py(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN)."""
    _scalar_pair("special_xlog1py", input, other)
    return _out(apply(Xlog1py, _as_arg(input), _as_arg(other)), out)


def special_zeta(input, other, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function ``sum_k (other + k)^-input``."""
    _scalar_pair("special_zeta", input, other)
    return _out(apply(Zeta, _as_arg(input), _as_arg(other)), out)


# --- Tensor methods ---------------------------------------------------------------------------

def _bind_methods() -> None:
    Tensor.lgamma = lgamma
    Tensor.digamma = digamma
    Tensor.i0 = i0
    Tensor.sinc = sinc
    Tensor.igamma = igamma
    Tensor.igammac = igammac
    Tensor.mvlgamma = mvlgamma
    for n, cls in (("lgamma_", Lgamma), ("digamma_", Digamma), ("i0_", I0), ("sinc_", Sinc)):
        setattr(Tensor, n, (lambda c: lambda self: apply_inplace(c, self))(cls))
    Tensor.igamma_ = lambda self, other: apply_inplace(Igamma, self, other)
    Tensor.igammac_ = lambda self, other: apply_inplace(Igammac, self, other)

    def _polygamma_method(self, n):
        return polygamma(n, self)

    def _polygamma_(self, n):
        return apply_inplace(Polygamma, self, n=_check_n(n, "polygamma_"))

    def _mvlgamma_(self, p):
        r = mvlgamma(self, p)
        if r._dtype is not self._dtype:
            raise RuntimeError(f"result type {_TYPE_NAMES[r._dtype.name]} can't be cast to "
                               f"the desired output type {_TYPE_NAMES[self._dtype.name]}")
        return self.copy_(r)

    Tensor.polygamma = _polygamma_method
    Tensor.polygamma_ = _polygamma_
    Tensor.mvlgamma_ = _mvlgamma_


_bind_methods()
