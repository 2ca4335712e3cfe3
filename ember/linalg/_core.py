"""ember.linalg: inverse, determinants, solve, cholesky, qr, svd, eigh, pinv, matrix_rank,
matrix_power, norms and the small wrappers (cross, vecdot, multi_dot, diagonal).
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from ..ops.elementwise import _out
from ..ops.linalg import _cross, _multi_dot, matmul
from ..ops.reduction import (
    _abs,
    _vector_norm,
    amax,
    amin,
    return_types,
)
from ..ops.reduction import sum as _sum
from ..ops.registry import Op, _type_name, apply
from ._common import (
    LinAlgError,
    _batch_prefix,
    _check_float,
    _check_matrix,
    _check_square,
    _const,
    _diag,
    _diag_embed,
    _eye,
    _lapack,
    _named_out,
    _real,
    _save_outputs,
    _unsq,
)
from ._lu import _getrf, lu_factor_ex, lu_solve
from ._triangular import SolveTriangular

# --- inv / det / slogdet --------------------------------------------------------------------

class Inv(Op):
    name = "linalg_inv"
    _bw_name = "LinalgInvExBackward0"
    save_out = True

    def forward(self, a, name="linalg.inv"):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError:
            _singular_inv(name, a)
            raise LinAlgError(f"{name}: The inversion could not be completed.") from None

    def backward(self, g):
        (out,) = self._unpack()
        t = out.mH
        return (-(matmul(matmul(t, g), t)),)


def _singular_inv(name, a) -> None:
    """LinAlgError naming the first zero pivot of the LU factorization (1-based), with the
    batch element, as torch's getrf-based inverse does."""
    info = _getrf(a)[2]
    flat = info.reshape(-1)
    if (flat > 0).any():
        b = int(np.argmax(flat > 0))
        raise LinAlgError(f"{name}: {_batch_prefix(b, info.ndim > 0)}The diagonal element "
                          f"{flat[b]} is zero, the inversion could not be completed because "
                          "the input matrix is singular.")


def inv(A, *, out=None):
    _check_float("linalg.inv", A)
    _check_square("linalg.inv", A)
    return _out(apply(Inv, A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info > 0 marks an exactly singular matrix, whose inverse then holds
    inf/nan instead of raising (unless ``check_errors``)."""
    _check_float("linalg.inv", A)
    _check_square("linalg.inv", A)
    info = _getrf(A._data)[2]
    if (info > 0).any() and not check_errors:
        LU, piv, _ = lu_factor_ex(A)
        eye = _const(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype),
                                     tuple(A.shape)).copy(), A)
        r = lu_solve(LU, piv, eye)
    else:
        r = apply(Inv, A, name="linalg.inv_ex")
    return _named_out("linalg_inv_ex", ("inverse", "info"), (r, _const(info, A)), out)


class Det(Op):
    name = "linalg_det"
    _bw_name = "LinalgDetBackward0"
    save = (0,)
    save_out = True

    def forward(self, a):
        return np.asarray(np.linalg.det(a))

    def backward(self, g):
        a, out = self._unpack()
        c = (g * out.conj()).reshape(*g.shape, 1, 1)
        return (c * inv(a).mH,)


def det(A, *, out=None):
    _check_float("linalg.det", A)
    _check_square("linalg.det", A)
    return _out(apply(Det, A), out)


class SlogDet(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "linalg_slogdet"
    _bw_name = "LinalgSlogdetBackward0"
    save = (0,)

    def forward(self, a):
        s, la = np.linalg.slogdet(a)
        self._sgn = np.asarray(s)  # the complex backward needs the phase
        return np.asarray(s), np.asarray(la)

    def backward(self, gs, gla):
        (a,) = self._unpack()[:1]
        w = gla
        if a._dtype.is_complex:
            # d logdet = tr(A^{-1} dA) = d logabsdet + i d(angle of sign); the loss is
            # Re(conj(w) tr(A^{-1} dA)) with w = gla - i Im(conj(gs) sign)
            w = gla.to(a.dtype) - (gs.conj() * _const(self._sgn, a)).imag.to(a.dtype) * 1j
        return (w.reshape(*w.shape, 1, 1) * inv(a).mH,)


def slogdet(A, *, out=None):
    _check_float("linalg.slogdet", A)
    _check_square("linalg.slogdet", A)
    s, la = apply(SlogDet, A)
    return return_types.linalg_slogdet(s, la)


# --- solve ----------------------------------------------------------------------------------

class Solve(Op):
    name = "linalg_solve"
    _bw_name = "LinalgSolveExBackward0"
    save = (0,)
    save_out = True

    def forward(self, a, b):
        if a.dtype != b.dtype:
            dt = np.result_type(a.dtype, b.dtype)
            a, b = a.astype(dt), b.astype(dt)
        return _lapack("linalg.solve", np.linalg.solve, a, b, msg=(
            "torch.linalg.solve: The solver failed because the input matrix is singular."))

    def backward(self, g):
        a, x = self._unpack()
        gb = _solve(a.mH, g)
        ga = -matmul(gb, x.mH) if self.next_functions[0][0] is not None else None
        return ga, gb


def _solve(A, B):
    return apply(Solve, A, B)


def solve(A, B, *, left=True, out=None):
    _check_float("linalg.solve", A)
    _check_square("linalg.solve", A)
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_type_name(A._dtype)} and B of type "
                           f"{_type_name(B._dtype)} instead")
    if not left:
        return _out(solve(A.mT, B.mT).mT, out)
    vec = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = _unsq(B, -1) if vec else B
    if Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = "
                           f"B ({A.shape[-2]}x{A.shape[-1]} and {Bm.shape[-2]}x{Bm.shape[-1]})")
    bshape = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    Ab = A.expand(*bshape, *A.shape[-2:]) if tuple(A.shape[:-2]) != bshape else A
    Bb = Bm.expand(*bshape, *Bm.shape[-2:]) if tuple(Bm.shape[:-2]) != bshape else Bm
    X = _solve(Ab, Bb)
    if vec:
        X = X.reshape(*X.shape[:-1])
    return _out(X, out)


# --- cholesky -------------------------------------------------------------------------------

class Cholesky(Op):
    name = "linalg_cholesky"
    _bw_name = "LinalgCholeskyExBackward0"
    save_out = True

    def forward(self, a):
        try:
            return np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            k = _failed_minor(a)
            raise LinAlgError(
                "linalg.cholesky: The factorization could not be completed because the input "
                f"is not positive-definite (the leading minor of order {k} is not "
                "positive-definite).") from None

    def backward(self, gL):
        (L,) = self._unpack()
        n = L.shape[-1]
        P = matmul(L.mH, gL)
        tri = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
        P = P * _const(tri.astype(L._data.dtype), L)
        Linv = inv(L)
        gA = matmul(matmul(Linv.mH, P), Linv)
        return ((gA + gA.mH) * 0.5,)


def _failed_minor(a) -> int:
    m = a.reshape(-1, a.shape[-2], a.shape[-1])
    for mat in m:
        for k in range(1, mat.shape[-1] + 1):
            try:
                np.linalg.cholesky(mat[:k, :k])
            except np.linalg.LinAlgError:
                return k
    return 1


def cholesky(A, *, upper=False, out=None):
    _check_float("linalg.cholesky", A)
    _check_square("linalg.cholesky", A)
    L = apply(Cholesky, A)
    return _out(L.mH if upper else L, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info > 0 is the order of the first leading minor that is not positive-
    definite; the factor of such a matrix is unspecified (torch returns LAPACK's partial
    work), and here holds NaN."""
    _check_float("linalg.cholesky", A)
    _check_square("linalg.cholesky", A)
    try:
        L = cholesky(A, upper=upper)
        info = np.zeros(A.shape[:-2], np.int32)
    except LinAlgError as e:
        if check_errors:
            raise LinAlgError(str(e).replace("linalg.cholesky:", "linalg.cholesky_ex:",
                                             1)) from None
        a = A._data.reshape((-1,) + tuple(A.shape[-2:]))
        info = np.zeros(a.shape[0], np.int32)
        fac = np.full(a.shape, np.nan, a.dtype)
        for b in range(a.shape[0]):
            try:
                fac[b] = np.linalg.cholesky(a[b])
            except np.linalg.LinAlgError:
                info[b] = _failed_minor(a[b:b + 1])
        fac = fac.reshape(A.shape)
        L = _const(np.conj(np.swapaxes(fac, -1, -2)) if upper else fac, A)
        info = info.reshape(A.shape[:-2])
    return _named_out("linalg_cholesky_ex", ("L", "info"), (L, _const(info, A)), out)


# --- qr -------------------------------------------------------------------------------------

class QR(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "linalg_qr"
    _bw_name = "LinalgQrBackward0"

    def forward(self, a, mode="reduced"):
        self.mode = mode
        m, n = a.shape[-2:]
        self.mn = (m, n)
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            return np.zeros((0,), a.dtype), np.asarray(r)
        q, r = np.linalg.qr(a, mode=mode)
        return q, r

    def backward(self, gQ, gR):
        Q, R = self._unpack()
        m, n = self.mn
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m < n:
            # A = [X | Y] with X = Q R1 (square) and R2 = Q^H Y: Y's gradient is Q gR2, and
            # R2's dependence on Q adds Y gR2^H to Q's gradient
            from ..ops.indexing import cat
            R1, R2 = R.narrow(-1, 0, m), R.narrow(-1, m, n - m)
            gR1, gR2 = gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
            Y = matmul(Q, R2)
            gX = _qr_grad_square(Q, R1, gQ + matmul(Y, gR2.mH), gR1)
            return (cat([gX, matmul(Q, gR2)], -1),)
        return (_qr_grad_square(Q, R, gQ, gR),)


def _qr_grad_square(Q, R, gQ, gR):
    """gA = [gQ + Q copyltu(M)] R^{-H} with M = R gR^H - gQ^H Q (A = Q R, m >= n, R square);
    copyltu(M) = tril(M) + tril(M, -1)^H, written here with M^H = gR R^H - Q^H gQ."""
    Mh = matmul(gR, R.mH) - matmul(Q.mH, gQ)
    up = Mh.triu(1)
    d = _diag(Mh)
    if Mh._dtype.is_complex:
        d = d.real.to(Mh.dtype)  # R's diagonal is real: only the real part is a direction
    B = matmul(Q, up + up.mH + _diag_embed(d)) + gQ
    return apply(SolveTriangular, R, B, upper=True, left=False, adjoint=True)  # B R^{-H}


def qr(A, mode="reduced", *, out=None):
    _check_float("linalg.qr", A)
    _check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    Q, R = apply(QR, A, mode=mode)
    _save_outputs((Q, R))
    return return_types.linalg_qr(Q, R)


# --- svd ------------------------------------------------------------------------------------

def _phase_check(what: str, tail: str, XhgX: Tensor, YhgY: Tensor | None = None) -> None:
    """Complex singular/eigen-vectors are defined up to a phase e^{i phi} per column: a loss
    that depends on it has Im(diag(X^H gX)) (+ Im(diag(Y^H gY)) for SVD's pair) nonzero,
    and torch refuses it."""
    d = np.diagonal(XhgX._data, axis1=-2, axis2=-1).imag
    if YhgY is not None:
        d = d + np.diagonal(YhgY._data, axis1=-2, axis2=-1).imag
    if not np.allclose(d, 0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(f"{what} in the complex case are specified up to multiplication by "
                           f"e^{{i phi}}. The specified loss function depends on this {tail}")


class SVD(Op):
    num_outputs = 3  # the registry does not set it for multi-output ops
    name = "linalg_svd"
    _bw_name = "LinalgSvdBackward0"

    def forward(self, a, full_matrices=True):
        m, n = a.shape[-2:]
        self.mn = (m, n)
        self.full = full_matrices
        if a.size == 0:
            k = min(m, n)
            um = m if full_matrices else k
            vn = n if full_matrices else k
            bs = a.shape[:-2]
            eu = np.broadcast_to(np.eye(m, um, dtype=a.dtype), bs + (m, um)).copy()
            ev = np.broadcast_to(np.eye(vn, n, dtype=a.dtype), bs + (vn, n)).copy()
            return eu, np.zeros(bs + (k,), _real(a.dtype)), ev
        u, s, vh = _lapack("linalg.svd", np.linalg.svd, a, full_matrices, msg=(
            "linalg.svd: The algorithm failed to converge because the input matrix is "
            "ill-conditioned or has too many repeated singular values."))
        return u, s.astype(_real(a.dtype), copy=False), vh

    def backward(self, gU, gS, gVh):
        U, S, Vh = self._unpack()
        m, n = self.mn
        k = min(m, n)
        if self.full and m != n:
            # the extra columns of U / rows of Vh are not unique: narrow to k (torch)
            if m > k:
                sel = _const(np.eye(m, k, dtype=U._data.dtype), U)
                U, gU = matmul(U, sel), matmul(gU, sel)
            if n > k:
                sel = _const(np.eye(k, n, dtype=Vh._data.dtype), Vh)
                Vh, gVh = matmul(sel, Vh), matmul(sel, gVh)
        V, gV = Vh.mH, gVh.mH
        UhgU = matmul(U.mH, gU)
        VhgV = matmul(V.mH, gV)
        if U._dtype.is_complex:
            _phase_check("svd_backward: The singular vectors", "phase term, making it "
                         "ill-defined.", UhgU, VhgV)
        UhgU = UhgU - UhgU.mH
        VhgV = VhgV - VhgV.mH
        S2 = S * S
        E = _unsq(S2, -2) - _unsq(S2, -1)
        E = E + _eye(k, E)
        off = _const(1 - np.eye(k, dtype=S._data.dtype), S)
        gA = (UhgU * _unsq(S, -2) + _unsq(S, -1) * VhgV) / E * off
        gA = gA + _diag_embed(gS)
        if U._dtype.is_complex:
            # the phases of U's and V's columns are free together: with V's held fixed, the
            # imaginary diagonal of U^H gU contributes i Im(U^H gU)_ii / S_i
            gA = gA + _diag_embed(_diag(UhgU) / (2 * S))
        if m > n:
            gA = matmul(U, gA)
            gUSinv = gU / _unsq(S, -2)
            gA = gA + gUSinv - matmul(U, matmul(U.mH, gUSinv))
            gA = matmul(gA, Vh)
        elif m < n:
            gA = matmul(gA, Vh)
            gVSinv = gV / _unsq(S, -2)
            gA = gA + gVSinv.mH - matmul(matmul(gVSinv.mH, V), Vh)
            gA = matmul(U, gA)
        else:
            gA = matmul(U, matmul(gA, Vh))
        return (gA,)


def svd(A, full_matrices=True, *, driver=None, out=None):
    _check_float("linalg.svd", A)
    _check_matrix("linalg.svd", A)
    U, S, Vh = apply(SVD, A, full_matrices=full_matrices)
    _save_outputs((U, S, Vh))
    return return_types.linalg_svd(U, S, Vh)


def _needs_grad(A) -> bool:
    from ..autograd.grad_mode import _Mode
    return A._requires_grad and _Mode.grad_enabled


@autocast_composite("linalg_svdvals")
def svdvals(A, *, driver=None, out=None):
    _check_float("linalg.svdvals", A)
    _check_matrix("linalg.svdvals", A)
    if _needs_grad(A):
        return _out(svd(A, full_matrices=False).S, out)
    a = A._data
    if a.size == 0:
        s = np.zeros(a.shape[:-2] + (min(a.shape[-2:]),), _real(a.dtype))
    else:
        s = np.linalg.svd(a, compute_uv=False).astype(_real(a.dtype), copy=False)
    return _out(_const(s, A), out)


# --- eigh -----------------------------------------------------------------------------------

class Eigh(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "linalg_eigh"
    _bw_name = "LinalgEighBackward0"

    def forward(self, a, UPLO="L"):  # noqa: N803
        w, v = _lapack("linalg.eigh", np.linalg.eigh, a, UPLO, msg=(
            "linalg.eigh: The algorithm failed to converge because the input matrix is "
            "ill-conditioned or has too many repeated eigenvalues."))
        return w.astype(_real(a.dtype), copy=False), v

    def backward(self, gL, gV):
        L, V = self._unpack()
        n = L.shape[-1]
        VhgV = matmul(V.mH, gV)
        if V._dtype.is_complex:
            _phase_check("linalg_eigh_backward: The eigenvectors", "quantity, so it is "
                         "ill-defined.", VhgV)
        VhgV = (VhgV - VhgV.mH) * 0.5
        E = _unsq(L, -2) - _unsq(L, -1)
        E = E + _eye(n, E)
        gA = VhgV / E * _const(1 - np.eye(n, dtype=L._data.dtype), L) + _diag_embed(gL)
        return (matmul(V, matmul(gA, V.mH)),)


def eigh(A, UPLO="L", *, out=None):  # noqa: N803
    _check_float("linalg.eigh", A)
    _check_square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    L, V = apply(Eigh, A, UPLO=UPLO)
    _save_outputs((L, V))
    return return_types.linalg_eigh(L, V)


@autocast_composite("linalg_eigvalsh")
def eigvalsh(A, UPLO="L", *, out=None):  # noqa: N803
    _check_float("linalg.eigvalsh", A)
    _check_square("linalg.eigvalsh", A)
    if _needs_grad(A):
        return _out(eigh(A, UPLO).eigenvalues, out)
    w = np.linalg.eigvalsh(A._data, UPLO).astype(_real(A._data.dtype), copy=False)
    return _out(_const(w, A), out)


# --- pinv / matrix_rank / matrix_power ------------------------------------------------------

def _tol(S: np.ndarray, m, n, atol, rtol, dtype):
    if isinstance(atol, Tensor):
        atol = atol._data
    if isinstance(rtol, Tensor):
        rtol = rtol._data
    if rtol is None:
        eps = np.finfo(dtype).eps
        rtol = (max(m, n) * eps) if (atol is None or np.all(np.asarray(atol) <= 0)) else 0.0
    smax = S.max(axis=-1, keepdims=True) if S.shape[-1] else np.zeros(S.shape[:-1] + (1,))
    atol = 0.0 if atol is None else np.asarray(atol)[..., None] if np.ndim(atol) else atol
    rtol = np.asarray(rtol)[..., None] if np.ndim(rtol) else rtol
    return np.maximum(atol, rtol * smax)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    _check_float("linalg.pinv", A)
    _check_matrix("linalg.pinv", A)
    m, n = A.shape[-2:]
    if hermitian:
        L, V = eigh(A)
        Sabs = np.abs(L._data)
        tol = _tol(Sabs, m, n, atol, rtol, A._data.dtype)
        keep = Sabs > tol
        safe = L + _const((~keep).astype(L._data.dtype), L)
        w = _const(keep.astype(L._data.dtype), L) / safe
        return _out(matmul(V * _unsq(w, -2), V.mH), out)
    if A._data.size == 0:
        return _out(_const(np.zeros(A.shape[:-2] + (n, m), A._data.dtype), A), out)
    if not _needs_grad(A):
        U, S, Vh = np.linalg.svd(A._data, full_matrices=False)
        tol = _tol(S, m, n, atol, rtol, A._data.dtype)
        keep = S > tol
        w = np.where(keep, 1.0 / np.where(keep, S, 1), 0).astype(A._data.dtype)
        r = np.matmul(np.conj(np.swapaxes(Vh, -1, -2)) * w[..., None, :],
                      np.conj(np.swapaxes(U, -1, -2)))
        return _out(_const(r.astype(A._data.dtype, copy=False), A), out)
    U, S, Vh = svd(A, full_matrices=False)
    tol = _tol(S._data, m, n, atol, rtol, A._data.dtype)
    keep = S._data > tol
    safe = S + _const((~keep).astype(S._data.dtype), S)
    w = _const(keep.astype(S._data.dtype), S) / safe
    return _out(matmul(Vh.mH * _unsq(w, -2), U.mH), out)


@autocast_composite("linalg_matrix_rank")
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None, tol=None):
    _check_float("linalg.matrix_rank", A)
    _check_matrix("linalg.matrix_rank", A)
    a = A._data
    m, n = a.shape[-2:]
    if tol is not None:
        atol, rtol = tol, 0.0
    if a.size == 0:
        return _out(_const(np.zeros(a.shape[:-2], np.int64), A), out)
    if hermitian:
        S = np.abs(np.linalg.eigvalsh(a))
    else:
        S = np.linalg.svd(a, compute_uv=False)
    t = _tol(S, m, n, atol, rtol, a.dtype)
    return _out(_const(np.sum(S > t, axis=-1).astype(np.int64), A), out)


def matrix_power(A, n, *, out=None):
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {A.shape[-2] if A.dim() >= 2 else 1} by "
                           f"{A.shape[-1]} matrices")
    if n == 0:
        e = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape).copy()
        if _needs_grad(A):  # torch's result is attached to the graph (zero gradient)
            return _out(A * 0 + _const(e, A), out)
        return _out(_const(e, A), out)
    if n < 0:
        A = inv(A)
        n = -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return _out(result, out)


# --- norms ----------------------------------------------------------------------------------

def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    return _out(_vector_norm(x, ord, dim, keepdim, dtype), out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    # the singular-value norms need an SVD, which torch has no half kernel for
    _check_float("linalg.matrix_norm", A, low_ok=ord not in ("nuc", 2, -2))
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _out(_vector_norm(A, 2, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        Am = _move_last2(A, d0, d1)
        S = svdvals(Am)
        if ord == "nuc":
            r = _sum(S, -1)
        elif ord == 2:
            r = amax(S, -1)
        else:
            r = amin(S, -1)
        if keepdim:
            r = _unsq(_unsq(r, min(d0, d1)), max(d0, d1))
        return _out(r, out)
    if ord in (1, -1, math.inf, -math.inf):
        if ord in (math.inf, -math.inf):
            d0, d1 = d1, d0
        s = _sum(_abs(A), d0, keepdim=True)
        f = amax if ord > 0 else amin
        r = f(s, d1, keepdim=True)
        if not keepdim:
            r = r.reshape(*[x for i, x in enumerate(r.shape) if i not in (d0, d1)])
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def _move_last2(A, d0, d1):
    nd = A.dim()
    if (d0, d1) == (nd - 2, nd - 1):
        return A
    rest = [i for i in range(nd) if i not in (d0, d1)]
    return A.permute(*(rest + [d0, d1]))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype,
                               out=out)
        if len(dim) == 1:
            return _out(_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype), out)
        raise RuntimeError(f"linalg.norm: If dim is specified, it mut be of length 1 or 2. Got "
                           f"{list(dim)}")
    if ord is None:
        return _out(_vector_norm(A, 2, None, keepdim, dtype), out)
    if A.dim() == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if A.dim() == 1:
        return _out(_vector_norm(A, ord, None, keepdim, dtype), out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {A.dim()}D.")


# --- misc -----------------------------------------------------------------------------------

def cross(input, other, *, dim=-1, out=None):
    return _out(_cross(input, other, dim), out)


@autocast_composite("linalg_vecdot")
def vecdot(x, y, *, dim=-1, out=None):
    for t in (x, y):
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as "
                               f"input. Got {_type_name(t._dtype)}")
    if x.is_complex():
        x = x.conj()
    return _out(_sum(x * y, dim), out)


def multi_dot(tensors, *, out=None):
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    return _out(_multi_dot(list(tensors)), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    if offset == 0 and (_wrap_dim(dim1, A.dim()), _wrap_dim(dim2, A.dim())) == (
            A.dim() - 2, A.dim() - 1) and A.shape[-1] == A.shape[-2]:
        return _diag(A)
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)
