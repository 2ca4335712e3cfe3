"""Conv / ConvTranspose / Fold / Unfold modules vs torch."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import r


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("args,kw,shape", [
    ((1, 16, 3, 1, 1), {}, (2, 1, 8, 8)),
    ((4, 6, (3, 2)), {"stride": 2, "padding": (1, 0), "groups": 2, "bias": False}, (2, 4, 7, 6)),
    ((3, 4, 3), {"padding": "same", "dilation": 2}, (2, 3, 6, 5)),
    ((3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 5, 6)),
    ((3, 4, 3), {"padding": (2, 1), "padding_mode": "replicate"}, (2, 3, 5, 6)),
    ((3, 4, 2), {"padding": 1, "padding_mode": "circular"}, (2, 3, 5, 6)),
    ((3, 4, 3), {"padding": "same", "padding_mode": "circular"}, (3, 5, 6)),
])
def test_conv2d(args, kw, shape, train):
    check_module(lambda lib: lib.nn.Conv2d(*args, **kw), [r(*shape)], train=train)


@pytest.mark.parametrize("args,kw,shape", [
    ((2, 4, 3), {}, (2, 2, 9)),
    ((4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ((2, 3, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 2, 9)),
])
def test_conv1d(args, kw, shape):
    check_module(lambda lib: lib.nn.Conv1d(*args, **kw), [r(*shape)])


@pytest.mark.parametrize("args,kw,shape", [
    ((2, 3, 2), {}, (1, 2, 4, 4, 4)),
    ((2, 4, (2, 3, 2)), {"stride": (1, 2, 1), "padding": 1, "groups": 2}, (1, 2, 4, 5, 4)),
])
def test_conv3d(args, kw, shape):
    check_module(lambda lib: lib.nn.Conv3d(*args, **kw), [r(*shape)])


@pytest.mark.parametrize("nd,args,kw,shape", [
    (2, (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
     (2, 4, 4, 5)),
    (2, (3, 2, (2, 3)), {"stride": (2, 1), "dilation": 2, "bias": False}, (2, 3, 3, 4)),
    (1, (3, 2, 3), {"stride": 3, "padding": 1}, (2, 3, 5)),
    (3, (2, 2, 2), {"stride": 2}, (1, 2, 2, 3, 2)),
])
def test_conv_transpose(nd, args, kw, shape):
    check_module(lambda lib: getattr(lib.nn, f"ConvTranspose{nd}d")(*args, **kw), [r(*shape)])


def test_conv_transpose_output_size():
    check_module(lambda lib: lib.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1),
                 [r(2, 3, 4, 4)], kwargs={"output_size": (8, 8)})
    m = ember.nn.ConvTranspose2d(3, 2, 3, stride=2)
    with pytest.raises(ValueError):
        m(ember.randn(1, 3, 4, 4), output_size=(20, 20))


def test_fold_unfold_modules():
    check_module(lambda lib: lib.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
                 [r(2, 3, 6, 7)])
    check_module(lambda lib: lib.nn.Fold((5, 6), 2), [r(2, 12, 20)])


def test_constructor_errors():
    for lib in (ember, torch):
        with pytest.raises(ValueError):
            lib.nn.Conv2d(3, 4, 3, groups=2)
        with pytest.raises(ValueError):
            lib.nn.Conv2d(4, 3, 3, groups=2)
        with pytest.raises(ValueError):
            lib.nn.Conv2d(4, 4, 3, padding="foo")
        with pytest.raises(ValueError):
            lib.nn.Conv2d(4, 4, 3, stride=2, padding="same")
        with pytest.raises(ValueError):
            lib.nn.Conv2d(4, 4, 3, padding_mode="foo")
        with pytest.raises(ValueError):
            lib.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
        with pytest.raises(RuntimeError):
            lib.nn.Conv2d(3, 4, 3)(lib.randn(1, 5, 6, 6))


def test_lazy_conv2d():
    m = ember.nn.LazyConv2d(4, 3, padding=1)
    y = m(ember.randn(2, 3, 5, 5))
    assert tuple(y.shape) == (2, 4, 5, 5)
    assert type(m) is ember.nn.Conv2d and m.in_channels == 3
    assert tuple(m.weight.shape) == (4, 3, 3, 3)


def test_default_init_statistics():
    m = ember.nn.Conv2d(64, 128, 3)
    w = m.weight.detach().numpy()
    fan_in = 64 * 9
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) -> 1/sqrt(fan_in)
    assert np.abs(w).max() <= bound + 1e-7
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(w.mean()) < 0.02 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound + 1e-7
    mt = ember.nn.ConvTranspose2d(16, 32, 3)
    bt = 1 / math.sqrt(32 * 9)  # fan_in from weight dim 1 (out/groups) * kernel
    assert np.abs(mt.weight.detach().numpy()).max() <= bt + 1e-7
