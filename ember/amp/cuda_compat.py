"""``ember.cuda.amp``: torch's deprecated ``torch.cuda.amp`` aliases."""

from __future__ import annotations

import functools
import warnings

from .. import dtypes
from . import autocast_mode as _am
from ._deprecated import deprecated_aliases

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


autocast, GradScaler = deprecated_aliases("cuda", dtypes.float16)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated alias of ``ember.amp.custom_fwd(device_type='cuda')``."""
    warnings.warn(
        "`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning,
        stacklevel=2)
    return functools.partial(_am.custom_fwd, device_type="cuda")(fwd=fwd,
                                                                 cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """Deprecated alias of ``ember.amp.custom_bwd(device_type='cuda')``."""
    warnings.warn(
        "`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning,
        stacklevel=2)
    return _am.custom_bwd(bwd, device_type="cuda")
