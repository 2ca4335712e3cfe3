"""ember.linalg: LU factorization (lu_factor[_ex], lu, lu_unpack, lu_solve).

See NOTE [LAPACK conventions without LAPACK's routines] in ``ember/linalg/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..ops.elementwise import _out
from ..ops.linalg import matmul
from ..ops.registry import Op, _type_name, apply
from ._common import _batch_prefix, _bcast_batch, _const, _lowp_kernel, _named_out, _save_outputs
from ._triangular import SolveTriangular, _incompatible, _solve_tri

# --- LU -------------------------------------------------------------------------------------

def _getrf(a: np.ndarray):
    """Partial-pivoting LU of (a batch of) m x n matrices as LAPACK's getrf: (LU packed,
    1-based int32 pivots, int32 info = the first zero pivot, 1-based, or 0).

    The pivot is the first entry of largest |re| + |im| in the column (i?amax)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = a.reshape((-1, m, n)).copy()
    nb = lu.shape[0]
    piv = np.zeros((nb, k), np.int32)
    info = np.zeros(nb, np.int32)
    rows = np.arange(nb)
    cplx = lu.dtype.kind == "c"
    with np.errstate(all="ignore"):
        for j in range(k):
            col = lu[:, j:, j]
            mag = np.abs(col.real) + np.abs(col.imag) if cplx else np.abs(col)
            p = j + np.argmax(mag, axis=1)
            piv[:, j] = p + 1
            sw = p != j
            if sw.any():
                r, pj = rows[sw], p[sw]
                tmp = lu[r, j, :].copy()
                lu[r, j, :] = lu[r, pj, :]
                lu[r, pj, :] = tmp
            d = lu[:, j, j]
            zero = d == 0
            info[(info == 0) & zero] = j + 1
            if j + 1 < m:
                lu[:, j + 1:, j] /= np.where(zero, 1, d)[:, None]
                if j + 1 < n:
                    lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm_from_pivots(piv: np.ndarray, m: int) -> np.ndarray:
    """perm with (P^T A)[i] = A[perm[i]] for A = P L U, from LAPACK's sequential swaps."""
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).reshape(-1, m).copy()
    pv = piv.reshape(-1, piv.shape[-1]).astype(np.int64) - 1
    rows = np.arange(perm.shape[0])
    for i in range(pv.shape[1]):
        p = pv[:, i]
        tmp = perm[rows, i].copy()
        perm[rows, i] = perm[rows, p]
        perm[rows, p] = tmp
    return perm.reshape(batch + (m,))


def _perm_matrix(perm: np.ndarray, dtype) -> np.ndarray:
    m = perm.shape[-1]
    return np.swapaxes(np.eye(m, dtype=dtype)[perm], -1, -2)


def _lu_grad_square(L, U, gL, gU):
    """gA' (before the row permutation) of A' = L U, square: L^{-H} phi U^{-H} with
    phi = tril(L^H gL, -1) + triu(gU U^H)."""
    phi = matmul(L.mH, gL).tril(-1) + matmul(gU, U.mH).triu()
    x = apply(SolveTriangular, L, phi, upper=False, left=True, unitriangular=True,
              adjoint=True)
    return apply(SolveTriangular, U, x, upper=True, left=False, adjoint=True)


def _lu_grad(LU, P, gL, gU):
    """Gradient of A = P L U given those of the unpacked factors (rectangular included:
    a wide A's trailing U columns and a tall A's trailing L rows are solved for)."""
    from ..ops.indexing import cat
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = LU.narrow(-1, 0, k).tril(-1) + _const(np.eye(m, k, dtype=LU._data.dtype), LU)
    U = LU.narrow(-2, 0, k).triu()
    if m == n:
        g = _lu_grad_square(L, U, gL, gU)
    elif m < n:
        U1, U2 = U.narrow(-1, 0, k), U.narrow(-1, k, n - k)
        gU1, gU2 = gU.narrow(-1, 0, k), gU.narrow(-1, k, n - k)
        x = apply(SolveTriangular, L, gU2, upper=False, left=True, unitriangular=True,
                  adjoint=True)  # L^{-H} gU2
        g1 = _lu_grad_square(L, U1, gL - matmul(x, U2.mH), gU1)
        g = cat([g1, x], -1)
    else:
        L1, L2 = L.narrow(-2, 0, k), L.narrow(-2, k, m - k)
        gL1, gL2 = gL.narrow(-2, 0, k), gL.narrow(-2, k, m - k)
        y = apply(SolveTriangular, U, gL2, upper=True, left=False, adjoint=True)  # gL2 U^{-H}
        g1 = _lu_grad_square(L1, U, gL1, gU - matmul(L2.mH, y))
        g = cat([g1, y], -2)
    return matmul(P, g)


class LUFactor(Op):
    num_outputs = 3  # the registry does not set it for multi-output ops
    name = "linalg_lu_factor_ex"
    _bw_name = "LinalgLuFactorExBackward0"

    def forward(self, a):
        lu, piv, info = _getrf(a)
        self.P = _perm_matrix(_perm_from_pivots(piv, a.shape[-2]), a.dtype)
        return lu, piv, info

    def backward(self, gLU, *_):
        (LU,) = self._unpack()
        k = min(LU.shape[-2:])
        gL = gLU.narrow(-1, 0, k).tril(-1)
        gU = gLU.narrow(-2, 0, k).triu()
        return (_lu_grad(LU, _const(self.P, LU), gL, gU),)


def _lu_checks(name, A, pivot=True) -> None:
    if A.dim() < 2:
        who = "linalg.lu" if name == "linalg.lu" else "torch.lu_factor"
        raise RuntimeError(f"{who}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if not pivot:
        raise RuntimeError(f"{name.replace('lu_factor_ex', 'lu_factor')}: LU without pivoting "
                           "is not implemented on the CPU")
    _lowp_kernel("lu_cpu", A, skip_empty=True)


def _lu_factor(A):
    LU, piv, info = apply(LUFactor, A)
    _save_outputs((LU,))
    return LU, piv, info


def _lu_singular(name, info: np.ndarray) -> None:
    bad = info.reshape(-1) > 0
    if bad.any():
        b = int(np.argmax(bad))
        i = int(info.reshape(-1)[b])
        raise RuntimeError(
            f"{name}: {_batch_prefix(b, info.ndim > 0)}U[{i},{i}] is zero and using it on "
            "lu_solve would result in a division by zero. If you still want to perform the "
            "factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, "
            "pivot)")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): the packed partial-pivoting LU of A = P L U (getrf's layout,
    1-based int32 pivots); info > 0 marks an exactly singular U."""
    _lu_checks("linalg.lu_factor_ex", A, pivot)
    LU, piv, info = _lu_factor(A)
    if check_errors:
        _lu_singular("torch.linalg.lu_factor_ex", info._data)
    return _named_out("linalg_lu_factor_ex", ("LU", "pivots", "info"), (LU, piv, info), out)


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) of A = P L U; raises for an exactly singular A (see lu_factor_ex)."""
    _lu_checks("linalg.lu_factor", A, pivot)
    LU, piv, info = _lu_factor(A)
    _lu_singular("torch.linalg.lu_factor", info._data)
    return _named_out("linalg_lu_factor", ("LU", "pivots"), (LU, piv), out)


def _unpack_P(LU_pivots, m, like):  # noqa: N803
    p = LU_pivots._data
    if p.shape[-1] != min(like.shape[-2:]) or (p.size and (p.min() < 1 or p.max() > m)):
        raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                           "inclusive.Did you properly pass the result of lu_factor?")
    P = _perm_matrix(_perm_from_pivots(p, m), like._data.dtype)
    return _const(P, like)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):  # noqa: N803
    """(P, L, U) from lu_factor's packed LU and pivots; L and U are differentiable in
    LU_data. An output not asked for is an empty tensor."""
    if LU_data.dim() < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    if LU_pivots._dtype is not _dt.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor "
                           "of torch.int32 dtype.\nNote: this function is intended to be used "
                           "with the output produced by torch.linalg.lu_factor")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = _const(np.zeros((0,), LU_data._data.dtype), LU_data)
    P = _unpack_P(LU_pivots, m, LU_data) if unpack_pivots else empty
    if unpack_data:
        eye = _const(np.eye(m, k, dtype=LU_data._data.dtype), LU_data)
        L = LU_data.narrow(-1, 0, k).tril(-1) + eye
        U = LU_data.narrow(-2, 0, k).triu()
    else:
        L = U = empty
    return _named_out("lu_unpack", ("P", "L", "U"), (P, L, U), out)


def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U (partial pivoting); differentiable in A."""
    _lu_checks("linalg.lu", A, pivot)
    LU, piv, _ = _lu_factor(A)
    P, L, U = lu_unpack(LU, piv)
    return _named_out("linalg_lu", ("P", "L", "U"), (P, L, U), out)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):  # noqa: N803
    """X with A X = B (``left``) or X A = B, A given by lu_factor; A^H instead of A with
    ``adjoint``. Batches broadcast; differentiable in LU and B."""
    name = "linalg.lu_solve"
    if B.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if LU.dim() < 2 or LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.{name}: A must be batches of square matrices, but they are "
                           f"{LU.shape[-2] if LU.dim() > 1 else 1} by {LU.shape[-1]} matrices")
    if (B.shape[-2] if left else B.shape[-1]) != LU.shape[-1]:
        raise _incompatible(name, LU, B, left)
    if LU._dtype is not B._dtype:
        raise RuntimeError(f"{name}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {_type_name(LU._dtype)} and B of type {_type_name(B._dtype)} "
                           "instead")
    if pivots._dtype is not _dt.int32:
        raise RuntimeError(f"{name}: pivots should be a Tensor of scalar type torch.int32")
    _lowp_kernel("lu_cpu", LU)
    if left:
        _bcast_batch(LU, B)  # the batch dimensions must broadcast (torch's message)
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return _out(lu_solve(LU, pivots, B.mH, left=True, adjoint=not adjoint).mH, out)
    P, L, U = lu_unpack(LU, pivots)
    if not adjoint:  # U^{-1} L^{-1} P^T B
        y = _solve_tri(L, matmul(P.mT, B), False, unit=True)
        return _out(_solve_tri(U, y, True), out)
    # A^H = U^H L^H P^T:  X = P L^{-H} U^{-H} B
    y = _solve_tri(U, B, True, adjoint=True)
    return _out(matmul(P, _solve_tri(L, y, False, unit=True, adjoint=True)), out)
