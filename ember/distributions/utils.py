"""Helpers shared by the distributions (``torch.distributions.utils``)."""

from __future__ import annotations

import functools
import numbers

import numpy as np

import ember

from .._tensor import Size, Tensor

__all__ = [
    "broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits",
    "tril_matrix_to_vec", "vec_to_tril_matrix",
]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Broadcasts tensors and numbers together; numbers become tensors of the first
    tensor's dtype and device (the default dtype when all are numbers, which then give
    0-d tensors: so the size of any result is the batch shape, ``Size()`` for numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        opts: dict = {"dtype": ember.get_default_dtype()}
        for v in values:
            if isinstance(v, Tensor):
                opts = {"dtype": v.dtype, "device": v.device}
                break
        values = tuple(v if isinstance(v, Tensor) else ember.tensor(v, **opts)
                       for v in values)
    return tuple(ember.broadcast_tensors(*values))


def _standard_normal(shape, dtype, device) -> Tensor:
    return ember.empty(tuple(shape), dtype=dtype, device=device).normal_()


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sums out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Logits to probabilities: a sigmoid for binary log-odds, else a softmax over the
    last dimension."""
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamps probabilities into ``[eps, 1 - eps]`` with ``eps`` the dtype's epsilon."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities to logits (log-odds when ``is_binary``, else log-probabilities)."""
    p = clamp_probs(probs)
    if is_binary:
        return ember.log(p) - ember.log1p(-p)
    return ember.log(p)


class lazy_property:
    """A non-data descriptor computing an attribute on first access and then caching it
    on the instance (computed with grad enabled, as torch)."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a ``lazy_property`` looks like on the class: both a lazy property (so argument
    validation can skip it) and a ``property``."""

    def __init__(self, wrapped) -> None:
        property.__init__(self, wrapped)


def _tril_mask(n: int, diag: int) -> np.ndarray:
    ar = np.arange(n)
    return ar < ar.reshape(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular entries (row order) of a (batched) square matrix as a vector."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.nonzero(_tril_mask(n, diag))
    return mat[..., ember.tensor(rows), ember.tensor(cols)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of ``tril_matrix_to_vec``: a (batched) lower-triangular matrix."""
    m = vec.shape[-1]
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > ember.finfo(vec.dtype).eps or abs(round(n) - n) > 1e-6:
        raise ValueError(f"The size of last dimension is {m} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n)
    rows, cols = np.nonzero(_tril_mask(n, diag))
    flat = ember.zeros(tuple(vec.shape[:-1]) + (n * n,), dtype=vec.dtype, device=vec.device)
    idx = ember.tensor(rows * n + cols).expand(tuple(vec.shape[:-1]) + (len(rows),))
    return flat.scatter(-1, idx, vec).reshape(tuple(vec.shape[:-1]) + (n, n))


def _lgamma(x: Tensor) -> Tensor:
    from ..ops.special import lgamma
    return lgamma(x)


def _digamma(x: Tensor) -> Tensor:
    from ..ops.special import digamma
    return digamma(x)


def _igamma(a: Tensor, x: Tensor) -> Tensor:
    """The regularized lower incomplete gamma function ``P(a, x)``."""
    from ..ops.special import igamma
    return igamma(a, x)


def _check_probs_or_logits(probs, logits) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _ProbsOrLogits:
    """Mixin for a distribution parameterized by ``probs`` or ``logits``, not both: the
    one given is stored (and kept as ``_param``), the other derived lazily, as log-odds /
    sigmoid when ``_is_binary`` and otherwise over the last dimension."""

    _is_binary = True

    def _set_probs_or_logits(self, probs, logits, *others) -> list[Tensor]:
        """Checks that exactly one of ``probs`` and ``logits`` is given, stores it
        broadcast with ``others`` (numbers or tensors, first in the broadcast), and
        returns the broadcast ``others``."""
        _check_probs_or_logits(probs, logits)
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        *others, param = broadcast_all(*others, value)
        setattr(self, name, param)
        self._param = param
        return others

    def _expand_probs_or_logits(self, cls, batch_shape, _instance=None, params=(),
                                **kwargs):
        """``_expand_params`` with ``probs`` / ``logits`` (whichever is set) after
        ``params``, and ``_param`` pointing at the expanded ``logits`` if set, else
        ``probs``."""
        new = self._expand_params(cls, batch_shape, _instance, (*params, "probs", "logits"),
                                  **kwargs)
        new._param = new.logits if "logits" in new.__dict__ else new.probs
        return new

    def _new(self, *args, **kwargs) -> Tensor:
        return self._param.new_empty(*args, **kwargs)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=self._is_binary)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=self._is_binary)

    @property
    def param_shape(self) -> Size:
        return self._param.size()


class _ViaCategorical:
    """Mixin for a distribution built on a ``Categorical`` in ``self._categorical``: its
    ``probs``, ``logits``, ``param_shape`` and ``_new`` are the categorical's."""

    def _new(self, *args, **kwargs) -> Tensor:
        return self._categorical._new(*args, **kwargs)

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape


class _RelaxedViaBase:
    """Mixin for a relaxed distribution transforming a ``base_dist`` that holds its
    ``temperature``, ``probs`` and ``logits``: they are read from the base."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
