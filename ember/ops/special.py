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
from fractions import Fraction

import numpy as np
from numpy.polynomial import chebyshev as _cheb

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.engine import should_compute_output
from . import math as _mt
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
        z = y - (m + 2.0)  # exact: one rounding-free subtraction of a small integer
        res = _lgamma_near2(z)
        # m > 0: Gamma(y) = Gamma(y - m) (y - 1)...(y - m); m < 0: Gamma(y) =
        # Gamma(y + |m|) / (y (y + 1)...(y + |m| - 1)); the factors are formed from y
        num = np.ones_like(y)
        for i in range(1, int(m.max(initial=0)) + 1):
            sel = m >= i
            num[sel] *= y[sel] - i
        den = np.ones_like(y)  # kept apart: 1/den overflows for subnormal y
        for i in range(int(-m.min(initial=0))):
            sel = -m > i
            den[sel] *= np.abs(y[sel] + i)
        out[mid] = res + np.log(num) - np.log(den)
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
    neg = np.isfinite(x) & (x < 0) & (x != np.floor(x))
    out = np.empty_like(x)
    rest = ~neg
    with np.errstate(over="ignore", invalid="ignore"):
        out[rest] = sign * fact * _zeta_arr(float(n + 1), x[rest])
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


# --- Bessel functions ----------------------------------------------------------------------

def _series_coef(nu: int, terms: int) -> np.ndarray:
    """1 / (k! (k + nu)!), k = 0..terms-1: the power series of I_nu / J_nu in x^2/4."""
    return np.array([1.0 / (_m.factorial(k) * _m.factorial(k + nu)) for k in range(terms)])


def _hankel_coef(nu: int, terms: int) -> np.ndarray:
    """a_k(nu) = prod_{j<=k} (4 nu^2 - (2j - 1)^2) / (k! 8^k), k = 0..terms-1."""
    out = [1.0]
    for k in range(1, terms):
        out.append(out[-1] * (4 * nu * nu - (2 * k - 1) ** 2) / (k * 8.0))
    return np.array(out)


_I_SERIES = {0: _series_coef(0, 50), 1: _series_coef(1, 50)}
_J_SERIES = {0: _series_coef(0, 20), 1: _series_coef(1, 20)}
_HANKEL = {0: _hankel_coef(0, 40), 1: _hankel_coef(1, 40)}
_I_SWITCH = 20.0  # |x| where the modified Bessel functions switch to the asymptotic series


@_flat
def _bessel_i64(x, nu: int, scaled: bool):
    """I_nu(x) (nu = 0, 1), or exp(-|x|) I_nu(x) when ``scaled``."""
    ax = np.abs(x)
    out = np.empty_like(x)
    small = ax < _I_SWITCH
    if small.any():
        a = ax[small]
        v = _horner(_I_SERIES[nu], 0.25 * a * a)
        if nu:
            v *= 0.5 * a
        out[small] = v * np.exp(-a) if scaled else v
    big = ~small & np.isfinite(ax)
    if big.any():
        # exp(-x) I_nu(x) ~ sum_k (-1)^k a_k(nu) / x^k / sqrt(2 pi x), smallest term ~e^-2x
        a = ax[big]
        v = _horner(_HANKEL[nu] * (-1.0) ** np.arange(40), 1.0 / a) / np.sqrt(2 * _PI * a)
        if not scaled:
            with np.errstate(over="ignore"):
                v = v * np.exp(a)
        out[big] = v
    inf = np.isinf(ax)
    out[inf] = 0.0 if scaled else np.nan  # torch's Chebyshev kernels give NaN at +-inf
    out[np.isnan(x)] = np.nan
    if nu:
        out = np.copysign(out, x)
    return out


def _bessel_j_miller(x, nu: int):
    """J_nu(x) for 1 <= x < 25 by Miller's backward recurrence, normalized with
    J_0 + 2 sum J_2k = 1."""
    top = 2 * int((x.max() + 42) // 2)
    jp = np.zeros_like(x)  # J_{k+1}
    jk = np.ones_like(x)   # J_k, arbitrary scale
    norm = np.zeros_like(x)
    j0 = j1 = None
    for k in range(top, 0, -1):
        jm = (2.0 * k / x) * jk - jp  # J_{k-1}
        big = np.abs(jm) > 1e250
        if big.any():  # rescale where the recurrence grows too large
            s = np.where(big, 1e-250, 1.0)
            jm, jk, norm = jm * s, jk * s, norm * s
            if j1 is not None:
                j1 = j1 * s
        jp, jk = jk, jm
        n = k - 1
        if n == 1:
            j1 = jk
        elif n == 0:
            j0 = jk
        elif n % 2 == 0:
            norm = norm + 2.0 * jk
    norm += j0
    return (j0 if nu == 0 else j1) / norm


@_flat
def _bessel_j64(x, nu: int):
    ax = np.abs(x)
    out = np.full(x.shape, np.nan)  # +-inf and NaN: NaN, as torch
    small = ax < 1.0
    if small.any():
        a = ax[small]
        v = _horner(_J_SERIES[nu] * (-1.0) ** np.arange(20), 0.25 * a * a)
        if nu:
            v *= 0.5 * a
        out[small] = v
    mid = (ax >= 1.0) & (ax < 25.0)
    if mid.any():
        out[mid] = _bessel_j_miller(ax[mid], nu)
    big = (ax >= 25.0) & np.isfinite(ax)
    if big.any():
        a = ax[big]
        h = _HANKEL[nu]
        u = 1.0 / (a * a)
        p = _horner(h[0::2] * (-1.0) ** np.arange(20), u)
        q = _horner(h[1::2] * (-1.0) ** np.arange(20), u) / a
        c, s = np.cos(a), np.sin(a)
        if nu == 0:  # chi = x - pi/4
            cchi, schi = (c + s), (s - c)
        else:        # chi = x - 3 pi/4
            cchi, schi = (s - c), -(s + c)
        out[big] = np.sqrt(1.0 / (_PI * a)) * (p * cchi - q * schi)
    if nu:  # J1 is odd
        out = np.where(np.signbit(x), -out, out)
    return out


# --- error function family ---------------------------------------------------------------------

_SQRT1_2 = _m.sqrt(0.5)
_SQRT2PI = _m.sqrt(2 * _m.pi)


def _erfcx_pos(x):
    """erfc(x) exp(x^2) for x >= 0 (float64)."""
    out = np.empty_like(x)
    small = x < 1.0
    if small.any():
        a = x[small]
        out[small] = np.exp(a * a) * (1.0 - _mt._erf_small(a))
    for lo, hi, c in _mt._ERFC_PIECES:
        m = (x >= lo) & (x < hi)
        if m.any():
            out[m] = _cheb.chebval((2.0 * x[m] - (lo + hi)) / (hi - lo), c)
    m = x >= 8.0
    if m.any():
        a = x[m]
        with np.errstate(over="ignore"):
            out[m] = np.polyval(_mt._ERFC_ASYM, 1.0 / (a * a)) / (a * _mt._SQRTPI)
    out[np.isnan(x)] = np.nan
    return out


@_flat
def _erfcx64(x):
    out = np.empty_like(x)
    pos = ~(x < 0)
    out[pos] = _erfcx_pos(x[pos])
    neg = x < 0
    if neg.any():
        a = x[neg]
        with np.errstate(over="ignore", invalid="ignore"):
            v = 2.0 * np.exp(a * a) - _erfcx_pos(-a)
        out[neg] = np.where(np.isinf(a), np.inf, v)
    return out


@_flat
def _ndtr64(x):
    t = x * _SQRT1_2
    out = 0.5 * _mt._erfc64(-t)
    pos = t > 0
    out[pos] = 1.0 - 0.5 * _mt._erfc64(t[pos])
    return out


@_flat
def _log_ndtr64(x):
    t = x * _SQRT1_2
    out = np.empty_like(x)
    lo = ~(x >= 1.0)  # NaN goes here
    with np.errstate(divide="ignore"):
        out[lo] = np.log(0.5 * _erfcx64(-t[lo])) - t[lo] * t[lo]
    hi = x >= 1.0
    out[hi] = np.log1p(-0.5 * _mt._erfc64(t[hi]))
    out[x == -np.inf] = -np.inf
    return out


# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9),
# refined by Halley steps on ndtr
_ACK_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
          1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACK_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
          6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACK_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACK_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
          3.754408661907416e+00, 1.0)


def _ndtri_lower(p):
    """ndtri(p) for 0 < p <= 1/2."""
    x = np.empty_like(p)
    tail = p < 0.02425
    if tail.any():
        q = np.sqrt(-2.0 * np.log(p[tail]))
        x[tail] = np.polyval(_ACK_C, q) / np.polyval(_ACK_D, q)
    mid = ~tail
    if mid.any():
        q = p[mid] - 0.5
        r = q * q
        x[mid] = q * np.polyval(_ACK_A, r) / np.polyval(_ACK_B, r)
    for _ in range(3):
        # Halley on f(x) = ndtr(x) - p, with ndtr(x) = erfc(-x/sqrt2)/2 exact in the tail
        e = 0.5 * _mt._erfc64(-x * _SQRT1_2) - p
        u = e * _SQRT2PI * np.exp(0.5 * x * x)
        x = x - u / (1.0 + 0.5 * x * u)
    return x


@_flat
def _ndtri64(p):
    out = np.full(p.shape, np.nan)
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    lo = (p > 0) & (p <= 0.5)
    if lo.any():
        out[lo] = _ndtri_lower(p[lo])
    hi = (p > 0.5) & (p < 1)
    if hi.any():
        out[hi] = -_ndtri_lower(1.0 - p[hi])  # 1 - p is exact for p in [1/2, 1]
    return out


# --- regularized incomplete gamma -----------------------------------------------------------

_EPS = 2.220446049250313e-16
_LOG1PMX = np.array([0.0, 0.0] + [(-1.0) ** (k + 1) / k for k in range(2, 60)])


def _log1pmx(d):
    """log(1 + d) - d."""
    out = np.empty_like(d)
    small = np.abs(d) < 0.5
    out[small] = _horner(_LOG1PMX, d[small])
    big = ~small
    with np.errstate(divide="ignore"):
        out[big] = np.log1p(d[big]) - d[big]
    return out


def _igam_fac(a, x):
    """x^a exp(-x) / Gamma(a), without the cancellation of its logarithm for large a."""
    out = np.empty_like(a)
    small = a < 10.0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if small.any():
            aa, xx = a[small], x[small]
            out[small] = np.exp(aa * np.log(xx) - xx - _lgamma64(aa))
        big = ~small
        if big.any():
            aa, xx = a[big], x[big]
            r = 1.0 / aa
            mu = r * _horner(_STIRLING, r * r)
            out[big] = np.sqrt(aa / (2 * _PI)) * np.exp(aa * _log1pmx((xx - aa) / aa) - mu)
    return out


def _igam_series(a, x):
    """P(a, x) by its power series (x < a + 1 or x <= 1)."""
    s = np.ones_like(a)
    term = np.ones_like(a)
    den = a.copy()
    idx = np.arange(a.size)
    for _ in range(20000):
        den[idx] += 1.0
        term[idx] *= x[idx] / den[idx]
        s[idx] += term[idx]
        live = term[idx] > _EPS * s[idx]
        if not live.all():
            idx = idx[live]
            if idx.size == 0:
                break
    return s * _igam_fac(a, x) / a


def _igamc_cf(a, x):
    """Q(a, x) by its continued fraction (modified Lentz), x > 1 and x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    idx = np.arange(a.size)
    for i in range(1, 20000):
        ai, bi = a[idx], b[idx] + 2.0 * i
        an = -i * (i - ai)
        dd = an * d[idx] + bi
        dd = np.where(np.abs(dd) < tiny, tiny, dd)
        cc = bi + an / c[idx]
        cc = np.where(np.abs(cc) < tiny, tiny, cc)
        dd = 1.0 / dd
        delta = dd * cc
        d[idx], c[idx] = dd, cc
        h[idx] *= delta
        live = np.abs(delta - 1.0) > _EPS
        if not live.all():
            idx = idx[live]
            if idx.size == 0:
                break
    return h * _igam_fac(a, x)


def _igamma64(a, x, upper: bool):
    """Regularized lower (P) or upper (Q) incomplete gamma, torch's special values."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    lo_val, hi_val = (1.0, 0.0) if upper else (0.0, 1.0)
    # a = 0 (x > 0): P = 1; x = 0 (a > 0): P = 0; a = inf: P = 0; x = inf: P = 1
    valid = (a >= 0) & (x >= 0) & ~((a == 0) & (x == 0))
    out[valid & (a == 0)] = hi_val
    out[valid & (x == 0) & (a > 0)] = lo_val
    ainf, xinf = np.isinf(a), np.isinf(x)
    out[valid & ainf & ~xinf] = lo_val
    out[valid & xinf & ~ainf] = hi_val
    core = valid & (a > 0) & (x > 0) & ~ainf & ~xinf
    cf = core & (x > 1.0) & (x >= a + 1.0)
    ser = core & ~cf
    if ser.any():
        p = _igam_series(a[ser], x[ser])
        out[ser] = 1.0 - p if upper else p
    if cf.any():
        q = _igamc_cf(a[cf], x[cf])
        out[cf] = q if upper else 1.0 - q
    return out.reshape(shape)


# --- small closed forms -------------------------------------------------------------------------

def _sinc_np(a):
    """sin(pi x) / (pi x), 1 at 0, in torch's opmath precision (float32 for float32 and the
    half types, which keeps torch's non-zero sinc(1) in float32)."""
    w = a if a.dtype in (np.float64, np.complex128, np.complex64) else a.astype(np.float32)
    pi = np.asarray(_PI, dtype=w.real.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        prod = pi * w
        r = np.sin(prod) / prod
    r = np.where(w == 0, np.ones((), w.dtype), r)
    return r if r.dtype == a.dtype else r.astype(a.dtype)


def _entr_np(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0.0, -np.inf))
    r = np.where(np.isnan(a), a, r)
    return r.astype(a.dtype, copy=False)


def _xlog1py_np(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(a == 0, 0.0, a * np.log1p(b))
    return np.where(np.isnan(b), np.nan, r)


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
