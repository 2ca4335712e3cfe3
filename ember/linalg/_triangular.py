"""ember.linalg: triangular solves (solve_triangular, triangular_solve) and
cholesky_solve / cholesky_inverse.

See NOTE [LAPACK conventions without LAPACK's routines] in ``ember/linalg/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops.elementwise import _out
from ..ops.linalg import matmul
from ..ops.math import _not_impl
from ..ops.registry import Op, apply
from ._common import (
    _LOW,
    LinAlgError,
    _batch_prefix,
    _bcast_batch,
    _check_b_A,
    _check_square,
    _lowp_kernel,
    _named_out,
)

# --- triangular solves ----------------------------------------------------------------------

_SUBST_BLOCK = 16  # diagonal blocks up to this size are solved by substitution


def _trsm(a: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """x with a x = b, ``a`` triangular (its other triangle zero), batches broadcastable.

    Recursive blocks: substitution on small diagonal blocks, BLAS products between, so a
    zero diagonal gives inf/nan as LAPACK's trsm does instead of an exception."""
    n = a.shape[-1]
    dt = np.result_type(a, b)
    if n <= _SUBST_BLOCK:
        bs = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        x = np.empty(bs + b.shape[-2:], dt)
        with np.errstate(all="ignore"):
            for i in (range(n - 1, -1, -1) if upper else range(n)):
                s = b[..., i, :]
                if upper and i + 1 < n:
                    s = s - (a[..., i:i + 1, i + 1:] @ x[..., i + 1:, :])[..., 0, :]
                elif not upper and i:
                    s = s - (a[..., i:i + 1, :i] @ x[..., :i, :])[..., 0, :]
                x[..., i, :] = s / a[..., i, i][..., None]
        return x
    h = n // 2
    with np.errstate(all="ignore"):
        if upper:
            x2 = _trsm(a[..., h:, h:], b[..., h:, :], True)
            x1 = _trsm(a[..., :h, :h], b[..., :h, :] - a[..., :h, h:] @ x2, True)
        else:
            x1 = _trsm(a[..., :h, :h], b[..., :h, :], False)
            x2 = _trsm(a[..., h:, h:], b[..., h:, :] - a[..., h:, :h] @ x1, False)
    return np.concatenate([x1, x2], axis=-2)


def _tri_solve_np(a, b, upper, left=True, unit=False, adjoint=False) -> np.ndarray:
    """X with op(T) X = B (``left``) or X op(T) = B, where T is the ``upper``/lower triangle
    of ``a`` (unit diagonal if ``unit``) and op(T) = T or T^H (``adjoint``)."""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        i = np.arange(t.shape[-1])
        t[..., i, i] = 1
    if adjoint:
        t = np.conj(np.swapaxes(t, -1, -2))
        upper = not upper
    if left:
        return _trsm(t, b, upper)
    # X T = B  <=>  T^T X^T = B^T
    return np.swapaxes(_trsm(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not upper), -1, -2)


class SolveTriangular(Op):
    name = "linalg_solve_triangular"
    _bw_name = "LinalgSolveTriangularBackward0"
    save = (0,)
    save_out = True

    def forward(self, a, b, upper, left=True, unitriangular=False, adjoint=False):
        if a.dtype in _LOW:  # also reached from backward formulas (LU's, of an empty input)
            _not_impl("triangular_solve_cpu", a)
        self.args = (upper, left, unitriangular, adjoint)
        return _tri_solve_np(a, b.astype(a.dtype, copy=False), upper, left, unitriangular,
                             adjoint)

    def backward(self, g):
        A, X = self._unpack()
        upper, left, unit, adjoint = self.args
        gB = apply(SolveTriangular, A, g, upper=upper, left=left, unitriangular=unit,
                   adjoint=not adjoint)
        gA = None
        if self.next_functions[0][0] is not None:
            gM = -(matmul(gB, X.mH) if left else matmul(X.mH, gB))
            if adjoint:
                gM = gM.mH
            # only the triangle the solver reads (strictly, when the diagonal is taken as 1)
            gA = gM.triu(int(unit)) if upper else gM.tril(-int(unit))
        return gA, gB


def _solve_tri(A, B, upper, left=True, unit=False, adjoint=False) -> Tensor:
    A, B = _bcast_batch(A, B)
    return apply(SolveTriangular, A, B, upper=upper, left=left, unitriangular=unit,
                 adjoint=adjoint)


def _incompatible(name, A, B, left) -> RuntimeError:
    eq = "AX = B" if left else "XA = B"
    return RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                        f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (``left``) or X A = B for triangular A (the ``upper`` or lower triangle
    of A is read; its diagonal is taken as ones when ``unitriangular``). Batches broadcast;
    B is computed in A's dtype."""
    name = "linalg.solve_triangular"
    for t, w in ((A, "A"), (B, "B")):
        if t.dim() < 2:
            raise RuntimeError(f"{name}: The input tensor {w} must have at least 2 dimensions.")
    _check_square(name, A)
    if (B.shape[-2] if left else B.shape[-1]) != A.shape[-1]:
        raise _incompatible(name, A, B, left)
    _lowp_kernel("triangular_solve_cpu", A)
    if B._dtype is not A._dtype:
        B = B.to(A._dtype)
    return _out(_solve_tri(A, B, upper, left, unitriangular), out)


def _legacy_tri_checks(name, b, A) -> None:
    for t, w in ((b, "b"), (A, "A")):
        if t.dim() < 2:
            raise RuntimeError(f"torch.{name}: Expected {w} to have at least 2 dimensions, but "
                               f"it has {t.dim()} dimensions instead")
    _check_b_A(b, A, name)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *,  # noqa: A002
                     out=None):
    """torch.triangular_solve: (solution, cloned_coefficient) of op(A) X = b, op(A) = A or
    A^T (``transpose``)."""
    _legacy_tri_checks("triangular_solve", input, A)
    _lowp_kernel("triangular_solve_cpu", A)
    A, b = _bcast_batch(A, input)
    M = A.conj() if transpose and A.is_complex() else A  # (conj A)^H = A^T
    X = apply(SolveTriangular, M, b, upper=upper, left=True, unitriangular=unitriangular,
              adjoint=transpose)
    return _named_out("triangular_solve", ("solution", "cloned_coefficient"), (X, A.clone()),
                      out)


# --- cholesky_solve / cholesky_inverse ------------------------------------------------------

def _chol_solve_np(b, f, upper):
    """A^{-1} b for A = f f^H (lower f) or f^H f (upper f)."""
    y = _tri_solve_np(f, b, upper, adjoint=upper)
    return _tri_solve_np(f, y, upper, adjoint=not upper)


class CholeskySolve(Op):
    name = "cholesky_solve"
    _bw_name = "CholeskySolveBackward0"
    save = (1,)
    save_out = True

    def forward(self, b, f, upper=False):
        self.upper = upper
        return _chol_solve_np(b, f, upper)

    def backward(self, g):
        F, X = self._unpack()
        gB = apply(CholeskySolve, g, F, upper=self.upper)
        gF = None
        if self.next_functions[1][0] is not None:
            # A = F F^H (or F^H F) is Hermitian: gA = -gB X^H, symmetrised; as torch, the
            # gradient is the full matrix (not projected on the factor's triangle)
            c = matmul(gB, X.mH)
            c = c + c.mH
            gF = -(matmul(F, c) if self.upper else matmul(c, F))
        return gB, gF


def cholesky_solve(input, input2, upper=False, *, out=None):  # noqa: A002
    """X with A X = B, given B (``input``) and the Cholesky factor of A (``input2``, lower,
    or upper when ``upper``). Batches broadcast."""
    if input.dim() < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {input.dim()} "
                           "dimensions instead")
    if input2.dim() < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {input2.dim()} "
                           "dimensions instead")
    _check_b_A(input, input2, "cholesky_solve")
    _lowp_kernel("cholesky_solve_cpu", input2)
    F, B = _bcast_batch(input2, input)
    return _out(apply(CholeskySolve, B, F, upper=upper), out)


def _zero_diag_error(name, d: np.ndarray) -> None:
    """LinAlgError naming the first zero diagonal element (1-based), as LAPACK's trtri."""
    zero = d == 0
    if not zero.any():
        return
    flat = zero.reshape(-1, zero.shape[-1])
    b = int(np.argmax(flat.any(-1)))
    i = int(np.argmax(flat[b])) + 1
    raise LinAlgError(f"{name}: {_batch_prefix(b, zero.ndim > 1)}The diagonal element {i} is "
                      "zero, the inversion could not be completed because the input matrix "
                      "is singular.")


class CholeskyInverse(Op):
    name = "cholesky_inverse"
    _bw_name = "CholeskyInverseBackward0"
    save = (0,)
    save_out = True

    def forward(self, f, upper=False):
        self.upper = upper
        _zero_diag_error("cholesky_inverse", np.diagonal(f, axis1=-2, axis2=-1))
        n = f.shape[-1]
        finv = _tri_solve_np(f, np.broadcast_to(np.eye(n, dtype=f.dtype), f.shape), upper)
        fh = np.conj(np.swapaxes(finv, -1, -2))
        # (F F^H)^{-1} = F^{-H} F^{-1};  (F^H F)^{-1} = F^{-1} F^{-H}
        return finv @ fh if upper else fh @ finv

    def backward(self, g):
        F, inv_a = self._unpack()
        c = matmul(inv_a, matmul(g + g.mH, inv_a))
        return (-(matmul(F, c) if self.upper else matmul(c, F)),)


def cholesky_inverse(input, upper=False, *, out=None):  # noqa: A002
    """The inverse of A = L L^H (or U^H U when ``upper``) from its Cholesky factor."""
    if input.dim() < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 "
                           "dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {input.shape[-2]} by {input.shape[-1]} matrices")
    _lowp_kernel("cholesky_inverse_out_cpu", input)
    return _out(apply(CholeskyInverse, input, upper=upper), out)
