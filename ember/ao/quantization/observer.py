"""Observers that compute quantization parameters (``torch.ao.quantization.observer``).

Only what post-training dynamic quantization needs: ``MinMaxObserver``,
``PerChannelMinMaxObserver`` (weights) and ``PlaceholderObserver`` (the dynamic
activation placeholder), with torch's ``_calculate_qparams`` arithmetic in float32.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ... import dtypes as _dt
from ..._tensor import Tensor
from ...nn.modules.module import Module
from . import _qtensor as _q

__all__ = ["ObserverBase", "MinMaxObserver", "PerChannelMinMaxObserver",
           "PlaceholderObserver", "default_dynamic_quant_observer", "default_weight_observer",
           "default_per_channel_weight_observer", "default_placeholder_observer"]

_EPS = np.float32(np.finfo(np.float32).eps)


class _PartialWrapper:
    """``Observer.with_args(...)``: a factory that prints like torch's."""

    def __init__(self, p) -> None:
        self.p = p

    def __call__(self, *args, **kwargs):
        return self.p(*args, **kwargs)

    def __repr__(self) -> str:
        return self.p.__repr__()

    def with_args(self, **kwargs):
        return _PartialWrapper(partial(self.p, **kwargs))


class ObserverBase(Module):
    def __init__(self, dtype, is_dynamic: bool = False) -> None:
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic

    @classmethod
    def with_args(cls, **kwargs):
        return _PartialWrapper(partial(cls, **kwargs))


def _qrange(dtype, quant_min, quant_max, reduce_range):
    if quant_min is not None and quant_max is not None:
        return quant_min, quant_max
    if dtype is _q.qint8:
        return (-64, 63) if reduce_range else (-128, 127)
    if dtype is _q.quint8:
        return (0, 127) if reduce_range else (0, 255)
    if dtype is _q.qint32:
        return -(2 ** 31), 2 ** 31 - 1
    return 0, 255


class _MinMaxBase(ObserverBase):
    def __init__(self, dtype=_q.quint8, qscheme=_q.per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=_EPS,
                 is_dynamic=False, **kwargs) -> None:
        super().__init__(dtype, is_dynamic)
        self.qscheme = qscheme
        self.reduce_range = reduce_range
        self.has_customized_qrange = quant_min is not None and quant_max is not None
        self.quant_min, self.quant_max = _qrange(dtype, quant_min, quant_max, reduce_range)
        self.eps = np.float32(eps)
        if dtype not in (_q.qint8, _q.quint8, _q.qint32):
            raise AssertionError("Default Observer only works for qint8, quint8 and quint4x2 "
                                 "data type")

    def _calculate_qparams(self, min_val: np.ndarray, max_val: np.ndarray):
        f32 = np.float32
        qmin, qmax = self.quant_min, self.quant_max
        min_neg = np.minimum(min_val, f32(0))
        max_pos = np.maximum(max_val, f32(0))
        zp = np.zeros(min_neg.shape, dtype=np.int64)
        if self.qscheme in (_q.per_tensor_symmetric, _q.per_channel_symmetric):
            max_pos = np.maximum(-min_neg, max_pos)
            scale = (max_pos / f32(float(qmax - qmin) / 2)).astype(f32)
            scale = np.maximum(scale, self.eps)
            if self.dtype is _q.quint8:
                zp[...] = (qmin + qmax) // 2 if self.has_customized_qrange else 128
        else:
            scale = ((max_pos - min_neg) / f32(float(qmax - qmin))).astype(f32)
            scale = np.maximum(scale, self.eps)
            zp = qmin - np.rint(min_neg / scale).astype(np.int64)
            zp = np.clip(zp, qmin, qmax)
        return Tensor._make(np.asarray(scale, dtype=f32)), Tensor._make(np.asarray(zp))

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class MinMaxObserver(_MinMaxBase):
    """Running min/max of everything it sees; per-tensor qparams."""

    def __init__(self, dtype=_q.quint8, qscheme=_q.per_tensor_affine, **kwargs) -> None:
        if qscheme not in (_q.per_tensor_affine, _q.per_tensor_symmetric):
            raise NotImplementedError("MinMaxObserver's qscheme only support "
                                      "torch.per_tensor_symmetric and "
                                      "torch.per_tensor_affine.")
        super().__init__(dtype, qscheme, **kwargs)
        self.min_val = Tensor._make(np.array(np.inf, dtype=np.float32))
        self.max_val = Tensor._make(np.array(-np.inf, dtype=np.float32))

    def forward(self, x_orig):
        x = x_orig._np()
        if x.size == 0:
            return x_orig
        x = x.astype(np.float32)
        mn = np.minimum(x.min(), self.min_val._np())
        mx = np.maximum(x.max(), self.max_val._np())
        self.min_val = Tensor._make(np.asarray(mn, dtype=np.float32))
        self.max_val = Tensor._make(np.asarray(mx, dtype=np.float32))
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val._np(), self.max_val._np())


class PerChannelMinMaxObserver(_MinMaxBase):
    """Running min/max per slice along ``ch_axis``; per-channel qparams."""

    def __init__(self, ch_axis=0, dtype=_q.quint8, qscheme=_q.per_channel_affine,
                 **kwargs) -> None:
        super().__init__(dtype, qscheme, **kwargs)
        self.ch_axis = ch_axis
        self.min_val = Tensor._make(np.zeros(0, dtype=np.float32))
        self.max_val = Tensor._make(np.zeros(0, dtype=np.float32))

    def forward(self, x_orig):
        x = x_orig._np()
        if x.size == 0:
            return x_orig
        y = np.moveaxis(x.astype(np.float32), self.ch_axis, 0).reshape(x.shape[self.ch_axis],
                                                                      -1)
        mn, mx = y.min(axis=1), y.max(axis=1)
        if self.min_val.numel():
            mn = np.minimum(mn, self.min_val._np())
            mx = np.maximum(mx, self.max_val._np())
        self.min_val, self.max_val = Tensor._make(mn), Tensor._make(mx)
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val._np(), self.max_val._np())


class PlaceholderObserver(ObserverBase):
    """Records only the dtype (and dynamic flag) an activation is quantized to."""

    def __init__(self, dtype=_dt.float32, custom_op_name="", compute_dtype=None,
                 quant_min=None, quant_max=None, qscheme=None, eps=None,
                 is_dynamic=False) -> None:
        super().__init__(dtype, is_dynamic)
        self.quant_min, self.quant_max = quant_min, quant_max
        self.qscheme = qscheme if qscheme is not None else _q.per_tensor_affine
        self.eps = eps
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise Exception("calculate_qparams should not be called for PlaceholderObserver")  # noqa: TRY002

    def extra_repr(self) -> str:
        return f"dtype={self.dtype}, is_dynamic={self.is_dynamic}"


default_dynamic_quant_observer = PlaceholderObserver.with_args(
    dtype=_q.quint8, quant_min=0, quant_max=255, is_dynamic=True)
default_placeholder_observer = PlaceholderObserver
default_weight_observer = MinMaxObserver.with_args(dtype=_q.qint8,
                                                   qscheme=_q.per_tensor_symmetric)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(
    dtype=_q.qint8, qscheme=_q.per_channel_symmetric)
