"""``Adagrad`` (``lr_decay``, ``initial_accumulator_value``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .optimizer import (
    Optimizer,
    _full_like,
    _real,
    _scalar_tensor,
    _to_scalar,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``); state is created for every parameter up front."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group["fused"], initial_accumulator_value)

    def _init_state(self, p, fused, init) -> None:
        st = self.state[p]
        st["step"] = _scalar_tensor(0.0, is_fused=fused)
        if p.is_complex():
            init = complex(init, init)
        st["sum"] = _full_like(p, init)

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}
    _step_tensor_args: dict | None = {"fused_key": "fused"}

    def share_memory(self) -> None:
        """No-op on NumPy storage (torch moves ``sum`` to shared memory)."""

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.adagrad(self, group)
                continue
            lr = _to_scalar(group["lr"])
            wd = group["weight_decay"]
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            maximize = group["maximize"]
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                st = state[p]
                if len(st) == 0:
                    self._init_state(p, group["fused"],
                                     self.defaults["initial_accumulator_value"])
                step_a = st["step"]._data
                step_a += 1
                step = float(step_a)
                pa = _real(p._data)
                g = _real(gt._data)
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + pa * wd
                clr = lr / (1 + (step - 1) * lr_decay)
                s = _real(st["sum"]._data)
                s += g * g
                std = np.sqrt(s)
                std += eps
                upd = g * -clr
                upd /= std
                pa += upd
                p._bump()
        return loss
