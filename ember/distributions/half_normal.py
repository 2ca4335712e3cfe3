"""The half-normal distribution: ``|X|`` with ``X ~ Normal(0, scale)``."""

from __future__ import annotations

import math

from .._tensor import Tensor
from ._folded import _FoldedAtZero
from .normal import Normal
from .transforms import AbsTransform

__all__ = ["HalfNormal"]


class HalfNormal(_FoldedAtZero):
    """``|X|`` with ``X ~ Normal(0, scale)``.

    Args:
        scale (float or Tensor): scale of the full normal distribution.
    """

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        base = Normal(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> HalfNormal:
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)
