"""Optimizers against torch.optim: same model, data and initial weights, 30 steps."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import ember
from tests.optim.helpers import (
    assert_params_close,
    deepcopy,
    loss_fn,
    make_params,
    structure,
    train,
    values,
)

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, maximize=True, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.005, betas=(0.3, 0.9))),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-6, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True, eps=1e-4)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.005, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.8), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=5, lambd=1e-3, alpha=0.5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05))),
    ("Rprop", dict(lr=0.01, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in CONFIGS]


def _pair(name, kw, groups=False):
    ep, tp = make_params(ember), make_params(torch)
    if groups:
        ekw = [{"params": ep[:2]}, {"params": ep[2:], "lr": kw.get("lr", 0.01) * 0.5}]
        tkw = [{"params": tp[:2]}, {"params": tp[2:], "lr": kw.get("lr", 0.01) * 0.5}]
        return ep, tp, getattr(ember.optim, name)(ekw, **kw), getattr(torch.optim, name)(tkw, **kw)
    return ep, tp, getattr(ember.optim, name)(ep, **kw), getattr(torch.optim, name)(tp, **kw)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_matches_torch(name, kw):
    ep, tp, eo, to = _pair(name, kw)
    train(ember, ep, eo, 30)
    train(torch, tp, to, 30)
    assert_params_close(ep, tp)
    esd, tsd = eo.state_dict(), to.state_dict()
    assert structure(esd) == structure(tsd)
    # state values agree too (step counts, moments, ...)
    ev, tv = values(esd["state"]), values(tsd["state"])
    for k in tv:
        for key in tv[k]:
            np.testing.assert_allclose(ev[k][key], tv[k][key], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_matches_torch_float64(name, kw):
    ep, tp = make_params(ember, np.float64), make_params(torch, np.float64)
    eo, to = getattr(ember.optim, name)(ep, **kw), getattr(torch.optim, name)(tp, **kw)
    train(ember, ep, eo, 30)
    train(torch, tp, to, 30)
    assert_params_close(ep, tp, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_same_gradients_match_torch(name, kw):
    """Fed torch's gradients, ember's update math tracks torch's to float32 rounding."""
    ep, tp, eo, to = _pair(name, kw)
    sign = -1.0 if kw.get("maximize") else 1.0
    for _ in range(30):
        to.zero_grad()
        (loss_fn(torch, tp) * sign).backward()
        for e, t in zip(ep, tp):
            e.grad = ember.tensor(t.grad.numpy().copy())
        eo.step()
        to.step()
    assert_params_close(ep, tp, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,kw", CONFIGS[::3], ids=IDS[::3])
def test_param_groups_match_torch(name, kw):
    ep, tp, eo, to = _pair(name, kw, groups=True)
    train(ember, ep, eo, 10)
    train(torch, tp, to, 10)
    assert_params_close(ep, tp)
    assert structure(eo.state_dict()) == structure(to.state_dict())


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_state_dict_round_trip(name, kw):
    ep, _, eo, _ = _pair(name, kw)
    train(ember, ep, eo, 10)
    sd = deepcopy(eo.state_dict())
    saved = [p.detach().clone() for p in ep]
    train(ember, ep, eo, 10)
    uninterrupted = [p.detach().numpy().copy() for p in ep]
    # a fresh optimizer on fresh params with the checkpoint's weights
    ep2 = [ember.tensor(s.numpy(), requires_grad=True) for s in saved]
    eo2 = getattr(ember.optim, name)(ep2, **kw)
    eo2.load_state_dict(sd)
    train(ember, ep2, eo2, 10)
    for a, b in zip(ep2, uninterrupted):
        np.testing.assert_array_equal(a.detach().numpy(), b)


@pytest.mark.parametrize("name,kw", CONFIGS[::4], ids=IDS[::4])
def test_load_torch_state_dict(name, kw):
    """A torch checkpoint (tensors converted) loads into ember and continues identically."""
    ep, tp, eo, to = _pair(name, kw)
    train(ember, ep, eo, 5)
    train(torch, tp, to, 5)

    def conv(x):
        if isinstance(x, torch.Tensor):
            return ember.tensor(x.detach().numpy().copy())
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        if isinstance(x, list):
            return [conv(v) for v in x]
        return x

    sd = conv(deepcopy(to.state_dict()))
    ep2 = [ember.tensor(t.detach().numpy().copy(), requires_grad=True) for t in tp]
    eo2 = getattr(ember.optim, name)(ep2, **kw)
    eo2.load_state_dict(sd)
    assert structure(eo2.state_dict()) == structure(to.state_dict())
    train(ember, ep2, eo2, 10)
    train(torch, tp, to, 10)
    assert_params_close(ep2, tp)


def test_float64_params():
    ep, tp = make_params(ember, np.float64), make_params(torch, np.float64)
    eo, to = ember.optim.Adam(ep, lr=0.01), torch.optim.Adam(tp, lr=0.01)
    train(ember, ep, eo, 30)
    train(torch, tp, to, 30)
    assert_params_close(ep, tp, rtol=1e-12, atol=1e-13)
    assert ep[0].dtype == ember.float64
    assert eo.state[ep[0]]["exp_avg"].dtype == ember.float64
    assert eo.state[ep[0]]["step"].dtype == ember.float32


def _lbfgs_run(dtype, kw, steps):
    ep, tp = make_params(ember, dtype), make_params(torch, dtype)
    eo, to = ember.optim.LBFGS(ep, **kw), torch.optim.LBFGS(tp, **kw)
    for _ in range(steps):
        for lib, params, opt in ((ember, ep, eo), (torch, tp, to)):
            def closure(lib=lib, params=params, opt=opt):
                opt.zero_grad()
                loss = loss_fn(lib, params)
                loss.backward()
                return loss
            opt.step(closure)
    return ep, tp, eo, to


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("lr,history_size,max_iter", [(1, 100, 20), (0.5, 3, 7), (0.2, 5, 10)])
def test_lbfgs_float64(line_search_fn, lr, history_size, max_iter):
    """float64: the same algorithm step for step (quasi-Newton amplifies float32 noise)."""
    kw = dict(lr=lr, history_size=history_size, max_iter=max_iter,
              line_search_fn=line_search_fn)
    ep, tp, eo, to = _lbfgs_run(np.float64, kw, 3)
    assert_params_close(ep, tp, rtol=1e-8, atol=1e-10)
    es, ts = eo.state[ep[0]], to.state[tp[0]]
    assert es["func_evals"] == ts["func_evals"]
    assert es["n_iter"] == ts["n_iter"]
    assert structure(eo.state_dict()) == structure(to.state_dict())


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_float32(line_search_fn):
    kw = dict(lr=0.5, history_size=3, max_iter=7, line_search_fn=line_search_fn)
    ep, tp, eo, to = _lbfgs_run(np.float32, kw, 2)
    assert_params_close(ep, tp, rtol=1e-4, atol=1e-5)
    assert eo.state[ep[0]]["func_evals"] == to.state[tp[0]]["func_evals"]
    assert structure(eo.state_dict()) == structure(to.state_dict())


def test_lbfgs_state_dict_round_trip():
    ep = make_params(ember)
    eo = ember.optim.LBFGS(ep, history_size=5, max_iter=4)

    def closure_for(params, opt):
        def closure():
            opt.zero_grad()
            loss = loss_fn(ember, params)
            loss.backward()
            return loss
        return closure

    eo.step(closure_for(ep, eo))
    sd = deepcopy(eo.state_dict())
    saved = [p.detach().numpy().copy() for p in ep]
    eo.step(closure_for(ep, eo))
    ep2 = [ember.tensor(s, requires_grad=True) for s in saved]
    eo2 = ember.optim.LBFGS(ep2, history_size=5, max_iter=4)
    eo2.load_state_dict(sd)
    eo2.step(closure_for(ep2, eo2))
    for a, b in zip(ep2, ep):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_lbfgs_errors():
    ep = make_params(ember)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": ep[:2]}, {"params": ep[2:]}])
    opt = ember.optim.LBFGS(ep, line_search_fn="bogus")

    def closure():
        opt.zero_grad()
        loss = loss_fn(ember, ep)
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


@pytest.mark.parametrize("name,kw", [
    ("SGD", dict(lr=-1)), ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)),
    ("Adam", dict(betas=(0.9, 1))), ("AdamW", dict(lr=-0.5)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(weight_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adagrad", dict(eps=-1)), ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.1)),
    ("Adadelta", dict(eps=-1)), ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(eps=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(momentum_decay=-1)),
    ("NAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(lr=-1)), ("RAdam", dict(eps=-1)),
    ("RAdam", dict(weight_decay=-1)), ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("LBFGS", dict(lr=-1)),
])
def test_validation_errors(name, kw):
    with pytest.raises(ValueError) as te:
        getattr(torch.optim, name)(make_params(torch), **kw)
    with pytest.raises(ValueError) as ee:
        getattr(ember.optim, name)(make_params(ember), **kw)
    assert str(ee.value) == str(te.value)


def test_param_errors():
    ep = make_params(ember)
    for lib, params in ((torch, make_params(torch)), (ember, ep)):
        with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
            lib.optim.SGD(params[0], lr=0.1)
        with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
            lib.optim.SGD([], lr=0.1)
        with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
            lib.optim.SGD([params[0], 3], lr=0.1)
        with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
            lib.optim.SGD([params[0] * 2], lr=0.1)
        with pytest.raises(ValueError, match="some parameters appear in more than one"):
            lib.optim.SGD([{"params": params[:2]}, {"params": params[1:]}], lr=0.1)
        with pytest.raises(TypeError, match="ordered collections"):
            lib.optim.SGD([{"params": set(params)}], lr=0.1)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([params[0], params[0]], lr=0.1)
        opt = lib.optim.SGD(params[:2], lr=0.1)
        with pytest.raises(ValueError, match="some parameters appear in more than one"):
            opt.add_param_group({"params": params[1]})
        opt.add_param_group({"params": params[2:], "lr": 0.3})
        assert opt.param_groups[1]["lr"] == 0.3 and opt.param_groups[1]["momentum"] == 0


def test_load_state_dict_errors():
    for lib in (torch, ember):
        params = make_params(lib)
        opt = lib.optim.Adam(params)
        sd = opt.state_dict()
        other = lib.optim.Adam([{"params": params[:2]}, {"params": params[2:]}])
        with pytest.raises(ValueError, match="different number of parameter groups"):
            other.load_state_dict(sd)
        short = lib.optim.Adam(params[:3])
        with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
            short.load_state_dict(sd)


def test_named_parameters():
    names = ["w1", "b1", "w2", "b2"]
    ep, tp = make_params(ember), make_params(torch)
    eo = ember.optim.Adam(list(zip(names, ep)), lr=0.01)
    to = torch.optim.Adam(list(zip(names, tp)), lr=0.01)
    assert eo.param_groups[0]["param_names"] == names
    train(ember, ep, eo, 5)
    train(torch, tp, to, 5)
    assert_params_close(ep, tp)
    assert structure(eo.state_dict()) == structure(to.state_dict())
    with pytest.raises(ValueError, match="Some param names are missing"):
        ember.optim.Adam([("w1", ep[0]), ep[1]])
    with pytest.raises(ValueError, match="cannot add param group without names"):
        eo.add_param_group({"params": [ember.zeros(2, requires_grad=True)]})


def test_default_groups_and_repr():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                 "RAdam", "ASGD", "Rprop", "LBFGS"):
        kw = {"lr": 0.1} if name == "SGD" else {}
        eo = getattr(ember.optim, name)(make_params(ember), **kw)
        to = getattr(torch.optim, name)(make_params(torch), **kw)
        assert eo.defaults == to.defaults, name
        eg = {k: v for k, v in eo.param_groups[0].items() if k != "params"}
        tg = {k: v for k, v in to.param_groups[0].items() if k != "params"}
        assert eg == tg, name
        assert repr(eo) == repr(to)


def test_zero_grad():
    ep = make_params(ember)
    opt = ember.optim.SGD(ep, lr=0.1)
    loss_fn(ember, ep).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.detach().numpy().any() for p in ep)
    opt.zero_grad()
    assert all(p.grad is None for p in ep)


def test_params_without_grad_are_skipped():
    ep, tp = make_params(ember), make_params(torch)
    eo, to = ember.optim.Adam(ep, lr=0.1), torch.optim.Adam(tp, lr=0.1)
    for lib, params, opt in ((ember, ep, eo), (torch, tp, to)):
        opt.zero_grad()
        loss_fn(lib, params).backward()
        params[3].grad = None
        opt.step()
    assert_params_close(ep, tp)
    assert structure(eo.state_dict()) == structure(to.state_dict())


def test_step_hooks_and_version():
    ep = make_params(ember)
    opt = ember.optim.SGD(ep, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    g = ember.optim.optimizer.register_optimizer_step_post_hook(
        lambda o, a, k: calls.append("global"))
    loss_fn(ember, ep).backward()
    v = ep[0]._version
    opt.step()
    assert ep[0]._version > v
    assert calls == ["pre", "post", "global"]
    for h in (h1, h2, g):
        h.remove()
    opt.step()
    assert calls == ["pre", "post", "global"]


def test_state_dict_hooks():
    ep = make_params(ember)
    opt = ember.optim.SGD(ep, lr=0.1, momentum=0.9)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("lpre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("lpost"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "lpre", "lpost"]


def test_closure_returns_loss():
    ep = make_params(ember)
    opt = ember.optim.Adam(ep)

    def closure():
        opt.zero_grad()
        loss = loss_fn(ember, ep)
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor)


def test_closure_style_matches():
    ep, tp, eo, to = _pair("RMSprop", dict(lr=0.01, momentum=0.9))
    train(ember, ep, eo, 10, closure_style=True)
    train(torch, tp, to, 10, closure_style=True)
    assert_params_close(ep, tp)


def test_pickle_optimizer():
    ep = make_params(ember)
    opt = ember.optim.Adam(ep)
    train(ember, ep, opt, 3)
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert len(opt2.state) == 4


def test_load_state_dict_casts_to_param_dtype():
    ep = make_params(ember, np.float64)
    opt = ember.optim.Adam(ep)
    src = ember.optim.Adam(make_params(ember))
    train(ember, src.param_groups[0]["params"], src, 2)
    opt.load_state_dict(deepcopy(src.state_dict()))
    st = opt.state[ep[0]]
    assert st["exp_avg"].dtype == ember.float64
    assert st["step"].dtype == ember.float32


def test_complex_params():
    rng = np.random.default_rng(0)
    init = (rng.standard_normal(5) + 1j * rng.standard_normal(5)).astype(np.complex64)
    res = []
    for lib in (ember, torch):
        p = lib.tensor(init.copy(), requires_grad=True)
        opt = lib.optim.Adam([p], lr=0.05)
        for _ in range(10):
            opt.zero_grad()
            (p.abs() ** 2).sum().backward()
            opt.step()
        res.append(p.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)


def test_lbfgs_has_no_differentiable():
    # every other optimizer supports it (tests/optim/test_differentiable.py); as torch's,
    # LBFGS takes no such argument
    with pytest.raises(TypeError):
        ember.optim.LBFGS(make_params(ember), differentiable=True)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.01)), ("SGD", dict(lr=0.05,
                                                                           momentum=0.9))])
def test_nn_module_parameters(name, kw):
    """Optimizing an nn model's parameters() / named_parameters() as torch does."""
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    em = ember.nn.Sequential(ember.nn.Linear(4, 6), ember.nn.Tanh(), ember.nn.Linear(6, 3))
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = rng.standard_normal((32, 3)).astype(np.float32)
    eo = getattr(ember.optim, name)(em.named_parameters(), **kw)
    to = getattr(torch.optim, name)(tm.named_parameters(), **kw)
    for _ in range(20):
        for lib, m, o in ((ember, em, eo), (torch, tm, to)):
            o.zero_grad()
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            o.step()
    for (ek, ev), (tk, tv) in zip(em.named_parameters(), tm.named_parameters()):
        assert ek == tk
        np.testing.assert_allclose(ev.detach().numpy(), tv.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert structure(eo.state_dict()) == structure(to.state_dict())
