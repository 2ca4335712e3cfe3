"""BatchNorm / InstanceNorm / LayerNorm / GroupNorm / RMSNorm / LocalResponseNorm modules
against torch: outputs, gradients, running buffers (after several forwards), repr."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import assert_close


def r(*shape, dtype=np.float32):
    return np.random.uniform(-2, 2, size=shape).astype(dtype)


BN = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"affine": False, "eps": 1e-3}, (4, 3, 2)),
    ("BatchNorm2d", (3,), {}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (2, 3, 3, 3)),
    ("BatchNorm2d", (3,), {"bias": False, "momentum": 0.3}, (2, 3, 3, 3)),
    ("BatchNorm3d", (2,), {}, (2, 2, 3, 2, 2)),
]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,args,kw,shape", BN)
def test_batchnorm(name, args, kw, shape, train):
    np.random.seed(0)
    make = lambda lib: getattr(lib.nn, name)(*args, **kw)  # noqa: E731
    emod, tmod = check_module(make, [r(*shape)], train=train)
    # two more forwards: running stats / num_batches_tracked (cumulative average if None)
    for _ in range(2):
        x = r(*shape)
        eo, to = emod(ember.tensor(x)), tmod(torch.tensor(x))
        assert_close(eo, to)
    tb = dict(tmod.named_buffers())
    for n, b in emod.named_buffers():
        assert_close(b, tb[n], what=n)


def test_batchnorm_errors():
    for name, bad in (("BatchNorm1d", (2, 3, 4, 4)), ("BatchNorm2d", (2, 3)),
                      ("BatchNorm3d", (2, 3, 4, 4))):
        for lib in (ember, torch):
            with pytest.raises(ValueError, match="expected"):
                getattr(lib.nn, name)(3)(lib.zeros(*bad))
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            lib.nn.BatchNorm1d(3)(lib.zeros(1, 3))


def test_batchnorm_default_init_and_state_dict():
    e, t = ember.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    assert list(e.state_dict().keys()) == list(t.state_dict().keys())
    assert e.num_batches_tracked.dtype == ember.int64 and int(e.num_batches_tracked) == 0
    np.testing.assert_array_equal(e.weight.detach().numpy(), np.ones(4, np.float32))
    np.testing.assert_array_equal(e.bias.detach().numpy(), np.zeros(4, np.float32))
    np.testing.assert_array_equal(e.running_var.numpy(), np.ones(4, np.float32))


def test_batchnorm_double_backward():
    x = ember.tensor(r(3, 2, 4).astype(np.float64), requires_grad=True)
    w = ember.tensor(r(2).astype(np.float64), requires_grad=True)
    b = ember.tensor(r(2).astype(np.float64), requires_grad=True)
    f = lambda x, w, b: ember.nn.functional.batch_norm(x, None, None, w, b, True)  # noqa: E731
    assert ember.autograd.gradgradcheck(f, [x, w, b])


IN = [
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 3, 3)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": 0.3}, (3, 4, 3)),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,args,kw,shape", IN)
def test_instancenorm(name, args, kw, shape, train):
    np.random.seed(1)
    check_module(lambda lib: getattr(lib.nn, name)(*args, **kw), [r(*shape)], train=train)


def test_instancenorm_errors():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="expected 2D or 3D"):
            lib.nn.InstanceNorm1d(3)(lib.zeros(2, 3, 4, 4))
        with pytest.raises(ValueError, match="to match num_features"):
            lib.nn.InstanceNorm1d(3, affine=True)(lib.zeros(2, 4, 4))


LN = [
    ("LayerNorm", (4,), {}, (3, 4)),
    ("LayerNorm", ((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False}, (2, 3, 4)),
    ("LayerNorm", ([4],), {"bias": False}, (2, 4)),
    ("GroupNorm", (2, 4), {}, (2, 4, 3)),
    ("GroupNorm", (1, 3), {"affine": False}, (2, 3, 2, 2)),
    ("GroupNorm", (3, 3), {"eps": 1e-3, "bias": False}, (2, 3, 4)),
    ("RMSNorm", (4,), {}, (3, 4)),
    ("RMSNorm", ((3, 4),), {"eps": 1e-4}, (2, 3, 4)),
    ("RMSNorm", (4,), {"elementwise_affine": False}, (2, 4)),
    ("LocalResponseNorm", (2,), {}, (2, 4, 3)),
    ("LocalResponseNorm", (3,), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, (2, 5, 2, 2)),
]


@pytest.mark.parametrize("name,args,kw,shape", LN)
def test_layer_group_rms_lrn(name, args, kw, shape):
    np.random.seed(2)

    def make(lib):
        m = getattr(lib.nn, name)(*args, **kw)
        if lib is torch:  # non-trivial affine parameters (copied into ember)
            with torch.no_grad():
                for p in m.parameters():
                    p.copy_(torch.randn(p.shape))
        return m
    check_module(make, [r(*shape)])


def test_groupnorm_bad_groups():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="must be divisible"):
            lib.nn.GroupNorm(2, 3)


def test_layernorm_shape_error():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="normalized_shape"):
            lib.nn.LayerNorm(5)(lib.zeros(2, 4))
