"""Transforms acting on whole matrices or on slices of a tensor: ``CorrCholeskyTransform``,
``PositiveDefiniteTransform``, ``CatTransform``, ``StackTransform`` (re-exported by
``ember.distributions.transforms``)."""

from __future__ import annotations

import math

import ember
import ember.nn.functional as F

from . import constraints
from .transforms import LowerCholeskyTransform, Transform, _EqualByClass
from .utils import _sum_rightmost, lazy_property, tril_matrix_to_vec, vec_to_tril_matrix

__all__ = ["CatTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform",
           "StackTransform"]


class CorrCholeskyTransform(_EqualByClass):
    """Unconstrained vectors of length ``D(D-1)/2`` to Cholesky factors of ``D x D``
    correlation matrices: the vector fills the strict lower triangle, ``tanh`` maps it to
    ``(-1, 1)``, and a signed stick-breaking per row gives unit-norm rows."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        x = ember.tanh(x)
        eps = ember.finfo(x.dtype).eps
        x = x.clamp(min=-1 + eps, max=1 - eps)
        r = vec_to_tril_matrix(x, diag=-1)
        # row i keeps sqrt(1 - sum of squares so far) of its stick for each entry
        z1m_cumprod_sqrt = (1 - r ** 2).sqrt().cumprod(-1)
        r = r + ember.eye(r.shape[-1], dtype=r.dtype, device=r.device)
        return r * F.pad(z1m_cumprod_sqrt[..., :-1], [1, 0], value=1)

    def _inverse(self, y):
        y_cumsum = 1 - ember.cumsum(y * y, dim=-1)
        y_cumsum_shifted = F.pad(y_cumsum[..., :-1], [1, 0], value=1)
        y_vec = tril_matrix_to_vec(y, diag=-1)
        y_cumsum_vec = tril_matrix_to_vec(y_cumsum_shifted, diag=-1)
        t = y_vec / y_cumsum_vec.sqrt()
        return (t.log1p() - t.neg().log1p()) / 2

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        y1m_cumsum = 1 - (y * y).cumsum(dim=-1)
        stick = 0.5 * tril_matrix_to_vec(y1m_cumsum, diag=-2).log().sum(-1)
        tanh_logdet = -2 * (x + F.softplus(-2 * x) - math.log(2.0)).sum(dim=-1)
        return stick + tanh_logdet

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)


class PositiveDefiniteTransform(_EqualByClass):
    """Unconstrained square matrices to positive-definite ones: ``L @ L.mT`` with ``L`` the
    ``LowerCholeskyTransform`` of the input."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        L = LowerCholeskyTransform()(x)
        return L @ L.mT

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(ember.linalg.cholesky(y))


def _check_dim(x, dim: int, size: int, what: str) -> None:
    if not -x.dim() <= dim < x.dim():
        raise IndexError(f"{what}: dim {dim} is out of range for a {x.dim()}-d input")
    if x.size(dim) != size:
        raise ValueError(f"{what}: expected size {size} along dim {dim}, got {x.size(dim)}")


def _transform_list(tseq, cache_size: int, who: str) -> list:
    """``tseq`` as a list, checked to hold only ``Transform``s (``TypeError`` naming
    ``who`` otherwise), each with the cache size ``cache_size`` when non-zero."""
    tseq = list(tseq)
    if not all(isinstance(t, Transform) for t in tseq):
        raise TypeError(f"{who} expects a sequence of Transforms")
    if cache_size:
        tseq = [t.with_cache(cache_size) for t in tseq]
    return tseq


class CatTransform(Transform):
    """Applies ``tseq[i]`` to the ``i``-th consecutive slice (of size ``lengths[i]``) of
    dimension ``dim``, like ``torch.cat``.

    Example::

        t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[2, 3])
    """

    def __init__(self, tseq, dim: int = 0, lengths=None, cache_size: int = 0) -> None:
        tseq = _transform_list(tseq, cache_size, "CatTransform")
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = [1] * len(tseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.transforms)} transforms but "
                             f"{len(self.lengths)} lengths")
        self.dim = dim

    @lazy_property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @lazy_property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _apply(self, x, inverse: bool):
        _check_dim(x, self.dim, self.length, "CatTransform")
        out, start = [], 0
        for t, n in zip(self.transforms, self.lengths):
            piece = x.narrow(self.dim, start, n)
            out.append(t.inv(piece) if inverse else t(piece))
            start += n
        return ember.cat(out, dim=self.dim)

    def _call(self, x):
        return self._apply(x, False)

    def _inverse(self, y):
        return self._apply(y, True)

    def log_abs_det_jacobian(self, x, y):
        _check_dim(x, self.dim, self.length, "CatTransform")
        _check_dim(y, self.dim, self.length, "CatTransform")
        terms, start = [], 0
        for t, n in zip(self.transforms, self.lengths):
            ladj = t.log_abs_det_jacobian(x.narrow(self.dim, start, n),
                                          y.narrow(self.dim, start, n))
            if t.event_dim < self.event_dim:
                ladj = _sum_rightmost(ladj, self.event_dim - t.event_dim)
            terms.append(ladj)
            start += n
        dim = self.dim - x.dim() if self.dim >= 0 else self.dim
        dim = dim + self.event_dim
        if dim < 0:  # the concatenated dim is a batch dim of the log-Jacobian
            return ember.cat(terms, dim=dim)
        return sum(terms)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Applies ``tseq[i]`` to the ``i``-th slice along ``dim``, like ``torch.stack``."""

    def __init__(self, tseq, dim: int = 0, cache_size: int = 0) -> None:
        tseq = _transform_list(tseq, cache_size, "StackTransform")
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.dim = dim

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z):
        return [z.select(self.dim, i) for i in range(z.size(self.dim))]

    def _call(self, x):
        _check_dim(x, self.dim, len(self.transforms), "StackTransform")
        return ember.stack([t(xi) for xi, t in zip(self._slices(x), self.transforms)],
                           dim=self.dim)

    def _inverse(self, y):
        _check_dim(y, self.dim, len(self.transforms), "StackTransform")
        return ember.stack([t.inv(yi) for yi, t in zip(self._slices(y), self.transforms)],
                           dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        _check_dim(x, self.dim, len(self.transforms), "StackTransform")
        _check_dim(y, self.dim, len(self.transforms), "StackTransform")
        return ember.stack([t.log_abs_det_jacobian(xi, yi) for xi, yi, t in
                            zip(self._slices(x), self._slices(y), self.transforms)],
                           dim=self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)
