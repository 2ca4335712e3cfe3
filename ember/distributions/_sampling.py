"""Random draws the distributions need beyond ``ember.random``'s fills: standard gamma
(with its reparameterization gradient), binomial, multinomial and Poisson counts.

Every draw comes from an ``ember.random`` generator (the default one, so
``ember.manual_seed`` makes it reproducible).  Draws run in float64 and are rounded once
to the parameter's dtype.

NOTE [standard gamma reparameterization gradient]
For ``x ~ Gamma(a, 1)`` with CDF ``P(a, x)``, holding the CDF fixed gives the implicit
(pathwise) derivative ``dx/da = -(dP/da) / p(x; a)``.  Writing
``P(a, x) = x^a e^-x sum_n x^n / Gamma(a + n + 1)`` and differentiating term by term,
the ``Gamma`` factors cancel against the density, leaving

    dx/da = -(x / a) * sum_n u_n (log x - digamma(a + n + 1)),
    u_0 = 1,  u_n = u_{n-1} x / (a + n),

with ``digamma(a + n + 1) = digamma(a + 1) + sum_{k<=n} 1 / (a + k)``.  The series is
summed vectorized until every element's terms fall below 1e-17 of its partial sum (past
``n > x - a``, where the ``u_n`` decrease), about ``10 sqrt(a)`` terms.  For ``a > 1e4``
the Wilson-Hilferty approximation ``x = a (1 - 1/(9a) + z / (3 sqrt a))^3`` is
differentiated at fixed ``z`` instead (relative error far below float32 resolution there).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from .._tensor import Tensor
from ..ops.registry import Op, apply
from ..random import _gen

__all__: list[str] = []

_SERIES_MAX_A = 1e4


def _digamma_arr(a: np.ndarray) -> np.ndarray:
    from ..ops import special
    return special.digamma(Tensor._make(np.asarray(a, dtype=np.float64)))._data


def _series_dx_da(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    log_x = np.log(x)
    base = log_x - _digamma_arr(a + 1.0)
    u = np.ones_like(a)
    h = np.zeros_like(a)           # sum_{k<=n} 1/(a+k)
    total = base.copy()            # sum_n u_n (log x - digamma(a+n+1))
    mass = np.ones_like(a)         # sum_n u_n
    idx = np.arange(a.size)
    n = 0
    while idx.size:
        n += 1
        ai, xi = a[idx], x[idx]
        u[idx] *= xi / (ai + n)
        h[idx] += 1.0 / (ai + n)
        un = u[idx]
        total[idx] += un * (base[idx] - h[idx])
        mass[idx] += un
        done = (n > xi - ai) & (un < 1e-17 * mass[idx])
        idx = idx[~done]
        if n > 100000:  # pragma: no cover - cannot happen for a <= 1e4
            break
    return -(x / a) * total


def _wilson_hilferty_dx_da(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    sa = np.sqrt(a)
    w = np.cbrt(x / a)
    z = (w - 1.0 + 1.0 / (9.0 * a)) * 3.0 * sa
    dw_da = 1.0 / (9.0 * a * a) - z / (6.0 * a * sa)
    return w ** 3 + 3.0 * a * w * w * dw_da


def standard_gamma_grad_array(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/da`` of a standard gamma draw ``x`` at concentration ``a`` (float64 math)."""
    a64 = np.asarray(a, dtype=np.float64).ravel()
    x64 = np.maximum(np.asarray(x, dtype=np.float64).ravel(), np.finfo(np.float64).tiny)
    out = np.empty_like(a64)
    big = a64 > _SERIES_MAX_A
    if big.any():
        out[big] = _wilson_hilferty_dx_da(a64[big], x64[big])
    small = ~big
    if small.any():
        out[small] = _series_dx_da(a64[small], x64[small])
    return out.reshape(np.shape(a))


class StandardGammaGrad(Op):
    """``dx/da`` for standard gamma samples ``x`` (torch's ``_standard_gamma_grad``)."""

    name = "_standard_gamma_grad"
    differentiable = False

    def forward(self, a, x):
        return standard_gamma_grad_array(a, x).astype(a.dtype)


class StandardGamma(Op):
    """Standard gamma draws ``Gamma(a, 1)`` (torch's ``_standard_gamma``), clamped below at
    the dtype's smallest normal number; the gradient is the pathwise one (see the NOTE)."""

    name = "_standard_gamma"
    save = (0,)
    save_out = True

    def forward(self, a, generator=None):
        draw = _gen(generator).standard_gamma(a.astype(np.float64))
        return np.maximum(draw, float(ml_dtypes.finfo(a.dtype).tiny)).astype(a.dtype)

    def backward(self, g):
        a, out = self._unpack()
        return (g * apply(StandardGammaGrad, a.detach(), out.detach()),)


def _standard_gamma(concentration: Tensor, generator=None) -> Tensor:
    """Draws ``Gamma(concentration, 1)`` samples of the parameter's shape, differentiable
    in ``concentration``."""
    return apply(StandardGamma, concentration, generator=generator)


def _standard_gamma_grad(concentration: Tensor, x: Tensor) -> Tensor:
    return apply(StandardGammaGrad, concentration, x)


class SampleDirichlet(Op):
    """Dirichlet draws along the last dim (torch's ``_sample_dirichlet``): normalized
    standard gamma draws; no derivative (as torch)."""

    name = "_sample_dirichlet"

    def forward(self, a, generator=None):
        g = np.maximum(_gen(generator).standard_gamma(a.astype(np.float64)),
                       np.finfo(np.float64).tiny)
        x = g / g.sum(-1, keepdims=True)
        return np.maximum(x, float(ml_dtypes.finfo(a.dtype).tiny)).astype(a.dtype)


def _sample_dirichlet(concentration: Tensor, generator=None) -> Tensor:
    """Dirichlet(concentration) draws over the last dimension, same shape."""
    return apply(SampleDirichlet, concentration, generator=generator)


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Binomial(count, prob) draws with torch's ``binomial`` contract: floating-point
    ``count`` and ``prob`` broadcast together, the result in ``count``'s dtype."""
    if not count.dtype.is_floating_point:
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}.get(count.dtype.name, count.dtype.name)
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{name}")
    n, p = np.broadcast_arrays(np.asarray(count.detach()._data),
                               np.asarray(prob.detach()._data, dtype=np.float64))
    draw = _gen(generator).binomial(n.astype(np.int64), np.clip(p, 0.0, 1.0))
    return _draw(draw, count)


def _draw(arr: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._make(np.ascontiguousarray(arr).astype(like._data.dtype), like.device)


def _binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Binomial(count, prob) counts (torch's ``binomial``), same shape as the arguments."""
    n = np.asarray(count.detach()._data)
    p = np.asarray(prob.detach()._data, dtype=np.float64)
    return _draw(_gen(generator).binomial(n.astype(np.int64), np.clip(p, 0.0, 1.0)), prob)


def _categorical(probs: Tensor, num_samples: int, generator=None) -> Tensor:
    """``num_samples`` category indices per row of ``probs`` (``(..., K)`` non-negative
    weights), shape ``(num_samples,) + probs.shape[:-1]``, int64: one uniform draw per
    sample compared against each row's cumulative distribution (vectorized)."""
    p = np.asarray(probs.detach()._data, dtype=np.float64)
    cdf = np.cumsum(p, axis=-1)
    cdf /= cdf[..., -1:]
    u = _gen(generator).random((num_samples,) + p.shape[:-1])
    k = p.shape[-1]
    out = np.empty(u.shape, dtype=np.int64)
    # bounded memory: compare in chunks of samples against the (batch, K) table
    step = max(1, (1 << 22) // max(1, cdf.size))
    for i in range(0, num_samples, step):
        out[i:i + step] = (u[i:i + step, ..., None] >= cdf).sum(-1)
    np.minimum(out, k - 1, out=out)
    return Tensor._make(out, probs.device)


def _multinomial(total_count: int, probs: Tensor, shape, generator=None) -> Tensor:
    """Counts of ``total_count`` categorical draws over the last dim of ``probs``,
    ``shape`` = sample + batch + event shape."""
    p = np.asarray(probs.detach()._data, dtype=np.float64)
    p = p / p.sum(-1, keepdims=True)
    p = np.broadcast_to(p, tuple(shape))
    return _draw(_gen(generator).multinomial(int(total_count), p), probs)


def _poisson(rate: Tensor, generator=None) -> Tensor:
    """Poisson(rate) counts of ``rate``'s shape."""
    return _draw(_gen(generator).poisson(np.asarray(rate.detach()._data, dtype=np.float64)),
                 rate)
