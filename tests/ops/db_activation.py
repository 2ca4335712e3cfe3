"""Registry entries for the activations (ember/ops/activation.py, ember.nn.functional)."""

import numpy as np

import ember
from tests.ops.opinfo import ErrorSample, OpInfo, Sample, Tol, r, ri


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def away0(*shape, dtype=np.float32, lo=0.05):
    """Values in [-2, 2] kept away from 0 (the kink of relu-like functions)."""
    x = np.random.uniform(lo, 2.0, size=shape) * np.random.choice([-1, 1], size=shape)
    return np.asarray(x).astype(dtype)


def away(*kinks):
    def f(*shape, dtype=np.float32):
        x = np.asarray(np.random.uniform(-4, 4, size=shape))
        for k in kinks:
            x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
        return x.astype(dtype)
    return f


def samples(dom=away0, ints=False, **kw):
    out = [S(dom(3, 4), name="2d", **kw), S(dom(), name="0d", **kw),
           S(dom(0, 3), name="empty", **kw), S(dom(2, 3, 4), noncontig=True, name="nc", **kw),
           S(dom(2, 3, dtype=np.float64), name="f64", **kw)]
    if ints:
        out.append(S(ri(3, 4), name="int", **kw))
    return out


def F(name, kw_list=({},), dom=away0, ints=False, inplace=False, **opkw):
    """F.name(x, **kw) for each kw in kw_list; plus F.name(x, inplace=True) when torch has it."""
    def gen():
        out = []
        for kw in kw_list:
            out += samples(dom, ints, **kw)
        return out
    ops = [OpInfo(name, lambda lib, a, _n=name, **k: getattr(lib.nn.functional, _n)(a, **k),
                  gen, **opkw)]
    if inplace:
        ops.append(OpInfo(name + "_inplace", lambda lib, a, _n=name, **k: getattr(
            lib.nn.functional, _n)(a * 1, inplace=True, **k),
            lambda: [S(dom(3, 4), **kw_list[-1]), S(dom(3, 4), noncontig=True, **kw_list[-1])],
            **opkw))
    return ops


_TOL = Tol(1e-5, 1e-4, grad_atol=1e-4, grad_rtol=1e-3, reason="float32 transcendental "
           "kernels differ from torch's vectorised ones by a few ulp")

OPS = []
OPS += F("relu", ints=True, inplace=True)
OPS += F("relu6", dom=away(0, 6), inplace=True)
OPS += F("leaky_relu", ({}, {"negative_slope": 0.2}), inplace=True)
OPS += F("elu", ({}, {"alpha": 0.5}), inplace=True)
OPS += F("selu", inplace=True)
OPS += F("celu", ({}, {"alpha": 2.0}), inplace=True)
OPS += F("gelu", ({}, {"approximate": "tanh"}), tol=_TOL)
OPS += F("silu", inplace=True)
OPS += F("mish", inplace=True, tol=_TOL)
OPS += F("softplus", ({}, {"beta": 2.0}, {"beta": 0.5, "threshold": 1.0}))
OPS += F("softsign")
OPS += F("hardtanh", ({}, {"min_val": -0.5, "max_val": 1.5}), dom=away(-1, 1, -0.5, 1.5),
         inplace=True)
OPS += F("hardsigmoid", dom=away(-3, 3), inplace=True)
OPS += F("hardswish", dom=away(-3, 3), inplace=True)
OPS += F("logsigmoid")
OPS += F("tanhshrink")
OPS += F("softshrink", ({}, {"lambd": 1.0}), dom=away(-1, 1, -0.5, 0.5))
OPS += F("hardshrink", ({}, {"lambd": 1.0}), dom=away(-1, 1, -0.5, 0.5))
OPS += F("sigmoid")
OPS += F("tanh")

OPS += [
    OpInfo("gelu_bad", lambda lib, a, **k: lib.nn.functional.gelu(a, **k), lambda: [],
           errors=lambda: [ErrorSample((r(3),), {"approximate": "x"})]),
    OpInfo("threshold", lambda lib, a, t, v: lib.nn.functional.threshold(a, t, v),
           lambda: [S(away(0.5)(3, 4), 0.5, -1.0), S(away(0)(3, 4), 0.0, 2.0),
                    S(away(0.5)(3, 4), 0.5, -1.0, noncontig=True), S(ri(3, 4), 1, 7),
                    S(away(0.5)(0, 2), 0.5, 0.0), S(r(2, dtype=np.float64), 0.1, 0.0)]),
    OpInfo("threshold_inplace", lambda lib, a, t, v: lib.nn.functional.threshold(
        a * 1, t, v, inplace=True), lambda: [S(away(0.5)(3, 4), 0.5, -1.0)]),
    OpInfo("threshold_", lambda lib, a, t, v: lib.threshold_(a * 1, t, v),
           lambda: [S(away(0.5)(3, 4), 0.5, -1.0)]),
    OpInfo("relu_fn", lambda lib, a: lib.relu(a), lambda: [S(away0(3, 4)), S(ri(3))]),
    OpInfo("relu_method", lambda lib, a: a.relu(), lambda: [S(away0(3, 4))]),
    OpInfo("relu_method_", lambda lib, a: (a * 1).relu_(), lambda: [S(away0(3, 4))]),
    OpInfo("torch_relu_", lambda lib, a: lib.relu_(a * 1), lambda: [S(away0(3, 4))]),
    OpInfo("F_relu_", lambda lib, a: lib.nn.functional.relu_(a * 1), lambda: [S(away0(3, 4))]),
    OpInfo("F_elu_", lambda lib, a: lib.nn.functional.elu_(a * 1, 0.5),
           lambda: [S(away0(3, 4))]),
    OpInfo("F_leaky_relu_", lambda lib, a: lib.nn.functional.leaky_relu_(a * 1, 0.1),
           lambda: [S(away0(3, 4))]),
    OpInfo("F_hardtanh_", lambda lib, a: lib.nn.functional.hardtanh_(a * 1),
           lambda: [S(away(-1, 1)(3, 4))]),
    OpInfo("selu_", lambda lib, a: lib.selu_(a * 1), lambda: [S(away0(3, 4))]),
    OpInfo("celu_", lambda lib, a: lib.celu_(a * 1), lambda: [S(away0(3, 4))]),
    OpInfo("hardtanh_bad", lambda lib, a: lib.nn.functional.hardtanh(a, 1.0, -1.0),
           lambda: [], errors=lambda: [ErrorSample((r(3),), exc=ValueError)]),
    OpInfo("elu_int", lambda lib, a: lib.nn.functional.elu(a), lambda: [],
           errors=lambda: [ErrorSample((ri(3),))]),
]


# --- softmax family ------------------------------------------------------------------------

def _sm_samples():
    return [S(r(3, 4) * 3, 1, name="d1"), S(r(3, 4), 0, name="d0"),
            S(r(2, 3, 4), -1, name="last"), S(r(2, 3, 4), 1, name="mid"),
            S(r(5), 0, name="1d"), S(r(), 0, name="0d"), S(r(0, 3), 1, name="empty"),
            S(r(2, 3, 4), 2, noncontig=True, name="nc"),
            S(r(3, 4, dtype=np.float64), 1, name="f64"),
            S(np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]], dtype=np.float32), 1,
              name="extreme"),
            S(r(3, 4), 1, dtype=ember.float64, name="dtype")]


for _n in ("softmax", "log_softmax", "softmin"):
    OPS.append(OpInfo(_n, lambda lib, a, d, _n=_n, **k: getattr(lib.nn.functional, _n)(
        a, d, **k), _sm_samples, errors=lambda: [ErrorSample((r(3, 4), 2), exc=IndexError)]))
for _n in ("softmax", "log_softmax"):
    OPS.append(OpInfo(_n + "_torch", lambda lib, a, d, _n=_n: getattr(lib, _n)(a, d),
                      lambda: [S(r(3, 4), 1), S(r(3, 4), -1)],
                      errors=lambda: [ErrorSample((ri(3, 4), 1))]))
    OPS.append(OpInfo(_n + "_method", lambda lib, a, d, _n=_n: getattr(a, _n)(d),
                      lambda: [S(r(3, 4), 1), S(r(2, 3), 0)]))
    OPS.append(OpInfo(_n + "_nodim", lambda lib, a, _n=_n: getattr(lib.nn.functional, _n)(a),
                      lambda: [S(r(3, 4)), S(r(4)), S(r(2, 3, 4))]))


def _ce_like(lib, a, d):
    """log_softmax feeding a nonlinear loss, so double backward goes through the
    softmax-backward op with both of its inputs live."""
    return (lib.nn.functional.log_softmax(a, d) ** 2).sum(d)


def _sm_chain(lib, a, d):
    return (lib.nn.functional.softmax(a, d) ** 2).sum(d)


OPS += [
    OpInfo("log_softmax_chain", _ce_like, lambda: [S(r(3, 4), 1), S(r(2, 3, 4), 0)]),
    OpInfo("softmax_chain", _sm_chain, lambda: [S(r(3, 4), 1), S(r(2, 3, 4), 0)]),
]


# --- glu / prelu / rrelu -------------------------------------------------------------------

OPS += [
    OpInfo("glu", lambda lib, a, **k: lib.nn.functional.glu(a, **k),
           lambda: [S(r(3, 4)), S(r(4, 3), dim=0), S(r(2, 6, 3), dim=1),
                    S(r(2, 4), noncontig=True), S(r(0, 4)),
                    S(r(2, 4, dtype=np.float64), dim=-1)],
           errors=lambda: [ErrorSample((r(3, 5),)), ErrorSample((r(3, 4),), {"dim": 2},
                                                                IndexError)]),
    OpInfo("prelu", lambda lib, a, w: lib.nn.functional.prelu(a, w),
           lambda: [S(away0(2, 3, 4), np.array([0.25], dtype=np.float32), name="single"),
                    S(away0(2, 3, 4), np.array([0.1, 0.2, 0.3], dtype=np.float32),
                      name="channels"),
                    S(away0(2, 3), np.array([0.1, 0.2, 0.3], dtype=np.float32), name="2d"),
                    S(away0(2, 3, 4, 5), np.array([0.1, -0.2, 0.3], dtype=np.float32),
                      name="4d"),
                    S(away0(2, 3, 4), np.array([0.1, 0.2, 0.3], dtype=np.float32),
                      noncontig=True, name="nc"),
                    S(away0(2, 3, dtype=np.float64), np.array([0.3]), name="f64")],
           errors=lambda: [ErrorSample((r(2, 3, 4), np.array([0.1, 0.2], dtype=np.float32)))]),
    OpInfo("torch_prelu", lambda lib, a, w: lib.prelu(a, w),
           lambda: [S(away0(2, 3), np.array([0.1, 0.2, 0.3], dtype=np.float32))]),
    OpInfo("rrelu_eval", lambda lib, a, **k: lib.nn.functional.rrelu(a, **k),
           lambda: [S(away0(3, 4)), S(away0(3, 4), lower=0.1, upper=0.5),
                    S(away0(3, 4), noncontig=True), S(away0(0, 2))]),
    OpInfo("rrelu_inplace", lambda lib, a: lib.nn.functional.rrelu(a * 1, inplace=True),
           lambda: [S(away0(3, 4))]),
    OpInfo("rrelu_train_shape", lambda lib, a: lib.nn.functional.rrelu(a, training=True),
           lambda: [S(away0(3, 4))], nondeterministic=True, grad=False),
]
