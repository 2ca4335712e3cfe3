"""``ember.special``: torch.special's functions.

The ops live in ``ember.ops.special`` and their NumPy kernels in
``ember.ops._special_kernels`` (NOTE [special function kernels]); functions torch.special
shares with the top level (erf, logit, softmax...) are the same ember ops.
"""

from __future__ import annotations

from ._tensor import Tensor
from .ops import math as _math
from .ops import special as _sp
from .ops.activation import log_softmax as _log_softmax
from .ops.activation import softmax as _softmax
from .ops.reduction import logsumexp
from .ops.special import digamma, i0, igamma, igammac, lgamma, mvlgamma, polygamma, sinc

__all__ = [
    "bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2",
    "expit", "expm1", "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p",
    "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
    "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta",
]

gammaln = lgamma
bessel_j0 = _sp.special_bessel_j0
bessel_j1 = _sp.special_bessel_j1
entr = _sp.special_entr
erfcx = _sp.special_erfcx
i0e = _sp.special_i0e
i1 = _sp.special_i1
i1e = _sp.special_i1e
log_ndtr = _sp.special_log_ndtr
ndtr = _sp.special_ndtr
ndtri = _sp.special_ndtri
xlog1py = _sp.special_xlog1py
zeta = _sp.special_zeta
psi = digamma
multigammaln = mvlgamma
gammainc = igamma
gammaincc = igammac
erf = _math.erf
erfc = _math.erfc
erfinv = _math.erfinv
expit = _math.sigmoid
exp2 = _math.exp2
expm1 = _math.expm1
log1p = _math.log1p
logit = _math.logit
xlogy = _math.xlogy


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """Round half to even (to ``decimals`` places); floating inputs only, as torch.special."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        from .ops.registry import _type_name
        raise NotImplementedError(
            f'"round_vml_cpu" not implemented for \'{_type_name(input._dtype)}\'')
    return _math.round(input, decimals=decimals, out=out)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Softmax along ``dim`` (``dtype``: cast the input first)."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Log-softmax along ``dim`` (``dtype``: cast the input first)."""
    return _log_softmax(input, dim, dtype=dtype)
