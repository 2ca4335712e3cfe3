"""Accuracy of the special functions over wide ranges, against torch 2.13 (the oracle) and,
where torch's own kernel is the less accurate one, against mpmath (40 digits) as well.

Relative errors are measured where the reference is normal and finite; where a function
crosses zero (lgamma at 1 and 2, digamma's roots, J0/J1's zeros) an absolute bound applies
instead (``_check``: ``|e - t| <= atol + rtol |t|``).
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import torch

import ember

mpmath.mp.dps = 40


def _grid():
    return np.concatenate([np.linspace(-30.0, 30.0, 6001) + 0.00123,
                           np.logspace(-300, 300, 301), -np.logspace(-300, 15, 301) + 0.37,
                           np.linspace(0.5, 3.0, 501)])


def _eval(fn_e, fn_t, *xs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = fn_e(*[ember.tensor(x) for x in xs]).numpy()
        t = fn_t(*[torch.tensor(x) for x in xs]).numpy()
    return e, t


def _check(e, t, rtol, atol=0.0, what=""):
    nonfin = ~np.isfinite(t)
    np.testing.assert_array_equal(np.isnan(e), np.isnan(t), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(e[nonfin & ~np.isnan(t)], t[nonfin & ~np.isnan(t)],
                                  err_msg=f"{what}: infinities")
    fin = ~nonfin
    np.testing.assert_allclose(e[fin], t[fin], rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("name,atol", [("lgamma", 1e-13), ("digamma", 1e-13)])
def test_gamma_family_float64_wide(name, atol):
    x = _grid()
    e, t = _eval(getattr(ember, name), getattr(torch, name), x)
    _check(e, t, rtol=1e-12, atol=atol, what=name)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_polygamma_float64_wide(n):
    # torch's n >= 2 loses x^-(n+1) to underflow for huge x (it returns 0 where the value
    # is ~1e-200): compare up to 1e40; its trigamma keeps 4 asymptotic terms (~5e-10
    # relative, see test_trigamma_more_accurate_than_torch)
    # torch's trigamma reflects with sin(pi x) unreduced, which loses digits for x < -1e3
    # (test_trigamma_more_accurate_than_torch has such points against mpmath); for n >= 2
    # torch sums ~|x| terms per element at negative x (ember reflects): x > -1e3 as well
    x = _grid()
    x = x[(np.abs(x) < 1e40) & (x > -1e3)]
    e, t = _eval(lambda a: ember.polygamma(n, a), lambda a: torch.polygamma(n, a), x)
    # atol: torch flushes values below ~1e-250 to 0 (its terms underflow)
    _check(e, t, rtol=1e-9 if n == 1 else 1e-11, atol=1e-250, what=f"polygamma({n})")


def test_trigamma_more_accurate_than_torch():
    x = np.array([1.135, 0.7, 3.3, -2.3, 12.0, 6.5, -2818.0129312643803])
    ref = np.array([float(mpmath.psi(1, v)) for v in x])
    e = ember.polygamma(1, ember.tensor(x)).numpy()
    t = torch.polygamma(1, torch.tensor(x)).numpy()
    np.testing.assert_allclose(e, ref, rtol=1e-15)
    np.testing.assert_allclose(t[:6], ref[:6], rtol=1e-9)  # torch, to its accuracy
    np.testing.assert_allclose(t[6:], ref[6:], rtol=1e-7)


def test_lgamma_near_its_zeros_keeps_relative_accuracy():
    x = np.array([1.0 + 1e-9, 1.0 - 1e-7, 2.0 + 1e-10, 2.0 - 1e-6, 1e-300, 5e-324])
    ref = np.array([float(mpmath.loggamma(mpmath.mpf(v)).real) for v in x])
    e = ember.lgamma(ember.tensor(x)).numpy()
    np.testing.assert_allclose(e, ref, rtol=1e-14)
    t = torch.lgamma(torch.tensor(x)).numpy()
    np.testing.assert_allclose(e, t, rtol=1e-14)


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_modified_bessel_wide(name):
    x = np.concatenate([np.linspace(-750, 750, 15001), np.logspace(-300, 300, 121),
                        [0.0, -0.0, np.inf, -np.inf, np.nan]])
    e, t = _eval(getattr(ember.special, name), getattr(torch.special, name), x)
    _check(e, t, rtol=1e-14, atol=1e-300, what=name)


@pytest.mark.parametrize("nu", [0, 1])
def test_bessel_j_against_mpmath_and_torch(nu):
    x = np.concatenate([np.linspace(-80, 80, 1601) + 0.0007, np.logspace(-8, 4, 40)])
    fe, ft = (ember.special.bessel_j0, torch.special.bessel_j0) if nu == 0 else \
        (ember.special.bessel_j1, torch.special.bessel_j1)
    e, t = _eval(fe, ft, x)
    ref = np.array([float(mpmath.besselj(nu, v)) for v in x])
    np.testing.assert_allclose(e, ref, rtol=1e-13, atol=5e-16)
    # torch's kernel is off by up to ~5e-8 relative / 5e-7 absolute (e.g. x = 5)
    np.testing.assert_allclose(e, t, rtol=1e-6, atol=1e-6)
    sp = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    e, t = _eval(fe, ft, sp)
    _check(e, t, rtol=0, what="specials")
    np.testing.assert_array_equal(np.signbit(e[:2]), np.signbit(t[:2]))  # J1(-0) = -0


def test_erfcx_ndtr_log_ndtr_ndtri_wide():
    x = np.concatenate([np.linspace(-26, 100, 12601), np.logspace(-300, 300, 121),
                        [0.0, np.inf, -np.inf, np.nan]])
    _check(*_eval(ember.special.erfcx, torch.special.erfcx, x), rtol=1e-13, what="erfcx")
    xl = np.concatenate([np.linspace(-1e3, 40, 10401), [np.inf, -np.inf, np.nan]])
    _check(*_eval(ember.special.log_ndtr, torch.special.log_ndtr, xl), rtol=1e-13,
           what="log_ndtr")
    # torch's ndtr is (1 + erf(x/sqrt2))/2, which cancels for x < -5: absolute agreement
    # there, and ember keeps the relative accuracy (mpmath)
    xn = np.concatenate([np.linspace(-38, 38, 7601), [np.inf, -np.inf, np.nan]])
    _check(*_eval(ember.special.ndtr, torch.special.ndtr, xn), rtol=1e-13, atol=1e-16,
           what="ndtr")
    tail = np.array([-10.0, -20.0, -37.0])
    ref = np.array([float(mpmath.ncdf(v)) for v in tail])
    # ndtr's condition number is ~x^2 there: 1e-12 is a few ulps of the input
    np.testing.assert_allclose(ember.special.ndtr(ember.tensor(tail)).numpy(), ref,
                               rtol=1e-12)
    p = np.concatenate([np.linspace(0, 1, 2001), np.logspace(-300, -1, 300),
                        1 - np.logspace(-16, -1, 100), [-0.1, 1.1, np.nan]])
    _check(*_eval(ember.special.ndtri, torch.special.ndtri, p), rtol=1e-13, atol=1e-15,
           what="ndtri")


def test_incomplete_gamma_wide():
    rng = np.random.default_rng(0)
    a = np.concatenate([10 ** rng.uniform(-3, 3, 2000), rng.uniform(0, 5, 500)])
    x = np.concatenate([a[:2000] * 10 ** rng.uniform(-1, 1, 2000), rng.uniform(0, 5, 500)])
    for fe, ft in ((ember.igamma, torch.igamma), (ember.igammac, torch.igammac)):
        e, t = _eval(fe, ft, a, x)
        # torch's a > 20 branch (its uniform asymptotic expansion) is good to ~2e-9
        _check(e, t, rtol=5e-9, atol=1e-300, what=fe.__name__)
    for av, xv in ((31.89027073513833, 22.700538316159168), (299.594243, 240.912765),
                   (20.5, 24.5), (0.01, 1.0), (1e4, 1e4 + 30), (3.0, 0.001)):
        ref = float(mpmath.gammainc(av, 0, xv, regularized=True))
        e = ember.igamma(ember.tensor([av], dtype=ember.float64),
                         ember.tensor([xv], dtype=ember.float64)).item()
        assert abs(e - ref) <= 1e-13 * abs(ref), (av, xv, e, ref)


def test_zeta_wide():
    rng = np.random.default_rng(1)
    s = np.concatenate([rng.uniform(1.01, 30, 2000), np.arange(2.0, 12.0)])
    q = np.concatenate([rng.uniform(-8.5, 100, 2000), -np.arange(10) - 0.5])
    e, t = _eval(ember.special.zeta, torch.special.zeta, s, q)
    _check(e, t, rtol=1e-12, atol=1e-300, what="zeta")


@pytest.mark.parametrize("name,dom", [
    ("lgamma", (-20.3, 40.3)), ("digamma", (-20.3, 40.3)), ("i0", (-80, 80)),
    ("sinc", (-50, 50))])
def test_float32_rounds_once(name, dom):
    x = np.linspace(*dom, 4001, dtype=np.float32) + np.float32(0.00321)
    e, t = _eval(getattr(ember, name), getattr(torch, name), x)
    assert e.dtype == np.float32
    _check(e, t, rtol=1e-5, atol=1e-5, what=name)
