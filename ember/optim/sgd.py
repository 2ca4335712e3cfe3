"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov, weight decay."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .optimizer import Optimizer, _real, _to_scalar

__all__ = ["SGD"]

_make = Tensor._make


class SGD(Optimizer):
    """Stochastic gradient descent (``torch.optim.SGD``), torch's update order."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            self._step_supports_amp_scaling = True
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    _group_defaults = {
        "nesterov": False, "maximize": False, "foreach": None, "differentiable": False,
        "fused": False}
    _step_tensor_args: dict | None = None

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.sgd(self, group)
                continue
            wd = _to_scalar(group["weight_decay"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            lr = _to_scalar(group["lr"])
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                pa = _real(p._data)
                g = _real(gt._data)
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + pa * wd
                if momentum != 0:
                    st = state[p]
                    buf_t = st.get("momentum_buffer")
                    if buf_t is None:
                        arr = np.empty_like(gt._data)
                        buf = _real(arr)
                        buf[...] = g
                        st["momentum_buffer"] = _make(arr, p._device)
                    else:
                        buf = _real(buf_t._data)
                        buf *= momentum
                        if dampening == 0:
                            buf += g
                        else:
                            buf += g * (1 - dampening)
                    if nesterov:
                        g = g + buf * momentum
                    else:
                        g = buf
                pa -= g * lr
                p._bump()
        return loss
