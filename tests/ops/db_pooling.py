"""Registry entries for pooling (ember/ops/pooling.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, pos, r


def _f(name):
    def fn(lib, *a, **k):
        return getattr(lib.nn.functional, name)(*a, **k)
    return fn


def _unpool(nd):
    def fn(lib, x, **k):
        pool = getattr(lib.nn.functional, f"max_pool{nd}d")
        ks, st = k.pop("kernel_size"), k.pop("stride", None)
        out, idx = pool(x, ks, st, return_indices=True)
        return getattr(lib.nn.functional, f"max_unpool{nd}d")(out, idx, ks, st, **k)
    return fn


def _distinct(*shape):
    """Values without ties (max pooling argmax is then unique)."""
    n = int(np.prod(shape))
    return (np.random.permutation(n).reshape(shape) / n * 4 - 2).astype(np.float32)


d = _distinct

OPS = [
    OpInfo("max_pool2d", _f("max_pool2d"), lambda: [
        Sample((d(1, 2, 4, 4),), {"kernel_size": 2}),
        Sample((d(2, 3, 9, 7),), {"kernel_size": 2, "return_indices": True}),
        Sample((d(2, 3, 9, 7),), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "dilation": (1, 2), "ceil_mode": True,
                                  "return_indices": True}),
        Sample((d(3, 9, 7),), {"kernel_size": (3, 2), "stride": 1, "padding": (1, 0)},
               name="unbatched"),
        Sample((d(2, 3, 8, 8),), {"kernel_size": 2}, noncontig=True),
        Sample((d(2, 3, 8, 8).astype(np.float64),), {"kernel_size": 3, "stride": 2,
                                                     "ceil_mode": True}),
    ], errors=lambda: [ErrorSample((r(1, 3, 5, 5), 3), {"padding": 2}),
                       ErrorSample((r(1, 3, 1, 1), 3))]),
    OpInfo("max_pool1d", _f("max_pool1d"), lambda: [
        Sample((d(1, 2, 6),), {"kernel_size": 2}),
        Sample((d(2, 3, 9),), {"kernel_size": 3, "stride": 1, "padding": 1,
                               "return_indices": True}),
        Sample((d(2, 3, 10),), {"kernel_size": 3, "stride": 2, "dilation": 2, "ceil_mode": True}),
    ]),
    OpInfo("max_pool3d", _f("max_pool3d"), lambda: [
        Sample((d(1, 1, 4, 4, 4),), {"kernel_size": 2}),
        Sample((d(1, 2, 5, 6, 5),), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2),
                                     "ceil_mode": True, "return_indices": True}),
        Sample((d(1, 2, 5, 5, 5),), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ]),
    OpInfo("max_unpool2d", _unpool(2), lambda: [
        Sample((d(1, 2, 4, 4),), {"kernel_size": 2}),
        Sample((d(2, 3, 8, 6),), {"kernel_size": 2, "output_size": (9, 7)}),
        Sample((d(2, 3, 7, 7),), {"kernel_size": 3, "stride": 2}),
    ]),
    OpInfo("max_unpool1d", _unpool(1), lambda: [
        Sample((d(2, 3, 8),), {"kernel_size": 2}),
        Sample((d(2, 3, 8),), {"kernel_size": 2, "stride": 1}),
    ]),
    OpInfo("max_unpool3d", _unpool(3), lambda: [Sample((d(1, 2, 4, 4, 4),), {"kernel_size": 2})]),
    OpInfo("avg_pool2d", _f("avg_pool2d"), lambda: [
        Sample((r(1, 2, 4, 4),), {"kernel_size": 2}),
        Sample((r(2, 3, 9, 7),), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "ceil_mode": True}),
        Sample((r(2, 3, 9, 7),), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "ceil_mode": True, "count_include_pad": False}),
        Sample((r(2, 3, 9, 7),), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0),
                                  "divisor_override": 4}),
        Sample((r(3, 6, 6),), {"kernel_size": 2}, name="unbatched"),
        Sample((r(2, 3, 6, 6),), {"kernel_size": 2}, noncontig=True),
    ], errors=lambda: [ErrorSample((r(1, 3, 5, 5), 3), {"padding": 2})]),
    OpInfo("avg_pool1d", _f("avg_pool1d"), lambda: [
        Sample((r(1, 2, 6),), {"kernel_size": 2}),
        Sample((r(2, 3, 9),), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
        Sample((r(2, 3, 9),), {"kernel_size": 3, "padding": 1, "count_include_pad": False}),
    ]),
    OpInfo("avg_pool3d", _f("avg_pool3d"), lambda: [
        Sample((r(1, 1, 4, 4, 4),), {"kernel_size": 2}),
        Sample((r(1, 2, 5, 6, 5),), {"kernel_size": 2, "stride": (1, 2, 2), "ceil_mode": True,
                                     "count_include_pad": False}),
    ]),
    OpInfo("adaptive_avg_pool2d", _f("adaptive_avg_pool2d"), lambda: [
        Sample((r(1, 2, 5, 4),), {"output_size": 2}),
        Sample((r(2, 3, 9, 7),), {"output_size": (4, 5)}),
        Sample((r(2, 3, 7, 7),), {"output_size": (None, 3)}),
        Sample((r(3, 7, 7),), {"output_size": 1}),
        Sample((r(2, 3, 6, 6),), {"output_size": 4}, noncontig=True),
    ], errors=lambda: [ErrorSample((r(5),), {"output_size": 2})]),
    OpInfo("adaptive_avg_pool1d", _f("adaptive_avg_pool1d"), lambda: [
        Sample((r(2, 3, 9),), {"output_size": 4})]),
    OpInfo("adaptive_avg_pool3d", _f("adaptive_avg_pool3d"), lambda: [
        Sample((r(1, 2, 4, 3, 5),), {"output_size": (2, 3, 2)})]),
    OpInfo("adaptive_max_pool2d", _f("adaptive_max_pool2d"), lambda: [
        Sample((d(1, 2, 5, 4),), {"output_size": 2}),
        Sample((d(2, 3, 9, 7),), {"output_size": (4, 5), "return_indices": True}),
        Sample((d(3, 7, 7),), {"output_size": 3}),
    ]),
    OpInfo("adaptive_max_pool1d", _f("adaptive_max_pool1d"), lambda: [
        Sample((d(2, 3, 10),), {"output_size": 3, "return_indices": True})]),
    OpInfo("lp_pool2d", _f("lp_pool2d"), lambda: [
        Sample((pos(1, 2, 4, 4), 2, 2)),
        Sample((pos(2, 3, 9, 7), 3.0, 3), {"stride": 2, "ceil_mode": True}),
    ]),
    OpInfo("lp_pool1d", _f("lp_pool1d"), lambda: [Sample((pos(2, 3, 9), 1.5, 3))]),
]

