"""Relaxed (concrete / Gumbel-softmax) one-hot categorical distributions."""

from __future__ import annotations

import math

import ember

from .._tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from .utils import _RelaxedViaBase, _ViaCategorical, clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(_ViaCategorical, Distribution):
    """The log of a ``RelaxedOneHotCategorical`` sample (Gumbel-softmax in log space).

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Tensor): event probabilities.
        logits (Tensor): unnormalized log probabilities.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> ExpRelaxedCategorical:
        return self._expand_params(ExpRelaxedCategorical, batch_shape, _instance,
                                   ("_categorical",), shared=("temperature",))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        u = clamp_probs(ember.rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        temperature = self.temperature
        # log Gamma(K) + (K - 1) log(temperature): the density's normalizer
        log_scale = ember.full_like(temperature, math.lgamma(K)) \
            + temperature.log().mul(K - 1)
        score = self.logits - value.mul(temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedViaBase, TransformedDistribution):
    """A continuous relaxation of ``OneHotCategorical`` on the simplex (Gumbel-softmax);
    reparameterizable.

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Tensor): event probabilities.
        logits (Tensor): unnormalized log probabilities.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> RelaxedOneHotCategorical:
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
