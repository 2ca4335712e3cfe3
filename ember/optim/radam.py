"""``RAdam``: rectified Adam (``decoupled_weight_decay``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .adam import _addcmul_sq_, _check_betas, _lerp_
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _to_scalar,
    _zeros_like,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (``torch.optim.RAdam``), torch's single-tensor update order."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False) -> None:
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
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {
        "foreach": None, "maximize": False, "differentiable": False,
        "decoupled_weight_decay": False, "capturable": False}
    _step_tensor_args: dict | None = {}

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.radam(self, group)
                continue
            beta1, beta2 = group["betas"]
            lr = _to_scalar(group["lr"])
            eps = group["eps"]
            wd = group["weight_decay"]
            decoupled = group["decoupled_weight_decay"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            rho_inf = 2 / (1 - beta2) - 1
            init = lambda p: {"exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}
            for p, st, pa, g, step in self._with_grads(group, init, l2=not decoupled):
                m = _real(st["exp_avg"]._data)
                v = _real(st["exp_avg_sq"]._data)
                if wd != 0 and decoupled:
                    pa *= 1 - lr * wd
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                _addcmul_sq_(v, g, 1 - beta2)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                upd = m / bias_correction1
                upd *= lr
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    ad = np.sqrt(v)
                    ad += eps
                    np.reciprocal(ad, out=ad)
                    ad *= bias_correction2 ** 0.5
                    upd *= ad
                    upd *= rect
                pa -= upd
                p._bump()
        return loss
