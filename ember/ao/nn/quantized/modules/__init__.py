"""Quantized module building blocks (``torch.ao.nn.quantized.modules``)."""

from .linear import LinearPackedParams

__all__ = ["LinearPackedParams"]
