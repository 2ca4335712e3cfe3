"""ember.linalg: least squares (lstsq).
"""

from __future__ import annotations

import numpy as np

from ..amp.autocast_mode import autocast_composite
from ..ops.linalg import matmul
from ..ops.math import _not_impl
from ..ops.registry import Op, _type_name, apply
from ._common import _LOW, _bcast_batch, _const, _eye, _real, _rt, _unsq
from ._core import pinv

# --- lstsq ----------------------------------------------------------------------------------

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _pinv_vjp(A, P, G):
    """Vector-Jacobian product of A -> pinv(A) = P for the gradient G of P (the derivative
    of the pseudo-inverse at constant rank, Golub & Pereyra)."""
    m, n = A.shape[-2:]
    Ph = P.mH
    Gh = G.mH
    left = _eye(m, A) - matmul(A, P)   # I - A P   (m x m)
    right = _eye(n, A) - matmul(P, A)  # I - P A   (n x n)
    return (-matmul(matmul(Ph, G), Ph) + matmul(matmul(left, Gh), matmul(P, Ph))
            + matmul(matmul(Ph, P), matmul(Gh, right)))


class Lstsq(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "linalg_lstsq"
    _bw_name = "LinalgLstsqBackward0"
    save = (0, 1)

    def forward(self, a, b, rcond, driver, extras):
        """(solution, residuals); the rank and singular values go to the ``extras`` list."""
        m, n = a.shape[-2:]
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        s = s.astype(_real(a.dtype), copy=False)
        if driver == "gels":
            keep = np.ones(s.shape, bool)
        else:
            smax = s.max(-1, keepdims=True) if s.shape[-1] else s[..., :1]
            keep = s > rcond * smax
        sinv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        uhb = np.conj(np.swapaxes(u, -1, -2)) @ b
        x = np.conj(np.swapaxes(vh, -1, -2)) @ (sinv[..., :, None] * uhb)
        rank = keep.sum(-1).astype(np.int64)
        extras[:] = [rank, s]
        full = driver == "gels" or bool(np.all(rank == n))
        if m > n and full and driver != "gelsy":
            r = a @ x - b
            res = np.sum((r * np.conj(r)).real, axis=-2).astype(s.dtype)
        else:
            res = np.zeros((0,), s.dtype)
        self.has_res = res.ndim > 1 or res.shape != (0,)
        return x, res

    def backward(self, gX, gR):
        A, B = self._unpack()
        nf = self.next_functions
        P = pinv(A)
        X = matmul(P, B)
        gA = gB = None
        if nf[0][0] is not None:
            gA = _pinv_vjp(A, P, matmul(gX, B.mH))
        if nf[1][0] is not None:
            gB = matmul(P.mH, gX)
        if self.has_res:
            # residuals_j = ||A x_j - b_j||^2, stationary in x_j at the solution
            rg = (matmul(A, X) - B) * _unsq(gR, -2) * 2
            if nf[0][0] is not None:
                gA = gA + matmul(rg, X.mH)
            if nf[1][0] is not None:
                gB = gB - rg
        return gA, gB


@autocast_composite("linalg_lstsq")
def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values) as
    torch's CPU drivers report them (default 'gelsy'): residuals for m > n and full rank
    (not with gelsy), rank except with gels, singular values with gelsd/gelss only.
    Rank-deficient problems get the minimum-norm solution (SVD with cut-off ``rcond``)."""
    name = "torch.linalg.lstsq"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if B.dim() < 1:
        raise RuntimeError(f"{name}: other must have at least 1 dimension.")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_type_name(A._dtype)} and other's dtype "
                           f"{_type_name(B._dtype)}")
    if A._data.dtype in _LOW and rcond is not None:
        _not_impl("linalg_lstsq_cpu", A._data)  # torch reaches the kernel first then
    if A._data.dtype.kind not in "fc" or A._data.dtype in _LOW:
        raise RuntimeError("This function doesn't handle types other than float and double")
    vec = B.dim() == A.dim() - 1
    Bm = _unsq(B, -1) if vec else B
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           "gelss)")
    m, n = A.shape[-2:]
    real = np.finfo(A._data.dtype).dtype
    if rcond is None:
        rcond = float(np.finfo(real).eps) * max(m, n)
    elif rcond < 0:
        rcond = float(np.finfo(real).eps)
    A2, Bm = _bcast_batch(A, Bm, a_first=True)
    extras: list = []
    X, res = apply(Lstsq, A2, Bm, rcond=rcond, driver=driver, extras=extras)
    rank, sv = (_const(e, A) for e in extras)
    if vec:
        X = X.reshape(*X.shape[:-1])
    if driver == "gels":
        rank = _const(np.zeros((0,), np.int64), A)
    if driver not in ("gelsd", "gelss"):
        sv = _const(np.zeros((0,), real), A)
    return _rt("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))(
        X, res, rank, sv)
