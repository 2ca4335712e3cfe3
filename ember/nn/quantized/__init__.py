"""``torch.nn.quantized``: an alias of ``ember.ao.nn.quantized``."""

from ...ao.nn.quantized import LinearPackedParams, dynamic, modules

__all__ = ["dynamic", "modules", "LinearPackedParams"]
