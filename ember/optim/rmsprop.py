"""``RMSprop`` (``centered``, ``momentum``, ``alpha``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .adam import _addcmul_sq_, _lerp_
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _to_scalar,
    _zeros_like,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``), torch's single-tensor update order."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {
        "momentum": 0, "centered": False, "foreach": None, "maximize": False,
        "differentiable": False, "capturable": False}
    _step_tensor_args: dict | None = {}

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.rmsprop(self, group)
                continue
            lr = _to_scalar(group["lr"])
            alpha = group["alpha"]
            eps = group["eps"]
            momentum = group["momentum"]
            centered = group["centered"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            def init(p, momentum=momentum, centered=centered):
                st = {"square_avg": _zeros_like(p)}
                if momentum > 0:
                    st["momentum_buffer"] = _zeros_like(p)
                if centered:
                    st["grad_avg"] = _zeros_like(p)
                return st

            for p, st, pa, g, _step in self._with_grads(group, init):
                sq = _real(st["square_avg"]._data)
                sq *= alpha
                _addcmul_sq_(sq, g, 1 - alpha)
                if centered:
                    ga = _real(st["grad_avg"]._data)
                    _lerp_(ga, g, 1 - alpha)
                    avg = ga * -1.0
                    avg *= ga
                    avg += sq
                    np.sqrt(avg, out=avg)
                else:
                    avg = np.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buf = _real(st["momentum_buffer"]._data)
                    buf *= momentum
                    buf += g / avg
                    pa -= buf * lr
                else:
                    upd = g * -lr
                    upd /= avg
                    pa += upd
                p._bump()
        return loss
