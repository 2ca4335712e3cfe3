"""``ember.amp``: automatic mixed precision (``autocast``) and loss scaling (``GradScaler``)."""

from .autocast_mode import (
    autocast,
    autocast_decrement_nesting,
    autocast_increment_nesting,
    clear_autocast_cache,
    custom_bwd,
    custom_fwd,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_cache_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .grad_scaler import GradScaler, OptState

__all__ = [
    "autocast", "GradScaler", "OptState", "is_autocast_enabled", "set_autocast_enabled",
    "get_autocast_dtype", "set_autocast_dtype", "is_autocast_available",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
    "autocast_increment_nesting", "autocast_decrement_nesting", "custom_fwd", "custom_bwd",
]

# ``import ember.cuda.amp`` / ``from ember.cuda.amp import ...``: ember.cuda is a module, so
# its ``amp`` submodule is registered here (ember.cuda's ``__getattr__`` serves attribute use)
import sys as _sys

from . import cuda_compat as _cuda_compat

_sys.modules.setdefault("ember.cuda.amp", _cuda_compat)
del _sys
