"""``ember.cpu.amp``: torch's deprecated ``torch.cpu.amp`` aliases."""

from __future__ import annotations

from ... import dtypes
from ...amp._deprecated import deprecated_aliases

__all__ = ["autocast", "GradScaler"]


autocast, GradScaler = deprecated_aliases("cpu", dtypes.bfloat16)
