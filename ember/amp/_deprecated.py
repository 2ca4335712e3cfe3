"""torch's deprecated per-device AMP aliases (``torch.cuda.amp``, ``torch.cpu.amp``)."""

from __future__ import annotations

import warnings

from . import autocast_mode as _am
from .grad_scaler import GradScaler as _GradScaler


def deprecated_aliases(device: str, default_dtype):
    """``autocast`` and ``GradScaler`` classes for ``torch.<device>.amp``: each warns as
    torch does, then behaves as ``ember.amp.<name>('<device>', args...)``."""

    class autocast(_am.autocast):  # noqa: N801 - torch's name
        __doc__ = f"Deprecated alias of ``ember.amp.autocast('{device}', args...)``."

        def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
            warnings.warn(
                f"`torch.{device}.amp.autocast(args...)` is deprecated. Please use "
                f"`torch.amp.autocast('{device}', args...)` instead.", FutureWarning,
                stacklevel=2)
            super().__init__(device, enabled=enabled,
                             dtype=default_dtype if dtype is None else dtype,
                             cache_enabled=cache_enabled)

    class GradScaler(_GradScaler):
        __doc__ = f"Deprecated alias of ``ember.amp.GradScaler('{device}', args...)``."

        def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                     backoff_factor: float = 0.5, growth_interval: int = 2000,
                     enabled: bool = True) -> None:
            warnings.warn(
                f"`torch.{device}.amp.GradScaler(args...)` is deprecated. Please use "
                f"`torch.amp.GradScaler('{device}', args...)` instead.", FutureWarning,
                stacklevel=2)
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval,
                             enabled=enabled)

    autocast.__module__ = GradScaler.__module__ = f"ember.{device}.amp"
    return autocast, GradScaler
