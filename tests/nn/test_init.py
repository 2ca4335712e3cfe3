"""nn.init: gains, shapes, in-place semantics and distribution statistics vs torch's formulas."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)
    torch.manual_seed(0)


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain(name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


def test_calculate_gain_errors():
    for lib in (init, torch.nn.init):
        with pytest.raises(ValueError):
            lib.calculate_gain("softmax")
        with pytest.raises(ValueError):
            lib.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 4), (5, 3, 2), (6, 4, 3, 3), (2, 3, 2, 2, 2)])
def test_fans(shape):
    e = init._calculate_fan_in_and_fan_out(ember.empty(shape))
    t = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert e == t
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(ember.empty(shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)
    with pytest.raises(ValueError):
        init._calculate_correct_fan(ember.empty(shape), "fan_avg")
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(ember.empty(3))


def _param(*shape, dtype=None):
    return ember.nn.Parameter(ember.empty(*shape, dtype=dtype or ember.float32))


def _check_uniform(a, lo, hi):
    assert a.min() >= lo and a.max() <= hi
    np.testing.assert_allclose(a.mean(), (lo + hi) / 2, atol=0.02 * (hi - lo))
    np.testing.assert_allclose(a.std(), (hi - lo) / math.sqrt(12), rtol=0.03)


def _check_normal(a, mean, std):
    np.testing.assert_allclose(a.mean(), mean, atol=0.02 * std + 1e-12)
    np.testing.assert_allclose(a.std(), std, rtol=0.03)


def test_in_place_on_parameter():
    p = _param(200, 300)
    arr = p._data
    v = p._version
    out = init.uniform_(p, -1, 2)
    assert out is p and p._data is arr and p._version > v
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    _check_uniform(p.detach().numpy(), -1, 2)


def test_normal_constant_ones_zeros():
    p = _param(300, 200)
    init.normal_(p, 1.5, 0.5)
    _check_normal(p.detach().numpy(), 1.5, 0.5)
    init.constant_(p, 0.25)
    assert (p.detach().numpy() == 0.25).all()
    init.ones_(p)
    assert (p.detach().numpy() == 1).all()
    init.zeros_(p)
    assert not p.detach().numpy().any()


def test_generator_reproducible():
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
               init.trunc_normal_, init.orthogonal_):
        a, b = _param(6, 5), _param(6, 5)
        fn(a, generator=g1)
        fn(b, generator=g2)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_trunc_normal():
    p = _param(200, 200)
    init.trunc_normal_(p, mean=0.5, std=1.0, a=-1.0, b=1.5)
    a = p.detach().numpy()
    assert a.min() >= -1.0 and a.max() <= 1.5
    tt = torch.empty(200, 200)
    torch.manual_seed(0)
    torch.nn.init.trunc_normal_(tt, mean=0.5, std=1.0, a=-1.0, b=1.5)
    np.testing.assert_allclose(a.mean(), tt.mean().item(), atol=0.02)
    np.testing.assert_allclose(a.std(), tt.std().item(), rtol=0.03)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        init.trunc_normal_(_param(3, 3), mean=10.0, std=1.0)
    assert any("mean is more than 2 std" in str(x.message) for x in w)


@pytest.mark.parametrize("shape", [(300, 400), (64, 32, 5, 5)])
def test_xavier(shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    for gain in (1.0, 2.0):
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        p = _param(*shape)
        init.xavier_uniform_(p, gain=gain)
        _check_uniform(p.detach().numpy(), -math.sqrt(3) * std, math.sqrt(3) * std)
        init.xavier_normal_(p, gain=gain)
        _check_normal(p.detach().numpy(), 0.0, std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlin,a", [("relu", 0), ("leaky_relu", 0), ("leaky_relu", math.sqrt(5)),
                                      ("linear", 0)])
def test_kaiming(mode, nonlin, a):
    shape = (128, 64, 3, 3)
    fan = torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)
    std = torch.nn.init.calculate_gain(nonlin, a) / math.sqrt(fan)
    p = _param(*shape)
    init.kaiming_uniform_(p, a=a, mode=mode, nonlinearity=nonlin)
    b = math.sqrt(3) * std
    _check_uniform(p.detach().numpy(), -b, b)
    init.kaiming_normal_(p, a=a, mode=mode, nonlinearity=nonlin)
    _check_normal(p.detach().numpy(), 0.0, std)


def test_kaiming_zero_element_warns():
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(_param(0, 3))


def test_eye_dirac():
    for shape in ((3, 5), (5, 3)):
        p = _param(*shape)
        init.eye_(p)
        t = torch.nn.init.eye_(torch.empty(shape))
        np.testing.assert_array_equal(p.detach().numpy(), t.numpy())
    for shape, groups in (((4, 3, 3), 1), ((6, 3, 3, 3), 2), ((4, 2, 3, 3, 3), 2),
                          ((2, 4, 5, 5), 1)):
        p = _param(*shape)
        init.dirac_(p, groups=groups)
        t = torch.nn.init.dirac_(torch.empty(shape), groups=groups)
        np.testing.assert_array_equal(p.detach().numpy(), t.numpy())
    for lib, mod in ((ember, init), (torch, torch.nn.init)):
        with pytest.raises(ValueError):
            mod.eye_(lib.empty(2, 2, 2))
        with pytest.raises(ValueError):
            mod.dirac_(lib.empty(2, 2))
        with pytest.raises(ValueError):
            mod.dirac_(lib.empty(3, 2, 2), groups=2)


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 3, 2, 2)])
def test_orthogonal(shape):
    p = _param(*shape)
    init.orthogonal_(p, gain=2.0)
    flat = p.detach().numpy().reshape(shape[0], -1).astype(np.float64)
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError):
        init.orthogonal_(_param(3))


def test_sparse():
    p = _param(100, 50)
    init.sparse_(p, sparsity=0.3, std=0.5)
    a = p.detach().numpy()
    assert ((a == 0).sum(axis=0) >= 30).all()
    nz = a[a != 0]
    np.testing.assert_allclose(nz.std(), 0.5, rtol=0.06)
    with pytest.raises(ValueError):
        init.sparse_(_param(2, 2, 2), 0.1)


def test_half_and_deprecated():
    p = _param(50, 50, dtype=ember.bfloat16)
    init.xavier_uniform_(p)
    assert p.dtype == ember.bfloat16
    with pytest.warns(FutureWarning):
        init.normal(_param(2, 2))
