"""``torch.ao``: post-training dynamic quantization (``ember.ao.quantization``) and the
quantized modules (``ember.ao.nn.quantized``)."""

from ..nn import quantized as _nn_quantized  # makes ember.nn.quantized an attribute
from . import nn, quantization

__all__ = ["nn", "quantization"]
_ = _nn_quantized
