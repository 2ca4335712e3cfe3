"""Gradients under CPU bfloat16 autocast against torch: a small CNN and a TransformerEncoderLayer."""

import numpy as np
import pytest
import torch

import ember


def _copy_params(tm, em):
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


def _cnn(L, two_convs=False):
    nn = L.nn
    if two_convs:
        return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32, 5))
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(6 * 4 * 4, 16), nn.ReLU(), nn.Linear(16, 5))


def _compare(tm, em, tx, ex, ty, ey, loss_fn):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        tout = tm(tx)
        tloss = loss_fn(torch, tout, ty)
    with ember.autocast("cpu", dtype=ember.bfloat16):
        eout = em(ex)
        eloss = loss_fn(ember, eout, ey)
    assert str(eout.dtype) == str(tout.dtype).replace("torch", "ember")
    assert str(eloss.dtype) == str(tloss.dtype).replace("torch", "ember")
    np.testing.assert_allclose(eout.detach().float().numpy(), tout.detach().float().numpy(),
                               rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(eloss.item(), tloss.item(), rtol=1e-2)
    tloss.backward()
    eloss.backward()
    tp = dict(tm.named_parameters())
    for name, ep in em.named_parameters():
        t = tp[name]
        assert str(ep.grad.dtype) == str(t.grad.dtype).replace("torch", "ember") == "ember.float32"
        tg, eg = t.grad.numpy(), ep.grad.numpy()
        scale = max(np.abs(tg).max(), 1e-6)
        np.testing.assert_allclose(eg, tg, rtol=2e-2, atol=3e-2 * scale, err_msg=name)


@pytest.mark.parametrize("two_convs", [False, True])
def test_cnn_bf16_autocast_grads_match_torch(two_convs):
    torch.manual_seed(0)
    tm = _cnn(torch, two_convs)
    em = _cnn(ember, two_convs)
    _copy_params(tm, em)
    x = np.random.RandomState(0).randn(4, 3, 8, 8).astype(np.float32)
    y = np.array([0, 3, 1, 4])
    _compare(tm, em, torch.tensor(x), ember.tensor(x), torch.tensor(y), ember.tensor(y),
             lambda L, out, t: L.nn.functional.cross_entropy(out, t))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_bf16_autocast_grads_match_torch(norm_first):
    torch.manual_seed(0)
    kw = dict(d_model=16, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True,
              norm_first=norm_first)
    tm = torch.nn.TransformerEncoderLayer(**kw)
    em = ember.nn.TransformerEncoderLayer(**kw)
    _copy_params(tm, em)
    x = np.random.RandomState(1).randn(2, 5, 16).astype(np.float32)
    _compare(tm, em, torch.tensor(x), ember.tensor(x), None, None,
             lambda L, out, t: (out.float() ** 2).mean())


def test_cast_cache_reuses_leaf_casts_and_clears_on_exit():
    from ember.amp import autocast_mode as am
    w = ember.randn(4, 4, requires_grad=True)
    x = ember.randn(2, 4)
    with ember.autocast("cpu"):
        a = x @ w
        b = x @ w
        assert len(am._State.cache) == 1
        with ember.autocast("cpu", enabled=False):
            assert (x @ w).dtype == ember.float32
        assert len(am._State.cache) == 1
    assert am._State.cache == {}
    (a.float().sum() + b.float().sum()).backward()
    assert w.grad.dtype == ember.float32
    with ember.autocast("cpu", cache_enabled=False):
        x @ w
        assert am._State.cache == {}


def test_decorator_nesting_and_state_restore():
    @ember.autocast("cpu")
    def f(a, b):
        return a @ b
    a, b = ember.randn(2, 3), ember.randn(3, 2)
    assert f(a, b).dtype == ember.bfloat16
    assert not ember.is_autocast_enabled("cpu")
    with ember.autocast("cpu", dtype=ember.float16):
        assert ember.get_autocast_dtype("cpu") == ember.float16
        with ember.autocast("cpu"):  # dtype=None: the current autocast dtype, as torch
            assert ember.get_autocast_dtype("cpu") == ember.float16
        with ember.autocast("cpu", dtype=ember.bfloat16):
            assert (a @ b).dtype == ember.bfloat16
        assert (a @ b).dtype == ember.float16
    assert ember.get_autocast_dtype("cpu") == ember.bfloat16
    assert ember.get_autocast_dtype("cuda") == ember.float16
    from ember.ops.registry import _Dispatch
    assert _Dispatch.hook is None  # fast path restored
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.autocast(ember.device("cpu"))
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of"):
        ember.autocast("cpu", dtype=ember.float32)
