"""Lazy normalization modules (LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d) and the
shared ``LazyModuleMixin`` against torch: repr, ``has_uninitialized_params``, state_dict
before/after materialization, the class they become, forward/gradients/buffers after
materialization, loading initialized state and torch's error messages."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import r

CASES = [("LazyBatchNorm1d", "BatchNorm1d", (4, 3)),
         ("LazyBatchNorm1d", "BatchNorm1d", (4, 3, 5)),
         ("LazyBatchNorm2d", "BatchNorm2d", (2, 3, 4, 5)),
         ("LazyBatchNorm3d", "BatchNorm3d", (2, 3, 2, 3, 4)),
         ("LazyInstanceNorm1d", "InstanceNorm1d", (2, 3, 5)),
         ("LazyInstanceNorm2d", "InstanceNorm2d", (2, 3, 4, 5)),
         ("LazyInstanceNorm3d", "InstanceNorm3d", (2, 3, 2, 3, 4))]
KWARGS = [{}, {"affine": False}, {"track_running_stats": False}, {"bias": False},
          {"affine": False, "track_running_stats": False, "eps": 1e-3, "momentum": None}]


def _state_summary(mod):
    out = {}
    for k, v in mod.state_dict().items():
        name = type(v).__name__
        out[k] = (name, None if name.startswith("Uninitialized") else tuple(v.shape))
    return out


@pytest.mark.parametrize("kw", KWARGS)
@pytest.mark.parametrize("lazy,regular,shape", CASES)
def test_lazy_norm_materializes_like_torch(lazy, regular, shape, kw):
    x = r(*shape)
    mods = {}
    for lib in (ember, torch):
        m = getattr(lib.nn, lazy)(**kw)
        mods[lib] = m
    e, t = mods[ember], mods[torch]
    assert repr(e) == repr(t)
    assert e.has_uninitialized_params() == t.has_uninitialized_params()
    assert _state_summary(e) == _state_summary(t)
    assert ([n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()])
    assert ([n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()])
    for lib, m in mods.items():
        m(lib.tensor(x))
    assert type(e).__name__ == type(t).__name__ == regular
    assert type(e) is getattr(ember.nn, regular)
    assert not hasattr(e, "_initialize_hook") and not hasattr(e, "_load_hook")
    assert repr(e) == repr(t)
    assert e.num_features == t.num_features  # stays 0 when nothing is lazy, as torch
    assert _state_summary(e) == _state_summary(t)
    for name, p in e.named_parameters():
        assert type(p) is ember.nn.Parameter and p.requires_grad, name
    tb = dict(t.named_buffers())
    for name, b in e.named_buffers():  # running stats after the first (training) forward
        np.testing.assert_allclose(b.numpy(), tb[name].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("kw", KWARGS[:3])
@pytest.mark.parametrize("lazy,regular,shape", CASES)
def test_lazy_norm_after_materialization_matches_torch(lazy, regular, shape, kw, train):
    x0 = r(*shape)

    def make(lib):
        m = getattr(lib.nn, lazy)(**kw)
        m(lib.tensor(x0))  # dry run: materializes (and updates running stats once)
        if m.affine:  # non-trivial affine parameters
            with lib.no_grad():
                m.weight.copy_(lib.tensor(r(shape[1])))
                if m.bias is not None:
                    m.bias.copy_(lib.tensor(r(shape[1])))
        return m

    check_module(make, [r(*shape)], train=train)


def test_lazy_norm_dtype_device_and_optimizer():
    e = ember.nn.LazyBatchNorm2d(dtype=ember.float64, device="cpu")
    assert e.weight.dtype == ember.float64
    e(ember.randn(2, 3, 2, 2, dtype=ember.float64))
    assert e.weight.dtype == e.running_mean.dtype == ember.float64
    assert e.num_batches_tracked.dtype == ember.int64 and int(e.num_batches_tracked) == 1
    opt = ember.optim.SGD(e.parameters(), lr=0.1)
    e(ember.randn(2, 3, 2, 2, dtype=ember.float64)).pow(2).sum().backward()
    opt.step()
    assert e.weight.grad is not None and e.weight.shape == (3,)


def test_lazy_norm_load_state_dict():
    for lib in (ember, torch):
        full = lib.nn.BatchNorm2d(4)
        with lib.no_grad():
            full.running_mean.fill_(0.5)
        lazy = lib.nn.LazyBatchNorm2d()
        lazy.load_state_dict(full.state_dict())
        # loading materializes but keeps the lazy class until the first forward
        assert type(lazy).__name__ == "LazyBatchNorm2d"
        assert not lazy.has_uninitialized_params()
        assert tuple(lazy.weight.shape) == (4,) and float(lazy.running_mean[0]) == 0.5
        lazy.eval()
        lazy(lib.ones(1, 4, 2, 2))
        assert type(lazy).__name__ == "BatchNorm2d"
    # an uninitialized lazy state dict loads into a lazy module (nothing materialized)
    a, b = ember.nn.LazyInstanceNorm2d(), ember.nn.LazyInstanceNorm2d()
    b.load_state_dict(a.state_dict())
    assert b.has_uninitialized_params()
    # ... but not into an initialized one (torch's error)
    msgs = []
    for lib in (ember, torch):
        full = lib.nn.BatchNorm1d(3)
        with pytest.raises(RuntimeError) as ei:
            full.load_state_dict(lib.nn.LazyBatchNorm1d().state_dict())
        msgs.append(str(ei.value))
    assert "Can't access the shape of an uninitialized parameter" in msgs[0]
    assert "Can't access the shape of an uninitialized parameter" in msgs[1]


@pytest.mark.parametrize("lazy,shape", [("LazyBatchNorm1d", (2, 3, 4, 5)),
                                        ("LazyBatchNorm2d", (2, 3)),
                                        ("LazyBatchNorm3d", (2, 3, 4)),
                                        ("LazyInstanceNorm1d", (2, 3, 4, 5)),
                                        ("LazyInstanceNorm2d", (2, 3)),
                                        ("LazyInstanceNorm3d", (2, 3, 4))])
def test_lazy_norm_errors(lazy, shape):
    msgs = []
    for lib in (ember, torch):
        m = getattr(lib.nn, lazy)()
        with pytest.raises(ValueError) as ei:
            m(lib.randn(*shape))
        msgs.append(str(ei.value))
        with pytest.raises(RuntimeError) as ei:
            getattr(lib.nn, lazy)().running_mean.shape  # noqa: B018
        msgs.append(str(ei.value))
    # ember prefixes the module in forward errors (Module.__call__), torch does not
    assert msgs[0].endswith(msgs[2]) and msgs[1] == msgs[3]


def test_lazy_linear_uses_mixin_and_saves_uninitialized():
    from ember.nn.modules.lazy import LazyModuleMixin
    for cls in ("LazyLinear", "LazyBatchNorm1d", "LazyInstanceNorm3d"):
        assert issubclass(getattr(ember.nn, cls), LazyModuleMixin)
    e, t = ember.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert _state_summary(e) == _state_summary(t)
    assert e.has_uninitialized_params() and t.has_uninitialized_params()


@pytest.mark.parametrize("cls,kw,shape", [
    ("LazyConv1d", {"out_channels": 4, "kernel_size": 2}, (2, 3, 6)),
    ("LazyConv1d", {"out_channels": 4, "kernel_size": 3, "bias": False}, (3, 6)),
    ("LazyConv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1, "groups": 2},
     (2, 6, 5, 5)),
    ("LazyConv3d", {"out_channels": 2, "kernel_size": 2, "stride": 2}, (1, 3, 4, 4, 4))])
def test_lazy_conv_on_the_mixin(cls, kw, shape):
    e, t = getattr(ember.nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(e) == repr(t) and _state_summary(e) == _state_summary(t)
    x = r(*shape)
    e(ember.tensor(x))
    t(torch.tensor(x))
    assert type(e).__name__ == type(t).__name__ and repr(e) == repr(t)
    assert _state_summary(e) == _state_summary(t)

    def make(lib):
        m = getattr(lib.nn, cls)(**kw)
        m(lib.tensor(x))
        return m

    check_module(make, [r(*shape)])


def test_lazy_conv_errors():
    msgs = []
    for lib in (ember, torch):
        with pytest.raises(RuntimeError) as ei:
            lib.nn.LazyConv1d(3, 2)(lib.randn(2, 3, 4, 5))
        msgs.append(str(ei.value).split(", but got")[0])
        with pytest.raises(ValueError) as ei:
            lib.nn.LazyConv1d(4, 2, groups=2)(lib.randn(2, 3, 4))
        msgs.append(str(ei.value))
    assert msgs[0].endswith(msgs[2]) and msgs[1].endswith(msgs[3])
