"""``__setstate__`` of old optimizer pickles: missing group options are filled in as torch
does, and float scalar state (old checkpoints) becomes 0-d tensors."""

import pytest
import torch

import ember

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "ASGD", "Rprop"]
DROPPED = ("maximize", "foreach", "differentiable", "capturable", "fused",
           "decoupled_weight_decay", "amsgrad", "nesterov")
SCALARS = ("step", "eta", "mu", "mu_product")


def _restore_old(lib, name):
    p = lib.nn.Parameter(lib.ones(3))
    opt = getattr(lib.optim, name)([p], lr=0.1)
    p.grad = lib.ones(3)
    opt.step()
    group = {k: v for k, v in opt.param_groups[0].items() if k not in DROPPED}
    state = {p: {k: float(v) if k in SCALARS else v for k, v in opt.state[p].items()}}
    opt.__setstate__({"state": state, "param_groups": [group]})
    return opt, p


@pytest.mark.parametrize("name", NAMES)
def test_setstate_fills_group_defaults_like_torch(name):
    e_opt, e_p = _restore_old(ember, name)
    t_opt, t_p = _restore_old(torch, name)
    eg, tg = e_opt.param_groups[0], t_opt.param_groups[0]
    assert sorted(eg) == sorted(tg)
    for key in DROPPED:
        if key in tg:
            assert eg[key] == tg[key], key
    for key, value in e_opt.state[e_p].items():
        assert isinstance(value, ember.Tensor) == isinstance(t_opt.state[t_p][key], torch.Tensor)
