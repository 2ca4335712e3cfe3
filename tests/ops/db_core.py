"""Registry entries for the core ops written with the dispatcher (arith, matmul, views)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, Tol, r, ri


def _binary_samples():
    return [
        Sample((r(3, 4), r(3, 4)), name="same"),
        Sample((r(3, 4), r(4)), name="bcast"),
        Sample((r(2, 1, 4), r(3, 1)), name="bcast2"),
        Sample((r(3, 4), 2.5), name="scalar"),
        Sample((r(), r(3)), name="zerodim"),
        Sample((r(0, 3), r(3)), name="empty"),
        Sample((r(3, 4), r(3, 4)), noncontig=True, name="noncontig"),
        Sample((r(3, 4, dtype=np.float64), r(3, 4)), name="f64xf32"),
        Sample((ri(3, 4), ri(3, 4)), name="int"),
        Sample((ri(3, 4), 1.5), name="int_scalar_float"),
        Sample((ri(3, 4, dtype=np.int32), ri(3, 4, dtype=np.int64)), name="int32xint64"),
        Sample((r(3), np.array(2.0, dtype=np.float64)), name="f32x0d_f64"),
    ]


def _c(*shape, dtype=np.complex64):
    """A random complex array (real and imaginary parts uniform in [-2, 2))."""
    return np.asarray(r(*shape, dtype=np.float64) + 1j * r(*shape, dtype=np.float64), dtype)


def _complex_binary_samples():
    return [
        Sample((_c(3, 4), _c(4)), name="c64_bcast"),
        Sample((_c(3, 4, dtype=np.complex128), _c(3, 4, dtype=np.complex128)), name="c128"),
        Sample((_c(3, 4), 1.5 - 0.5j), name="c64_pycomplex"),
        Sample((_c(3, 4), r(3, 4)), name="c64xf32"),
        Sample((r(3, 4, dtype=np.float64), _c(3, 4)), name="f64xc64"),
        Sample((ri(3, 4), _c(3, 4)), name="intxc64"),
        Sample((_c(), r(3)), name="c64_0d_x_f32"),
        Sample((_c(3, 4), _c(3, 4)), noncontig=True, name="c64_noncontig"),
    ]


def _div_samples():
    return [s for s in _binary_samples() if s.name != "int"] + [
        Sample((ri(3, 4), ri(3, 4, low=1, high=5)), name="int_true_div")]


OPS = [
    OpInfo("add", lambda lib, a, b: lib.add(a, b),
           lambda: _binary_samples() + _complex_binary_samples(),
           errors=lambda: [ErrorSample((r(3), r(4))), ErrorSample((r(2, 3), r(3, 2)))]),
    OpInfo("add_inplace_bcast_error", lambda lib, a, b: a.add_(b), lambda: [],
           errors=lambda: [ErrorSample((r(3, 1), r(3, 4)))]),
    OpInfo("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2), lambda: _binary_samples()[:3]),
    OpInfo("sub", lambda lib, a, b: a - b,
           lambda: _binary_samples() + _complex_binary_samples()),
    OpInfo("rsub_scalar", lambda lib, a: 3 - a, lambda: [Sample((r(3, 4),))]),
    OpInfo("mul", lambda lib, a, b: a * b,
           lambda: _binary_samples() + _complex_binary_samples()),
    OpInfo("div", lambda lib, a, b: a / b,
           lambda: [s for s in _div_samples() if s.name not in ("empty",)] +
           [Sample((r(3, 4), np.random.uniform(0.5, 2, (3, 4)).astype(np.float32)))] +
           _complex_binary_samples()),
    OpInfo("neg", lambda lib, a: -a, lambda: [Sample((r(3, 4),)), Sample((ri(3),)),
                                              Sample((_c(3, 4),), name="c64")]),
    OpInfo("exp", lambda lib, a: lib.exp(a),
           lambda: [Sample((r(3, 4),)), Sample((r(),)), Sample((ri(3, 2),)),
                    Sample((r(3, 4),), noncontig=True), Sample((_c(3, 4),), name="c64"),
                    Sample((_c(3, 4, dtype=np.complex128),), noncontig=True, name="c128")]),
    OpInfo("matmul", lambda lib, a, b: a @ b,
           lambda: [Sample((r(3, 4), r(4, 5)), name="mm"), Sample((r(4), r(4)), name="dot"),
                    Sample((r(3, 4), r(4)), name="mv"), Sample((r(4), r(4, 2)), name="vm"),
                    Sample((r(2, 3, 4), r(4, 5)), name="bmm_bcast"),
                    Sample((r(2, 3, 4), r(2, 4, 5)), name="bmm"),
                    Sample((r(3, 4), r(2, 4, 5)), name="bcast_left"),
                    Sample((r(2, 1, 3, 4), r(5, 4, 2)), name="bcast4d"),
                    Sample((r(3), r(2, 3, 4)), name="vec_batched"),
                    Sample((ri(3, 4), ri(4, 2)), name="int"),
                    Sample((r(3, 4), r(4, 5)), noncontig=True, name="noncontig"),
                    Sample((_c(3, 4), _c(4, 5)), name="c64_mm"),
                    Sample((_c(4), _c(4)), name="c64_dot"),
                    Sample((_c(2, 3, 4, dtype=np.complex128), _c(4, 5, dtype=np.complex128)),
                           noncontig=True, name="c128_bmm_bcast")],
           tol=Tol(1e-5, 1e-4, reason="BLAS summation order differs from torch's"),
           errors=lambda: [ErrorSample((r(3, 4), r(5, 2))), ErrorSample((r(3), r(4)))]),
    OpInfo("sum", lambda lib, a, **k: lib.sum(a, **k),
           lambda: [Sample((r(3, 4),)), Sample((r(3, 4),), {"dim": 1}),
                    Sample((r(3, 4, 2),), {"dim": (0, 2), "keepdim": True}),
                    Sample((r(3, 4),), {"dim": -1, "keepdim": False}),
                    Sample((ri(3, 4),), {"dim": 0}), Sample((r(),)), Sample((r(0, 3),), {"dim": 0}),
                    Sample((r(3, 4),), noncontig=True), Sample((_c(3, 4),), {"dim": 1}),
                    Sample((_c(3, 4, dtype=np.complex128),), noncontig=True)],
           errors=lambda: [ErrorSample((r(3, 4),), {"dim": 2}, IndexError)]),
    OpInfo("mean", lambda lib, a, **k: lib.mean(a, **k),
           lambda: [Sample((r(3, 4),)), Sample((r(3, 4),), {"dim": 1}),
                    Sample((r(3, 4, 2),), {"dim": (0, 2), "keepdim": True}),
                    Sample((_c(3, 4),), {"dim": 0})],
           errors=lambda: [ErrorSample((ri(3, 4),))]),
    OpInfo("view", lambda lib, a, *s: a.view(*s),
           lambda: [Sample((r(3, 4), 12)), Sample((r(3, 4), 2, -1)), Sample((r(3, 4), (4, 3)))],
           errors=lambda: [ErrorSample((r(3, 4), 5, -1))]),
    OpInfo("reshape_noncontig", lambda lib, a: a.t().reshape(-1),
           lambda: [Sample((r(3, 4),))]),
    OpInfo("expand", lambda lib, a, *s: a.expand(*s),
           lambda: [Sample((r(3, 1), 3, 4)), Sample((r(4), 2, 3, 4)), Sample((r(3, 1), -1, 5))],
           errors=lambda: [ErrorSample((r(3, 2), 3, 4))]),
    OpInfo("permute", lambda lib, a, *d: a.permute(*d),
           lambda: [Sample((r(2, 3, 4), 2, 0, 1)), Sample((r(2, 3, 4), (1, 0, 2)))]),
    OpInfo("transpose", lambda lib, a, d0, d1: a.transpose(d0, d1),
           lambda: [Sample((r(2, 3, 4), 0, 2)), Sample((r(2, 3), -1, -2))]),
    OpInfo("T", lambda lib, a: a.T, lambda: [Sample((r(2, 3),))]),
    OpInfo("mT", lambda lib, a: a.mT, lambda: [Sample((r(4, 2, 3),))]),
]
