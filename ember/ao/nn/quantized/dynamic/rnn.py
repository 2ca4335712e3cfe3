"""Dynamic quantized recurrent modules: not implemented in ember.

The names exist so that ``quantize_dynamic``'s default mapping (which, like torch's,
lists nn.LSTM/GRU and the cells) and user code that names them fail with a clear
``NotImplementedError`` instead of an ``AttributeError``.
"""

from __future__ import annotations

from .....nn.modules.module import Module

__all__ = ["LSTM", "GRU", "LSTMCell", "RNNCell", "GRUCell"]


class _NotImplementedRNN(Module):
    def __init__(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f"ember.ao.nn.quantized.dynamic.{type(self).__name__} is not implemented; only "
            "Linear has a dynamic quantized version in ember")

    @classmethod
    def from_float(cls, mod, *args, path: str = "", **kwargs):
        where = f" (module '{path}')" if path else ""
        raise NotImplementedError(
            f"dynamic quantization of {type(mod).__name__}{where} is not implemented in "
            "ember; only nn.Linear is supported. Leave it out of qconfig_spec, e.g. "
            "quantize_dynamic(model, {nn.Linear}, dtype=qint8)")


class LSTM(_NotImplementedRNN):
    pass


class GRU(_NotImplementedRNN):
    pass


class LSTMCell(_NotImplementedRNN):
    pass


class RNNCell(_NotImplementedRNN):
    pass


class GRUCell(_NotImplementedRNN):
    pass
