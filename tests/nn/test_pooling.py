"""Pooling modules vs torch."""

import numpy as np
import pytest

from tests.nn.helpers import check_module
from tests.ops.opinfo import pos


def d(*shape):
    n = int(np.prod(shape))
    return (np.random.permutation(n).reshape(shape) / n * 4 - 2).astype(np.float32)


@pytest.mark.parametrize("name,args,kw,shape", [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 9, 7)),
    ("MaxPool2d", ((2, 3),), {"dilation": (2, 1), "return_indices": True}, (2, 3, 9, 7)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("MaxPool3d", (2,), {"stride": (1, 2, 2)}, (1, 2, 4, 5, 4)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 9, 7)),
    ("AvgPool2d", (2,), {"ceil_mode": True, "divisor_override": 3}, (2, 3, 7, 7)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 9, 7)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (1, 2, 4, 3, 5)),
    ("AdaptiveMaxPool2d", ((3, 4),), {"return_indices": True}, (2, 3, 9, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 4, 3, 5)),
])
@pytest.mark.parametrize("train", [True, False])
def test_pool_modules(name, args, kw, shape, train):
    check_module(lambda lib: getattr(lib.nn, name)(*args, **kw), [d(*shape)], train=train)


@pytest.mark.parametrize("name,args,shape", [
    ("LPPool2d", (2, 2), (2, 3, 6, 6)),
    ("LPPool2d", (1.5, (3, 2), (2, 1)), (2, 3, 7, 6)),
    ("LPPool1d", (3, 3), (2, 3, 9)),
])
def test_lppool(name, args, shape):
    check_module(lambda lib: getattr(lib.nn, name)(*args), [pos(*shape)])


@pytest.mark.parametrize("nd,shape", [(1, (2, 3, 8)), (2, (2, 3, 8, 6)), (3, (1, 2, 4, 4, 4))])
def test_max_unpool(nd, shape):
    def call(m, x):
        import torch

        import ember
        lib = torch if isinstance(m, torch.nn.Module) else ember
        out, idx = getattr(lib.nn.functional, f"max_pool{nd}d")(x, 2, return_indices=True)
        return m(out, idx)
    check_module(lambda lib: getattr(lib.nn, f"MaxUnpool{nd}d")(2), [d(*shape)], call=call)


def test_pool_errors():
    import torch

    import ember
    for lib in (ember, torch):
        with pytest.raises(RuntimeError):
            lib.nn.MaxPool2d(3, padding=2)(lib.randn(1, 3, 5, 5))
        with pytest.raises(RuntimeError):
            lib.nn.AvgPool2d(3, padding=2)(lib.randn(1, 3, 5, 5))
        with pytest.raises(RuntimeError):
            lib.nn.AdaptiveAvgPool2d(2)(lib.randn(5))
