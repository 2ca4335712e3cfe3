"""What ``HalfNormal`` and ``HalfCauchy`` share: ``|X|`` for ``X`` symmetric about 0."""

from __future__ import annotations

import math

import ember

from .._tensor import Tensor
from . import constraints
from .transformed_distribution import TransformedDistribution

__all__: list[str] = []


class _FoldedAtZero(TransformedDistribution):
    """``|X|`` (through an ``AbsTransform``) for ``X = base_dist`` symmetric about 0 with a
    ``scale``: the density doubles on ``[0, inf)``, the cdf is ``2 F(x) - 1``."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return ember.zeros_like(self.scale)

    def _folded_log_prob(self, value: Tensor) -> Tensor:
        lp = self.base_dist.log_prob(value) + math.log(2)
        return ember.where(value >= 0, lp, -math.inf)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._folded_log_prob(value)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
