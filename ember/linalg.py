"""ember.linalg: linear algebra (torch.linalg).

Decompositions run on NumPy's LAPACK; every backward is written with ember ops (matmul,
solve, inv, the decompositions themselves) so double backward works.
"""

from __future__ import annotations

import math

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, _wrap_dim
from .amp.autocast_mode import autocast_composite
from .ops.elementwise import _out
from .ops.linalg import _cross, _multi_dot, matmul
from .ops.math import _not_impl
from .ops.reduction import (
    _abs,
    _vector_norm,
    amax,
    amin,
    return_types,
)
from .ops.reduction import sum as _sum
from .ops.registry import Op, _type_name, apply

__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet",
    "solve", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv",
    "matrix_rank", "matrix_power", "cross", "vecdot", "multi_dot", "matmul", "diagonal",
]


class LinAlgError(RuntimeError):
    """Raised for singular matrices / failed factorizations (torch.linalg.LinAlgError)."""


_LOW = _dt.HALF_NP


def _const(arr, like) -> Tensor:
    return Tensor._make(np.asarray(arr), like._device)


# torch's CPU kernels without a float16/bfloat16 version raise NotImplementedError naming
# the kernel; the other linalg functions reject low precision with a RuntimeError.
_LOW_KERNEL = {"linalg.det": "lu_cpu", "linalg.solve": "lu_cpu",
               "linalg.cholesky": "cholesky_cpu", "linalg.qr": "geqrf_cpu",
               "linalg.svd": "linalg_svd_cpu", "linalg.svdvals": "linalg_svd_cpu",
               "linalg.eigh": "linalg_eigh_cpu", "linalg.eigvalsh": "linalg_eigh_cpu"}


def _check_float(name, A: Tensor, low_ok=False) -> None:
    from .amp.autocast_mode import casts
    if casts(name.replace(".", "_"), A):
        return
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(A._dtype)}")
    if A._data.dtype in _LOW and not low_ok:
        if name in _LOW_KERNEL:
            if A._data.size == 0 and name != "linalg.qr":  # torch skips the kernel
                return
            _not_impl(_LOW_KERNEL[name], A._data)
        raise RuntimeError(f"{name}: Low precision dtypes not supported. "
                           f"Got {_type_name(A._dtype)}")


def _check_square(name, A: Tensor, what="A") -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_matrix(name, A: Tensor) -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")


def _eye(n, like: Tensor) -> Tensor:
    return _const(np.eye(n, dtype=like._data.dtype), like)


def _diag(A: Tensor) -> Tensor:
    """The main diagonal of a batch of square matrices (differentiable)."""
    return _sum(A * _eye(A.shape[-1], A), -1)


def _diag_embed(v: Tensor) -> Tensor:
    n = v.shape[-1]
    return v.reshape(*v.shape, 1) * _eye(n, v)


def _unsq(t: Tensor, dim: int) -> Tensor:
    shp = list(t.shape)
    if dim < 0:
        dim += len(shp) + 1
    shp.insert(dim, 1)
    return t.reshape(*shp)


def _save_outputs(outs) -> None:
    """Save a multi-output op's outputs for its backward (rebuilt with ``_unpack``)."""
    node = None
    for t in outs:
        if t._grad_fn is not None:
            node = t._grad_fn
            break
    if node is None:
        return
    entries = []
    for t in outs:
        vc = t._vc()
        entries.append((t._data, vc, vc.v, t._device, t._output_nr))
    node._saved = (node._saved or ()) + tuple(entries)


def _lapack(name, f, *args, msg=None):
    try:
        return f(*args)
    except np.linalg.LinAlgError:
        raise LinAlgError(msg or f"{name}: The factorization could not be completed.") from None


# --- inv / det / slogdet --------------------------------------------------------------------

class Inv(Op):
    name = "linalg_inv"
    _bw_name = "LinalgInvExBackward0"
    save_out = True

    def forward(self, a):
        return _lapack("linalg.inv", np.linalg.inv, a, msg=(
            "linalg.inv: The diagonal element 1 is zero, the inversion could not be "
            "completed because the input matrix is singular."))

    def backward(self, g):
        (out,) = self._unpack()
        t = out.mT
        return (-(matmul(matmul(t, g), t)),)


def inv(A, *, out=None):
    _check_float("linalg.inv", A)
    _check_square("linalg.inv", A)
    return _out(apply(Inv, A), out)


def inv_ex(A, *, check_errors=False, out=None):
    r = inv(A)
    return return_types.linalg_inv_ex(r, _const(np.zeros(A.shape[:-2], np.int32), A))


class Det(Op):
    name = "linalg_det"
    _bw_name = "LinalgDetBackward0"
    save = (0,)
    save_out = True

    def forward(self, a):
        return np.asarray(np.linalg.det(a))

    def backward(self, g):
        a, out = self._unpack()
        c = (g * out).reshape(*g.shape, 1, 1)
        return (c * inv(a).mT,)


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
        return np.asarray(s), np.asarray(la)

    def backward(self, gs, gla):
        (a,) = self._unpack()[:1]
        return (gla.reshape(*gla.shape, 1, 1) * inv(a).mT,)


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
        gb = _solve(a.mT, g)
        ga = -matmul(gb, x.mT) if self.next_functions[0][0] is not None else None
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
        P = matmul(L.mT, gL)
        tri = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
        P = P * _const(tri.astype(L._data.dtype), L)
        Linv = inv(L)
        gA = matmul(matmul(Linv.mT, P), Linv)
        return ((gA + gA.mT) * 0.5,)


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
    return _out(L.mT if upper else L, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    L = cholesky(A, upper=upper)
    return return_types.linalg_cholesky_ex(L, _const(np.zeros(A.shape[:-2], np.int32), A))


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
            raise RuntimeError("ember: the derivative of linalg.qr for wide matrices (m < n) "
                               "is not implemented")
        # gA = [gQ + Q syminvadj(triu(gR R^H - Q^H gQ))] R^{-H}   (torch's linalg_qr_backward)
        M = matmul(gR, R.mT) - matmul(Q.mT, gQ)
        k = M.shape[-1]
        up = _const(np.triu(np.ones((k, k)), 1).astype(M._data.dtype), M)
        dg = _eye(k, M)
        B = matmul(Q, M * up + (M * up).mT + M * dg) + gQ
        return (matmul(B, inv(R).mT),)


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
            return eu, np.zeros(bs + (k,), a.dtype), ev
        u, s, vh = _lapack("linalg.svd", np.linalg.svd, a, full_matrices, msg=(
            "linalg.svd: The algorithm failed to converge because the input matrix is "
            "ill-conditioned or has too many repeated singular values."))
        return u, s.astype(a.dtype, copy=False), vh

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
        V, gV = Vh.mT, gVh.mT
        UhgU = matmul(U.mT, gU)
        UhgU = UhgU - UhgU.mT
        VhgV = matmul(V.mT, gV)
        VhgV = VhgV - VhgV.mT
        S2 = S * S
        E = _unsq(S2, -2) - _unsq(S2, -1)
        E = E + _eye(k, E)
        gA = (UhgU * _unsq(S, -2) + _unsq(S, -1) * VhgV) / E
        gA = gA + _diag_embed(gS)
        if m > n:
            gA = matmul(U, gA)
            gUSinv = gU / _unsq(S, -2)
            gA = gA + gUSinv - matmul(U, matmul(U.mT, gUSinv))
            gA = matmul(gA, Vh)
        elif m < n:
            gA = matmul(gA, Vh)
            gVSinv = gV / _unsq(S, -2)
            gA = gA + gVSinv.mT - matmul(matmul(gVSinv.mT, V), Vh)
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
    from .autograd.grad_mode import _Mode
    return A._requires_grad and _Mode.grad_enabled


@autocast_composite("linalg_svdvals")
def svdvals(A, *, driver=None, out=None):
    _check_float("linalg.svdvals", A)
    _check_matrix("linalg.svdvals", A)
    if _needs_grad(A):
        return _out(svd(A, full_matrices=False).S, out)
    a = A._data
    if a.size == 0:
        s = np.zeros(a.shape[:-2] + (min(a.shape[-2:]),), a.dtype)
    else:
        s = np.linalg.svd(a, compute_uv=False).astype(a.dtype, copy=False)
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
        return w.astype(a.dtype, copy=False), v

    def backward(self, gL, gV):
        L, V = self._unpack()
        n = L.shape[-1]
        VhgV = matmul(V.mT, gV)
        VhgV = (VhgV - VhgV.mT) * 0.5
        E = _unsq(L, -2) - _unsq(L, -1)
        E = E + _eye(n, E)
        gA = VhgV / E + _diag_embed(gL)
        return (matmul(V, matmul(gA, V.mT)),)


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
    w = np.linalg.eigvalsh(A._data, UPLO).astype(A._data.dtype, copy=False)
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
        return _out(matmul(V * _unsq(w, -2), V.mT), out)
    if A._data.size == 0:
        return _out(_const(np.zeros(A.shape[:-2] + (n, m), A._data.dtype), A), out)
    if not _needs_grad(A):
        U, S, Vh = np.linalg.svd(A._data, full_matrices=False)
        tol = _tol(S, m, n, atol, rtol, A._data.dtype)
        keep = S > tol
        w = np.where(keep, 1.0 / np.where(keep, S, 1), 0).astype(A._data.dtype)
        r = np.matmul(np.swapaxes(Vh, -1, -2) * w[..., None, :], np.swapaxes(U, -1, -2))
        return _out(_const(r.astype(A._data.dtype, copy=False), A), out)
    U, S, Vh = svd(A, full_matrices=False)
    tol = _tol(S._data, m, n, atol, rtol, A._data.dtype)
    keep = S._data > tol
    safe = S + _const((~keep).astype(S._data.dtype), S)
    w = _const(keep.astype(S._data.dtype), S) / safe
    return _out(matmul(Vh.mT * _unsq(w, -2), U.mT), out)


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
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
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



