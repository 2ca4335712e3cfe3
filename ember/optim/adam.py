"""``Adam`` (with ``amsgrad``, L2 or decoupled weight decay, ``maximize``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import set_grad_enabled
from . import _differentiable
from .optimizer import (
    Optimizer,
    _check_capturable,
    _real,
    _scalar_tensor,
    _to_scalar,
    _zeros_like,
)

__all__ = ["Adam"]


def _lerp_(a, b, w: float):
    """``a.lerp_(b, w)`` with torch's CPU formula (``a + w*(b-a)`` for ``|w| < 0.5``,
    else ``b - (b-a)*(1-w)``).  Returns the scratch array (free for reuse)."""
    d = b - a
    if abs(w) < 0.5:
        d *= w
        a += d
    else:
        d *= 1.0 - w
        np.subtract(b, d, out=a)
    return d


def _addcmul_sq_(v, g, value: float) -> None:
    """``v.addcmul_(g, g, value=value)``: ``v + (value*g)*g``."""
    t = g * value
    t *= g
    v += t


def _check_betas(betas) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), torch's single-tensor update order."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        if not differentiable:  # the differentiable step keeps tensor betas in the graph
            betas = tuple(_to_scalar(b) for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            self._step_supports_amp_scaling = True
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    _group_defaults = {
        "amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
        "differentiable": False, "decoupled_weight_decay": False, "fused": None}
    _step_tensor_args: dict | None = {"fused_key": "fused"}

    def step(self, closure=None):
        """Performs a single optimization step."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            if group["differentiable"]:
                with set_grad_enabled(True):
                    _differentiable.adam(self, group)
                continue
            beta1, beta2 = group["betas"]
            beta1 = _to_scalar(beta1)
            beta2 = _to_scalar(beta2)
            lr = _to_scalar(group["lr"])
            wd = group["weight_decay"]
            eps = group["eps"]
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            fused = group["fused"]
            if group["capturable"]:
                _check_capturable(group, group["params"])
            w1 = 1 - beta1
            w2 = 1 - beta2
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                st = state[p]
                if len(st) == 0:
                    st["step"] = _scalar_tensor(0.0, is_fused=fused)
                    st["exp_avg"] = _zeros_like(p)
                    st["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        st["max_exp_avg_sq"] = _zeros_like(p)
                step_a = st["step"]._data
                step_a += 1
                step = float(step_a)
                pa = _real(p._data)
                g = _real(gt._data)
                if maximize:
                    g = -g
                if wd != 0:
                    if decoupled:
                        pa *= 1 - lr * wd
                    else:
                        g = g + pa * wd
                m = _real(st["exp_avg"]._data)
                v = _real(st["exp_avg_sq"]._data)
                scratch = _lerp_(m, g, w1)
                v *= beta2
                t = np.multiply(g, w2, out=scratch)  # v.addcmul_(g, g, value=1-beta2)
                t *= g
                v += t
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1
                bc2_sqrt = bias_correction2 ** 0.5
                if amsgrad:
                    mx = _real(st["max_exp_avg_sq"]._data)
                    np.maximum(mx, v, out=mx)
                    denom = np.sqrt(mx)
                else:
                    denom = np.sqrt(v)
                denom /= bc2_sqrt
                denom += eps
                upd = np.multiply(m, -step_size, out=scratch)
                upd /= denom
                pa += upd
                p._bump()
        return loss
