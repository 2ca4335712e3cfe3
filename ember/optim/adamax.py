"""``Adamax``: Adam with the infinity norm."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .adam import _check_betas, _lerp_
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _to_scalar,
    _zeros_like,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (``torch.optim.Adamax``), torch's single-tensor update order."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False,
                 capturable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    _group_defaults = {
        "foreach": None, "maximize": False, "differentiable": False, "capturable": False}
    _step_tensor_args: dict | None = {}

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.adamax(self, group)
                continue
            beta1, beta2 = group["betas"]
            lr = _to_scalar(group["lr"])
            eps = group["eps"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            init = lambda p: {"exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}
            for p, st, pa, g, step in self._with_grads(group, init):
                m = _real(st["exp_avg"]._data)
                inf = _real(st["exp_inf"]._data)
                _lerp_(m, g, 1 - beta1)
                inf *= beta2
                t = np.abs(g)
                t += eps
                np.maximum(inf, t, out=inf)
                clr = lr / (1 - beta1 ** step)
                upd = m * -clr
                upd /= inf
                pa += upd
                p._bump()
        return loss
