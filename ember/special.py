"""``ember.special``: torch.special's functions (kernels in ``ember.ops.special``)."""

from __future__ import annotations

from .ops.special import digamma, lgamma, polygamma

__all__ = ["gammaln", "digamma", "psi", "polygamma"]

gammaln = lgamma
psi = digamma
