"""Registry entries for the pointwise math ops (ember/ops/math.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, pos, r, ri


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def unit(*shape, dtype=np.float32):
    return np.random.uniform(-0.9, 0.9, size=shape).astype(dtype)


def gt1(*shape, dtype=np.float32):
    return np.random.uniform(1.1, 3.0, size=shape).astype(dtype)


def prob(*shape, dtype=np.float32):
    return np.random.uniform(0.05, 0.95, size=shape).astype(dtype)


def bools(*shape):
    return np.asarray(np.random.rand(*shape) > 0.5)


def nonzero(*shape, dtype=np.float32):
    x = np.random.uniform(0.5, 2.0, size=shape) * np.random.choice([-1, 1], size=shape)
    return np.asarray(x).astype(dtype)


def unary_samples(dom=r, ints=True, bool_=False):
    out = [S(dom(3, 4), name="2d"), S(dom(), name="0d"), S(dom(0, 3), name="empty"),
           S(dom(3, 4), noncontig=True, name="noncontig"),
           S(dom(2, 3, dtype=np.float64), name="f64")]
    if ints:
        out.append(S(ri(3, 4, low=1, high=4), name="int"))
        out.append(S(ri(3, dtype=np.int32, low=1, high=4), name="int32"))
    if bool_:
        out.append(S(bools(3, 4), name="bool"))
    return out


def binary_samples(da=r, db=r, ints=True, scalar=2.5):
    out = [S(da(3, 4), db(3, 4), name="same"), S(da(3, 4), db(4), name="bcast"),
           S(da(2, 1, 4), db(3, 1), name="bcast2"), S(da(), db(3), name="zerodim"),
           S(da(0, 3), db(3), name="empty"), S(da(3, 4), db(3, 4), noncontig=True, name="nc"),
           S(da(3, 4, dtype=np.float64), db(3, 4), name="f64xf32"),
           S(da(3, dtype=np.float64), db(3, dtype=np.float64), name="f64")]
    if scalar is not None:
        out.append(S(da(3, 4), scalar, name="scalar"))
    if ints:
        out.append(S(ri(3, 4, low=1, high=5), ri(3, 4, low=1, high=5), name="int"))
        if scalar is not None:
            out.append(S(ri(3, 4, low=1, high=5), 2, name="int_scalar"))
    return out


def U(name, fn=None, dom=r, ints=True, bool_=False, method=True, inplace=True,
      inplace_grad=True, **kw):
    """A unary op checked as ember.X / torch.X, plus method and in-place forms."""
    f = fn or (lambda lib, a, _n=name: getattr(lib, _n)(a))
    ops = [OpInfo(name, f, lambda: unary_samples(dom, ints, bool_), **kw)]
    if method:
        ops.append(OpInfo(name + "_method", lambda lib, a, _n=name: getattr(a, _n)(),
                          lambda: [S(dom(3, 4)), S(dom(2, 3, dtype=np.float64))], **kw))
    if inplace:
        kw2 = {k: v for k, v in kw.items() if k != "errors"}
        if not inplace_grad:  # torch has no derivative for this in-place variant
            kw2["grad"] = False
        ops.append(OpInfo(name + "_", lambda lib, a, _n=name: getattr(a * 1, _n + "_")(),
                          lambda: [S(dom(3, 4)), S(dom(3, 4), noncontig=True)], **kw2))
    return ops


def _int_float_err(name):
    return lambda: [ErrorSample((ri(3),), exc=RuntimeError)]


OPS = []
OPS += U("abs", errors=lambda: [ErrorSample((bools(3),), exc=RuntimeError)])
OPS += U("absolute", inplace=False)
OPS += U("sign", bool_=True)
OPS += U("sgn", grad=False)  # torch's grad here is a ZeroTensor the harness can't read
OPS += U("exp2")
OPS += U("expm1")
OPS += U("log", dom=pos)
OPS += U("log2", dom=pos)
OPS += U("log10", dom=pos)
OPS += U("log1p", dom=pos)
OPS += U("sqrt", dom=pos)
OPS += U("rsqrt", dom=pos)
OPS += U("square", ints=True, bool_=True)
OPS += U("reciprocal", dom=nonzero)
OPS += U("sin") + U("cos") + U("tan", dom=unit)
OPS += U("asin", dom=unit) + U("acos", dom=unit) + U("atan")
OPS += U("arcsin", dom=unit, inplace=False) + U("arctan", inplace=False)
OPS += U("sinh") + U("cosh") + U("tanh")
OPS += U("asinh", inplace_grad=False) + U("acosh", dom=gt1, inplace_grad=False)
OPS += U("atanh", dom=unit, inplace_grad=False)
OPS += U("sigmoid", bool_=True)
OPS += U("erf") + U("erfc") + U("erfinv", dom=unit)
OPS += U("floor") + U("ceil") + U("trunc") + U("fix", inplace=False) + U("round")
OPS += U("frac", ints=False, errors=_int_float_err("frac"))
OPS += U("deg2rad") + U("rad2deg")
OPS += U("logit", dom=prob)

OPS += [
    OpInfo("sigmoid_extreme", lambda lib, a: lib.sigmoid(a),
           lambda: [S(np.array([-800.0, -30, 0, 30, 800], dtype=np.float64)),
                    S(np.array([-100.0, -20, 20, 100], dtype=np.float32))]),
    OpInfo("erf_range", lambda lib, a: lib.erf(a),
           lambda: [S(np.linspace(-7, 7, 301)), S(np.linspace(-7, 7, 301, dtype=np.float32)),
                    S(np.array([0.0, np.inf, -np.inf, np.nan]))]),
    OpInfo("erfc_range", lambda lib, a: lib.erfc(a),
           lambda: [S(np.linspace(-7, 26, 331)), S(np.array([0.0, np.inf, -np.inf, np.nan]))]),
    OpInfo("erfinv_range", lambda lib, a: lib.erfinv(a),
           lambda: [S(np.linspace(-0.999999, 0.999999, 301)),
                    S(np.array([-1.0, 1.0, 0.0, 1.5, np.nan, 1 - 1e-12]))]),
    OpInfo("round_decimals", lambda lib, a, d: lib.round(a, decimals=d),
           lambda: [S(r(3, 4) * 100, 2), S(r(3, 4) * 100, -1),
                    S(np.array([0.5, 1.5, 2.5, -0.5], dtype=np.float32), 0),
                    S(r(3, dtype=np.float64) * 10, 3)],
           errors=lambda: [ErrorSample((ri(3), 1), exc=RuntimeError)]),
    # exactly on the rounding jumps: a finite difference is not the (zero) gradient
    OpInfo("round_half_even", lambda lib, a: a.round(),
           lambda: [S(np.array([0.5, 1.5, 2.5, -0.5, -1.5], dtype=np.float32))],
           gradcheck=False),
    OpInfo("logit_eps", lambda lib, a, e: lib.logit(a, e),
           lambda: [S(r(3, 4) * 0.6 + 0.5, 0.1), S(r(3, dtype=np.float64) * 0.6 + 0.5, 1e-6),
                    S(ri(3, low=0, high=2), 0.2)]),
    OpInfo("logit_", lambda lib, a, e: (a * 1).logit_(e), lambda: [S(r(3, 4) * 0.6 + 0.5, 0.1)]),
    OpInfo("nan_to_num", lambda lib, a, **k: lib.nan_to_num(a, **k),
           lambda: [S(np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32)),
                    S(np.array([np.nan, np.inf, -np.inf, 1.5]), nan=2.0, posinf=9.0,
                      neginf=-9.0),
                    S(r(3, 4), posinf=1.0), S(ri(3)), S(r(3, 4), noncontig=True)]),
    OpInfo("nan_to_num_", lambda lib, a: (a * 1).nan_to_num_(neginf=0.0),
           lambda: [S(np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32))]),
    OpInfo("positive", lambda lib, a: +a, lambda: [S(r(3, 4)), S(ri(3))],
           errors=lambda: [ErrorSample((bools(3),), exc=RuntimeError)]),
    OpInfo("positive_fn", lambda lib, a: lib.positive(a) * 2, lambda: [S(r(3, 4))]),
    OpInfo("abs_op", lambda lib, a: abs(a), lambda: [S(nonzero(3, 4)), S(ri(3))]),
    OpInfo("neg_sqrt_nan", lambda lib, a: lib.sqrt(a), lambda: [S(np.array([-1.0, 4.0]))],
           grad=False),
    OpInfo("sqrt_int_inplace_err", lambda lib, a: a.sqrt_(), lambda: [],
           errors=lambda: [ErrorSample((ri(3),), exc=RuntimeError)]),
]


# --- predicates and comparisons (non-differentiable) ---------------------------------------

def _special():
    return np.array([0.0, -0.0, 1.5, -2.0, np.nan, np.inf, -np.inf], dtype=np.float32)


for _n in ("isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "signbit"):
    OPS.append(OpInfo(_n, lambda lib, a, _n=_n: getattr(lib, _n)(a),
                      lambda: [S(_special()), S(_special().astype(np.float64)), S(ri(3, 4)),
                               S(bools(3)), S(r(0, 2)), S(_special(), noncontig=True)],
                      grad=False))
    OPS.append(OpInfo(_n + "_method", lambda lib, a, _n=_n: getattr(a, _n)(),
                      lambda: [S(_special())], grad=False))


def _cmp_samples():
    a = r(3, 4)
    return binary_samples() + [
        S(a, a.copy(), name="equal_vals"), S(bools(3), bools(3), name="bool"),
        S(ri(3), 1.5, name="int_float_scalar"), S(_special(), _special(), name="nan"),
        S(ri(3, dtype=np.int32), r(3), name="int32xf32")]


_CMP = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
        "ge": "__ge__"}
for _n, _d in _CMP.items():
    OPS.append(OpInfo(_n, lambda lib, a, b, _n=_n: getattr(lib, _n)(a, b), _cmp_samples,
                      grad=False))
    OPS.append(OpInfo(_n + "_op", lambda lib, a, b, _d=_d: getattr(a, _d)(b), _cmp_samples,
                      grad=False))
    OPS.append(OpInfo(_n + "_", lambda lib, a, b, _n=_n: getattr(a * 1, _n + "_")(b),
                      lambda: [S(r(3, 4), r(4)), S(ri(3), 2)], grad=False))
for _n in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
    OPS.append(OpInfo(_n, lambda lib, a, b, _n=_n: getattr(lib, _n)(a, b),
                      lambda: [S(r(3, 4), r(4)), S(ri(3), 1)], grad=False))
OPS += [
    OpInfo("reflected_cmp", lambda lib, a: (1.0 < a, 0.5 == a, 2 >= a),
           lambda: [S(r(3, 4)), S(ri(3))], grad=False),
    OpInfo("eq_none", lambda lib, a: (a == None, a != None),  # noqa: E711
           lambda: [S(r(3))], grad=False),
    OpInfo("equal", lambda lib, a, b: lib.equal(a, b),
           lambda: [S(r(3), r(3)), S(np.ones(3, np.float32), np.ones(3, np.float32)),
                    S(r(3), r(4)), S(ri(3), ri(3).astype(np.float32)),
                    S(np.array([np.nan]), np.array([np.nan]))], grad=False),
    OpInfo("isclose", lambda lib, a, b, **k: lib.isclose(a, b, **k),
           lambda: [S(r(3, 4), r(3, 4)), S(np.array([1.0, np.nan, np.inf, 1e-9]),
                                             np.array([1.0 + 1e-6, np.nan, np.inf, 0.0])),
                    S(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True),
                    S(np.array([1.0, 1.1]), np.array([1.05, 1.0]), rtol=0.1, atol=0.0),
                    S(ri(3), ri(3)), S(bools(4), bools(4)), S(r(3, 4), r(4))], grad=False,
           errors=lambda: [ErrorSample((r(3), r(3, dtype=np.float64)))]),
    OpInfo("allclose", lambda lib, a, b, **k: lib.allclose(a, b, **k),
           lambda: [S(r(3, 4), r(3, 4)), S(np.ones(3), np.ones(3) + 1e-9),
                    S(np.array([np.nan]), np.array([np.nan]), equal_nan=True)], grad=False),
    OpInfo("allclose_method", lambda lib, a, b: a.allclose(b),
           lambda: [S(np.ones(3), np.ones(3) + 1e-9)], grad=False),
]


def _logic_samples():
    return [S(bools(3, 4), bools(3, 4)), S(r(3, 4), ri(4)), S(ri(3, 4, low=-1, high=2),
                                                              bools(4)),
            S(r(), bools(3)), S(r(0, 3), r(3)), S(bools(3, 4), bools(3, 4), noncontig=True),
            S(np.array([0.0, np.nan, 2.0]), np.array([1.0, 0.0, 0.0]))]


for _n in ("logical_and", "logical_or", "logical_xor"):
    OPS.append(OpInfo(_n, lambda lib, a, b, _n=_n: getattr(lib, _n)(a, b), _logic_samples,
                      grad=False))
    OPS.append(OpInfo(_n + "_", lambda lib, a, b, _n=_n: getattr(a * 1, _n + "_")(b),
                      lambda: [S(r(3, 4), r(4)), S(bools(3), bools(3))], grad=False))
OPS += [
    OpInfo("logical_not", lambda lib, a: lib.logical_not(a),
           lambda: [S(bools(3, 4)), S(r(3, 4)), S(ri(3)), S(r()), S(r(3), noncontig=True)],
           grad=False),
    OpInfo("logical_not_", lambda lib, a: (a * 1).logical_not_(),
           lambda: [S(r(3, 4)), S(ri(3))], grad=False),
]


def _bit_samples():
    return [S(ri(3, 4, low=-50, high=50), ri(3, 4, low=-50, high=50)),
            S(ri(3, 4), ri(4)), S(bools(3), bools(3)), S(ri(3, 4), 6),
            S(ri(3, dtype=np.int32), ri(3, dtype=np.int64)),
            S(ri(3, dtype=np.uint8, low=0, high=200), ri(3, dtype=np.uint8, low=0, high=200)),
            S(ri(3, dtype=np.int8), 3), S(ri(3, 4), ri(3, 4), noncontig=True),
            S(ri(0, 2), ri(2)), S(ri(), ri(3))]


_BIT = {"bitwise_and": "__and__", "bitwise_or": "__or__", "bitwise_xor": "__xor__"}
for _n, _d in _BIT.items():
    OPS.append(OpInfo(_n, lambda lib, a, b, _n=_n: getattr(lib, _n)(a, b), _bit_samples,
                      grad=False,
                      errors=lambda: [ErrorSample((r(3), r(3))), ErrorSample((r(3), ri(3)))]))
    OPS.append(OpInfo(_n + "_op", lambda lib, a, b, _d=_d: getattr(a, _d)(b), _bit_samples,
                      grad=False))
    OPS.append(OpInfo(_n + "_rop", lambda lib, a, _d=_d: getattr(a, _d.replace("__", "__r", 1))
                      (5), lambda: [S(ri(3, 4)), S(bools(3))], grad=False))
    OPS.append(OpInfo(_n + "_iop", lambda lib, a, b, _d=_d: getattr(
        a * 1, _d.replace("__", "__i", 1))(b), lambda: [S(ri(3, 4), ri(4))], grad=False))
    OPS.append(OpInfo(_n + "_", lambda lib, a, b, _n=_n: getattr(a * 1, _n + "_")(b),
                      lambda: [S(ri(3, 4), ri(4))], grad=False))


def _shift_samples():
    return [S(ri(3, 4, low=-50, high=50), ri(3, 4, low=0, high=8)),
            S(ri(3, 4), 2), S(ri(3, dtype=np.int32), ri(3, dtype=np.int32, low=0, high=5)),
            S(ri(4, dtype=np.uint8, low=0, high=200), ri(4, dtype=np.uint8, low=0, high=9)),
            S(np.array([5, -5, 7]), np.array([-1, 64, 70])),
            S(ri(3, 4), ri(3, 4, low=0, high=3), noncontig=True), S(ri(0, 2), 1)]


for _n, _d in (("bitwise_left_shift", "__lshift__"), ("bitwise_right_shift", "__rshift__")):
    OPS.append(OpInfo(_n, lambda lib, a, b, _n=_n: getattr(lib, _n)(a, b), _shift_samples,
                      grad=False, errors=lambda: [ErrorSample((r(3), r(3))),
                                                  ErrorSample((bools(3), bools(3)))]))
    OPS.append(OpInfo(_n + "_op", lambda lib, a, b, _d=_d: getattr(a, _d)(b), _shift_samples,
                      grad=False))
    OPS.append(OpInfo(_n + "_rop", lambda lib, a, _d=_d: getattr(a, _d.replace("__", "__r", 1))
                      (1), lambda: [S(ri(3, 4, low=0, high=5))], grad=False))
    OPS.append(OpInfo(_n + "_", lambda lib, a, b, _n=_n: getattr(a * 1, _n + "_")(b),
                      lambda: [S(ri(3, 4), 1)], grad=False))
OPS += [
    OpInfo("bitwise_not", lambda lib, a: lib.bitwise_not(a),
           lambda: [S(ri(3, 4, low=-50, high=50)), S(bools(3)), S(ri(3, dtype=np.uint8)),
                    S(ri(3, 4), noncontig=True)], grad=False,
           errors=lambda: [ErrorSample((r(3),))]),
    OpInfo("invert_op", lambda lib, a: ~a, lambda: [S(bools(3)), S(ri(3))], grad=False),
    OpInfo("bitwise_not_", lambda lib, a: (a * 1).bitwise_not_(), lambda: [S(ri(3))],
           grad=False),
]


# --- binary arithmetic ---------------------------------------------------------------------

def B(name, fn=None, da=r, db=r, ints=True, scalar=2.5, method=True, inplace=True, extra=(),
      **kw):
    f = fn or (lambda lib, a, b, _n=name: getattr(lib, _n)(a, b))
    ops = [OpInfo(name, f, lambda: binary_samples(da, db, ints, scalar) + list(extra), **kw)]
    if method:
        ops.append(OpInfo(name + "_method", lambda lib, a, b, _n=name: getattr(a, _n)(b),
                          lambda: [S(da(3, 4), db(4))], **kw))
    if inplace:
        ops.append(OpInfo(name + "_", lambda lib, a, b, _n=name: getattr(a * 1, _n + "_")(b),
                          lambda: [S(da(3, 4), db(4)), S(da(3, 4), db(3, 4), noncontig=True)],
                          **{k: v for k, v in kw.items() if k != "errors"}))
    return ops


def _ties():
    a = r(3, 4)
    b = a.copy()
    b[0] += 1
    return [S(a, b, name="ties"),
            S(np.array([np.nan, 1.0, 2.0]), np.array([1.0, np.nan, 0.5]), name="nan")]


OPS += B("atan2", scalar=None, ints=False, extra=[S(ri(3), ri(3), name="int")])
OPS += B("arctan2", scalar=None, inplace=True, ints=False)
OPS += B("maximum", scalar=None, inplace=False, extra=_ties() + [S(bools(3), bools(3), name="bool")])
OPS += B("minimum", scalar=None, inplace=False, extra=_ties())
OPS += B("fmax", scalar=None, inplace=False, extra=_ties())
OPS += B("fmin", scalar=None, inplace=False, extra=_ties())
OPS += B("fmod", db=nonzero, extra=[S(ri(3, 4, low=-9, high=9), ri(3, 4, low=1, high=4),
                                      name="int_neg"),
                                    S(np.array([5.0, -5.0, 5.0, -5.0]),
                                      np.array([3.0, 3.0, -3.0, -3.0]), name="signs")],
         errors=lambda: [ErrorSample((ri(3), np.zeros(3, np.int64)))])
OPS += B("remainder", db=nonzero, extra=[S(ri(3, 4, low=-9, high=9), ri(3, 4, low=1, high=4),
                                           name="int_neg"),
                                         S(np.array([5.0, -5.0, 5.0, -5.0]),
                                           np.array([3.0, 3.0, -3.0, -3.0]), name="signs")],
         errors=lambda: [ErrorSample((ri(3), 0))])
OPS += B("hypot", scalar=None, ints=False, errors=lambda: [ErrorSample((ri(3), ri(3)))])
OPS += B("logaddexp", scalar=None, ints=False, inplace=False, errors=lambda: [ErrorSample((ri(3), ri(3)))])
OPS += B("logaddexp2", scalar=None, ints=False, inplace=False)
OPS += B("copysign", extra=[S(r(3), np.array([0.0, -0.0, 1.0], dtype=np.float32),
                              name="signed_zero")])
OPS += B("xlogy", da=r, db=pos, extra=[
    S(np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, -1.0, np.nan, 3.0]), name="special")])
OPS += B("floor_divide", db=nonzero, grad=False,
         extra=[S(ri(3, 4, low=-9, high=9), ri(3, 4, low=1, high=4) * np.where(
             np.random.rand(3, 4) > 0.5, 1, -1), name="int_signs")],
         errors=lambda: [ErrorSample((ri(3), np.zeros(3, np.int64)))])
OPS += B("heaviside", db=r, ints=False, scalar=None, grad=False, inplace=False,
         extra=[S(np.array([0.0, -1.0, 2.0, 0.0], dtype=np.float32),
                  np.array([0.5, 0.5, 0.5, 7.0], dtype=np.float32), name="zeros")])
OPS = [o for o in OPS if o.name != "heaviside" or True]


def _heaviside_ok():
    return [S(r(3, 4), r(3, 4)), S(r(3, 4), r(4)),
            S(np.array([0.0, -1.0, 2.0, 0.0]), np.array([0.5, 0.5, 0.5, 7.0])),
            S(ri(3, low=-1, high=2), ri(3))]


OPS = [o for o in OPS if not o.name.startswith("heaviside")] + [
    OpInfo("heaviside", lambda lib, a, b: lib.heaviside(a, b), _heaviside_ok, grad=False,
           errors=lambda: [ErrorSample((r(3), r(3, dtype=np.float64)))]),
    OpInfo("heaviside_", lambda lib, a, b: (a * 1).heaviside_(b),
           lambda: [S(r(3), r(3))], grad=False),
]

OPS += [
    OpInfo("remainder_scalar_self", lambda lib, s, b: lib.remainder(s, b),
           lambda: [S(5, ri(3, low=1, high=4)), S(5.5, nonzero(3)), S(-7, ri(3, low=1, high=4))],
           grad=False),
    OpInfo("rmod", lambda lib, a: 5 % a, lambda: [S(ri(3, low=1, high=4)), S(nonzero(3))],
           grad=False),
    OpInfo("mod_op", lambda lib, a, b: a % b,
           lambda: [S(r(3, 4), nonzero(4)), S(ri(3, low=-5, high=5), 3), S(r(3), 0.7)]),
    OpInfo("imod", lambda lib, a, b: a.__imod__(b), lambda: [S(ri(3), 3)], grad=False),
    OpInfo("floordiv_op", lambda lib, a, b: a // b,
           lambda: [S(r(3, 4), nonzero(4)), S(ri(3, low=-5, high=5), 3),
                    S(ri(3), ri(3, low=1, high=3))], grad=False),
    OpInfo("rfloordiv", lambda lib, a: 7 // a, lambda: [S(ri(3, low=1, high=4)), S(nonzero(3))],
           grad=False),
    OpInfo("ifloordiv", lambda lib, a, b: a.__ifloordiv__(b), lambda: [S(ri(3), 2)],
           grad=False),
    OpInfo("floor_divide_bool", lambda lib, a, b: lib.floor_divide(a, b),
           lambda: [S(ri(3), np.array([True, True, True]))], grad=False),
    OpInfo("div_trunc", lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
           lambda: [S(r(3, 4), nonzero(3, 4)), S(r(3, 4), nonzero(4)),
                    S(ri(3, 4, low=-9, high=9), ri(3, 4, low=1, high=4) * np.where(
                        np.random.rand(3, 4) > 0.5, 1, -1)),
                    S(ri(3), 2), S(r(3, dtype=np.float64), nonzero(3, dtype=np.float64)),
                    S(r(0, 3), r(3)), S(r(3, 4), nonzero(3, 4), noncontig=True)],
           errors=lambda: [ErrorSample((ri(3), 0))]),
    OpInfo("div_floor", lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
           lambda: [S(r(3, 4), nonzero(3, 4)), S(r(3, 4), 2.5),
                    S(ri(3, 4, low=-9, high=9), ri(3, 4, low=1, high=4) * np.where(
                        np.random.rand(3, 4) > 0.5, 1, -1)),
                    S(ri(3), -2), S(np.array([5.0, -5.0]), np.array([0.0, 0.0]))]),
]


def _div_mode_err(lib, a, b, rounding_mode):
    return lib.div(a, b, rounding_mode=rounding_mode)


OPS.append(OpInfo("div_bad_mode", _div_mode_err, lambda: [],
                  errors=lambda: [ErrorSample((r(3), r(3)), {"rounding_mode": "x"})]))


# --- pow -----------------------------------------------------------------------------------

OPS += [
    OpInfo("pow", lambda lib, a, b: lib.pow(a, b),
           lambda: [S(pos(3, 4), r(3, 4), name="tt"), S(r(3, 4), 2, name="sq"),
                    S(r(3, 4), 3, name="cube"), S(pos(3, 4), 0.5, name="sqrt"),
                    S(pos(3, 4), -1.5, name="negf"), S(r(3, 4), 0, name="zero"),
                    S(pos(3, 4), r(4), name="bcast"), S(pos(), r(3), name="0d"),
                    S(r(0, 3), 2, name="empty"), S(pos(3, 4), r(3, 4), noncontig=True),
                    S(ri(3, 4, low=-3, high=4), 3, name="int"),
                    S(ri(3, 4, low=-3, high=4), ri(3, 4, low=0, high=4), name="int_tt"),
                    S(np.array([1, -1, 2, -1, 0]), np.array([-1, -1, -1, -2, 2]),
                      name="int_neg_exp"),
                    S(ri(3, 4), 0.5, name="int_float"),
                    S(bools(3), 2, name="bool_int"),
                    S(pos(3, dtype=np.float64), pos(3), name="f64xf32"),
                    S(ri(3, dtype=np.int32), 2, name="int32"),
                    S(np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 3.0]), name="zero_base")],
           errors=lambda: [ErrorSample((ri(3), -1)), ErrorSample((bools(3), bools(3)))]),
    OpInfo("pow_op", lambda lib, a, b: a ** b,
           lambda: [S(pos(3, 4), r(4)), S(r(3, 4), 2), S(ri(3), 2)]),
    OpInfo("rpow", lambda lib, b: 2.0 ** b,
           lambda: [S(r(3, 4)), S(ri(3)), S(r(3, dtype=np.float64))]),
    OpInfo("rpow_int", lambda lib, b: 2 ** b,
           lambda: [S(r(3, 4)), S(ri(3, low=-2, high=5)), S(bools(3))],
           errors=lambda: []),
    OpInfo("rpow_zero_base", lambda lib, b: 0.0 ** b, lambda: [S(pos(3))]),
    OpInfo("pow_scalar_self", lambda lib, b: lib.pow(1.5, b), lambda: [S(r(3, 4))]),
    OpInfo("pow_", lambda lib, a, b: (a * 1).pow_(b),
           lambda: [S(pos(3, 4), 2.0), S(pos(3, 4), r(4))]),
    OpInfo("ipow", lambda lib, a, b: a.__ipow__(b) if False else _ipow(a, b),
           lambda: [S(pos(3, 4), 3)]),
    OpInfo("float_power", lambda lib, a, b: lib.float_power(a, b),
           lambda: [S(pos(3, 4), r(3, 4)), S(r(3, 4), 2), S(ri(3), 2), S(pos(3), 0.5),
                    S(ri(3, low=1, high=3), ri(3, low=0, high=3)), S(pos(3, 4), r(4))]),
    OpInfo("float_power_scalar_self", lambda lib, b: lib.float_power(2, b),
           lambda: [S(r(3)), S(ri(3))]),
    OpInfo("float_power_", lambda lib, a, b: (a * 1).float_power_(b),
           lambda: [S(pos(3, dtype=np.float64), 2.0)],
           errors=lambda: [ErrorSample((r(3), 2.0))]),
]


def _ipow(a, b):
    a = a * 1
    a **= b
    return a


# --- ternary / clamp / where ---------------------------------------------------------------

def _clamp_samples():
    return [S(r(3, 4), -0.5, 0.5, name="both"), S(r(3, 4), -0.5, None, name="min"),
            S(r(3, 4), None, 0.5, name="max"), S(r(3, 4), r(3, 4) - 0.5, r(4) + 0.6,
                                                  name="tensors"),
            S(r(3, 4), r(4), None, name="tmin"), S(r(3, 4), None, r(3, 4), name="tmax"),
            S(r(3, 4), 1.0, -1.0, name="min_gt_max"), S(r(), -0.5, 0.5, name="0d"),
            S(r(0, 3), 0.0, 1.0, name="empty"), S(r(3, 4), -0.5, 0.5, noncontig=True),
            S(ri(3, 4), -2, 2, name="int"), S(ri(3, 4), 0.5, None, name="int_float"),
            S(r(3, dtype=np.float64), -0.1, 0.1, name="f64"),
            S(np.array([np.nan, 1.0, -3.0], dtype=np.float32), -1.0, 1.0, name="nan"),
            S(r(3, 4), r(3, 4), r(3, 4), name="tensors_rand")]


OPS += [
    OpInfo("clamp", lambda lib, a, lo, hi: lib.clamp(a, lo, hi), _clamp_samples,
           errors=lambda: [ErrorSample((r(3), None, None))]),
    OpInfo("clip", lambda lib, a, lo, hi: lib.clip(a, min=lo, max=hi),
           lambda: _clamp_samples()[:4]),
    OpInfo("clamp_method", lambda lib, a, lo, hi: a.clamp(min=lo, max=hi),
           lambda: _clamp_samples()[:4]),
    OpInfo("clamp_", lambda lib, a, lo, hi: (a * 1).clamp_(lo, hi),
           lambda: _clamp_samples()[:4]),
    OpInfo("clip_", lambda lib, a, lo, hi: (a * 1).clip_(lo, hi), lambda: _clamp_samples()[:2]),
    OpInfo("clamp_min", lambda lib, a, lo: lib.clamp_min(a, lo),
           lambda: [S(r(3, 4), 0.1), S(r(3, 4), r(4)), S(ri(3), 1)]),
    OpInfo("clamp_max", lambda lib, a, hi: lib.clamp_max(a, hi),
           lambda: [S(r(3, 4), 0.1), S(r(3, 4), r(4)), S(ri(3), 1)]),
    OpInfo("clamp_min_", lambda lib, a, lo: (a * 1).clamp_min_(lo), lambda: [S(r(3, 4), 0.1)]),
    OpInfo("clamp_max_", lambda lib, a, hi: (a * 1).clamp_max_(hi), lambda: [S(r(3, 4), 0.1)]),
    OpInfo("lerp", lambda lib, a, b, w: lib.lerp(a, b, w),
           lambda: [S(r(3, 4), r(3, 4), 0.3, name="scalar_w"),
                    S(r(3, 4), r(3, 4), 0.7, name="scalar_w_hi"),
                    S(r(3, 4), r(4), r(3, 4), name="tensor_w"),
                    S(r(3, 4), r(3, 4), r(4) + 0.5, name="tensor_w_bcast"),
                    S(r(), r(3), r(), name="0d"), S(r(0, 3), r(3), 0.5, name="empty"),
                    S(r(3, 4), r(3, 4), r(3, 4), noncontig=True),
                    S(r(3, dtype=np.float64), r(3, dtype=np.float64), 0.25, name="f64")],
           errors=lambda: [ErrorSample((r(3), r(3, dtype=np.float64), 0.5))]),
    OpInfo("lerp_", lambda lib, a, b, w: (a * 1).lerp_(b, w),
           lambda: [S(r(3, 4), r(4), 0.3), S(r(3, 4), r(3, 4), r(3, 4))]),
    OpInfo("addcmul", lambda lib, a, b, c, **k: lib.addcmul(a, b, c, **k),
           lambda: [S(r(3, 4), r(3, 4), r(3, 4)), S(r(3, 4), r(4), r(3, 1), value=0.5),
                    S(r(), r(3), r(3), value=-2), S(r(0, 3), r(3), r(3)),
                    S(r(3, 4), r(3, 4), r(3, 4), noncontig=True),
                    S(ri(3), ri(3), ri(3), value=2), S(r(3, dtype=np.float64), r(3), r(3))]),
    OpInfo("addcdiv", lambda lib, a, b, c, **k: lib.addcdiv(a, b, c, **k),
           lambda: [S(r(3, 4), r(3, 4), nonzero(3, 4)),
                    S(r(3, 4), r(4), nonzero(3, 1), value=0.5),
                    S(r(), r(3), nonzero(3), value=-2), S(r(0, 3), r(3), nonzero(3)),
                    S(r(3, 4), r(3, 4), nonzero(3, 4), noncontig=True),
                    S(r(3, dtype=np.float64), r(3), nonzero(3))],
           errors=lambda: [ErrorSample((ri(3), ri(3), ri(3)))]),
    OpInfo("addcmul_", lambda lib, a, b, c: (a * 1).addcmul_(b, c, value=2),
           lambda: [S(r(3, 4), r(3, 4), r(4))]),
    OpInfo("addcdiv_", lambda lib, a, b, c: (a * 1).addcdiv_(b, c, value=2),
           lambda: [S(r(3, 4), r(3, 4), nonzero(4))]),
    OpInfo("where", lambda lib, c, a, b: lib.where(c, a, b),
           lambda: [S(bools(3, 4), r(3, 4), r(3, 4), name="same"),
                    S(bools(3, 4), r(4), r(3, 1), name="bcast"),
                    S(bools(4), r(3, 4), 0.0, name="scalar_other"),
                    S(bools(3, 4), 1.0, r(3, 4), name="scalar_input"),
                    S(bools(3), 1, 0, name="int_scalars"), S(bools(3), 1.0, 0, name="mixed"),
                    S(bools(3), ri(3), r(3), name="int_float"),
                    S(bools(3), ri(3, dtype=np.int32), 2.0, name="int32_scalar"),
                    S(bools(3), ri(3, dtype=np.int32), ri(3), name="int32_int64"),
                    S(bools(), r(3), r(3), name="0d_cond"), S(bools(0, 3), r(3), r(3),
                                                                name="empty"),
                    S(bools(3), r(3, dtype=np.float64), r(3), name="f64")],
           errors=lambda: [ErrorSample((ri(3), r(3), r(3)))]),
    OpInfo("where_method", lambda lib, a, c, b: a.where(c, b),
           lambda: [S(r(3, 4), bools(3, 4), r(3, 4))]),
    OpInfo("where_nonzero", lambda lib, c: lib.where(c),
           lambda: [S(bools(3, 4)), S(bools(5))], grad=False),
]
