"""NumPy kernels of ``ember.ops.special``: float64 approximations on arrays only (no
Tensors, no autograd); the Op classes and public functions live in ``ember.ops.special``.

See NOTE [special function kernels] in ``ember/ops/special.py``.
"""

from __future__ import annotations

import math as _m
from fractions import Fraction

import numpy as np
from numpy.polynomial import chebyshev as _cheb

from . import math as _mt

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
