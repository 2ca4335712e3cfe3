"""ember.linalg: LDL factorization (Bunch-Kaufman: ldl_factor[_ex], ldl_solve).

See NOTE [LAPACK conventions without LAPACK's routines] in ``ember/linalg/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.elementwise import _out
from ..ops.math import _not_impl
from ..ops.registry import _type_name
from ._common import (
    _LOW,
    LinAlgError,
    _batch_prefix,
    _check_b_A,
    _check_square,
    _const,
    _named_out,
)

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
    _check_b_A(B, LD, "torch.linalg.ldl_solve", square=False)
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
