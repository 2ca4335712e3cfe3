"""``NAdam`` (``momentum_decay``, ``decoupled_weight_decay``)."""

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
    _scalar_tensor,
    _to_scalar,
    _zeros_like,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (``torch.optim.NAdam``), torch's single-tensor update order."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {"maximize": False, "foreach": None, "capturable": False,
                       "differentiable": False, "decoupled_weight_decay": False}
    _step_tensor_args: dict | None = {}
    _scalar_state_keys = ("step", "mu_product")

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.nadam(self, group)
                continue
            beta1, beta2 = group["betas"]
            lr = _to_scalar(group["lr"])
            eps = group["eps"]
            wd = group["weight_decay"]
            momentum_decay = group["momentum_decay"]
            decoupled = group["decoupled_weight_decay"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            init = lambda p: {"mu_product": _scalar_tensor(1.0), "exp_avg": _zeros_like(p),
                              "exp_avg_sq": _zeros_like(p)}
            for p, st, pa, g, step in self._with_grads(group, init, l2=not decoupled):
                m = _real(st["exp_avg"]._data)
                v = _real(st["exp_avg_sq"]._data)
                mp = st["mu_product"]._data
                bias_correction2 = 1 - beta2 ** step
                if wd != 0 and decoupled:
                    pa *= 1 - lr * wd
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mp *= mu
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                _addcmul_sq_(v, g, 1 - beta2)
                denom = v / bias_correction2
                np.sqrt(denom, out=denom)
                mu_product = float(mp)
                mu_product_next = mu_product * mu_next
                denom += eps
                upd = g * (-lr * (1.0 - mu) / (1.0 - mu_product))
                upd /= denom
                pa += upd
                upd = m * ((-lr * mu_next) / (1.0 - mu_product_next))
                upd /= denom
                pa += upd
                p._bump()
        return loss
