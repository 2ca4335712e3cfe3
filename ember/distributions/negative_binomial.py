"""The negative binomial distribution."""

from __future__ import annotations

import ember
import ember.nn.functional as F

from .._tensor import Size, Tensor
from . import constraints
from ._sampling import _poisson
from .distribution import Distribution
from .gamma import Gamma
from .utils import (
    _lgamma,
    _ProbsOrLogits,
    lazy_property,
)

__all__ = ["NegativeBinomial"]


class NegativeBinomial(_ProbsOrLogits, Distribution):
    """The number of successes before ``total_count`` failures in Bernoulli trials with
    success probability ``probs`` (or log-odds ``logits``); sampled as a gamma-Poisson
    mixture.

    Args:
        total_count (float or Tensor): non-negative number of failures to stop at.
        probs (Tensor): success probabilities in ``[0, 1)``.
        logits (Tensor): success log-odds.
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> NegativeBinomial:
        return self._expand_probs_or_logits(NegativeBinomial, batch_shape, _instance,
                                            ("total_count",))

    @property
    def mean(self) -> Tensor:
        return self.total_count * ember.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / ember.sigmoid(-self.logits)

    @lazy_property
    def _gamma(self) -> Gamma:
        return Gamma(concentration=self.total_count, rate=ember.exp(-self.logits),
                     validate_args=False)

    def sample(self, sample_shape=Size()) -> Tensor:
        with ember.no_grad():
            return _poisson(self._gamma.sample(sample_shape=sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_unnormalized = n * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -_lgamma(n + value) + _lgamma(1.0 + value) + _lgamma(n)
        # n = k = 0: the pmf is 1 (lgamma has poles there)
        log_normalization = log_normalization.masked_fill(n + value == 0.0, 0.0)
        return log_unnormalized - log_normalization
