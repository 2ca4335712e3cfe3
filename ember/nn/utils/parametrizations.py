"""Parametrizations built on ``parametrize`` (torch.nn.utils.parametrizations):
``orthogonal``, ``weight_norm`` and ``spectral_norm``.

``orthogonal``'s maps are composed of differentiable ember ops: the matrix exponential by
scaling and squaring of a degree-18 Taylor polynomial, the Cayley map by
``linalg.solve``, and the Householder product as a loop of rank-1 updates."""

from __future__ import annotations

import math
from enum import Enum, auto

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..modules.module import Module
from . import parametrize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        weight_g = norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm(module, name: str = "weight", dim: int = 0):
    """``module.<name> = g * v / ||v||`` as a parametrization (``original0`` = g,
    ``original1`` = v)."""
    _weight_norm_mod = _WeightNorm(dim)
    parametrize.register_parametrization(module, name, _weight_norm_mod, unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys,
                                 unexpected_keys, error_msgs) -> None:
        g_key = f"{prefix}{name}_g"
        v_key = f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            original0 = state_dict.pop(g_key)
            original1 = state_dict.pop(v_key)
            state_dict[f"{prefix}parametrizations.{name}.original0"] = original0
            state_dict[f"{prefix}parametrizations.{name}.original1"] = original1

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


def _normalize_into(buf: Tensor, arr, eps: float) -> None:
    n = np.sqrt((np.abs(arr.astype(np.float64)) ** 2).sum())
    buf._data[...] = arr / max(n, eps)
    buf._bump()


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations: int) -> None:
        w = weight_mat._data
        u, v = self._u, self._v
        with no_grad():
            for _ in range(n_power_iterations):
                _normalize_into(u, w @ v._data, self.eps)
                _normalize_into(v, w.conj().T @ u._data, self.eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None):
    """``module.<name> / sigma`` with ``sigma`` by power iteration (buffers ``_u``/``_v``)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) \
            else 0
    parametrize.register_parametrization(module, name,
                                         _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# --- orthogonal ------------------------------------------------------------------------------

class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _const(arr, like):
    return Tensor._make(np.ascontiguousarray(arr, dtype=like._data.dtype), like._device)


def _eye_like(n, k, like):
    return _const(np.eye(n, k), like)


def _matrix_exp(A):
    """exp(A) for a (batch of) square matrices: A / 2^s has 1-norm <= 1/2, a degree-18
    Taylor polynomial (Horner) then s squarings; differentiable as a composition."""
    n = A.shape[-1]
    a = A._data
    norm = float(np.abs(a).sum(axis=-2).max()) if a.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    X = A / (2.0 ** s) if s else A
    Id = _eye_like(n, n, A)
    E = Id + X / 18.0
    for j in range(17, 0, -1):
        E = Id + (X @ E) / float(j)
    for _ in range(s):
        E = E @ E
    return E


def _householder_product(A, tau):
    """``linalg.householder_product``: the first k columns of H_1 ... H_k with
    H_i = I - tau_i v_i v_i^H, v_i = e_i + A[:, i] below the diagonal."""
    n, k = A.shape[-2], A.shape[-1]
    V = A.tril(-1) + _eye_like(n, k, A)
    Q = _eye_like(n, n, A).expand(*A.shape[:-2], n, n)
    for i in range(k):
        v = V[..., :, i:i + 1]                       # (..., n, 1)
        Qv = Q @ v                                   # (..., n, 1)
        Q = Q - (Qv * tau[..., i:i + 1].unsqueeze(-1)) @ v.mH
    return Q[..., :, :k]


def _geqrf(Q):
    """LAPACK geqrf of a (batch of) matrices as NumPy arrays: (reflectors + R, tau)."""
    q = Q._data
    batch = q.shape[:-2]
    m, n = q.shape[-2:]
    flat = q.reshape((-1, m, n))
    As, taus = [], []
    for M in flat:
        h, t = np.linalg.qr(M, mode="raw")
        As.append(h.T)
        taus.append(t)
    A = np.stack(As).reshape(batch + (m, n)) if flat.shape[0] else q.copy()
    tau = np.stack(taus).reshape(batch + (min(m, n),)) if flat.shape[0] else \
        np.zeros(batch + (min(m, n),), q.dtype)
    return A.astype(q.dtype), tau.astype(q.dtype)


def _is_orthogonal(Q, eps=None):
    n, k = Q.shape[-2], Q.shape[-1]
    q = Q._data
    if eps is None:
        eps = 10 * n * np.finfo(q.real.dtype).eps
    qq = np.swapaxes(q.conj(), -1, -2) @ q
    return bool(np.allclose(qq, np.eye(k), atol=eps, rtol=1e-5))


def _make_orthogonal(A):
    """The Q of A's QR decomposition with R's diagonal made positive (real) or of
    modulus one (complex), as torch's geqrf + householder_product."""
    X, tau = _geqrf(A)
    Xt, taut = _const(X, A), _const(tau, A)
    Q = _householder_product(Xt, taut)
    d = np.diagonal(X, axis1=-2, axis2=-1)
    mag = np.abs(d)
    sgn = np.where(mag == 0, 0, d / np.where(mag == 0, 1, mag))
    return Q * _const(sgn[..., None, :], A)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: _OrthMaps, *, use_trivialization=True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex "
                             "tensors.")
        if weight.is_complex():
            raise NotImplementedError(
                "orthogonal: complex (unitary) parametrizations are not supported by ember "
                "yet (no complex conjugation op); use a real weight")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                from ...ops.indexing import cat
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = _matrix_exp(A)
            else:
                from ...linalg import solve
                Id = _eye_like(n, n, A)
                Q = solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        with no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.size(-2), Q.size(-1)
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            A, tau = _geqrf(Q)
            d = np.diagonal(A, axis1=-2, axis2=-1).copy()
            d = np.sign(d)
            d[tau == 0.0] *= -1
            idx = np.arange(d.shape[-1])
            A[..., idx, idx] = d
            At = _const(A, Q)
            return At.mT if transpose else At
        if n == k:
            Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
        else:
            from ...ops.creation import randn
            from ...ops.indexing import cat
            N = randn(*(tuple(Q.size()[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(cat([Q, N], dim=-1))
        self.base = Q
        neg_Id = Q_init.new_zeros(Q_init.shape)
        neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_Id


def orthogonal(module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True):
    """Makes ``module.<name>`` (a matrix or batch of matrices) orthogonal / unitary through
    ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (default: ``"matrix_exp"`` for
    square or complex matrices, ``"householder"`` otherwise), with torch's dynamic
    trivialization (``base`` buffer) when ``use_trivialization=True``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.size(-2) == weight.size(-1)
                          or weight.is_complex() else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
