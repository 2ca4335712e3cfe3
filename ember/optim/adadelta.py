"""``Adadelta``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .adam import _addcmul_sq_
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _to_scalar,
    _zeros_like,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (``torch.optim.Adadelta``), torch's single-tensor update order."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
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
                    _differentiable.adadelta(self, group)
                continue
            lr = _to_scalar(group["lr"])
            rho = group["rho"]
            eps = group["eps"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            init = lambda p: {"square_avg": _zeros_like(p), "acc_delta": _zeros_like(p)}
            for p, st, pa, g, _step in self._with_grads(group, init):
                sq = _real(st["square_avg"]._data)
                acc = _real(st["acc_delta"]._data)
                sq *= rho
                _addcmul_sq_(sq, g, 1 - rho)
                std = sq + eps
                np.sqrt(std, out=std)
                delta = acc + eps
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc *= rho
                _addcmul_sq_(acc, delta, 1 - rho)
                pa -= delta * lr
                p._bump()
        return loss
