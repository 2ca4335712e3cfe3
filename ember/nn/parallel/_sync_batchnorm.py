"""``SyncBatchNorm``: batch norm whose statistics cover the whole process group's batch.

In training with a process group of more than one rank, the per-channel mean and biased
variance are computed over every rank's batch (all-reduces of the sums and counts, in
float64), running statistics are updated with the global unbiased variance, and the
backward all-reduces ``sum(dy)``/``sum(dy * (x - mean))`` for the input gradient, while the
weight/bias gradients stay local (as torch's, DDP averages them).  Otherwise it is
``BatchNorm``.  Lives in ``ember.nn.parallel`` until ``ember.nn`` exports it.
"""

from __future__ import annotations

import numpy as np

from ... import distributed as dist
from ...autograd.function import Function
from ..modules.batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _allreduce64(arr, group):
    from ..._tensor import Tensor
    t = Tensor._make(np.ascontiguousarray(arr, dtype=np.float64))
    dist.all_reduce(t, group=group)
    return t._data


class _SyncBN(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, factor, group):
        from ..._tensor import Tensor
        a = x._data
        c = a.shape[1]
        axes = (0,) + tuple(range(2, a.ndim))
        shape = (1, c) + (1,) * (a.ndim - 2)
        a64 = a.astype(np.float64)
        s = _allreduce64(np.concatenate([a64.sum(axes), [a.size / c]]), group)
        n = s[-1]
        mean = s[:-1] / n
        xmu = a64 - mean.reshape(shape)
        var = _allreduce64((xmu * xmu).sum(axes), group) / n
        invstd = 1.0 / np.sqrt(var + eps)
        if running_mean is not None:
            rm = running_mean._data
            rm[...] = (1 - factor) * rm + factor * mean
            running_mean._bump()
        if running_var is not None:
            rv = running_var._data
            rv[...] = (1 - factor) * rv + factor * var * (n / max(n - 1, 1))
            running_var._bump()
        y = xmu * invstd.reshape(shape)
        if weight is not None:
            y = y * weight._data.astype(np.float64).reshape(shape)
        if bias is not None:
            y = y + bias._data.astype(np.float64).reshape(shape)
        ctx._np = (xmu, invstd, n, axes, shape, group, a.dtype,
                   None if weight is None else weight._data)
        ctx._has = (weight is not None, bias is not None)
        return Tensor._make(y.astype(a.dtype))

    @staticmethod
    def backward(ctx, dy):
        from ..._tensor import Tensor
        xmu, invstd, n, axes, shape, group, dt, w = ctx._np
        g = dy._data.astype(np.float64)
        sum_dy = g.sum(axes)
        sum_dy_xmu = (g * xmu).sum(axes)
        gw = Tensor._make((sum_dy_xmu * invstd).astype(dt)) if ctx._has[0] else None
        gb = Tensor._make(sum_dy.astype(dt)) if ctx._has[1] else None
        tot = _allreduce64(np.concatenate([sum_dy, sum_dy_xmu]), group)
        c = sum_dy.size
        mean_dy, mean_dy_xmu = tot[:c] / n, tot[c:] / n
        scale = invstd if w is None else invstd * w.astype(np.float64)
        dx = (g - mean_dy.reshape(shape)
              - xmu * (invstd ** 2 * mean_dy_xmu).reshape(shape)) * scale.reshape(shape)
        return Tensor._make(dx.astype(dt)), gw, gb, None, None, None, None, None


class SyncBatchNorm(_BatchNorm):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        sync = self.training and dist.is_initialized() and \
            dist.get_world_size(self.process_group) > 1
        if not sync:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None \
                else self.momentum
        use_stats = self.track_running_stats
        return _SyncBN.apply(input, self.weight, self.bias,
                             self.running_mean if use_stats else None,
                             self.running_var if use_stats else None, self.eps, factor,
                             self.process_group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Replaces every ``BatchNorm*d`` in ``module`` by a ``SyncBatchNorm`` sharing its
        parameters and running statistics."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                                module.affine, module.track_running_stats, process_group)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
