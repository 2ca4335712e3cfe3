"""The Dirichlet distribution on the simplex."""

from __future__ import annotations

import ember
import ember.nn.functional as F

from .._tensor import Size, Tensor
from . import constraints
from ._sampling import _standard_gamma
from .exp_family import ExponentialFamily
from .utils import _digamma, _lgamma

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """A Dirichlet distribution with ``concentration`` over the last dimension.

    ``rsample`` normalizes independent standard gamma draws; its gradient is the
    pathwise gradient through those draws (unbiased, like torch's, though torch computes
    a different per-sample estimator).

    Args:
        concentration (Tensor): concentration parameters (positive, at least 1-d).
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape = concentration.shape[:-1]
        event_shape = concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Dirichlet:
        return self._expand_params(Dirichlet, batch_shape, _instance, ("concentration",),
                                   trailing=self.event_shape)

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        g = _standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        return x.clamp(min=ember.finfo(x.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (ember.xlogy(c - 1.0, value).sum(-1) + _lgamma(c.sum(-1))
                - _lgamma(c).sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        # all concentrations below one: 0/0 above; torch then takes the one-hot of the
        # argmax of that (NaN) row, i.e. the first vertex
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        vertex = F.one_hot(mode.argmax(-1), cm1.shape[-1]).to(mode)
        return ember.where(mask, vertex, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        c0 = c.sum(-1, True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (_lgamma(c).sum(-1) - _lgamma(a0) - (k - a0) * _digamma(a0)
                - ((c - 1.0) * _digamma(c)).sum(-1))

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x) -> Tensor:
        return _lgamma(x).sum(-1) - _lgamma(x.sum(-1))
