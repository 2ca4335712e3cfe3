"""``QConfig`` and the dynamic-quantization presets (``torch.ao.quantization.qconfig``)."""

from __future__ import annotations

from collections import namedtuple

from ... import dtypes as _dt
from . import _qtensor as _q
from .observer import (
    MinMaxObserver,
    PerChannelMinMaxObserver,
    PlaceholderObserver,
    _PartialWrapper,
    default_dynamic_quant_observer,
    default_weight_observer,
)

__all__ = ["QConfig", "QConfigDynamic", "default_dynamic_qconfig",
           "per_channel_dynamic_qconfig", "float16_dynamic_qconfig"]


class QConfig(namedtuple("QConfig", ["activation", "weight"])):
    """How to observe a module's activations and weights: two observer factories."""

    __slots__ = ()

    def __new__(cls, activation, weight):
        from ...nn.modules.module import Module
        if isinstance(activation, Module) or isinstance(weight, Module):
            raise ValueError("QConfig received observer instance, please pass observer class "
                             "instead. Use MyObserver.with_args(x=1) to override arguments to "
                             "constructor if needed")
        return super().__new__(cls, activation, weight)


QConfigDynamic = QConfig

default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                  weight=default_weight_observer)
per_channel_dynamic_qconfig = QConfig(
    activation=default_dynamic_quant_observer,
    weight=PerChannelMinMaxObserver.with_args(dtype=_q.qint8,
                                              qscheme=_q.per_channel_symmetric))
float16_dynamic_qconfig = QConfig(
    activation=PlaceholderObserver.with_args(dtype=_dt.float16, is_dynamic=True),
    weight=PlaceholderObserver.with_args(dtype=_dt.float16))

_ = (MinMaxObserver, _PartialWrapper)
