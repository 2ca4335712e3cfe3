"""Registry entries for ``linear`` (fused op) and ``bilinear``."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def _linear_samples():
    return [
        Sample((r(4, 3), r(5, 3), r(5)), name="2d"),
        Sample((r(4, 3), r(5, 3)), name="nobias"),
        Sample((r(2, 4, 3), r(5, 3), r(5)), name="3d"),
        Sample((r(3), r(5, 3), r(5)), name="1d_input"),
        Sample((r(0, 3), r(5, 3), r(5)), name="empty_batch"),
        Sample((r(4, 3), r(5, 3), r(5)), noncontig=True, name="noncontig"),
        Sample((r(4, 3, dtype=np.float64), r(5, 3, dtype=np.float64),
                r(5, dtype=np.float64)), name="f64"),
        Sample((r(4, 3), r(3)), name="1d_weight"),
    ]


def _linear_errors():
    return [
        ErrorSample((r(4, 3), r(5, 2), r(5))),
        ErrorSample((r(4, 3, dtype=np.float64), r(5, 3), r(5))),
        ErrorSample((r(4, 3), r(5, 3), r(5, dtype=np.float64))),
        ErrorSample((r(4, 3), r(5, 3), r(4))),
    ]


def _bilinear_samples():
    return [
        Sample((r(4, 3), r(4, 2), r(5, 3, 2), r(5)), name="2d"),
        Sample((r(4, 3), r(4, 2), r(5, 3, 2)), name="nobias"),
        Sample((r(2, 4, 3), r(2, 4, 2), r(5, 3, 2), r(5)), name="3d"),
        Sample((r(4, 3), r(4, 2), r(5, 3, 2), r(5)), noncontig=True, name="noncontig"),
    ]


def _bilinear_errors():
    return [
        ErrorSample((r(4, 3), r(4, 3), r(5, 3, 2), r(5))),
        ErrorSample((r(4, 3), r(3, 2), r(5, 3, 2), r(5))),
        ErrorSample((r(4, 3), r(4, 2), r(5, 3, 2), r(4))),
    ]


OPS = [
    OpInfo("linear", lambda lib, *a: lib.nn.functional.linear(*a), _linear_samples,
           errors=_linear_errors),
    OpInfo("bilinear", lambda lib, *a: lib.nn.functional.bilinear(*a), _bilinear_samples,
           errors=_bilinear_errors),
]
