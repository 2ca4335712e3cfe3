"""Differentiable optimizer steps (``differentiable=True``).

torch's single-tensor updates written with ember's autograd ops (in-place ops included,
so the parameters and state tensors carry the graph across steps like torch's): the
gradient of a later loss flows through the update into earlier parameter values,
gradients that carry a graph, and tensor hyper-parameters that require grad.  The default
path (in place on the backend arrays) is untouched; these run only for
``differentiable=True`` groups, under grad mode as torch's ``_use_grad_for_differentiable``.
"""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import _scalar_tensor, _zeros_like

_FOREACH_MSG = "_foreach ops don't support autograd"


def _squeeze(x):
    """torch's ``_to_scalar``: tensors stay tensors (1-element ones squeezed)."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _requires_grad(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _no_foreach(group) -> None:
    if group.get("foreach"):
        raise AssertionError(_FOREACH_MSG)


def _grads(group):
    maximize = group["maximize"]
    for p in group["params"]:
        if p.grad is None:
            continue
        g = p.grad
        yield p, (-g if maximize else g)


def _add_wd(grad, param, wd):
    if wd != 0:
        if _requires_grad(wd):
            return grad.addcmul_(param.clone(), wd)
        return grad.add(param, alpha=wd)
    return grad


def sgd(opt, group) -> None:
    wd = group["weight_decay"]
    momentum = group["momentum"]
    dampening = group["dampening"]
    nesterov = group["nesterov"]
    lr = _squeeze(group["lr"])
    for p, grad in _grads(group):
        grad = _add_wd(grad, p, wd)
        if momentum != 0:
            st = opt.state[p]
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = grad.detach().clone()
                st["momentum_buffer"] = buf
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad.add(buf, alpha=momentum) if nesterov else buf
        if _requires_grad(lr):
            p.addcmul_(grad, lr, value=-1)
        else:
            p.add_(grad, alpha=-(float(lr.item()) if isinstance(lr, Tensor) else lr))


def adam(opt, group) -> None:
    _no_foreach(group)
    beta1, beta2 = group["betas"]
    lr = _squeeze(group["lr"])
    wd = group["weight_decay"]
    eps = group["eps"]
    amsgrad = group["amsgrad"]
    decoupled = group["decoupled_weight_decay"]
    for p, grad in _grads(group):
        st = opt.state[p]
        if len(st) == 0:
            st["step"] = _scalar_tensor(0.0, is_fused=group["fused"])
            st["exp_avg"] = _zeros_like(p)
            st["exp_avg_sq"] = _zeros_like(p)
            if amsgrad:
                st["max_exp_avg_sq"] = _zeros_like(p)
        step_t = st["step"]
        if step_t.requires_grad:
            raise RuntimeError("`requires_grad` is not supported for `step` in differentiable mode")
        exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
        step_t._data += 1
        step_t._bump()
        if wd != 0:
            if decoupled:
                p.mul_(1 - lr * wd)
            else:
                grad = _add_wd(grad, p, wd)
        exp_avg.lerp_(grad, 1 - beta1)
        if _requires_grad(beta2):
            exp_avg_sq.lerp_(grad.square(), 1 - beta2)
        else:
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - _plain(beta2))
        step = step_t.clone() if _requires_grad(beta1) or _requires_grad(beta2) else step_t
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size_neg = (lr / bias_correction1).neg()
        bias_correction2_sqrt = bias_correction2.sqrt()
        if amsgrad:
            mx = st["max_exp_avg_sq"]
            mx.copy_(_maximum(mx.clone(), exp_avg_sq))
            v = mx
        else:
            v = exp_avg_sq
        denom = (v.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(eps / step_size_neg)
        p.addcdiv_(exp_avg.clone(), denom)


def _plain(x):
    return float(x.item()) if isinstance(x, Tensor) else x


def _maximum(a, b):
    from .. import maximum
    return maximum(a, b)


def rmsprop(opt, group) -> None:
    _no_foreach(group)
    lr = _squeeze(group["lr"])
    alpha = group["alpha"]
    eps = group["eps"]
    wd = group["weight_decay"]
    momentum = group["momentum"]
    centered = group["centered"]
    for p, grad in _grads(group):
        st = opt.state[p]
        if len(st) == 0:
            st["step"] = _scalar_tensor(0.0)
            st["square_avg"] = _zeros_like(p)
            if momentum > 0:
                st["momentum_buffer"] = _zeros_like(p)
            if centered:
                st["grad_avg"] = _zeros_like(p)
        st["step"]._data += 1
        st["step"]._bump()
        if wd != 0:
            grad = grad.add(p, alpha=wd)
        square_avg = st["square_avg"]
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg = st["grad_avg"]
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add(eps)
        if momentum > 0:
            buf = st["momentum_buffer"]
            buf.mul_(momentum).addcdiv_(grad, avg)
            _add_scaled(p, buf, lr)
        else:
            if _requires_grad(lr):
                p.sub_(grad / avg * lr)
            else:
                p.addcdiv_(grad, avg, value=-_plain(lr))


def _add_scaled(p, t, lr) -> None:
    """``p.add_(t, alpha=-lr)``, with a tensor ``lr`` kept in the graph."""
    if _requires_grad(lr):
        p.sub_(t * lr)
    else:
        p.add_(t, alpha=-_plain(lr))


def adagrad(opt, group) -> None:
    _no_foreach(group)
    lr = _squeeze(group["lr"])
    wd = group["weight_decay"]
    lr_decay = group["lr_decay"]
    eps = group["eps"]
    for p, grad in _grads(group):
        st = opt.state[p]
        if len(st) == 0:
            opt._init_state(p, group["fused"], opt.defaults["initial_accumulator_value"])
        step_t = st["step"]
        step_t._data += 1
        step_t._bump()
        step = float(step_t.item())
        if wd != 0:
            grad = grad.add(p, alpha=wd)
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum = st["sum"]
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt() + eps
        if _requires_grad(clr):
            p.sub_(grad / std * clr)
        else:
            p.addcdiv_(grad, std, value=-_plain(clr))
