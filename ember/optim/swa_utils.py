"""Stochastic weight averaging and EMA (``torch.optim.swa_utils``).

``AveragedModel`` keeps a deep copy of a model whose parameters (and optionally buffers)
are a running average of the trained model's; ``update_bn`` recomputes BatchNorm
statistics for the averaged weights; ``SWALR`` anneals the rate to a constant SWA rate.
"""

from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _arr(t):
    return t._data if isinstance(t, Tensor) else t


def _lerp_arrays(dst_list, src_list, w: float) -> None:
    # torch's lerp (CPU formula) on each pair, in place
    for dt_, st_ in zip(dst_list, src_list):
        a, b = dt_._data, _arr(st_)
        d = b - a
        if abs(w) < 0.5:
            d *= w
            a += d
        else:
            d *= 1.0 - w
            np.subtract(b, d, out=a)
        dt_._bump()


def _is_float(t: Tensor) -> bool:
    return t._dtype.is_floating_point or t._dtype.is_complex


def get_ema_multi_avg_fn(decay=0.999):
    """In-place EMA update over lists of tensors: ``ema = lerp(ema, current, 1 - decay)``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param_list, current_param_list, _):
        if _is_float(ema_param_list[0]):
            _lerp_arrays(ema_param_list, current_param_list, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                a = p_ema._data
                a[...] = a * decay + _arr(p_model) * (1 - decay)
                p_ema._bump()

    return ema_update


def get_swa_multi_avg_fn():
    """In-place running mean over lists of tensors: ``avg += (cur - avg) / (n + 1)``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = int(num_averaged.item()) if isinstance(num_averaged, Tensor) else num_averaged
        if _is_float(averaged_param_list[0]):
            w = 1 / (n + 1)
            if isinstance(num_averaged, Tensor):  # torch: a float32 0-d tensor weight
                w = float(np.float32(w))
            _lerp_arrays(averaged_param_list, current_param_list, w)
        else:
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                a = p_avg._data
                a[...] = a + (_arr(p_model) - a) / (n + 1)
                p_avg._bump()

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """EMA of one tensor: returns ``decay * ema + (1 - decay) * current``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """Running mean of one tensor: returns ``avg + (cur - avg) / (n + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are an average (SWA by default, or ``avg_fn`` /
    ``multi_avg_fn``, e.g. EMA) of the parameters passed to ``update_parameters``."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers=False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        n = Tensor._make(np.array(0, dtype=np.int64))
        if device is not None:
            n = n.to(device)
        self.register_buffer("n_averaged", n)
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model) -> None:
        """Folds ``model``'s current parameters (and buffers with ``use_buffers``) into the
        average; the first call copies them."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param = self.parameters()
            model_param = model.parameters()
        n_avg = int(self.n_averaged._data)
        self_list, model_list = [], []
        for p_avg, p_model in zip(self_param, model_param):
            p_m = p_model.detach()
            if p_m._device != p_avg._device:
                p_m = p_m.to(p_avg._device)
            self_list.append(p_avg)
            model_list.append(p_m)
            if n_avg == 0:
                p_avg._data[...] = p_m._data
                p_avg._bump()
        if n_avg > 0:
            if self.avg_fn is None:
                # group by dtype (torch groups by device and dtype) and run the list update
                groups: dict = {}
                for a, m in zip(self_list, model_list):
                    groups.setdefault((str(a._device), a._dtype), ([], []))
                    groups[(str(a._device), a._dtype)][0].append(a)
                    groups[(str(a._device), a._dtype)][1].append(m)
                for avg_l, mod_l in groups.values():
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(avg_l, mod_l, self.n_averaged)
                    else:
                        self._swa_single(avg_l, mod_l, n_avg)
            else:
                for a, m in zip(self_list, model_list):
                    new = self.avg_fn(a.detach(), m, self.n_averaged)
                    a._data[...] = new._data if isinstance(new, Tensor) else new
                    a._bump()
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa._data[...] = b_model.detach()._data
                b_swa._bump()
        self.n_averaged._data[...] += 1
        self.n_averaged._bump()

    @staticmethod
    def _swa_single(avg_l, mod_l, n: int) -> None:
        # torch's CPU path: avg + (cur - avg) / (n_averaged + 1), written back in place
        for a, m in zip(avg_l, mod_l):
            arr = a._data
            d = m._data - arr
            if d.dtype.kind not in "fc":
                d = d.astype(_dt.get_default_dtype().np)
            d /= n + 1
            arr[...] = arr + d
            a._bump()


def update_bn(loader, model, device=None) -> None:
    """Recomputes the BatchNorm running statistics of ``model`` with one pass over
    ``loader`` (batches, or lists/tuples whose first element is the input)."""
    from ..nn.modules.batchnorm import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for inp in loader:
            if isinstance(inp, (list, tuple)):
                inp = inp[0]
            if device is not None:
                inp = inp.to(device)
            model(inp)
    for module in momenta:
        module.momentum = momenta[module]
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate to ``swa_lr`` over ``anneal_epochs`` (cos or linear), then
    keeps it constant."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                    for g in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" \
            else self._linear_anneal

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
