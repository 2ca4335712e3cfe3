"""Student's t distribution."""

from __future__ import annotations

import math

import ember

from .._tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .gamma import Chi2
from .utils import _digamma, _lgamma, _standard_normal, broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and
    scale ``scale``.

    Args:
        df (float or Tensor): degrees of freedom (positive).
        loc (float or Tensor): mean of the distribution.
        scale (float or Tensor): scale of the distribution (positive).
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> StudentT:
        return self._expand_params(StudentT, batch_shape, _instance,
                                   ("df", "loc", "scale", "_chi2"))

    @property
    def mean(self) -> Tensor:
        return ember.where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2)
        m = ember.where(df > 2, finite, df)
        m = ember.where((df <= 2) & (df > 1), math.inf, m)
        return ember.where(df <= 1, math.nan, m)

    def rsample(self, sample_shape=Size()) -> Tensor:
        # X ~ N(0, 1), Z ~ Chi2(df): X / sqrt(Z / df) ~ StudentT(df)
        shape = self._extended_shape(sample_shape)
        X = _standard_normal(shape, dtype=self.df.dtype, device=self.df.device)
        Z = self._chi2.rsample(sample_shape)
        Y = X * ember.rsqrt(Z / self.df)
        return self.loc + self.scale * Y

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + _lgamma(0.5 * self.df) - _lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * ember.log1p(y ** 2.0 / self.df) - Z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = _lgamma(0.5 * df) + math.lgamma(0.5) - _lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (_digamma(0.5 * (df + 1))
                                                     - _digamma(0.5 * df))
                + 0.5 * df.log() + lbeta)
