"""Learning-rate schedulers against torch.optim.lr_scheduler: 100-step rate sequences."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.optim.helpers import deepcopy, make_params


def _opt(lib, opt_name="SGD", groups=2, **kw):
    params = make_params(lib)
    kw.setdefault("lr", 0.1)
    if opt_name == "SGD":
        kw.setdefault("momentum", 0.9)
    if groups == 2:
        spec = [{"params": params[:2]}, {"params": params[2:], "lr": kw["lr"] * 0.3}]
    else:
        spec = params
    return getattr(lib.optim, opt_name)(spec, **kw)


def _sched(lib, name, opt, args):
    return getattr(lib.optim.lr_scheduler, name)(opt, **args(lib, opt))


def _run(lib, make, steps=100, metrics=None, opt_name="SGD", opt_kw=None):
    opt = _opt(lib, opt_name, **(opt_kw or {}))
    sched = make(lib, opt)
    lrs, moms = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(steps):
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append([g["betas"][0] if "betas" in g else g.get("momentum")
                         for g in opt.param_groups])
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            else:
                sched.step()
    lrs.append([g["lr"] for g in opt.param_groups])
    return np.array(lrs, dtype=np.float64), moms, sched, opt


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-15)


def _f(name, **kw):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **kw)


class _Scale:  # a callable object: its __dict__ goes in the state dict
    def __init__(self, f):
        self.f = f

    def __call__(self, e):
        return self.f ** e


SCHEDULERS = {
    "LambdaLR": _f("LambdaLR", lr_lambda=lambda e: 0.95 ** e),
    "LambdaLR-list": _f("LambdaLR", lr_lambda=[lambda e: 1 / (e + 1), _Scale(0.9)]),
    "MultiplicativeLR": _f("MultiplicativeLR", lr_lambda=lambda e: 0.97),
    "StepLR": _f("StepLR", step_size=7, gamma=0.5),
    "MultiStepLR": _f("MultiStepLR", milestones=[10, 30, 30, 60], gamma=0.3),
    "ConstantLR": _f("ConstantLR", factor=0.25, total_iters=12),
    "LinearLR": _f("LinearLR", start_factor=0.1, end_factor=0.9, total_iters=40),
    "LinearLR-default": _f("LinearLR"),
    "ExponentialLR": _f("ExponentialLR", gamma=0.97),
    "PolynomialLR": _f("PolynomialLR", total_iters=60, power=2.0),
    "CosineAnnealingLR": _f("CosineAnnealingLR", T_max=30, eta_min=0.001),
    "CosineAnnealingWarmRestarts": _f("CosineAnnealingWarmRestarts", T_0=7, T_mult=2,
                                      eta_min=1e-4),
    "CosineAnnealingWarmRestarts-1": _f("CosineAnnealingWarmRestarts", T_0=10),
    "CyclicLR-triangular": _f("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=10),
    "CyclicLR-triangular2": _f("CyclicLR", base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                               step_size_down=15, mode="triangular2"),
    "CyclicLR-exp_range": _f("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=8,
                             mode="exp_range", gamma=0.97, base_momentum=0.7),
    "CyclicLR-no-momentum": _f("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=8,
                               cycle_momentum=False),
    "CyclicLR-scale_fn": _f("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=6,
                            scale_fn=_Scale(0.9), scale_mode="iterations"),
    "OneCycleLR-cos": _f("OneCycleLR", max_lr=0.5, total_steps=100),
    "OneCycleLR-linear": _f("OneCycleLR", max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=10,
                            anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three_phase": _f("OneCycleLR", max_lr=0.5, total_steps=100, three_phase=True,
                                 div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-no-momentum": _f("OneCycleLR", max_lr=0.5, total_steps=100,
                                 cycle_momentum=False),
    "SequentialLR": lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=10),
              lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95),
              lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)],
        milestones=[10, 40]),
    "SequentialLR-const": lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=5),
              lib.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)], milestones=[20]),
    "ChainedScheduler": lambda lib, opt: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=15),
         lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97),
         lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 70], gamma=0.5)]),
    "ChainedScheduler-optimizer": lambda lib, opt: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.StepLR(opt, step_size=9, gamma=0.7),
         lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=25)], optimizer=opt),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_sequence_matches_torch(name, opt_name):
    make = SCHEDULERS[name]
    el, em, es, eo = _run(ember, make, opt_name=opt_name)
    tl, tm, ts, to = _run(torch, make, opt_name=opt_name)
    _close(el, tl)
    _close(np.array(em, dtype=np.float64), np.array(tm, dtype=np.float64))
    _close(es.get_last_lr(), ts.get_last_lr())
    assert getattr(es, "last_epoch", None) == getattr(ts, "last_epoch", None)
    # scheduler state dicts have torch's keys
    assert set(es.state_dict()) == set(ts.state_dict())
    ge = {k: v for k, v in eo.param_groups[0].items() if k != "params"}
    gt = {k: v for k, v in to.param_groups[0].items() if k != "params"}
    assert set(ge) == set(gt)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip(name):
    make = SCHEDULERS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = _opt(ember)
        sched = make(ember, opt)
        for _ in range(37):
            opt.step()
            sched.step()
        osd = deepcopy(opt.state_dict())
        ssd = deepcopy(sched.state_dict())
        ref = []
        for _ in range(40):
            opt.step()
            sched.step()
            ref.append([g["lr"] for g in opt.param_groups])
        opt2 = _opt(ember)
        sched2 = make(ember, opt2)
        opt2.load_state_dict(osd)
        sched2.load_state_dict(ssd)
        got = []
        for _ in range(40):
            opt2.step()
            sched2.step()
            got.append([g["lr"] for g in opt2.param_groups])
    _close(np.array(got), np.array(ref), rtol=0)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(mode="max", factor=0.5, patience=3),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=2, cooldown=3),
    dict(mode="max", threshold_mode="abs", threshold=0.01, patience=1, min_lr=[0.01, 0.005]),
    dict(patience=0, factor=0.5, min_lr=0.004, eps=1e-3),
])
def test_reduce_lr_on_plateau(kw):
    rng = np.random.default_rng(3)
    metrics = list(np.cumsum(rng.standard_normal(100) * 0.1) + 5)
    make = _f("ReduceLROnPlateau", **kw)
    el, _, es, _ = _run(ember, make, metrics=metrics)
    tl, _, ts, _ = _run(torch, make, metrics=metrics)
    _close(el, tl)
    assert es.best == ts.best and es.num_bad_epochs == ts.num_bad_epochs
    assert set(es.state_dict()) == set(ts.state_dict())
    sd = deepcopy(es.state_dict())
    es2 = ember.optim.lr_scheduler.ReduceLROnPlateau(_opt(ember), **kw)
    es2.load_state_dict(sd)
    assert es2.best == es.best and es2.cooldown_counter == es.cooldown_counter


def test_closed_form_with_epoch():
    for name, kw in [("StepLR", dict(step_size=3, gamma=0.5)),
                     ("MultiStepLR", dict(milestones=[2, 5], gamma=0.1)),
                     ("ExponentialLR", dict(gamma=0.9)),
                     ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
                     ("LinearLR", dict(start_factor=0.2, total_iters=6)),
                     ("ConstantLR", dict(factor=0.5, total_iters=4)),
                     ("PolynomialLR", dict(total_iters=8, power=0.5)),
                     ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2))]:
        res = []
        for lib in (ember, torch):
            opt = _opt(lib)
            sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
            out = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for epoch in [1, 4, 2, 7, 7, 12, 5]:
                    opt.step()
                    sched.step(epoch)
                    out.append(sched.get_last_lr())
            res.append(np.array(out))
        _close(res[0], res[1])


def test_last_epoch_resume_and_errors():
    for lib in (ember, torch):
        opt = _opt(lib)
        with pytest.raises(KeyError, match="initial_lr"):
            lib.optim.lr_scheduler.StepLR(opt, 3, last_epoch=5)
    res = []
    for lib in (ember, torch):
        opt = _opt(lib)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        s = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        res.append(s.get_last_lr() + [s.last_epoch])
    _close(res[0], res[1])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR(object(), 3)
    for lib in (ember, torch):
        _check_errors(lib)
    # OneCycleLR stepping past total_steps
    opt = _opt(ember)
    s = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        for _ in range(4):
            opt.step()
            s.step()


def _check_errors(lib):
    opt = _opt(lib)
    for bad, exc, msg in [
            (lambda: lib.optim.lr_scheduler.ConstantLR(opt, factor=2), ValueError,
             "between 0 and 1"),
            (lambda: lib.optim.lr_scheduler.LinearLR(opt, start_factor=0), ValueError,
             "greater than 0"),
            (lambda: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0), ValueError,
             "Factor should be < 1.0"),
            (lambda: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="x"), ValueError,
             "mode x is unknown"),
            (lambda: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0),
             ValueError, "Expected positive integer T_0"),
            (lambda: lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0), ValueError,
             "You must define either total_steps"),
            (lambda: lib.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="bad"), ValueError,
             "mode is invalid"),
            (lambda: lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0]), ValueError,
             "Expected 2 lr_lambdas"),
            (lambda: lib.optim.lr_scheduler.SequentialLR(
                opt, [lib.optim.lr_scheduler.StepLR(opt, 2)], milestones=[3]), ValueError,
             "one more than the number of milestone"),
            (lambda: lib.optim.lr_scheduler.ChainedScheduler(
                [lib.optim.lr_scheduler.ReduceLROnPlateau(opt)]), ValueError,
             "does not support `ReduceLROnPlateau`"),
    ]:
        with pytest.raises(exc, match=msg):
            bad()


def test_warnings():
    opt = _opt(ember)
    s = ember.optim.lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    assert math.isclose(s.get_last_lr()[0], 0.1)
