"""Every activation module against torch (several constructor combinations, repr,
in-place flags, train/eval for RReLU)."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module


def away0(*shape):
    x = np.random.uniform(0.05, 2.0, size=shape) * np.random.choice([-1, 1], size=shape)
    return x.astype(np.float32)


CASES = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}),
    ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {"inplace": True}),
    ("PReLU", (), {}), ("PReLU", (3,), {"init": 0.1}),
    ("ELU", (), {}), ("ELU", (), {"alpha": 0.5, "inplace": True}),
    ("SELU", (), {}), ("SELU", (), {"inplace": True}),
    ("CELU", (), {}), ("CELU", (), {"alpha": 2.0}),
    ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}), ("SiLU", (), {"inplace": True}),
    ("Mish", (), {}), ("Mish", (), {"inplace": True}),
    ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}), ("Softmax", (-1,), {}), ("Softmax2d", (), {}),
    ("LogSoftmax", (), {"dim": 1}), ("Softmin", (), {"dim": 0}),
    ("Softplus", (), {}), ("Softplus", (), {"beta": 2.0, "threshold": 1.0}),
    ("Softsign", (), {}), ("Hardtanh", (), {}), ("Hardtanh", (-0.5, 1.5), {"inplace": True}),
    ("Hardsigmoid", (), {}), ("Hardsigmoid", (), {"inplace": True}),
    ("Hardswish", (), {}), ("Hardswish", (), {"inplace": True}),
    ("Hardshrink", (), {}), ("Hardshrink", (0.3,), {}),
    ("Softshrink", (), {}), ("Softshrink", (0.3,), {}),
    ("Tanhshrink", (), {}), ("LogSigmoid", (), {}),
    ("Threshold", (0.1, 20.0), {}), ("Threshold", (0.1, -1.0), {"inplace": True}),
    ("GLU", (), {}), ("GLU", (2,), {}),
    ("RReLU", (), {}), ("RReLU", (0.1, 0.3), {"inplace": True}),
]


@pytest.mark.parametrize("name,args,kw", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_activation_module(name, args, kw):
    np.random.seed(0)
    x = away0(2, 3, 4, 2)
    train = name != "RReLU"  # RReLU trains with random slopes: eval (deterministic) here
    if kw.get("inplace"):
        # in-place on a leaf is an error: feed a non-leaf (x * 1)
        call = lambda m, a: m(a * 1)  # noqa: E731
    else:
        call = None
    check_module(lambda lib: getattr(lib.nn, name)(*args, **kw), [x], train=train, call=call)


def test_rrelu_train_slopes():
    ember.manual_seed(0)
    m = ember.nn.RReLU(0.1, 0.3)
    x = ember.tensor(-np.ones((100, 100), np.float32))
    y = -m(x).numpy()
    assert y.min() >= 0.1 and y.max() <= 0.3 and abs(y.mean() - 0.2) < 0.01


def test_prelu_init_and_softmax2d_error():
    e = ember.nn.PReLU(4)
    np.testing.assert_array_equal(e.weight.detach().numpy(), np.full(4, 0.25, np.float32))
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D"):
            lib.nn.Softmax2d()(lib.zeros(2, 3))
        with pytest.raises((AssertionError, ValueError)):
            lib.nn.Hardtanh(1.0, 0.0)
