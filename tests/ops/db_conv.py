"""Registry entries for conv / conv_transpose / unfold / fold (ember/ops/conv.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def _f(name):
    def fn(lib, *a, **k):
        return getattr(lib.nn.functional, name)(*a, **k)
    return fn


def _conv2d():
    return [
        Sample((r(1, 2, 4, 4), r(2, 2, 2, 2), r(2)), {"padding": 1}),
        Sample((r(2, 4, 7, 6), r(6, 2, 3, 2), r(6)),
               {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1), "groups": 2}),
        Sample((r(2, 3, 6, 5), r(4, 3, 3, 3)), {"padding": "same", "dilation": 2}),
        Sample((r(2, 3, 6, 5), r(4, 3, 2, 2)), {"padding": "same"}),
        Sample((r(2, 3, 6, 5), r(4, 3, 3, 3)), {"padding": "valid", "stride": 2}),
        Sample((r(1, 3, 5, 5), r(4, 3, 1, 1), r(4))),
        Sample((r(3, 5, 5), r(4, 3, 3, 3), r(4)), {"padding": 1}, name="unbatched"),
        Sample((r(2, 4, 6, 6), r(4, 1, 3, 3)), {"groups": 4, "padding": 1}, name="depthwise"),
        Sample((r(2, 3, 6, 5), r(4, 3, 3, 3), r(4)), {"padding": 1}, noncontig=True),
        Sample((r(2, 3, 5, 5, dtype=np.float64), r(2, 3, 3, 3, dtype=np.float64)),
               {"stride": 3, "padding": 2}),
    ]


def _conv2d_errors():
    return [
        ErrorSample((r(1, 3, 5, 5), r(2, 3, 3, 3)), {"stride": 2, "padding": "same"}),
        ErrorSample((r(1, 3, 5, 5), r(2, 3, 3, 3)), {"padding": "foo"}),
        ErrorSample((r(1, 4, 5, 5), r(2, 3, 3, 3))),
        ErrorSample((r(1, 3, 2, 2), r(2, 3, 3, 3))),
        ErrorSample((r(5, 5), r(2, 3, 3, 3))),
        ErrorSample((r(1, 3, 5, 5), r(2, 3, 3, 3)), {"stride": 0}),
        ErrorSample((r(1, 3, 5, 5), r(2, 3, 3, 3)), {"padding": -1}),
        ErrorSample((r(1, 4, 5, 5), r(3, 2, 3, 3)), {"groups": 2}),
        ErrorSample((r(1, 3, 5, 5), r(2, 3, 3, 3), r(3))),
        ErrorSample((r(1, 3, 5, 5, dtype=np.float64), r(2, 3, 3, 3))),
    ]


OPS = [
    OpInfo("conv2d", _f("conv2d"), _conv2d, errors=_conv2d_errors),
    OpInfo("conv1d", _f("conv1d"), lambda: [
        Sample((r(1, 2, 5), r(3, 2, 2), r(3)), {"padding": 1}),
        Sample((r(2, 4, 9), r(6, 2, 3)), {"stride": 2, "dilation": 2, "groups": 2, "padding": 2}),
        Sample((r(2, 3, 8), r(4, 3, 4)), {"padding": "same"}),
        Sample((r(3, 8), r(4, 3, 3)), name="unbatched"),
        Sample((r(2, 3, 8), r(4, 3, 3)), {"padding": 1}, noncontig=True),
    ], errors=lambda: [ErrorSample((r(1, 3, 2), r(2, 3, 3)))]),
    OpInfo("conv3d", _f("conv3d"), lambda: [
        Sample((r(1, 2, 3, 3, 3), r(2, 2, 2, 2, 2), r(2))),
        Sample((r(2, 2, 5, 4, 5), r(4, 1, 2, 3, 2), r(4)),
               {"padding": (1, 0, 1), "stride": (1, 2, 1), "groups": 2}),
        Sample((r(1, 2, 4, 4, 4), r(2, 2, 3, 3, 3)), {"padding": "same", "dilation": (1, 2, 1)}),
    ]),
    OpInfo("conv_transpose2d", _f("conv_transpose2d"), lambda: [
        Sample((r(1, 2, 3, 3), r(2, 2, 2, 2), r(2)), {"stride": 2}),
        Sample((r(2, 4, 4, 5), r(4, 3, 3, 2), r(6)),
               {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2}),
        Sample((r(2, 4, 4, 5), r(4, 3, 3, 3)),
               {"padding": 1, "output_padding": 1, "dilation": 2}),
        Sample((r(4, 4, 5), r(4, 3, 3, 3)), {"stride": 2}, name="unbatched"),
        Sample((r(2, 4, 4, 5), r(4, 3, 3, 3)), {"stride": 2, "padding": 1}, noncontig=True),
    ], errors=lambda: [
        ErrorSample((r(1, 3, 5, 5), r(3, 2, 3, 3)), {"stride": 2, "output_padding": 2}),
        ErrorSample((r(1, 4, 5, 5), r(3, 2, 3, 3))),
    ]),
    OpInfo("conv_transpose1d", _f("conv_transpose1d"), lambda: [
        Sample((r(1, 2, 4), r(2, 3, 3), r(3)), {"stride": 2, "padding": 1, "output_padding": 1}),
        Sample((r(2, 4, 5), r(4, 1, 3)), {"groups": 4, "dilation": 2}),
    ]),
    OpInfo("conv_transpose3d", _f("conv_transpose3d"), lambda: [
        Sample((r(1, 2, 2, 3, 2), r(2, 2, 2, 2, 2), r(2)), {"stride": (1, 2, 2)}),
        Sample((r(1, 2, 3, 3, 3), r(2, 1, 3, 2, 3)), {"padding": 1, "groups": 2}),
    ]),
    OpInfo("unfold", _f("unfold"), lambda: [
        Sample((r(1, 2, 4, 4),), {"kernel_size": 2}),
        Sample((r(2, 3, 6, 7),), {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1,
                                  "dilation": (1, 2)}),
        Sample((r(3, 5, 5),), {"kernel_size": 3, "padding": 1}),
        Sample((r(2, 3, 5, 6),), {"kernel_size": 2}, noncontig=True),
    ], errors=lambda: [ErrorSample((r(1, 2, 3, 3),), {"kernel_size": 4})]),
    OpInfo("fold", _f("fold"), lambda: [
        Sample((r(1, 8, 9),), {"output_size": (4, 4), "kernel_size": 2}),
        Sample((r(2, 12, 20),), {"output_size": (5, 6), "kernel_size": 2, "stride": 1}),
        Sample((r(2, 18, 20),), {"output_size": (6, 7), "kernel_size": (2, 3),
                                 "stride": (2, 1), "padding": 1, "dilation": (1, 2)}),
        Sample((r(8, 9),), {"output_size": 4, "kernel_size": 2}),
    ], errors=lambda: [ErrorSample((r(1, 7, 9),), {"output_size": 4, "kernel_size": 2}),
                       ErrorSample((r(1, 8, 8),), {"output_size": 4, "kernel_size": 2})]),
]
