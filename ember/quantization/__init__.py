"""``torch.quantization``: an alias of ``ember.ao.quantization``."""

from ..ao.quantization import *  # noqa: F403
from ..ao.quantization import (  # noqa: F401
    __all__,  # noqa: F401
    observer,
    qconfig,
    quantize_dynamic,
)
