"""Dropout family: statistics (fraction zeroed ~ p), exact scaling, eval identity,
seed reproducibility, gradient = mask * scale; module reprs against torch."""

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F


def _x(*shape):
    return ember.tensor(np.random.uniform(0.5, 2.0, size=shape).astype(np.float32),
                        requires_grad=True)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_stats_scale_grad(p):
    ember.manual_seed(0)
    x = _x(200, 100)
    y = F.dropout(x, p)
    yn, xn = y.detach().numpy(), x.detach().numpy()
    zero = yn == 0
    assert abs(zero.mean() - p) < 0.02
    scale = np.float32(1) / np.float32(1 - p)
    np.testing.assert_array_equal(yn[~zero], xn[~zero] * scale)
    y.backward(ember.ones_like(y))
    g = x.grad.numpy()
    np.testing.assert_array_equal(g, np.where(zero, 0, scale).astype(np.float32))
    assert y.grad_fn.name() == "MulBackward0"


def test_dropout_seed_eval_and_edges():
    x = _x(30, 40)
    ember.manual_seed(5)
    a = F.dropout(x, 0.5).detach().numpy()
    ember.manual_seed(5)
    b = F.dropout(x, 0.5).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).detach().numpy())
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()
    with pytest.raises(ValueError):
        F.dropout(x, 1.5)


def test_dropout_inplace():
    ember.manual_seed(1)
    x = ember.tensor(np.ones((20, 20), np.float32))
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}


@pytest.mark.parametrize("fn,shape", [("dropout1d", (50, 40, 3)), ("dropout1d", (40, 3)),
                                      ("dropout2d", (20, 40, 2, 2)),
                                      ("dropout3d", (20, 40, 2, 2, 2)),
                                      ("dropout3d", (40, 2, 2, 2))])
def test_channel_dropout(fn, shape):
    ember.manual_seed(2)
    x = _x(*shape)
    y = getattr(F, fn)(x, 0.4)
    yn = y.detach().numpy()
    nb = len(shape) in (3, 5) if fn != "dropout2d" else True
    ch = yn.reshape(shape[:2] + (-1,)) if nb else yn.reshape((1, shape[0], -1))
    z = ch == 0
    # whole channels are zeroed or kept
    assert np.all(z.all(-1) | (~z).any(-1) & ~z.any(-1))
    assert abs(z.all(-1).mean() - 0.4) < 0.08
    y.backward(ember.ones_like(y))
    g = x.grad.numpy().reshape(ch.shape)
    np.testing.assert_allclose(g, np.where(z, 0, 1 / 0.6), rtol=1e-6)


def test_dropout1d_bad_dim():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
            lib.nn.functional.dropout1d(lib.zeros(2, 3, 4, 5))


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout(feature):
    ember.manual_seed(3)
    x = ember.tensor(np.random.randn(400, 300).astype(np.float32), requires_grad=True)
    fn = F.feature_alpha_dropout if feature else F.alpha_dropout
    assert fn(x, 0.3) is x  # training defaults to False
    y = fn(x, 0.3, training=True)
    yn, xn = y.detach().numpy().astype(np.float64), x.detach().numpy()
    # keeps zero mean / unit variance for standard-normal input
    assert abs(yn.mean()) < 0.05 and abs(yn.std() - 1) < 0.05
    alpha = 1.7580993408473766
    p = 0.3
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(yn, -alpha * a + alpha * a * p, atol=1e-6)
    if not feature:
        assert abs(dropped.mean() - p) < 0.02
        np.testing.assert_allclose(yn[~dropped], xn[~dropped] * a + alpha * a * p, rtol=1e-5,
                                   atol=1e-6)
    y.backward(ember.ones_like(y))
    g = x.grad.numpy()
    np.testing.assert_allclose(np.unique(np.round(g, 5)), sorted({0.0, round(a, 5)}), rtol=1e-5)


MODS = [("Dropout", {}), ("Dropout", {"p": 0.2, "inplace": True}), ("Dropout1d", {"p": 0.1}),
        ("Dropout2d", {}), ("Dropout3d", {"p": 0.7}), ("AlphaDropout", {"p": 0.3}),
        ("FeatureAlphaDropout", {})]


@pytest.mark.parametrize("name,kw", MODS)
def test_dropout_modules(name, kw):
    e, t = getattr(ember.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    shape = (4, 3, 2, 2) if "3d" not in name else (2, 3, 2, 2, 2)
    if name == "Dropout1d":
        shape = (4, 3, 5)
    x = ember.tensor(np.random.randn(*shape).astype(np.float32))
    e.eval()
    np.testing.assert_array_equal(e(x).numpy(), x.numpy())
    e.train()
    ember.manual_seed(0)
    y1 = e(x * 1).numpy()
    ember.manual_seed(0)
    y2 = e(x * 1).numpy()
    np.testing.assert_array_equal(y1, y2)
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="dropout probability"):
            getattr(lib.nn, name)(p=1.2)
