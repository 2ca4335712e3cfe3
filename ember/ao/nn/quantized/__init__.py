"""Quantized modules (``torch.ao.nn.quantized``): ember has the dynamic ones."""

from . import dynamic, modules
from .modules import LinearPackedParams

__all__ = ["dynamic", "modules", "LinearPackedParams"]
