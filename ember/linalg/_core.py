"""ember.linalg: linear algebra (torch.linalg), plus the legacy solvers behind torch's
top-level names (``cholesky_solve``, ``triangular_solve``, ``lu``, ``geqrf``...).

Every backward is written with ember ops (matmul, triangular solves, the decompositions
themselves) so double backward works; complex inputs follow torch's conjugate-Wirtinger
convention (the formulas use ``mH``).

NOTE [LAPACK conventions without LAPACK's routines]
NumPy exposes LAPACK's gesv/getri/potrf/geqrf/gesdd/syevd/geev but not getrf, trsm,
sytrf or their solvers, and scipy is not a dependency.  Those are written here on NumPy
arrays so that results equal torch's where LAPACK's conventions fix them:
``_getrf`` (partial pivoting, first entry of largest |re|+|im|, 1-based int32 pivots,
info = first exactly-zero pivot), ``_trsm`` (blocked substitution: a zero diagonal gives
inf/nan instead of an exception), ``_sytf2``/``_sytrs`` (Bunch-Kaufman with uplo='L',
negative pivots for 2x2 blocks).  geev's eigenvalue order and eigenvector phases, and
gelsy's basic solution, differ between LAPACK builds (MKL, OpenBLAS), so eig is compared
through invariants and rank-deficient lstsq returns the minimum-norm solution.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from ..ops.elementwise import _out
from ..ops.linalg import _cross, _multi_dot, matmul
from ..ops.math import _not_impl
from ..ops.reduction import (
    _abs,
    _vector_norm,
    amax,
    amin,
    return_types,
)
from ..ops.reduction import sum as _sum
from ..ops.registry import Op, _type_name, apply

__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet",
    "solve", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv",
    "matrix_rank", "matrix_power", "cross", "vecdot", "multi_dot", "matmul", "diagonal",
    "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "lstsq", "eig",
    "eigvals", "cond", "matrix_exp", "tensorinv", "tensorsolve", "vander", "solve_ex",
    "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve",
]


class LinAlgError(RuntimeError):
    """Raised for singular matrices / failed factorizations (torch.linalg.LinAlgError)."""


_LOW = _dt.HALF_NP


def _real(dt) -> np.dtype:
    """The real dtype of singular values / Hermitian eigenvalues of a ``dt`` matrix."""
    dt = np.dtype(dt)
    return np.finfo(dt).dtype if dt.kind == "c" else dt


def _const(arr, like) -> Tensor:
    return Tensor._make(np.asarray(arr), like._device)


# torch's CPU kernels without a float16/bfloat16 version raise NotImplementedError naming
# the kernel; the other linalg functions reject low precision with a RuntimeError.
_LOW_KERNEL = {"linalg.det": "lu_cpu", "linalg.solve": "lu_cpu",
               "linalg.cholesky": "cholesky_cpu", "linalg.qr": "geqrf_cpu",
               "linalg.svd": "linalg_svd_cpu", "linalg.svdvals": "linalg_svd_cpu",
               "linalg.eigh": "linalg_eigh_cpu", "linalg.eigvalsh": "linalg_eigh_cpu"}


def _check_float(name, A: Tensor, low_ok=False) -> None:
    from ..amp.autocast_mode import casts
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



# --- named results added with the solvers below ---------------------------------------------

def _rt(name: str, fields: tuple):
    """``return_types.<name>`` (created once, shared with ember.return_types)."""
    nt = getattr(return_types, name, None)
    if nt is None:
        import collections

        from ..ops.reduction import _rt_repr
        nt = collections.namedtuple(name, fields)
        nt.__module__ = "ember.return_types"
        nt.__repr__ = _rt_repr
        setattr(return_types, name, nt)
    return nt


# registered at import so that ``ember.return_types.<name>`` exists before the first call
for _name, _fields in (
        ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
        ("geqrf", ("a", "tau")), ("linalg_eig", ("eigenvalues", "eigenvectors")),
        ("linalg_ldl_factor", ("LD", "pivots")),
        ("linalg_ldl_factor_ex", ("LD", "pivots", "info")), ("linalg_lu", ("P", "L", "U")),
        ("linalg_lu_factor", ("LU", "pivots")), ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
        ("linalg_solve_ex", ("result", "info")), ("lu_unpack", ("P", "L", "U")),
        ("triangular_solve", ("solution", "cloned_coefficient")),
        ("_lu_with_info", ("LU", "pivots", "info"))):
    _rt(_name, _fields)


def _named_out(name: str, fields: tuple, values, out):
    """A named result, written into the ``out=`` tensors first when given."""
    nt = _rt(name, fields)
    if out is None:
        return nt(*values)
    return nt(*(_out(v, o) for v, o in zip(values, out)))


def _batch_prefix(flat_index: int, batched: bool) -> str:
    return f"(Batch element {flat_index}): " if batched else ""


def _lowp_kernel(kernel: str, *ts: Tensor, skip_empty=False) -> None:
    """torch's LAPACK kernels exist for float/double/complex only (NotImplementedError);
    some are not reached for an empty input (``skip_empty``)."""
    for t in ts:
        dt = t._data.dtype
        if skip_empty and t._data.size == 0:
            continue
        if dt.kind not in "fc" or dt in _LOW:
            _not_impl(kernel, t._data)


def _bcast_batch(A: Tensor, B: Tensor, a_first=False) -> tuple[Tensor, Tensor]:
    """Expand the batch dimensions of A and B (matrices in the last two) to one shape; torch
    names B "tensor a" in the mismatch error (A with ``a_first``, as lstsq)."""
    sa, sb = tuple(A.shape[:-2]), tuple(B.shape[:-2])
    try:
        bs = np.broadcast_shapes(sa, sb)
    except ValueError:
        x, y = (sa, sb) if a_first else (sb, sa)
        n = max(len(x), len(y))
        x, y = (1,) * (n - len(x)) + x, (1,) * (n - len(y)) + y
        i = max(k for k in range(n) if x[k] != y[k] and 1 not in (x[k], y[k]))
        raise RuntimeError(f"The size of tensor a ({x[i]}) must match the size of tensor b "
                           f"({y[i]}) at non-singleton dimension {i}") from None
    if tuple(A.shape[:-2]) != bs:
        A = A.expand(*bs, *A.shape[-2:])
    if tuple(B.shape[:-2]) != bs:
        B = B.expand(*bs, *B.shape[-2:])
    return A, B


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
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is "
                           f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if b._dtype is not A._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(b._dtype)} and A of type {_type_name(A._dtype)} "
                           "instead.")


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
    if input2.shape[-1] != input2.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{input2.shape[-2]} by {input2.shape[-1]} matrices")
    if input2.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{input2.shape[-2]} by {input2.shape[-1]} but each b matrix is "
                           f"{input.shape[-2]} by {input.shape[-1]}")
    if input._dtype is not input2._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(input._dtype)} and A of type "
                           f"{_type_name(input2._dtype)} instead.")
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


# --- eig / eigvals --------------------------------------------------------------------------

def _complex_of(dt: np.dtype) -> np.dtype:
    return np.result_type(dt, np.complex64)


class Eig(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    name = "linalg_eig"
    _bw_name = "LinalgEigBackward0"

    def forward(self, a):
        ct = _complex_of(a.dtype)
        self.real_in = a.dtype.kind != "c"
        if a.size == 0:
            return np.zeros(a.shape[:-1], ct), np.zeros(a.shape, ct)
        w, v = _lapack("linalg.eig", np.linalg.eig, a, msg=(
            "linalg.eig: The algorithm failed to converge because the input matrix is "
            "ill-conditioned or has too many repeated eigenvalues."))
        return w.astype(ct), v.astype(ct)

    def backward(self, gL, gV):
        L, V = self._unpack()
        n = L.shape[-1]
        Vh = V.mH
        # gA = V^{-H} (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / conj(E)) V^H,
        # E_ij = L_j - L_i: eigenvectors are of unit norm with a free phase, so the
        # diagonal of V^H gV is projected out (torch's convention)
        VhgV = matmul(Vh, gV)
        _phase_check("linalg_eig_backward: The eigenvectors", "quantity, so it is "
                     "ill-defined.", VhgV)
        d = _diag(VhgV).real
        M = VhgV - matmul(matmul(Vh, V), _diag_embed(d.to(V.dtype)))
        Lc = L.conj()
        E = _unsq(Lc, -2) - _unsq(Lc, -1)
        E = E + _eye(n, E)
        off = _const(1 - np.eye(n), E).to(E.dtype)
        M = M * off / E + _diag_embed(gL)
        gA = solve(Vh, matmul(M, Vh))
        return (gA.real if self.real_in else gA,)


def _check_eig(name, A):
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_square(name, A)
    dt = A._data.dtype
    if dt in _LOW:
        _not_impl("linalg_eig_out_cpu", A._data)
    if dt.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {_type_name(A._dtype)}")


@autocast_composite("linalg_eig")
def eig(A, *, out=None):
    """Eigenvalues and unit-norm eigenvectors of a general square matrix (complex results,
    LAPACK geev's order and phase convention)."""
    _check_eig("linalg.eig", A)
    L, V = apply(Eig, A)
    _save_outputs((L, V))
    return _named_out("linalg_eig", ("eigenvalues", "eigenvectors"), (L, V), out)


@autocast_composite("linalg_eigvals")
def eigvals(A, *, out=None):
    """Eigenvalues of a general square matrix (complex)."""
    _check_eig("linalg.eigvals", A)
    if _needs_grad(A):
        return _out(eig(A).eigenvalues, out)
    a = A._data
    ct = _complex_of(a.dtype)
    w = np.zeros(a.shape[:-1], ct) if a.size == 0 else _lapack(
        "linalg.eigvals", np.linalg.eigvals, a).astype(ct)
    return _out(_const(w, A), out)


# --- cond -----------------------------------------------------------------------------------

_COND_ORDS = (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf)


@autocast_composite("linalg_cond")
def cond(A, p=None, *, out=None):
    """Condition number: the ratio of extreme singular values (p None, 2, -2), else
    norm(A, p) * norm(inv(A), p) (square A; inf where A is singular)."""
    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p not in _COND_ORDS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        S = svdvals(A)
        if S.shape[-1] == 0:
            return _out(_const(np.zeros(S.shape[:-1], S._data.dtype), A), out)
        r = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
        return _out(r, out)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    real = np.finfo(A._data.dtype).dtype if A._data.dtype.kind in "fc" else A._data.dtype
    if A._data.size == 0:
        return _out(_const(np.zeros(A.shape[:-2], real), A), out)
    if p == "nuc":
        _check_float("linalg.svd", A)  # the SVD of A runs first
    _check_float("linalg.inv", A)
    singular = _getrf(A._data)[2] > 0  # exactly singular, as torch's inv_ex info
    if np.any(singular):
        safe = A._data.copy()
        eye = np.eye(A.shape[-1], dtype=safe.dtype)
        safe[singular] = eye
        Ai = _const(np.linalg.inv(safe), A)
    else:
        Ai = inv(A)
    r = matrix_norm(A, p) * matrix_norm(Ai, p)
    if np.any(singular):
        r = r + _const(np.where(singular, np.inf, 0).astype(r._data.dtype), r)
    return _out(r, out)


# --- matrix_exp -----------------------------------------------------------------------------

# Pade(13) coefficients and the 1-norm bound below which no scaling is needed (Higham 2005)
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of (a batch of) square matrices: scaling and squaring with Pade(13); every
    matrix is scaled by its own power of two."""
    n = a.shape[-1]
    low = a.dtype in _LOW
    x = a.astype(np.float32) if low else a
    if x.size == 0:
        return x.astype(a.dtype)
    norm1 = np.abs(x).sum(-2).max(-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm1 / _THETA13))).astype(np.int64)
    s = np.where(np.isfinite(norm1), s, 0)
    xs = x / (2.0 ** s)[..., None, None].astype(x.real.dtype)
    b = _PADE13
    eye = np.eye(n, dtype=x.dtype)
    x2 = xs @ xs
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = xs @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2)
              + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for k in range(int(s.max()) if s.size else 0):
        sq = (s > k)[..., None, None]
        r = np.where(sq, r @ r, r)
    return r.astype(a.dtype)


class MatrixExp(Op):
    name = "linalg_matrix_exp"
    _bw_name = "LinalgMatrixExpBackward0"
    save = (0,)

    def forward(self, a):
        return _expm(a)

    def backward(self, g):
        # the Frechet derivative's adjoint: exp([[A^H, G], [0, A^H]]) holds it top-right
        from ..ops.indexing import cat
        (A,) = self._unpack()
        n = A.shape[-1]
        Ah = A.mH
        z = _const(np.zeros(tuple(A.shape), A._data.dtype), A)
        big = cat([cat([Ah, g], -1), cat([z, Ah], -1)], -2)
        return (apply(MatrixExp, big).narrow(-2, 0, n).narrow(-1, n, n),)


def matrix_exp(A):
    """The matrix exponential of (a batch of) square matrices."""
    name = "linalg.matrix_exp"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_square(name, A)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(A._dtype)}")
    return apply(MatrixExp, A)


# --- tensorinv / tensorsolve / vander -------------------------------------------------------

@autocast_composite("linalg_tensorinv")
def tensorinv(A, ind=2, *, out=None):
    """The inverse of A for tensordot over its first ``ind`` dimensions."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = list(A.shape[:ind]), list(A.shape[ind:])
    pf, pb = math.prod(front), math.prod(back)
    if pf != pb:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {pb} != {pf}")
    return _out(inv(A.reshape(pf, pb)).reshape(*back, *front), out)


@autocast_composite("linalg_tensorsolve")
def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B; ``dims`` of A are moved to the end first."""
    if dims is not None:
        nd = A.dim()
        dd = [_wrap_dim(d, nd) for d in dims]
        A = A.permute(*([i for i in range(nd) if i not in dd] + dd))
    rest = list(A.shape[B.dim():])
    pb, pr = math.prod(B.shape), math.prod(rest)
    if pb != pr:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim"
                           f":]) == prod(self.shape[:other.ndim]), but got {pr} != {pb}")
    return _out(solve(A.reshape(pb, pr), B.reshape(pb)).reshape(*rest), out)


def vander(x, *, N=None):  # noqa: N803
    """Vandermonde matrix of the last dimension of x: columns x^0, x^1, ..., x^(N-1)."""
    if x._dtype is _dt.bool or x._data.dtype in _LOW:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {_type_name(x._dtype)}")
    if x.dim() == 0:
        raise RuntimeError("N must be greater than 1.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _vander(x, n)


def _vander(x, n):
    """[x^0, x^1, ..., x^(n-1)] along a new last dimension (n >= 2), as a cumulative
    product so that it stays differentiable at x = 0."""
    from ..ops.indexing import cat
    from ..ops.reduction import cumprod
    ones = _const(np.ones(tuple(x.shape) + (1,), x._data.dtype), x)
    rep = _unsq(x, -1).expand(*x.shape, n - 1)
    return cumprod(cat([ones, rep], -1), -1)


# --- solve_ex ---------------------------------------------------------------------------------

def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info) of linalg.solve; info > 0 marks an exactly singular A (the result then
    holds inf/nan rather than raising, unless ``check_errors``)."""
    _check_float("linalg.solve", A)
    _check_square("linalg.solve", A)
    info = _getrf(A._data)[2]
    if not (info > 0).any():
        X = solve(A, B, left=left)
    elif check_errors:
        raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix "
                          "is singular.")
    else:
        LU, piv, _ = lu_factor_ex(A)
        vec = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
        Bm = _unsq(B, -1) if vec else B
        X = lu_solve(LU, piv, Bm if left else Bm.mT, left=True, adjoint=False)
        X = X if left else X.mT
        if vec:
            X = X.reshape(*X.shape[:-1])
    return _named_out("linalg_solve_ex", ("result", "info"), (X, _const(info, A)), out)


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


# --- LDL (Bunch-Kaufman) ---------------------------------------------------------------------

_BK_ALPHA = (1 + math.sqrt(17)) / 8


def _sytf2(a: np.ndarray, herm: bool):
    """LAPACK's ?sytf2 / ?hetf2 with uplo='L' on one matrix (lower triangle read): packed
    L and block-diagonal D, 1-based pivots (negative for 2x2 blocks) and info."""
    a = np.tril(a).astype(a.dtype, copy=True)
    n = a.shape[-1]
    cplx = a.dtype.kind == "c"
    piv = np.zeros(n, np.int32)
    info = 0

    def cabs(x):
        return np.abs(x.real) + np.abs(x.imag) if cplx else np.abs(x)

    def cj(x):
        return np.conj(x) if herm else x

    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k].real) if herm else float(cabs(a[k, k]))
        if k + 1 < n:
            imax = k + 1 + int(np.argmax(cabs(a[k + 1:, k])))
            colmax = float(cabs(a[imax, k]))
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1
            kp = k
            if herm:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _BK_ALPHA * colmax:
                kp = k
            else:
                rowmax = float(cabs(a[imax, k:imax]).max())
                if imax + 1 < n:
                    rowmax = max(rowmax, float(cabs(a[imax + 1:, imax]).max()))
                aimax = abs(a[imax, imax].real) if herm else float(cabs(a[imax, imax]))
                if absakk >= _BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif aimax >= _BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:
                _bk_swap(a, kk, kp, k, kstep, herm)
            if kstep == 1:
                _bk_update1(a, k, herm)
            else:
                _bk_update2(a, k, herm, cj)
        if kstep == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return a, piv, info


def _bk_swap(a, kk, kp, k, kstep, herm):
    """Interchange rows and columns kk and kp of the trailing lower triangle."""
    n = a.shape[-1]
    if kp + 1 < n:
        a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
    seg = a[kk + 1:kp, kk].copy()
    row = a[kp, kk + 1:kp].copy()
    a[kk + 1:kp, kk] = np.conj(row) if herm else row
    a[kp, kk + 1:kp] = np.conj(seg) if herm else seg
    if herm:
        a[kp, kk] = np.conj(a[kp, kk])
    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
    if kstep == 2:
        a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]


def _bk_update1(a, k, herm):
    d = a[k, k].real if herm else a[k, k]
    if herm:
        a[k, k] = d
    if k + 1 < a.shape[-1]:
        x = a[k + 1:, k].copy()
        with np.errstate(all="ignore"):
            r1 = 1 / d
            upd = np.tril(np.multiply.outer(x, np.conj(x) if herm else x)) * r1
            a[k + 1:, k + 1:] -= upd
            a[k + 1:, k] = x * r1
        if herm:
            i = np.arange(k + 1, a.shape[-1])
            a[i, i] = a[i, i].real


def _bk_update2(a, k, herm, cj):
    n = a.shape[-1]
    with np.errstate(all="ignore"):
        if herm:
            d = abs(a[k + 1, k])
            d11 = a[k + 1, k + 1].real / d
            d22 = a[k, k].real / d
            tt = 1 / (d11 * d22 - 1)
            d21 = a[k + 1, k] / d
            dd = tt / d
        else:
            d21 = a[k + 1, k]
            d11 = a[k + 1, k + 1] / d21
            d22 = a[k, k] / d21
            t = 1 / (d11 * d22 - 1)
            d21 = t / d21
        for j in range(k + 2, n):
            if herm:
                wk = dd * (d11 * a[j, k] - d21 * a[j, k + 1])
                wkp1 = dd * (d22 * a[j, k + 1] - np.conj(d21) * a[j, k])
            else:
                wk = d21 * (d11 * a[j, k] - a[j, k + 1])
                wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
            a[j:, j] -= a[j:, k] * cj(wk) + a[j:, k + 1] * cj(wkp1)
            a[j, k], a[j, k + 1] = wk, wkp1
            if herm:
                a[j, j] = a[j, j].real


def _ldl_checks(name, A):
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_square(name, A)
    dt = A._data.dtype
    if dt in _LOW:
        _not_impl("ldl_factor_kernel_cpu", A._data)
    if dt.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(A._dtype)}")


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """(LD, pivots, info): the Bunch-Kaufman factorization A = P L D L^T P^T (L D L^H with
    ``hermitian``) as LAPACK's sytrf with uplo='L'; only A's lower triangle is read. Not
    differentiable (as torch)."""
    _ldl_checks("torch.linalg.ldl_factor_ex", A)
    a = A._data
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    ld = np.zeros_like(flat)
    piv = np.zeros(flat.shape[:1] + (n,), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    herm = hermitian and a.dtype.kind == "c"
    for b in range(flat.shape[0]):
        ld[b], piv[b], info[b] = _sytf2(flat[b], herm)
    if check_errors and (info > 0).any():
        _ldl_singular("torch.linalg.ldl_factor_ex", info, a.ndim > 2)
    vals = (_const(ld.reshape(a.shape), A), _const(piv.reshape(a.shape[:-1]), A),
            _const(info.reshape(a.shape[:-2]), A))
    return _named_out("linalg_ldl_factor_ex", ("LD", "pivots", "info"), vals, out)


def _ldl_singular(name, info: np.ndarray, batched: bool) -> None:
    # torch 2.13 reports this case through an internal assert (a RuntimeError); ember says
    # what happened
    b = int(np.argmax(info.reshape(-1) > 0))
    i = int(info.reshape(-1)[b])
    raise LinAlgError(f"{name}: {_batch_prefix(b, batched)}The factorization could not be "
                      f"completed because the input is singular (D[{i},{i}] is zero).")


def ldl_factor(A, *, hermitian=False, out=None):
    """(LD, pivots) of ldl_factor_ex; raises for an exactly singular D."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    if (info._data > 0).any():
        _ldl_singular("torch.linalg.ldl_factor", info._data, A.dim() > 2)
    return _named_out("linalg_ldl_factor", ("LD", "pivots"), (LD, piv), out)


def _sytrs(ld, piv, b, herm):
    """LAPACK's ?sytrs / ?hetrs with uplo='L' on one matrix: X with A X = B."""
    n = ld.shape[-1]
    x = b.copy()
    cj = np.conj if herm else (lambda v: v)
    with np.errstate(all="ignore"):
        k = 0
        while k < n:  # L D Y = P^T B
            if piv[k] > 0:
                kp = piv[k] - 1
                x[[k, kp]] = x[[kp, k]]
                x[k + 1:] -= np.multiply.outer(ld[k + 1:, k], x[k])
                x[k] /= ld[k, k].real if herm else ld[k, k]
                k += 1
            else:
                kp = -piv[k] - 1
                x[[k + 1, kp]] = x[[kp, k + 1]]
                x[k + 2:] -= np.multiply.outer(ld[k + 2:, k], x[k])
                x[k + 2:] -= np.multiply.outer(ld[k + 2:, k + 1], x[k + 1])
                akm1k = ld[k + 1, k]
                akm1 = ld[k, k] / (cj(akm1k) if herm else akm1k)
                ak = ld[k + 1, k + 1] / akm1k
                denom = akm1 * ak - 1
                bkm1 = x[k] / (cj(akm1k) if herm else akm1k)
                bk = x[k + 1] / akm1k
                x[k] = (ak * bkm1 - bk) / denom
                x[k + 1] = (akm1 * bk - bkm1) / denom
                k += 2
        k = n - 1
        while k >= 0:  # L^T P^T X = Y
            if piv[k] > 0:
                x[k] -= cj(ld[k + 1:, k]) @ x[k + 1:]
                kp = piv[k] - 1
                x[[k, kp]] = x[[kp, k]]
                k -= 1
            else:
                x[k] -= cj(ld[k + 1:, k]) @ x[k + 1:]
                x[k - 1] -= cj(ld[k + 1:, k - 1]) @ x[k + 1:]
                kp = -piv[k] - 1
                x[[k, kp]] = x[[kp, k]]
                k -= 2
    return x


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):  # noqa: N803
    """X with A X = B from ldl_factor's (LD, pivots); batches broadcast. Not differentiable
    (as torch)."""
    if B.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(B.dim(), 1)}, {max(B.dim(), 1) - 1}], but got -2)")
    if LD.shape[-1] != B.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A "
                           f"matrix is {LD.shape[-2]} by {LD.shape[-1]} but each b matrix is "
                           f"{B.shape[-2]} by {B.shape[-1]}")
    if LD._dtype is not B._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(B._dtype)} and A of type {_type_name(LD._dtype)} "
                           "instead.")
    if pivots._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected pivots to be integers. Got "
                           f"{_type_name(pivots._dtype)}")
    if LD._data.dtype in _LOW or LD._data.dtype.kind not in "fc":
        _not_impl("ldl_solve_kernel_cpu", LD._data)
    bs = np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    n = LD.shape[-1]
    ld = np.broadcast_to(LD._data, bs + (n, n)).reshape((-1, n, n))
    pv = np.broadcast_to(pivots._data, bs + (n,)).reshape((-1, n))
    b = np.broadcast_to(B._data, bs + tuple(B.shape[-2:])).reshape((-1,) + tuple(B.shape[-2:]))
    herm = hermitian and LD._data.dtype.kind == "c"
    x = np.stack([_sytrs(ld[i], pv[i], b[i], herm) for i in range(ld.shape[0])]) if len(ld) \
        else np.zeros(b.shape, b.dtype)
    return _out(_const(x.reshape(bs + tuple(B.shape[-2:])), LD), out)
