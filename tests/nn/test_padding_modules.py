"""Padding modules against torch (output, input gradient, repr)."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module


def r(*shape):
    return np.random.uniform(-2, 2, size=shape).astype(np.float32)


CASES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, 1),), (2, 2, 3, 3)),
    ("ZeroPad3d", (1,), (1, 2, 2, 2, 2)),
    ("ConstantPad1d", ((1, 2), 3.5), (3, 4)), ("ConstantPad2d", (1, -1.0), (2, 3, 3)),
    ("ConstantPad3d", ((1, 0, 0, 1, 1, 0), 2.0), (1, 2, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 0, 1),), (2, 2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 1, 3, 3, 3)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)), ("ReplicationPad2d", (2,), (1, 2, 3, 3)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 2, 3, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 0, 1),), (2, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 1, 3, 3, 3)),
]


@pytest.mark.parametrize("name,args,shape", CASES)
def test_padding_module(name, args, shape):
    np.random.seed(0)
    check_module(lambda lib: getattr(lib.nn, name)(*args), [r(*shape)])


def test_circular_pad_dim_error():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="expected 3D or 4D input"):
            lib.nn.CircularPad2d(1)(lib.zeros(2, 2, 2, 2, 2))
