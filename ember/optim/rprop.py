"""``Rprop``: resilient backpropagation (``etas``, ``step_sizes``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .optimizer import (
    Optimizer,
    _check_capturable,
    _full_like,
    _real,
    _scalar_tensor,
    _to_scalar,
    _zeros_like,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (``torch.optim.Rprop``), torch's single-tensor update order."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False,
                 differentiable=False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    _group_defaults = {
        "foreach": None, "maximize": False, "differentiable": False, "capturable": False}
    _step_tensor_args: dict | None = {}

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.rprop(self, group)
                continue
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            maximize = group["maximize"]
            lr = _to_scalar(group["lr"])
            if group["capturable"]:
                _check_capturable(group, group["params"])
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                st = state[p]
                if len(st) == 0:
                    st["step"] = _scalar_tensor(0.0)
                    st["prev"] = _zeros_like(p)
                    st["step_size"] = _full_like(gt, complex(lr, lr) if p.is_complex()
                                                 else lr)
                step_a = st["step"]._data
                step_a += 1
                pa = _real(p._data)
                g = _real(gt._data)
                if maximize:
                    g = -g
                prev = _real(st["prev"]._data)
                ss = _real(st["step_size"]._data)
                sign = g * prev
                np.sign(sign, out=sign)
                pos = sign > 0
                neg = sign < 0
                zero = sign == 0
                sign[pos] = etaplus
                sign[neg] = etaminus
                sign[zero] = 1
                ss *= sign
                np.clip(ss, step_size_min, step_size_max, out=ss)
                g = np.array(g)
                g[sign == etaminus] = 0
                upd = np.sign(g)
                upd *= ss
                pa -= upd
                prev[...] = g
                p._bump()
        return loss
