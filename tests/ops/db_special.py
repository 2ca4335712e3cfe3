"""Registry entries for the special functions (ember/ops/special.py, ember.special)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, Tol, pos, r, ri


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def offpole(*shape, dtype=np.float32, low=-3, high=4, frac=(0.15, 0.85)):
    """Non-integers at least ``frac[0]`` away from the integers (the poles of the gamma
    family), negatives included."""
    k = np.random.randint(low, high, size=shape)
    f = np.random.uniform(frac[0], frac[1], size=shape)
    return np.asarray(k + f).astype(dtype)


def offpole_narrow(*shape, dtype=np.float32):
    # polygamma(n >= 2) grows as n!/d^(n+1) near a pole: keep float16 results (and their
    # gradients) below the float16 maximum
    return offpole(*shape, dtype=dtype, frac=(0.3, 0.7))


def unary_samples(dom):
    return [S(dom(3, 4), name="2d"), S(dom(), name="0d"), S(dom(0, 3), name="empty"),
            S(dom(3, 4), noncontig=True, name="noncontig"),
            S(dom(2, 3, dtype=np.float64), name="f64"),
            S(ri(3, 4, low=1, high=6), name="int"),
            S(ri(3, dtype=np.int32, low=1, high=6), name="int32")]


def _complex_err():
    return [ErrorSample((np.ones(3, np.complex64),), exc=NotImplementedError)]


def U(name, fn, dom, method=None, inplace=None, **kw):
    """``fn(lib, x)``, plus the method and in-place forms when given."""
    ops = [OpInfo(name, fn, lambda: unary_samples(dom), **kw)]
    kw2 = {k: v for k, v in kw.items() if k != "errors"}
    if method is not None:
        ops.append(OpInfo(name + "_method", method,
                          lambda: [S(dom(3, 4)), S(dom(2, 3, dtype=np.float64))], **kw2))
    if inplace is not None:
        ops.append(OpInfo(name + "_", inplace,
                          lambda: [S(dom(3, 4)), S(dom(3, 4), noncontig=True)], **kw2))
    return ops


OPS = []
OPS += U("lgamma", lambda lib, a: lib.lgamma(a), offpole,
         method=lambda lib, a: a.lgamma(), inplace=lambda lib, a: (a * 1).lgamma_(),
         errors=_complex_err)
OPS += U("digamma", lambda lib, a: lib.digamma(a), offpole,
         method=lambda lib, a: a.digamma(), inplace=lambda lib, a: (a * 1).digamma_(),
         errors=_complex_err)
for _n in (0, 1, 2, 3):
    OPS += U(f"polygamma_{_n}", lambda lib, a, _n=_n: lib.polygamma(_n, a),
             offpole_narrow,
             method=lambda lib, a, _n=_n: a.polygamma(_n),
             inplace=lambda lib, a, _n=_n: (a * 1).polygamma_(_n),
             errors=_complex_err)


def grid(lo, hi, dtype=np.float64):
    """A 0.05-step grid that stays 0.0123 away from the integers (the poles)."""
    return (np.arange(lo, hi, 0.05) + 0.0123).astype(dtype)


# the *_range entries: wide grids, infinities and NaN (their float64 gradcheck would take
# a full Jacobian of ~1000 points; the entries above run it)
OPS += [
    OpInfo("lgamma_range", lambda lib, a: lib.lgamma(a),
           lambda: [S(grid(-20.5, 40.5)), S(np.logspace(-300, 300, 121)),
                    S(grid(-20.5, 40.5, np.float32)),
                    S(np.array([0.0, -0.0, -1.0, -7.0, np.inf, -np.inf, np.nan, 1.0, 2.0]),
                      grad=False)], gradcheck=False),
    OpInfo("digamma_range", lambda lib, a: lib.digamma(a),
           lambda: [S(grid(-20.5, 40.5)), S(np.logspace(-300, 300, 121)),
                    S(grid(-20.5, 40.5, np.float32)),
                    S(np.array([0.0, -0.0, -1.0, -7.0, np.inf, -np.inf, np.nan, 1.0]),
                      grad=False)], gradcheck=False),
    # torch's trigamma keeps 4 terms of the asymptotic series (relative error ~5e-10,
    # measured against mpmath in tests/special): the float64 rtol is 1e-7 as usual
    OpInfo("polygamma_range", lambda lib, n, a: lib.polygamma(n, a),
           lambda: [S(1, grid(-20.5, 40.5)), S(2, grid(-10.5, 40.5)),
                    S(5, np.linspace(0.3, 30, 300)), S(1, np.logspace(-3, 3, 61)),
                    S(3, grid(-5.5, 5.5, np.float32)),
                    S(1, np.array([0.0, -0.0, -1.0, -3.0, np.inf, -np.inf, np.nan]),
                      grad=False),
                    S(2, np.array([0.0, -1.0, -3.0, np.inf, -np.inf, np.nan]), grad=False),
                    S(3, np.array([0.0, -1.0, np.inf, -np.inf, np.nan]), grad=False)],
           errors=lambda: [ErrorSample((-1, pos(3)), exc=RuntimeError),
                           ErrorSample((1.5, pos(3)), exc=TypeError)],
           gradcheck=False),
    OpInfo("polygamma_bcast_out", lambda lib, a: lib.polygamma(2, a, out=lib.empty(0)),
           lambda: [S(pos(2, 3), grad=False)]),
    OpInfo("lgamma_int_inplace_error", lambda lib, a: a.lgamma_(), lambda: [],
           errors=lambda: [ErrorSample((ri(3, low=1, high=4),), exc=RuntimeError)]),
]


def _t(lib, a):
    """A kwarg array as a tensor of ``lib`` (the registry passes kwargs unconverted to the
    gradcheck): arguments torch has no gradient for travel as kwargs."""
    return lib.as_tensor(a) if isinstance(a, np.ndarray) else a


def wide(*shape, dtype=np.float32):
    return np.random.uniform(-12.0, 12.0, size=shape).astype(dtype)


def gt_half(*shape, dtype=np.float32):
    return np.random.uniform(1.2, 6.0, size=shape).astype(dtype)


def prob(*shape, dtype=np.float32):
    return np.random.uniform(0.02, 0.98, size=shape).astype(dtype)


def _sp(name):
    return lambda lib, a, _n=name: getattr(lib.special, _n)(a)


# --- top-level functions with Tensor methods ------------------------------------------------------
OPS += U("i0", lambda lib, a: lib.i0(a), wide, method=lambda lib, a: a.i0(),
         inplace=lambda lib, a: (a * 1).i0_(), errors=_complex_err)
OPS += U("sinc", lambda lib, a: lib.sinc(a), r, method=lambda lib, a: a.sinc(),
         inplace=lambda lib, a: (a * 1).sinc_())
for _p in (1, 2, 3):
    OPS += U(f"mvlgamma_{_p}", lambda lib, a, _p=_p: lib.mvlgamma(a, _p), gt_half,
             method=lambda lib, a, _p=_p: a.mvlgamma(_p),
             inplace=lambda lib, a, _p=_p: (a * 1).mvlgamma_(_p))

OPS += [
    OpInfo("sinc_zero", lambda lib, a: lib.sinc(a),
           lambda: [S(np.array([0.0, 1.0, -2.0, 0.5, 1e-8])),
                    S(np.array([0.0, 1.0, -3.0, 0.25], dtype=np.float32))],
           # torch's backward is masked to 0 at x = 0, a constant: its second derivative
           # there is 0, not sinc''(0) (ember matches torch; the grads are compared above)
           gradgrad=False),
    OpInfo("sinc_complex", lambda lib, a: lib.sinc(a),
           lambda: [S((r(3) + 1j * r(3)).astype(np.complex128), grad=False),
                    S(np.array([0j, 1 + 1j], dtype=np.complex64), grad=False)], grad=False),
    OpInfo("mvlgamma_errors", lambda lib, a, p: lib.mvlgamma(a, p), lambda: [],
           errors=lambda: [ErrorSample((gt_half(3), 0), exc=RuntimeError),
                           ErrorSample((gt_half(3), 2.0), exc=TypeError),
                           ErrorSample((np.ones(2, np.complex64), 2),
                                       exc=NotImplementedError)]),
    OpInfo("mvlgamma_int", lambda lib, a: lib.mvlgamma(a, 2),
           lambda: [S(ri(3, 4, low=2, high=6))]),
    OpInfo("mvlgamma_out", lambda lib, a: lib.special.multigammaln(a, 3, out=lib.empty(0)),
           lambda: [S(gt_half(2, 3), grad=False)]),
]

# igamma/igammac: torch differentiates only the second argument; the first is a kwarg
for _name in ("igamma", "igammac"):
    _smp = (lambda: [S(pos(3, 4, high=6.0), a=pos(3, 4, high=6.0), name="same"),
                     S(pos(3, 4), a=pos(4, low=0.5), name="bcast"),
                     S(pos(2, 3, dtype=np.float64, high=30.0),
                       a=pos(2, 3, dtype=np.float64, high=30.0), name="f64"),
                     S(pos(3, 4), a=pos(3, 4), noncontig=True, name="nc"),
                     S(pos(3, 4, dtype=np.float64), a=pos(3, 4), name="f64xf32")])
    OPS += [
        OpInfo(_name, lambda lib, x, a, _n=_name: getattr(lib, _n)(_t(lib, a), x), _smp,
               errors=lambda _n=_name: [ErrorSample((ri(3), ri(3)), exc=NotImplementedError),
                                        ErrorSample((pos(3), 2.0), exc=TypeError)]),
        OpInfo(_name + "_method",
               lambda lib, x, a, _n=_name: getattr(_t(lib, a).to(x.dtype), _n)(x),
               lambda: [S(pos(3, 4), a=pos(3, 4))]),
        OpInfo(_name + "_",
               lambda lib, x, a, _n=_name: getattr(_t(lib, a).to(x.dtype) * 1, _n + "_")(x),
               lambda: [S(pos(3, 4), a=pos(3, 4))]),
        OpInfo("special_gammainc" + ("c" if _name == "igammac" else ""),
               lambda lib, x, a, _n=_name: getattr(
                   lib.special, "gammaincc" if _n == "igammac" else "gammainc")(_t(lib, a), x),
               lambda: [S(pos(3, 4, high=5.0), a=pos(3, 4, high=5.0))]),
    ]

OPS += [
    # ranges and the special values (a = 0, x = 0, inf, NaN, negatives)
    OpInfo("igamma_range", lambda lib, a, x: (lib.igamma(a, x), lib.igammac(a, x)),
           lambda: [S(np.array([0.0, 0.0, 1.0, -1.0, 1.0, np.inf, 2.0, np.nan, 0.5, np.inf]),
                      np.array([0.0, 1.0, 0.0, 1.0, -1.0, 1.0, np.inf, 1.0, np.inf, np.inf]),
                      grad=False),
                    S(np.repeat(np.logspace(-3, 2.5, 23), 23),
                      np.tile(np.logspace(-3, 2.5, 23), 23), grad=False),
                    S(np.repeat(np.logspace(-2, 2, 9), 9).astype(np.float32),
                      np.tile(np.logspace(-2, 2, 9), 9).astype(np.float32), grad=False)],
           grad=False),
]

# --- torch.special-only functions ---------------------------------------------------------------
OPS += U("special_i0", _sp("i0"), wide)
OPS += U("special_i0e", _sp("i0e"), wide, errors=_complex_err)
# torch has no float16/bfloat16 backward for i1/i1e (tests/special checks ember raises the
# same): the float32 entries (which the half sweep reruns) compare forward values only, the
# *_grad entries gradients in float64, and tests/special gradients in float32
OPS += U("special_i1", _sp("i1"), wide, errors=_complex_err, grad=False)
OPS += U("special_i1e", _sp("i1e"), wide, errors=_complex_err, grad=False)
OPS += [OpInfo(f"special_{_n}_grad", _sp(_n),
               lambda: [S(wide(3, 4, dtype=np.float64)), S(wide(5, dtype=np.float64),
                                                            noncontig=True)])
        for _n in ("i1", "i1e")]
OPS += U("special_erfcx", _sp("erfcx"), r, errors=_complex_err)
OPS += U("special_ndtr", _sp("ndtr"), r)
OPS += U("special_ndtri", _sp("ndtri"), prob, errors=_complex_err)
OPS += U("special_log_ndtr", _sp("log_ndtr"), r, errors=_complex_err)
OPS += U("special_entr", _sp("entr"), pos, errors=_complex_err)
OPS += U("special_sinc", _sp("sinc"), r)
OPS += U("special_gammaln", _sp("gammaln"), offpole)
OPS += U("special_psi", _sp("psi"), offpole)
OPS += U("special_digamma", _sp("digamma"), offpole)
OPS += U("special_expit", _sp("expit"), r)
OPS += U("special_exp2", _sp("exp2"), r)
OPS += U("special_expm1", _sp("expm1"), r)
OPS += U("special_log1p", _sp("log1p"), pos)
OPS += U("special_erf", _sp("erf"), r)
OPS += U("special_erfc", _sp("erfc"), r)
OPS += U("special_erfinv", _sp("erfinv"), lambda *s, dtype=np.float32: np.asarray(r(*s, dtype=dtype) * 0.45))
OPS += [OpInfo("special_round", lambda lib, a, **k: lib.special.round(a, **k),
               lambda: [S(r(3, 4) * 10), S(r(3, 4) * 10, decimals=1),
                        S(np.array([0.5, 1.5, 2.5, -0.5])), S(r(3, 4) * 10, noncontig=True)],
               errors=lambda: [ErrorSample((ri(3),), exc=NotImplementedError),
                               ErrorSample((np.array([True]),), exc=NotImplementedError)])]
# torch's bessel_j0/j1 are off by up to ~5e-8 relative (4e-7 absolute at large x) against
# mpmath (tests/special measures it); ember's are within 3e-16 absolute
_BESSEL_TOL = Tol(atol=1e-6, rtol=1e-6, reason="torch's own bessel_j0/j1 error (vs mpmath)")
OPS += U("special_bessel_j0", _sp("bessel_j0"), wide, grad=False, tol=_BESSEL_TOL,
         errors=_complex_err)
OPS += U("special_bessel_j1", _sp("bessel_j1"), wide, grad=False, tol=_BESSEL_TOL,
         errors=_complex_err)

OPS += [
    OpInfo("special_polygamma", lambda lib, a: lib.special.polygamma(2, a),
           lambda: [S(offpole_narrow(3, 4)), S(offpole_narrow(3, dtype=np.float64))]),
    OpInfo("special_multigammaln", lambda lib, a: lib.special.multigammaln(a, 2),
           lambda: [S(gt_half(3, 4)), S(gt_half(3, dtype=np.float64))]),
    OpInfo("special_logit", lambda lib, a: lib.special.logit(a, eps=0.1),
           lambda: [S(prob(3, 4)), S(prob(3, dtype=np.float64))]),
    OpInfo("special_xlogy", lambda lib, a, b: lib.special.xlogy(a, b),
           lambda: [S(r(3, 4), pos(3, 4)), S(r(3), pos(2, 1)), S(2.5, pos(3))]),
    OpInfo("special_softmax", lambda lib, a, d: lib.special.softmax(a, d),
           lambda: [S(r(3, 4), 1), S(r(3, 4), 0), S(r(2, 3, dtype=np.float64), -1)]),
    OpInfo("special_softmax_dtype",
           lambda lib, a: lib.special.softmax(a, 1, dtype=lib.float64),
           lambda: [S(r(3, 4))]),
    OpInfo("special_log_softmax", lambda lib, a, d: lib.special.log_softmax(a, d),
           lambda: [S(r(3, 4), 1), S(r(3, 4), 0), S(r(2, 3, dtype=np.float64), -1)]),
    OpInfo("special_logsumexp", lambda lib, a, d, k: lib.special.logsumexp(a, d, k),
           lambda: [S(r(3, 4), 1, False), S(r(3, 4), (0, 1), True),
                    S(r(2, 3, dtype=np.float64), -1, False)]),
    OpInfo("special_entr_edges", _sp("entr"),
           lambda: [S(np.array([0.0, -1.0, 0.5, np.inf, np.nan, 2.0]), grad=False),
                    S(np.array([0.0, 0.5, 3.0], dtype=np.float32))],
           gradcheck=False),  # the gradient is infinite at 0
    OpInfo("special_ndtri_edges", _sp("ndtri"),
           lambda: [S(np.array([0.0, 1.0, -0.5, 1.5, np.nan, 0.5, 1e-300, 1 - 1e-16]),
                      grad=False),
                    S(np.concatenate([np.logspace(-300, -1, 100), np.linspace(0.01, 0.99, 99),
                                      1 - np.logspace(-15, -1, 30)]), grad=False)]),
    OpInfo("special_log_ndtr_range", _sp("log_ndtr"),
           lambda: [S(np.linspace(-40, 40, 801)),
                    S(np.array([np.inf, -np.inf, np.nan, 0.0]), grad=False),
                    S(np.linspace(-20, 10, 301, dtype=np.float32))], gradcheck=False),
    OpInfo("special_erfcx_range", _sp("erfcx"),
           lambda: [S(np.linspace(-26, 60, 861)), S(np.logspace(-5, 300, 61)),
                    S(np.array([np.inf, -np.inf, np.nan, 0.0, -30.0]), grad=False),
                    S(np.linspace(-9, 30, 391, dtype=np.float32))], gradcheck=False),
    OpInfo("special_bessel_range", lambda lib, a: (lib.special.bessel_j0(a),
                                                   lib.special.bessel_j1(a)),
           lambda: [S(np.linspace(-60, 60, 1201)), S(np.logspace(-8, 3, 45)),
                    S(np.array([0.0, -0.0, np.inf, -np.inf, np.nan]))],
           grad=False, tol=_BESSEL_TOL),
    OpInfo("special_i_range", lambda lib, a: (lib.special.i0(a), lib.special.i0e(a),
                                              lib.special.i1(a), lib.special.i1e(a)),
           lambda: [S(np.linspace(-700, 700, 1401)), S(np.logspace(-8, 2.8, 45)),
                    S(np.array([0.0, -0.0, np.inf, -np.inf, np.nan]), grad=False),
                    S(np.linspace(-80, 80, 321, dtype=np.float32), grad=False)],
           gradcheck=False),
    OpInfo("special_i1_at_zero", lambda lib, a: (lib.special.i1(a), lib.special.i1e(a)),
           lambda: [S(np.array([0.0, 1.0, -2.0]))]),
    OpInfo("special_zeta", lambda lib, q, x: lib.special.zeta(_t(lib, x), q),
           lambda: [S(pos(3, 4, low=0.5, high=5.0), x=pos(3, 4, low=1.5, high=6.0)),
                    S(pos(3, dtype=np.float64, low=0.2), x=pos(3, dtype=np.float64, low=2.0)),
                    S(pos(3, 4, low=0.5), x=2.0), S(pos(3, 4, low=0.5), x=3)]),
    OpInfo("special_zeta_values", lambda lib, x, q: lib.special.zeta(x, q),
           lambda: [S(np.array([1.0, 0.5, 2.0, 2.0, 3.0, 2.5, 2.0, np.nan, 2.0, 4.0]),
                      np.array([1.0, 1.0, 0.0, -1.0, -1.5, -1.5, np.inf, 1.0, -np.inf, 1e5]),
                      grad=False),
                    S(2.0, pos(3)), S(ri(3, low=2, high=5), ri(3, low=1, high=4))],
           grad=False,
           errors=lambda: [ErrorSample((2.0, 3.0), exc=TypeError)]),
    OpInfo("special_xlog1py", lambda lib, a, b: lib.special.xlog1py(a, b),
           lambda: [S(r(3, 4), pos(3, 4), name="same"), S(r(3, 4), pos(4), name="bcast"),
                    S(r(3, 4), pos(3, 4), noncontig=True, name="nc"),
                    S(r(3, dtype=np.float64), pos(3, dtype=np.float64), name="f64"),
                    S(2.5, pos(3), name="scalar_a"), S(r(3), 1.5, name="scalar_b"),
                    S(ri(3, 4, low=0, high=4), ri(3, 4, low=0, high=4), name="int"),
                    S(np.array([0.0, 0.0, 1.0, 0.0, 2.0]),
                      np.array([-1.0, -2.0, -1.0, np.nan, 0.5]), name="edges")],
           errors=lambda: [ErrorSample((2, 3), exc=TypeError)]),
]
