"""The multivariate normal distribution, parameterized by a covariance matrix, a
precision matrix or a lower-triangular scale factor."""

from __future__ import annotations

import math

import ember

from .._tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]


def _solve_lower(L: Tensor, b: Tensor) -> Tensor:
    """``L^{-1} b`` for lower-triangular ``L`` (batched, broadcasting).

    ``tril`` makes the gradient wrt ``L`` lower-triangular, as a triangular solve's is,
    though the (exact) general solve does the work."""
    return ember.linalg.solve(L.tril(), b)


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Batched matrix-vector product with broadcast batch dimensions."""
    return ember.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:
    """The squared Mahalanobis distance ``x^T (L L^T)^{-1} x`` over broadcast batches."""
    shape = ember.broadcast_shapes(tuple(bL.shape[:-1]), tuple(bx.shape))
    n = bx.shape[-1]
    L = bL.expand(tuple(shape) + (n,))
    x = bx.expand(tuple(shape))
    return _solve_lower(L, x.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)


def _cholesky_inverse(L: Tensor) -> Tensor:
    """``(L L^T)^{-1}``; its gradient treats ``L`` as a full matrix, as torch's
    ``cholesky_inverse`` does."""
    eye = ember.eye(L.shape[-1], dtype=L.dtype, device=L.device)
    Linv = ember.linalg.solve(L, eye.expand(tuple(L.shape)))
    return Linv.mT @ Linv


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    # the Cholesky factor of P^{-1} without inverting P: flip, factor, flip back
    Lf = ember.linalg.cholesky(ember.flip(P, (-2, -1)))
    L_inv = ember.transpose(ember.flip(Lf, (-2, -1)), -2, -1)
    eye = ember.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return _solve_lower(L_inv, eye.expand(tuple(L_inv.shape)))


def _one_matrix(covariance_matrix, precision_matrix, scale_tril) -> tuple[str, Tensor]:
    """The one of ``covariance_matrix``, ``precision_matrix`` and ``scale_tril`` that is
    given, as ``(name, value)``; ``ValueError`` unless exactly one is."""
    given = [(name, m) for name, m in (("covariance_matrix", covariance_matrix),
                                       ("precision_matrix", precision_matrix),
                                       ("scale_tril", scale_tril)) if m is not None]
    if len(given) != 1:
        raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                         "scale_tril may be specified.")
    return given[0]


def _scale_tril_of(name: str, mat: Tensor) -> Tensor:
    """The lower Cholesky factor of the covariance given as ``mat``, which is the
    ``name`` of ``_one_matrix``."""
    if name == "scale_tril":
        return mat
    if name == "covariance_matrix":
        return ember.linalg.cholesky(mat)
    return _precision_to_scale_tril(mat)


class _FromScaleTril:
    """Mixin for a distribution holding the lower Cholesky factor of its covariance in
    ``_unbroadcasted_scale_tril``: ``scale_tril`` and ``covariance_matrix`` derived from
    it, expanded to ``self._mat_shape()``."""

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._mat_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return ember.matmul(L, L.mT).expand(self._mat_shape())


class MultivariateNormal(_FromScaleTril, Distribution):
    """A multivariate normal distribution with mean ``loc`` and a covariance given by
    exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril``
    (lower-triangular with positive diagonal, ``cov = scale_tril @ scale_tril.mT``).

    Args:
        loc (Tensor): mean of the distribution (at least one-dimensional).
        covariance_matrix (Tensor): positive-definite covariance matrix.
        precision_matrix (Tensor): positive-definite precision matrix.
        scale_tril (Tensor): lower-triangular factor of the covariance.
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        name, given = _one_matrix(covariance_matrix, precision_matrix, scale_tril)
        what = "scale_tril matrix" if name == "scale_tril" else name
        if given.dim() < 2:
            raise ValueError(f"{what} must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        batch_shape = tuple(ember.broadcast_shapes(tuple(given.shape[:-2]),
                                                   tuple(loc.shape[:-1])))
        setattr(self, name, given.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, tuple(self.loc.shape[-1:]), validate_args=validate_args)
        self._unbroadcasted_scale_tril = _scale_tril_of(name, given)

    def expand(self, batch_shape, _instance=None) -> MultivariateNormal:
        cov_shape = tuple(batch_shape) + tuple(self.event_shape) * 2
        return self._expand_params(
            MultivariateNormal, batch_shape, _instance, ("loc",), trailing=self.event_shape,
            shared=("_unbroadcasted_scale_tril",),
            **{name: self.__dict__[name].expand(cov_shape)
               for name in ("covariance_matrix", "scale_tril", "precision_matrix")
               if name in self.__dict__})

    def _mat_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return _cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._mat_shape())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        H = 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return H
        return H.expand(tuple(self._batch_shape))
