"""Registry entries for the special functions (ember/ops/special.py, ember.special)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, pos, ri


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
