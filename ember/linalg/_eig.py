"""ember.linalg: general eigendecomposition (eig, eigvals).

See NOTE [LAPACK conventions without LAPACK's routines] in ``ember/linalg/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from ..amp.autocast_mode import autocast_composite
from ..ops.elementwise import _out
from ..ops.linalg import matmul
from ..ops.math import _not_impl
from ..ops.registry import Op, _type_name, apply
from ._common import (
    _LOW,
    _check_square,
    _const,
    _diag,
    _diag_embed,
    _eye,
    _lapack,
    _named_out,
    _save_outputs,
    _unsq,
)
from ._core import _needs_grad, _phase_check, solve

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
