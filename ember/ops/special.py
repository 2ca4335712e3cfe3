"""Special functions (torch's ``lgamma``, ``digamma``, ``polygamma`` ... and the kernels
behind ``ember.special``): forward on arrays, backward in ember ops, side by side.

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
Values at poles, infinities and NaN follow torch's CPU kernels (checked in
tests/special).
"""

from __future__ import annotations

import math as _m
from fractions import Fraction

import numpy as np

from .._tensor import Tensor
from .elementwise import _out
from .registry import Op, apply, apply_inplace, promote_float

__all__ = ["lgamma", "digamma", "polygamma"]

_PI = _m.pi
_LOG_PI = _m.log(_m.pi)
_HALF_LOG_2PI = 0.5 * _m.log(2 * _m.pi)
_EULER = 0.57721566490153286061


# --- Bernoulli numbers and zeta(k) (built once, at import) ---------------------------------

def _bernoulli(n: int) -> list[Fraction]:
    """B_0 .. B_n (B_1 = -1/2), exactly."""
    b = [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        a = [Fraction(0)] * (m + 1)
        for j in range(m + 1):
            a[j] = Fraction(1, j + 1)
        for j in range(m, 0, -1):
            for i in range(j):
                a[i] = (i + 1) * (a[i] - a[i + 1])
        b[m] = a[0]
    b[1] = -b[1]  # the Akiyama-Tanigawa algorithm gives B_1 = +1/2
    return b


_B = _bernoulli(30)
# (2k)! / B_2k, k = 1..12: the Euler-Maclaurin denominators of the Hurwitz zeta
_EM_DEN = np.array([float(Fraction(_m.factorial(2 * k)) / _B[2 * k]) for k in range(1, 13)])
# digamma's asymptotic series: B_2k / (2k), k = 1..8
_PSI_ASYM = np.array([float(_B[2 * k] / (2 * k)) for k in range(1, 9)])
# Stirling's series for lgamma: B_2k / (2k (2k - 1)), k = 1..9
_STIRLING = np.array([float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 10)])


# --- kernels on float64 arrays ---------------------------------------------------------------

def _flat(fn):
    """Run a kernel on a flattened contiguous float64 copy; restore the shape."""
    def k(x, *args):
        x = np.asarray(x, dtype=np.float64)
        return fn(np.ravel(x), *args).reshape(x.shape)
    k.__name__ = fn.__name__
    return k


def _horner(coef, z):
    """sum(coef[i] * z**i)."""
    acc = np.full(z.shape, coef[-1])
    for c in coef[-2::-1]:
        acc *= z
        acc += c
    return acc


def _zeta_arr(s, q):
    """Hurwitz zeta(s, q) for broadcast float64 arrays (torch's zeta semantics)."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    shape = s.shape
    s, q = s.ravel(), q.ravel()
    out = np.full(s.shape, np.nan)
    qint = q == np.floor(q)
    inf = (s == 1) | ((q <= 0) & qint)
    out[inf] = np.inf
    # q = +inf: NaN, as torch's 0 * inf in the Euler-Maclaurin step
    ok = ~inf & (s > 1) & ~((q <= 0) & (s != np.floor(s))) & (q < np.inf)
    if ok.any():
        out[ok] = _zeta_core(s[ok], q[ok])
    return out.reshape(shape)


def _zeta_core(x, q):
    # direct terms k = 0..N with N >= 9 and q + N > 9 (Cephes), then Euler-Maclaurin at w
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        n = np.maximum(9.0, np.floor(9.0 - np.minimum(q, 9.0)) + 1.0)
        n[~np.isfinite(n)] = 9.0
        s = q ** -x
        for k in range(1, int(n.max()) + 1):
            m = n >= k
            if m.all():
                s += (q + k) ** -x
            else:
                s[m] += (q[m] + k) ** -x[m]
        w = q + n
        b = w ** -x
        s += w ** (1.0 - x) / (x - 1.0)  # b w / (x - 1), which b's underflow would lose
        s -= 0.5 * b
        a = np.ones_like(x)
        k = np.zeros_like(x)
        live = np.ones(x.shape, bool)
        for den in _EM_DEN:
            a *= x + k
            b /= w
            t = a * b / den
            s = np.where(live, s + t, s)
            live &= ~(np.abs(t / s) < 1.11022302462515654042e-16)
            k += 1.0
            a *= x + k
            b /= w
            k += 1.0
    return s


def _lgamma_near2(z):
    """lgamma(2 + z) for |z| <= 1/2."""
    return _horner(_LG2_COEF, z)


def _lgamma_pos(x):
    """lgamma(x) for finite x > -1/2, x != 0."""
    out = np.empty_like(x)
    big = x >= 10.5
    if big.any():
        y = x[big]
        r = 1.0 / y
        corr = r * _horner(_STIRLING, r * r)
        with np.errstate(over="ignore", invalid="ignore"):
            out[big] = (y - 0.5) * np.log(y) - y + _HALF_LOG_2PI + corr
    mid = ~big
    if mid.any():
        y = x[mid]
        m = np.round(y - 2.0)  # y = 2 + z + m, |z| <= 1/2, m in -2 .. 8
        z = y - 2.0 - m
        res = _lgamma_near2(z)
        # m > 0: Gamma(y) = Gamma(y - m) (y - 1)...(y - m); m < 0: Gamma(y) =
        # Gamma(y + |m|) / (y (y + 1)...(y + |m| - 1)); the factors are formed from y
        prod = np.ones_like(y)
        for i in range(1, int(m.max(initial=0)) + 1):
            sel = m >= i
            prod[sel] *= y[sel] - i
        for i in range(int(-m.min(initial=0))):
            sel = -m > i
            prod[sel] /= np.abs(y[sel] + i)
        out[mid] = res + np.log(prod)
    return out


def _sinpi_abs(x):
    """|sin(pi x)|, with the argument reduced exactly first."""
    return np.abs(np.sin(_PI * (x - np.round(x))))


@_flat
def _lgamma64(x):
    out = np.full(x.shape, np.inf)
    out[np.isnan(x)] = np.nan
    fin = np.isfinite(x) & ~((x <= 0) & (x == np.floor(x)))
    pos = fin & (x > -0.5)
    if pos.any():
        out[pos] = _lgamma_pos(x[pos])
    neg = fin & (x <= -0.5)
    if neg.any():
        y = x[neg]
        with np.errstate(divide="ignore"):
            out[neg] = _LOG_PI - np.log(_sinpi_abs(y)) - _lgamma_pos(1.0 - y)
    return out


def _digamma_pos(x):
    """digamma(x) for x > 0 (inf and NaN included)."""
    res = np.zeros_like(x)
    y = x.copy()
    with np.errstate(divide="ignore"):
        for _ in range(10):
            m = y < 10.0
            if not m.any():
                break
            res[m] -= 1.0 / y[m]
            y[m] += 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = 1.0 / (y * y)
        return res + np.log(y) - 0.5 / y - z * _horner(_PSI_ASYM, z)


@_flat
def _digamma64(x):
    out = np.empty_like(x)
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    negint = (x < 0) & (x == np.trunc(x))
    out[negint] = np.nan
    neg = (x < 0) & ~negint
    if neg.any():
        y = x[neg]
        r = y - np.round(y)
        out[neg] = _digamma_pos(1.0 - y) - _PI / np.tan(_PI * r)
    rest = ~(zero | negint | neg)
    if rest.any():
        out[rest] = _digamma_pos(x[rest])
    return out


@_flat
def _trigamma64(x, f32=False):
    out = np.empty_like(x)
    out[x == np.inf] = 0.0
    out[np.isnan(x) | (x == -np.inf)] = np.nan
    fin = np.isfinite(x)
    pole = fin & (x <= 0) & (x == np.floor(x))
    if pole.any():
        # torch's trigamma reflects with sin(pi x), which is not 0 at a negative integer:
        # the value there is pi^2 / sin(pi x)^2 (inf at 0), in the kernel's precision
        y = x[pole]
        if f32:
            p = np.float32(_PI)
            s = np.sin(p * y.astype(np.float32)).astype(np.float64)
            pv = float(p)
        else:
            s = np.sin(_PI * y)
            pv = _PI
        with np.errstate(divide="ignore"):
            out[pole] = pv * pv / (s * s)
    refl = fin & ~pole & (x < 0.5)
    if refl.any():
        y = x[refl]
        s = np.sin(_PI * (y - np.round(y)))
        with np.errstate(over="ignore", divide="ignore"):
            out[refl] = _PI * _PI / (s * s) - _zeta_core(np.full(y.shape, 2.0), 1.0 - y)
    direct = fin & ~pole & (x >= 0.5)
    if direct.any():
        out[direct] = _zeta_core(np.full(int(direct.sum()), 2.0), x[direct])
    return out


def _cot_poly(n: int) -> np.ndarray:
    """Coefficients (low to high) of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))."""
    p = [0, 1]
    for _ in range(n):
        d = [i * c for i, c in enumerate(p)][1:]  # P'
        q = [0] * (len(d) + 2)
        for i, c in enumerate(d):  # -(1 + c^2) P'
            q[i] -= c
            q[i + 2] -= c
        p = q
    return np.array([float(c) for c in p])


def _polygamma64(n: int, x, f32=False):
    if n == 0:
        return _digamma64(x)
    if n == 1:
        return _trigamma64(x, f32)
    fact = float(_m.factorial(n)) if n <= 170 else np.inf
    sign = 1.0 if n % 2 else -1.0
    out = _zeta_arr(float(n + 1), x)
    with np.errstate(over="ignore", invalid="ignore"):
        out *= sign * fact
    neg = np.isfinite(x) & (x < 0) & (x != np.floor(x))
    if neg.any():
        # reflection: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))
        y = x[neg]
        c = 1.0 / np.tan(_PI * (y - np.round(y)))
        with np.errstate(over="ignore", invalid="ignore"):
            right = sign * fact * _zeta_arr(float(n + 1), 1.0 - y)
            out[neg] = (-sign) * right - _PI ** (n + 1) * _horner(_cot_poly(n), c)
    return out


# lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) / k z^k; zeta(k) - 1 is the
# Hurwitz zeta(k, 2), which keeps its digits for large k
_LG2_COEF = np.concatenate((
    [0.0, 1.0 - _EULER],
    [(-1.0) ** k * z / k for k, z in zip(range(2, 40), _zeta_arr(np.arange(2.0, 40.0), 2.0))]))


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


# --- Tensor methods ---------------------------------------------------------------------------

def _bind_methods() -> None:
    Tensor.lgamma = lgamma
    Tensor.digamma = digamma
    Tensor.lgamma_ = lambda self: apply_inplace(Lgamma, self)
    Tensor.digamma_ = lambda self: apply_inplace(Digamma, self)

    def _polygamma_method(self, n):
        return polygamma(n, self)

    def _polygamma_(self, n):
        return apply_inplace(Polygamma, self, n=_check_n(n, "polygamma_"))

    Tensor.polygamma = _polygamma_method
    Tensor.polygamma_ = _polygamma_


_bind_methods()
