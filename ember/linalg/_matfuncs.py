"""ember.linalg: cond, matrix_exp, tensorinv, tensorsolve, vander, solve_ex.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from .._tensor import _wrap_dim
from ..amp.autocast_mode import autocast_composite
from ..ops.elementwise import _out
from ..ops.registry import Op, _type_name, apply
from ._common import _LOW, LinAlgError, _check_float, _check_square, _const, _named_out, _unsq
from ._core import inv, matrix_norm, solve, svdvals
from ._lu import _getrf, lu_factor_ex, lu_solve

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
