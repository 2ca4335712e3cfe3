"""The multinomial distribution."""

from __future__ import annotations

import math

import ember

from .._tensor import Size, Tensor
from . import constraints
from ._sampling import _multinomial
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import _lgamma, _ViaCategorical, broadcast_all

__all__ = ["Multinomial"]


class Multinomial(_ViaCategorical, Distribution):
    """Counts of ``total_count`` independent draws from a categorical distribution with
    ``probs`` (or ``logits``) over the last dimension.

    Args:
        total_count (int): number of trials.
        probs (Tensor): event probabilities.
        logits (Tensor): event log probabilities (unnormalized).
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}

    def __init__(self, total_count: int = 1, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Multinomial:
        return self._expand_params(
            Multinomial, batch_shape, _instance, ("_categorical",), shared=("total_count",),
            _binomial=self._binomial.expand(tuple(batch_shape) + tuple(self.event_shape)))

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return _multinomial(self.total_count, self.probs, shape)

    def entropy(self) -> Tensor:
        # n as an integer tensor: lgamma gives it in the default dtype, as in torch
        n = ember.tensor(self.total_count)
        term1 = n * self._categorical.entropy() - _lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = ember.exp(self._binomial.log_prob(support))
        weights = _lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum(0).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = _lgamma(value.sum(-1) + 1)
        log_factorial_xs = _lgamma(value + 1).sum(-1)
        # 0 * (-inf) for a zero count of an impossible category is 0
        logits = ember.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
