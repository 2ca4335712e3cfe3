"""The Wishart distribution over positive-definite matrices."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

import ember

from .._tensor import Size, Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .gamma import Chi2
from .multivariate_normal import _FromScaleTril, _one_matrix, _scale_tril_of
from .utils import _digamma, lazy_property

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvlgamma(a: Tensor, p: int) -> Tensor:
    from ..ops.special import mvlgamma
    return mvlgamma(a, p)


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    """The multivariate digamma ``sum_{j<p} digamma(x - j/2)``."""
    if not bool((x > (p - 1) / 2).all()):
        raise ValueError("Wrong domain for multivariate digamma function.")
    half = ember.arange(p, dtype=x.dtype, device=x.device) / 2
    return _digamma(x.unsqueeze(-1) - half.expand(tuple(x.shape) + (-1,))).sum(-1)


def _cholesky_solve(B: Tensor, L: Tensor) -> Tensor:
    """``(L L^T)^{-1} B``: two solves against the lower factor and its transpose."""
    return ember.linalg.solve(L.mT, ember.linalg.solve(L, B))


def _bartlett_chi2(df: Tensor, batch_shape, L: Tensor) -> Chi2:
    """The Bartlett decomposition's diagonal: ``c_i^2 ~ Chi2(df - i)``, i < p."""
    ar = ember.arange(L.shape[-1], dtype=L.dtype, device=L.device)
    return Chi2(df=df.unsqueeze(-1) - ar.expand(tuple(batch_shape) + (-1,)))


class Wishart(_FromScaleTril, ExponentialFamily):
    """A Wishart distribution with ``df`` degrees of freedom and scale matrix given by
    exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril``;
    ``rsample`` uses the Bartlett decomposition.

    Args:
        df (float or Tensor): degrees of freedom, greater than (matrix dimension) - 1.
        covariance_matrix (Tensor): positive-definite covariance matrix.
        precision_matrix (Tensor): positive-definite precision matrix.
        scale_tril (Tensor): lower-triangular factor of covariance.
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self) -> dict:
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None) -> None:
        name, param = _one_matrix(covariance_matrix, precision_matrix, scale_tril)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = tuple(param.shape[:-2])
            self.df = ember.tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = tuple(ember.broadcast_shapes(tuple(param.shape[:-2]),
                                                       tuple(df.shape)))
            self.df = df.expand(batch_shape)
        event_shape = tuple(param.shape[-2:])
        p = event_shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = "
                             f"{p - 1}.")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        if bool((self.df < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to "
                          "occur for ndim - 1 < df < ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(x + 1) for x in range(len(self._batch_shape))]
        self._unbroadcasted_scale_tril = _scale_tril_of(name, param)
        self._dist_chi2 = _bartlett_chi2(self.df, batch_shape, self._unbroadcasted_scale_tril)

    def expand(self, batch_shape, _instance=None) -> Wishart:
        batch_shape = Size(tuple(batch_shape))
        df = self.df.expand(batch_shape)
        tril = self._unbroadcasted_scale_tril.expand(tuple(batch_shape)
                                                     + tuple(self.event_shape))
        return self._expand_params(
            Wishart, batch_shape, _instance,
            ("covariance_matrix", "scale_tril", "precision_matrix"), trailing=self.event_shape,
            df=df, _unbroadcasted_scale_tril=tril,
            _batch_dims=[-(x + 1) for x in range(len(batch_shape))],
            _dist_chi2=_bartlett_chi2(df, batch_shape, tril))

    def _mat_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        eye = ember.eye(self._event_shape[-1], dtype=L.dtype, device=L.device)
        return _cholesky_solve(eye.expand(tuple(L.shape)), L).expand(self._mat_shape())

    @property
    def mean(self) -> Tensor:
        return self.df.view(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = ember.where(factor <= 0, math.nan, factor)
        return factor.view(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self.df.view(tuple(self._batch_shape) + (1, 1)) * (
            V.pow(2) + d.unsqueeze(-1) * d.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape=Size()) -> Tensor:
        p = self._event_shape[-1]
        chi = self._dist_chi2.rsample(sample_shape).sqrt()
        diag = chi.clamp(min=ember.finfo(chi.dtype).eps).diag_embed(dim1=-2, dim2=-1)
        rows, cols = np.tril_indices(p, -1)
        lower_shape = tuple(sample_shape) + tuple(self._batch_shape) + (len(rows),)
        normals = ember.randn(lower_shape, dtype=diag.dtype, device=diag.device)
        flat = ember.zeros(lower_shape[:-1] + (p * p,), dtype=diag.dtype, device=diag.device)
        idx = ember.tensor(rows * p + cols).expand(lower_shape)
        noise = diag + flat.scatter(-1, idx, normals).reshape(lower_shape[:-1] + (p, p))
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.transpose(-2, -1)

    def rsample(self, sample_shape=Size(), max_try_correction=None) -> Tensor:
        """Bartlett-decomposition draws; singular draws (possible for ``df < p``) are
        redrawn up to ``max_try_correction`` times (default 10)."""
        if max_try_correction is None:
            max_try_correction = 10
        sample_shape = tuple(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        singular = ~self.support.check(sample)
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                fresh = self._bartlett_sampling(sample_shape)
                sample = ember.where(singular.unsqueeze(-1).unsqueeze(-1), fresh, sample)
                singular = ~self.support.check(sample)
                if not bool(singular.any()):
                    break
        return sample

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        half_logdet = L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = _cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(dim=-1)
        return (-nu * (p * _LOG_2 / 2 + half_logdet) - _mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * ember.linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self) -> Tensor:
        nu = self.df
        p = self._event_shape[-1]
        half_logdet = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_logdet) + _mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x, y) -> Tensor:
        p = self._event_shape[-1]
        return ((y + (p + 1) / 2) * (-ember.linalg.slogdet(-2 * x).logabsdet + _LOG_2 * p)
                + _mvlgamma(y + (p + 1) / 2, p))
