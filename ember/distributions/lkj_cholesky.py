"""The LKJ distribution over Cholesky factors of correlation matrices."""

from __future__ import annotations

import math

import ember

from .._tensor import Size, Tensor
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import _lgamma, broadcast_all

__all__ = ["LKJCholesky"]


def _mvlgamma(a: Tensor, p: int) -> Tensor:
    from ..ops.special import mvlgamma
    return mvlgamma(a, p)


class LKJCholesky(Distribution):
    """The LKJ distribution of the lower Cholesky factor ``L`` of a ``dim x dim``
    correlation matrix, density of ``L L^T`` proportional to ``det(L L^T)^(c - 1)``;
    sampled with the onion method.

    Args:
        dim (int): dimension of the matrices (at least 2).
        concentration (float or Tensor): concentration/shape parameter (positive).
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. "
                             f"Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        # onion method: row i's squared norm below the diagonal is Beta(i/2, c + (d-2-i)/2)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = ember.arange(self.dim - 1, dtype=self.concentration.dtype,
                              device=self.concentration.device)
        offset = ember.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(batch_shape, Size((dim, dim)), validate_args)

    def expand(self, batch_shape, _instance=None) -> LKJCholesky:
        return self._expand_params(LKJCholesky, batch_shape, _instance, ("concentration",),
                                   shared=("dim",),
                                   _beta=self._beta.expand(tuple(batch_shape) + (self.dim,)))

    def sample(self, sample_shape=Size()) -> Tensor:
        with ember.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = tuple(self._extended_shape(sample_shape))
            u_normal = ember.randn(shape, dtype=y.dtype, device=y.device).tril(-1)
            norm = u_normal.norm(dim=-1, keepdim=True)
            # row 0 has no strictly-lower entries: its direction is zero, not 0/0
            first = ember.arange(self.dim, device=y.device).view(-1, 1) == 0
            u_sphere = ember.where(first, 0.0, u_normal / ember.where(first, 1.0, norm))
            w = ember.sqrt(y) * u_sphere
            tiny = ember.finfo(w.dtype).tiny
            diag = ember.clamp(1 - ember.sum(w ** 2, dim=-1), min=tiny).sqrt()
            return w + ember.diag_embed(diag)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = ember.arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = ember.sum(order * diag.log(), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize = (0.5 * dm1 * math.log(math.pi) + _mvlgamma(alpha - 0.5, dm1)
                     - _lgamma(alpha) * dm1)
        return unnormalized - normalize
