"""Registry entries for the normalisation and dropout kernels (ember/ops/norm.py,
ember/ops/dropout.py).  Random dropout masks are checked statistically in
tests/nn/test_dropout.py; here only the deterministic cases (eval, p=0, p=1)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def _stats(lib, x, c):
    """Deterministic running stats of x's dtype."""
    rm = lib.arange(c, dtype=x.dtype) * 0.1 - 0.2
    rv = lib.arange(c, dtype=x.dtype) * 0.25 + 0.5
    return rm, rv


def _bn_train(lib, x, w=None, b=None, track=True, **kw):
    rm, rv = _stats(lib, x, x.shape[1]) if track else (None, None)
    out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training=True, **kw)
    return (out, rm, rv) if track else out


def _bn_eval(lib, x, w=None, b=None, **kw):
    rm, rv = _stats(lib, x, x.shape[1])
    return lib.nn.functional.batch_norm(x, rm, rv, w, b, training=False, **kw)


def _bn_samples():
    return [S(r(4, 3), r(3), r(3), name="2d"),
            S(r(4, 3, 5), r(3), r(3), name="3d"),
            S(r(2, 3, 4, 4), r(3), r(3), noncontig=True, name="4d_nc"),
            S(r(2, 2, 3, 2, 2), r(2), r(2), momentum=0.3, eps=1e-3, name="5d"),
            S(r(3, 4, 2), name="noaffine"),
            S(r(3, 4, 2, dtype=np.float64), r(4, dtype=np.float64), r(4, dtype=np.float64),
              name="f64"),
            S(r(3, 4, 2), r(4), r(4), track=False, name="notrack")]


def _bn_errors():
    return [ErrorSample((r(1, 3),), {"w": None}, ValueError),
            ErrorSample((r(4, 3), r(4)), {}, RuntimeError)]


def _in(lib, x, w=None, b=None, track=False, use_input_stats=True, **kw):
    rm, rv = _stats(lib, x, x.shape[1]) if track else (None, None)
    out = lib.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats,
                                          **kw)
    return (out, rm, rv) if track else out


def _ln(lib, x, *wb, shape=None, **kw):
    return lib.nn.functional.layer_norm(x, shape, *wb, **kw)


def _rms(lib, x, *w, shape=None, **kw):
    return lib.nn.functional.rms_norm(x, shape, *w, **kw)


def _drop(name):
    def fn(lib, x, **kw):
        return getattr(lib.nn.functional, name)(x, **kw)
    return fn


def _drop_samples(shape):
    def gen():
        return [S(r(*shape), p=1.0, training=True, name="p1"),
                S(r(*shape), p=0.0, training=True, name="p0"),
                S(r(*shape), p=0.5, training=False, name="eval"),
                S(r(*shape), p=0.3, training=False, noncontig=True, name="eval_nc")]
    return gen


OPS = [
    OpInfo("batch_norm_train", _bn_train, _bn_samples, errors=_bn_errors),
    OpInfo("batch_norm_eval", _bn_eval, lambda: _bn_samples()[:6]),
    OpInfo("layer_norm", _ln, lambda: [
        S(r(3, 4), r(4), r(4), shape=(4,), name="2d"),
        S(r(2, 3, 4), r(3, 4), r(3, 4), shape=(3, 4), name="2dims"),
        S(r(2, 3, 5), shape=[5], name="noaffine"),
        S(r(2, 3, 5), r(5), None, shape=(5,), name="nobias"),
        S(r(2, 3, 5), r(5), r(5), shape=(5,), noncontig=True, name="nc"),
        S(r(6), r(6), r(6), shape=(6,), eps=1e-3, name="1d"),
        S(r(0, 4), r(4), r(4), shape=(4,), name="empty"),
        S(r(2, 5, dtype=np.float64), r(5, dtype=np.float64), r(5, dtype=np.float64),
          shape=(5,), name="f64")],
        errors=lambda: [ErrorSample((r(3, 4),), {"shape": (3,)}),
                        ErrorSample((r(3, 4), r(3)), {"shape": (4,)})]),
    OpInfo("group_norm", lambda lib, x, *wb, g=1, **kw: lib.nn.functional.group_norm(
        x, g, *wb, **kw), lambda: [
        S(r(2, 6, 4), r(6), r(6), g=3, name="3d"),
        S(r(2, 4, 3, 3), r(4), r(4), g=2, noncontig=True, name="4d_nc"),
        # one element per group: the output is the bias, and torch's fused
        # x*scale + shift with scale = 1/sqrt(eps) leaves ~1e-5 of float32 rounding noise
        # (above the float32 tolerance), so this degenerate case is checked in float64
        S(r(3, 4, dtype=np.float64), r(4, dtype=np.float64), r(4, dtype=np.float64), g=4,
          name="2d_gc"),
        S(r(2, 4, 5), g=1, eps=1e-3, name="g1_noaffine"),
        S(r(2, 4, 3, dtype=np.float64), r(4, dtype=np.float64), r(4, dtype=np.float64), g=2,
          name="f64")],
        errors=lambda: [ErrorSample((r(2, 3, 4),), {"g": 2}),
                        ErrorSample((r(3),), {"g": 1})]),
    OpInfo("instance_norm", _in, lambda: [
        S(r(2, 3, 5), r(3), r(3), name="affine"),
        S(r(2, 3, 5), name="plain"),
        S(r(2, 3, 4, 3), track=True, momentum=0.2, name="track"),
        S(r(2, 3, 4, 3), noncontig=True, name="nc"),
        S(r(2, 3, 4), r(3), r(3), track=True, use_input_stats=False, name="running"),
        S(r(2, 2, 3, dtype=np.float64), name="f64")],
        errors=lambda: [ErrorSample((r(2, 3, 1),), {}, ValueError)]),
    OpInfo("local_response_norm", lambda lib, x, **kw: lib.nn.functional.local_response_norm(
        x, **kw), lambda: [
        S(r(2, 5, 4), size=3, name="3d"),
        S(r(2, 5, 3, 3), size=2, alpha=0.1, beta=0.5, k=2.0, name="4d"),
        S(r(1, 4, 2, 2, 2), size=4, alpha=0.5, name="5d"),
        S(r(2, 3, 4), size=5, alpha=0.2, noncontig=True, name="nc"),
        S(r(2, 3, 4, dtype=np.float64), size=2, alpha=0.3, name="f64")],
        errors=lambda: [ErrorSample((r(3, 4),), {"size": 2}, ValueError)]),
    OpInfo("rms_norm", _rms, lambda: [
        S(r(3, 4), r(4), shape=(4,), name="w"),
        S(r(2, 3, 4), shape=(3, 4), name="now"),
        S(r(2, 3, 4), r(4), shape=(4,), eps=1e-3, noncontig=True, name="nc"),
        S(r(2, 5, dtype=np.float64), r(5, dtype=np.float64), shape=(5,), name="f64")],
        errors=lambda: [ErrorSample((r(3, 4),), {"shape": (3,)})]),
    OpInfo("normalize", lambda lib, x, **kw: lib.nn.functional.normalize(x, **kw), lambda: [
        S(r(3, 4), name="default"),
        S(r(2, 3, 4), p=1.0, dim=-1, name="p1"),
        S(r(2, 3, 4), p=3.0, dim=0, noncontig=True, name="p3_nc"),
        S(r(5), dim=0, name="1d"),
        S(r(2, 3, dtype=np.float64), name="f64")]),
    OpInfo("dropout", _drop("dropout"), _drop_samples((3, 4)),
           errors=lambda: [ErrorSample((r(3),), {"p": 1.5}, ValueError)]),
    OpInfo("alpha_dropout", _drop("alpha_dropout"), _drop_samples((3, 4))),
    OpInfo("feature_alpha_dropout", _drop("feature_alpha_dropout"), _drop_samples((2, 3, 4))),
    OpInfo("dropout1d", _drop("dropout1d"), _drop_samples((2, 3, 4)),
           errors=lambda: [ErrorSample((r(2, 3, 4, 5),), {})]),
    OpInfo("dropout2d", _drop("dropout2d"), _drop_samples((2, 3, 4, 2))),
    OpInfo("dropout3d", _drop("dropout3d"), _drop_samples((2, 3, 2, 2, 2))),
]
