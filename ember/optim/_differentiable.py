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
        _count_step(st)
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
        _count_step(st)
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
        step = _count_step(st)
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


def _count_step(st) -> float:
    """One more step in ``st["step"]`` (in place, outside the graph, as torch's
    ``step_t += 1``); returns the new count."""
    t = st["step"]
    t._data += 1
    t._bump()
    return float(t.item())


def _init(opt, p, **entries):
    st = opt.state[p]
    if len(st) == 0:
        st["step"] = _scalar_tensor(0.0)
        for k, make in entries.items():
            st[k] = make(p)
    return st, _count_step(st)


def adadelta(opt, group) -> None:
    _no_foreach(group)
    lr = _squeeze(group["lr"])
    rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
    for p, grad in _grads(group):
        st, _ = _init(opt, p, square_avg=_zeros_like, acc_delta=_zeros_like)
        if wd != 0:
            grad = grad.add(p, alpha=wd)
        square_avg, acc_delta = st["square_avg"], st["acc_delta"]
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_().clone()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        _add_scaled(p, delta, lr)


def adamax(opt, group) -> None:
    from .. import amax, cat

    _no_foreach(group)
    beta1, beta2 = group["betas"]
    lr = _squeeze(group["lr"])
    eps, wd = group["eps"], group["weight_decay"]
    for p, grad in _grads(group):
        st, step = _init(opt, p, exp_avg=_zeros_like, exp_inf=_zeros_like)
        if wd != 0:
            grad = grad.add(p, alpha=wd)
        exp_avg, exp_inf = st["exp_avg"], st["exp_inf"]
        exp_avg.lerp_(grad, 1 - beta1)
        norm_buf = cat([exp_inf.mul_(beta2).unsqueeze(0), grad.abs().add_(eps).unsqueeze_(0)],
                       0)
        exp_inf.copy_(amax(norm_buf, 0, keepdim=False))
        clr = lr / (1 - beta1 ** step)
        if _requires_grad(clr):
            p.sub_(exp_avg / exp_inf * clr)
        else:
            p.addcdiv_(exp_avg, exp_inf, value=-_plain(clr))


def asgd(opt, group) -> None:
    import numpy as np

    from .optimizer import _make, _scalar_np_dtype

    _no_foreach(group)
    lr = _plain(_squeeze(group["lr"]))
    lambd, alpha, t0, wd = group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
    for p, grad in _grads(group):
        st = opt.state[p]
        if len(st) == 0:
            st["step"] = _scalar_tensor(0.0)
            st["eta"] = _make(np.array(lr, dtype=_scalar_np_dtype()))
            st["mu"] = _scalar_tensor(1.0)
            st["ax"] = _zeros_like(p)
        _count_step(st)
        if wd != 0:
            grad = grad.add(p, alpha=wd)
        eta_value = float(st["eta"].item())
        p.mul_(1 - lambd * eta_value)
        p.add_(grad, alpha=-eta_value)
        ax, mu = st["ax"], st["mu"]
        if float(mu.item()) != 1:
            ax.add_(p.sub(ax).mul_(mu))
        else:
            ax.copy_(p)
        step = float(st["step"].item())
        st["eta"]._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
        st["eta"]._bump()
        mu._data[...] = 1 / max(1, step - t0)
        mu._bump()


def nadam(opt, group) -> None:
    _no_foreach(group)
    beta1, beta2 = group["betas"]
    lr = _squeeze(group["lr"])
    eps, wd = group["eps"], group["weight_decay"]
    momentum_decay = group["momentum_decay"]
    decoupled = group["decoupled_weight_decay"]
    for p, grad in _grads(group):
        st, step = _init(opt, p, mu_product=lambda p: _scalar_tensor(1.0),
                         exp_avg=_zeros_like, exp_avg_sq=_zeros_like)
        bias_correction2 = 1 - beta2 ** step
        if wd != 0:
            if decoupled:
                p.mul_(1 - lr * wd)
            else:
                grad = grad.add(p, alpha=wd)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = st["mu_product"]
        mu_product *= mu
        exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add(eps)
        mu_product_next = mu_product * mu_next
        grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
        scaled_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
        p.addcdiv_(grad, denom)
        p.addcdiv_(scaled_avg, denom)


def radam(opt, group) -> None:
    _no_foreach(group)
    beta1, beta2 = group["betas"]
    lr = _squeeze(group["lr"])
    eps, wd = group["eps"], group["weight_decay"]
    decoupled = group["decoupled_weight_decay"]
    for p, grad in _grads(group):
        st, step = _init(opt, p, exp_avg=_zeros_like, exp_avg_sq=_zeros_like)
        if wd != 0:
            if decoupled:
                p.mul_(1 - lr * wd)
            else:
                grad = grad.add(p, alpha=wd)
        exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2 ** 0.5) / exp_avg_sq.sqrt().add(eps)
            p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
        else:
            p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)


def rprop(opt, group) -> None:
    from .. import where
    from .optimizer import _full_like

    _no_foreach(group)
    etaminus, etaplus = group["etas"]
    step_size_min, step_size_max = group["step_sizes"]
    lr = _plain(_squeeze(group["lr"]))
    for p, grad in _grads(group):
        st = opt.state[p]
        if len(st) == 0:
            st["step"] = _scalar_tensor(0.0)
            st["prev"] = _zeros_like(p)
            st["step_size"] = _full_like(p.grad, lr)
        _count_step(st)
        prev, step_size = st["prev"], st["step_size"]
        sign = grad.mul(prev.clone()).sign()
        sign = where(sign.gt(0), etaplus, where(sign.lt(0), etaminus, where(
            sign.eq(0), 1.0, sign)))
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        grad = where(sign.eq(etaminus), 0.0, grad.clone())
        p.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)
