"""``ASGD``: averaged stochastic gradient descent."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _scalar_np_dtype,
    _scalar_tensor,
    _to_scalar,
    _zeros_like,
)

__all__ = ["ASGD"]

_make = Tensor._make


class ASGD(Optimizer):
    """ASGD (``torch.optim.ASGD``); ``state['ax']`` holds the running average."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False,
                 capturable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "capturable": False}
    _step_tensor_args: dict | None = {}
    _scalar_state_keys = ("step", "eta", "mu")

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.asgd(self, group)
                continue
            lr = _to_scalar(group["lr"])
            lambd = group["lambd"]
            alpha = group["alpha"]
            t0 = group["t0"]
            wd = group["weight_decay"]
            maximize = group["maximize"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                st = state[p]
                if len(st) == 0:
                    st["step"] = _scalar_tensor(0.0)
                    st["eta"] = _make(np.array(lr, dtype=_scalar_np_dtype()))
                    st["mu"] = _scalar_tensor(1.0)
                    st["ax"] = _zeros_like(p)
                pa = _real(p._data)
                g = _real(gt._data)
                if maximize:
                    g = -g
                ax = _real(st["ax"]._data)
                eta = st["eta"]._data
                mu = st["mu"]._data
                step_a = st["step"]._data
                step_a += 1
                if wd != 0:
                    g = g + pa * wd
                eta_value = float(eta)
                pa *= 1 - lambd * eta_value
                pa -= g * eta_value
                if float(mu) != 1:
                    d = pa - ax
                    d *= mu
                    ax += d
                else:
                    ax[...] = pa
                step = float(step_a)
                eta[...] = lr / ((1 + lambd * lr * step) ** alpha)
                mu[...] = 1 / max(1, step - t0)
                p._bump()
        return loss
