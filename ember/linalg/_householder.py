"""ember.linalg: Householder routines (geqrf, householder_product, ormqr).
"""

from __future__ import annotations

import numpy as np

from ..amp.autocast_mode import autocast_composite
from ..ops.elementwise import _out
from ..ops.linalg import matmul
from ..ops.registry import Op, _type_name, apply
from ._common import _const, _lowp_kernel, _named_out, _unsq

# --- Householder: geqrf / householder_product (orgqr) / ormqr ---------------------------------

class Geqrf(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "geqrf"
    _bw_name = "GeqrfBackward0"

    def forward(self, a):
        m, n = a.shape[-2:]
        if a.size == 0:
            return a.copy(), np.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
        h, tau = np.linalg.qr(a, mode="raw")  # LAPACK geqrf; h is the transposed layout
        return np.ascontiguousarray(np.swapaxes(h, -1, -2)).astype(a.dtype), tau.astype(a.dtype)

    def backward(self, *grads):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


def geqrf(input, *, out=None):  # noqa: A002
    """LAPACK geqrf: the QR factorization packed as (a, tau): R on and above the diagonal of
    ``a``, the Householder vectors below it (see householder_product)."""
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _lowp_kernel("geqrf_cpu", input)
    a, tau = apply(Geqrf, input)
    return _named_out("geqrf", ("a", "tau"), (a, tau), out)


def _reflector(A, i):
    """v_i = (0, ..., 0, 1, A[i+1:, i]) as (..., m, 1), differentiable in A."""
    m = A.shape[-2]
    below = (np.arange(m) > i).astype(A._data.dtype)[:, None]
    e = (np.arange(m) == i).astype(A._data.dtype)[:, None]
    return A.narrow(-1, i, 1) * _const(below, A) + _const(e, A)


def _tau(tau, i):
    return _unsq(tau.narrow(-1, i, 1), -1)  # (..., 1, 1)


def _apply_reflector(C, v, t, left, conj_t):
    """H C (left) or C H with H = I - t v v^H (t conjugated when ``conj_t``: H^H)."""
    if conj_t:
        t = t.conj()
    if left:
        return C - t * matmul(v, matmul(v.mH, C))
    return C - t * matmul(matmul(C, v), v.mH)


@autocast_composite("linalg_householder_product")
def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H with v_i from the i-th
    column of A below the diagonal (LAPACK orgqr); differentiable in A and tau."""
    name = "torch.linalg.householder_product"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.dim() and n < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau.dim() != A.dim() - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.dim()} and input.ndim is equal to "
                           f"{A.dim()}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if tau._dtype is not A._dtype:
        raise RuntimeError(f"{name}: tau dtype {_type_name(tau._dtype)} does not match input "
                           f"dtype {_type_name(A._dtype)}")
    _lowp_kernel("orgqr_cpu", A)
    Q = _const(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), tuple(A.shape)).copy(), A)
    for i in range(tau.shape[-1] - 1, -1, -1):
        Q = _apply_reflector(Q, _reflector(A, i), _tau(tau, i), True, False)
    return _out(Q, out)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):  # noqa: A002
    """op(Q) C (``left``) or C op(Q), Q = H_1 ... H_k from geqrf's (input, tau), op(Q) = Q^H
    when ``transpose``; differentiable in all three."""
    name = "torch.ormqr"
    if input.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if other.dim() < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    k = tau.shape[-1] if tau.dim() else 0
    if k != min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           "input.shape[-1])")
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.dim() != input.dim() - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.dim()} and input.ndim is equal to "
                           f"{input.dim()}")
    for t, w in ((tau, "tau"), (other, "other")):
        if t._dtype is not input._dtype:
            raise RuntimeError(f"{name}: Expected input and {w} to have the same dtype, but "
                               f"input has dtype {_type_name(input._dtype)} and {w} has dtype "
                               f"{_type_name(t._dtype)}")
    _lowp_kernel("ormqr_cpu", input)
    # Q C = H_1 (... (H_k C)); Q^H C = H_k^H (... (H_1^H C)); C Q = ((C H_1) ...) H_k
    order = range(k - 1, -1, -1) if left != transpose else range(k)
    C = other
    for i in order:
        C = _apply_reflector(C, _reflector(input, i), _tau(tau, i), left, transpose)
    return _out(C, out)
