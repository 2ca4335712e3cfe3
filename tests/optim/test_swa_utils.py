"""swa_utils against torch.optim.swa_utils."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from ember.optim import swa_utils
from tests.optim.helpers import deepcopy

RNG = np.random.default_rng(7)
X = RNG.standard_normal((32, 5)).astype(np.float32)
Y = RNG.standard_normal((32, 2)).astype(np.float32)


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(5, 8), lib.nn.BatchNorm1d(8), lib.nn.Tanh(),
                             lib.nn.Linear(8, 2))


def _pair():
    tm = _model(torch)
    em = _model(ember)
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    return em, tm


def _train_step(lib, model, opt, i):
    x = lib.tensor(X[(i % 4) * 8:(i % 4) * 8 + 8])
    y = lib.tensor(Y[(i % 4) * 8:(i % 4) * 8 + 8])
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema_fn", "swa_multi", "ema_buffers"])
def test_averaged_model(kind):
    em, tm = _pair()
    out = []
    for lib, model in ((ember, em), (torch, tm)):
        su = lib.optim.swa_utils
        kw = {
            "swa": {},
            "ema_multi": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
            "ema_fn": {"avg_fn": su.get_ema_avg_fn(0.8)},
            "swa_multi": {"multi_avg_fn": su.get_swa_multi_avg_fn()},
            "ema_buffers": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.7), "use_buffers": True},
        }[kind]
        avg = su.AveragedModel(model, **kw)
        opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
        for i in range(12):
            _train_step(lib, model, opt, i)
            avg.update_parameters(model)
        out.append(avg)
    ea, ta = out
    assert int(ea.n_averaged.item()) == int(ta.n_averaged.item()) == 12
    esd, tsd = ea.state_dict(), ta.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        np.testing.assert_allclose(_np(esd[k]).astype(np.float64),
                                   _np(tsd[k]).astype(np.float64), rtol=1e-5, atol=1e-6,
                                   err_msg=k)
    x = X[:4]
    ea.eval()
    ta.eval()
    np.testing.assert_allclose(_np(ea(ember.tensor(x))), _np(ta(torch.tensor(x))), rtol=1e-5,
                               atol=1e-6)


def test_averaged_model_errors():
    em, _ = _pair()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(em, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="Invalid decay value"):
        swa_utils.get_ema_multi_avg_fn(1.5)


@pytest.mark.parametrize("as_tuples", [False, True])
def test_update_bn(as_tuples):
    em, tm = _pair()
    batches = [X[i * 8:(i + 1) * 8] for i in range(4)]
    res = []
    for lib, model in ((ember, em), (torch, tm)):
        loader = [(lib.tensor(b), lib.tensor(b[:, :2])) if as_tuples else lib.tensor(b)
                  for b in batches]
        model.eval()
        lib.optim.swa_utils.update_bn(loader, model)
        assert not model.training
        bn = model[1]
        assert bn.momentum == 0.1
        res.append((_np(bn.running_mean), _np(bn.running_var),
                    int(bn.num_batches_tracked.item())))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5, atol=1e-6)
    assert res[0][2] == res[1][2] == 4


def test_update_bn_no_bn_is_noop():
    m = ember.nn.Linear(3, 2)
    swa_utils.update_bn([ember.zeros(2, 3)], m)


@pytest.mark.parametrize("kw", [
    dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=5, anneal_strategy="linear"),
    dict(swa_lr=0.2, anneal_epochs=0), dict(swa_lr=0.02, anneal_epochs=3),
])
def test_swalr(kw):
    res = []
    for lib in (ember, torch):
        w = [lib.zeros(3, requires_grad=True), lib.zeros(2, requires_grad=True)]
        opt = lib.optim.SGD([{"params": [w[0]]}, {"params": [w[1]], "lr": 0.3}], lr=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = lib.optim.swa_utils.SWALR(opt, **kw)
            lrs = []
            for _ in range(30):
                opt.step()
                s.step()
                lrs.append([g["lr"] for g in opt.param_groups])
        res.append((np.array(lrs), s))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    assert set(res[0][1].state_dict()) == set(res[1][1].state_dict())
    sd = deepcopy(res[0][1].state_dict())
    w = [ember.zeros(3, requires_grad=True), ember.zeros(2, requires_grad=True)]
    opt = ember.optim.SGD([{"params": [w[0]]}, {"params": [w[1]], "lr": 0.3}], lr=0.1)
    s2 = swa_utils.SWALR(opt, **kw)
    s2.load_state_dict(sd)
    assert s2.anneal_func == res[0][1].anneal_func
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        swa_utils.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
