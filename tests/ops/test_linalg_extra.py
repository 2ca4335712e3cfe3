"""Linear algebra beyond the OpInfo registry: torch's error messages, complex gradients,
float64 gradchecks where the registry cannot run them, and matrix_exp in float32.

Every expected value comes from torch 2.13 on the same inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import ember.linalg
from ember.autograd import gradcheck, gradgradcheck

# torch's deprecation notices for the legacy names, and its experimental ComplexHalf note
pytestmark = [pytest.mark.filterwarnings("ignore:.*deprecated.*:UserWarning"),
              pytest.mark.filterwarnings("ignore:ComplexHalf.*:UserWarning")]


def _wc(*shape, dtype=np.float64):
    n = shape[-1]
    return (np.random.uniform(-1, 1, shape) + n * np.eye(n)).astype(dtype)


def _c(*shape):
    return np.random.uniform(-1, 1, shape) + 1j * np.random.uniform(-1, 1, shape)


def _wcc(*shape):
    n = shape[-1]
    return _c(*shape) + n * np.eye(n)


def _factor(n):
    """A complex Cholesky factor: positive real diagonal (LAPACK reads it as real)."""
    f = _c(n, n)
    i = np.arange(n)
    f[i, i] = n + np.random.uniform(0, 1, n)
    return f


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)


# --- error messages -------------------------------------------------------------------------

_sing = np.array([[1., 2, 3], [2, 4, 6], [1, 0, 1]], np.float32)
_two = np.stack([np.eye(2), np.zeros((2, 2))]).astype(np.float32)

ERRORS = {
    "solve_triangular_B1d": lambda L, T: L.linalg.solve_triangular(T(3, 3), T(3), upper=True),
    "solve_triangular_shape": lambda L, T: L.linalg.solve_triangular(T(3, 3), T(4, 2),
                                                                     upper=True),
    "solve_triangular_right": lambda L, T: L.linalg.solve_triangular(
        T(3, 3), T(2, 4), upper=True, left=False),
    "solve_triangular_square": lambda L, T: L.linalg.solve_triangular(T(3, 4), T(3, 2),
                                                                      upper=True),
    "solve_triangular_long": lambda L, T: L.linalg.solve_triangular(
        T(3, 3).long(), T(3, 2).long(), upper=True),
    "triangular_solve_b1d": lambda L, T: L.triangular_solve(T(3), T(3, 3)),
    "triangular_solve_size": lambda L, T: L.triangular_solve(T(4, 2), T(3, 3)),
    "triangular_solve_dtype": lambda L, T: L.triangular_solve(T(3, 2).double(), T(3, 3)),
    "cholesky_solve_b1d": lambda L, T: L.cholesky_solve(T(3), T(3, 3)),
    "cholesky_solve_size": lambda L, T: L.cholesky_solve(T(4, 2), T(3, 3)),
    "cholesky_solve_half": lambda L, T: L.cholesky_solve(T(3, 2).half(), T(3, 3).half()),
    "cholesky_inverse_square": lambda L, T: L.cholesky_inverse(T(3, 4)),
    "cholesky_inverse_singular": lambda L, T: L.cholesky_inverse(L.tensor(_two)),
    "cholesky_legacy": lambda L, T: L.cholesky(-L.eye(3)),
    "cholesky_legacy_dims": lambda L, T: L.cholesky(T(3)),
    "lu_factor_singular": lambda L, T: L.linalg.lu_factor(L.zeros(3, 3)),
    "lu_factor_batch_singular": lambda L, T: L.linalg.lu_factor(L.tensor(_two)),
    "lu_factor_ex_check": lambda L, T: L.linalg.lu_factor_ex(L.tensor(_sing),
                                                             check_errors=True),
    "lu_factor_nopivot": lambda L, T: L.linalg.lu_factor(T(3, 3), pivot=False),
    "lu_factor_1d": lambda L, T: L.linalg.lu_factor(T(3)),
    "lu_half": lambda L, T: L.linalg.lu(T(3, 3).half()),
    "lu_solve_pivots": lambda L, T: L.linalg.lu_solve(T(3, 3), L.ones(3, dtype=L.int64),
                                                      T(3, 2)),
    "lu_solve_dtype": lambda L, T: L.linalg.lu_solve(
        *L.linalg.lu_factor(T(3, 3)), T(3, 2).double()),
    "lu_solve_shape": lambda L, T: L.linalg.lu_solve(*L.linalg.lu_factor(T(3, 3)), T(4, 2)),
    "lu_unpack_pivots": lambda L, T: L.lu_unpack(T(3, 3), L.tensor([1, 2, 4],
                                                                   dtype=L.int32)),
    "lu_unpack_dtype": lambda L, T: L.lu_unpack(T(3, 3), L.tensor([1, 2, 3])),
    "lstsq_driver": lambda L, T: L.linalg.lstsq(T(5, 3), T(5, 2), driver="foo"),
    "lstsq_rows": lambda L, T: L.linalg.lstsq(T(5, 3), T(4, 2)),
    "lstsq_dtype": lambda L, T: L.linalg.lstsq(T(5, 3), T(5, 2).double()),
    "lstsq_long": lambda L, T: L.linalg.lstsq(T(5, 3).long(), T(5, 2).long()),
    "eig_square": lambda L, T: L.linalg.eig(T(2, 3)),
    "eig_half": lambda L, T: L.linalg.eig(T(3, 3).half()),
    "eig_long": lambda L, T: L.linalg.eigvals(T(3, 3).long()),
    "cond_dims": lambda L, T: L.linalg.cond(T(3)),
    "cond_ord": lambda L, T: L.linalg.cond(T(3, 3), 3),
    "cond_square": lambda L, T: L.linalg.cond(T(2, 3), "fro"),
    "matrix_exp_square": lambda L, T: L.linalg.matrix_exp(T(2, 3)),
    "matrix_exp_long": lambda L, T: L.linalg.matrix_exp(T(3, 3).long()),
    "tensorinv_ind": lambda L, T: L.linalg.tensorinv(T(4, 4), ind=0),
    "tensorinv_prod": lambda L, T: L.linalg.tensorinv(T(4, 6, 8, 3), ind=1),
    "tensorsolve_prod": lambda L, T: L.linalg.tensorsolve(T(2, 3, 5), T(2, 3)),
    "vander_N": lambda L, T: L.linalg.vander(T(3), N=1),
    "vander_bool": lambda L, T: L.linalg.vander(L.tensor([True, False])),
    "vander_legacy_2d": lambda L, T: L.vander(T(2, 2)),
    "geqrf_1d": lambda L, T: L.geqrf(T(3)),
    "geqrf_half": lambda L, T: L.geqrf(T(3, 3).half()),
    "householder_wide": lambda L, T: L.linalg.householder_product(T(3, 4), T(2)),
    "householder_tau": lambda L, T: L.linalg.householder_product(T(4, 3), T(4)),
    "householder_ndim": lambda L, T: L.linalg.householder_product(T(4, 3), T(2, 2)),
    "householder_dtype": lambda L, T: L.linalg.householder_product(T(4, 3), T(2).double()),
    "householder_batch": lambda L, T: L.linalg.householder_product(T(2, 4, 3), T(3, 2)),
    "ormqr_rows": lambda L, T: L.ormqr(T(4, 3), T(3), T(3, 3)),
    "ormqr_tau": lambda L, T: L.ormqr(T(4, 3), T(2), T(4, 2)),
    "solve_ex_check": lambda L, T: L.linalg.solve_ex(L.tensor(_sing), L.tensor(_sing),
                                                     check_errors=True),
    "inv_ex_check": lambda L, T: L.linalg.inv_ex(L.tensor(_sing), check_errors=True),
    "inv_singular": lambda L, T: L.linalg.inv(L.tensor(_sing)),
    "inv_batch_singular": lambda L, T: L.linalg.inv(L.tensor(_two)),
    "cholesky_ex_check": lambda L, T: L.linalg.cholesky_ex(-L.eye(3), check_errors=True),
    "vecdot_long": lambda L, T: L.linalg.vecdot(T(3).long(), T(3).long()),
    "matrix_power_1d": lambda L, T: L.linalg.matrix_power(T(3), 2),
    "solve_triangular_batch": lambda L, T: L.linalg.solve_triangular(T(2, 3, 3), T(4, 3, 2),
                                                                     upper=True),
    "cholesky_solve_batch": lambda L, T: L.cholesky_solve(T(4, 3, 2), T(2, 3, 3)),
    "lu_solve_batch": lambda L, T: L.linalg.lu_solve(*L.linalg.lu_factor(T(2, 3, 3)),
                                                     T(4, 3, 2)),
    "lstsq_batch": lambda L, T: L.linalg.lstsq(T(2, 3, 3), T(4, 3, 2)),
    "triangular_solve_batch": lambda L, T: L.triangular_solve(T(4, 3, 2), T(2, 3, 3)),
    "quantile_q": lambda L, T: L.quantile(T(3, 4), 1.5),
    "quantile_qt": lambda L, T: L.quantile(T(3, 4), L.tensor([0.5, 1.5])),
    "quantile_q2d": lambda L, T: L.quantile(T(3, 4), L.tensor([[0.5]])),
    "quantile_qdtype": lambda L, T: L.quantile(T(3, 4), L.tensor([0.5], dtype=L.float64)),
    "quantile_int": lambda L, T: L.quantile(T(3, 4).long(), 0.5),
    "quantile_empty": lambda L, T: L.nanquantile(T(0, 3), 0.5),
    "quantile_mode": lambda L, T: L.quantile(T(3, 4), 0.5, interpolation="cubic"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_type_and_message_match_torch(case):
    fn = ERRORS[case]
    msgs = {}
    for lib in (torch, ember):
        def T(*s, lib=lib):  # noqa: N802
            return lib.tensor(np.random.uniform(-1, 1, s).astype(np.float32))
        with pytest.raises(Exception) as info:
            fn(lib, T)
        msgs[lib] = info
    t, e = msgs[torch], msgs[ember]
    # torch.linalg.LinAlgError is RuntimeError's subclass _LinAlgError; ember's LinAlgError
    if issubclass(t.type, torch.linalg.LinAlgError):
        assert issubclass(e.type, ember.linalg.LinAlgError), e.type
    else:
        assert e.type is t.type, (e.type, t.type, str(e.value))
    assert str(e.value) == str(t.value)


# --- complex gradients against torch ----------------------------------------------------------

def _grads(fn, arrays, outs_complex=True):
    res = {}
    for lib in (torch, ember):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        g = np.random.RandomState(1).standard_normal(tuple(out.shape))
        g = g + 1j * np.random.RandomState(2).standard_normal(tuple(out.shape)) \
            if out.is_complex() else g
        grads = (torch if lib is torch else ember).autograd.grad(out, xs, lib.tensor(g))
        res[lib] = (out.detach().numpy(), [x.numpy() for x in grads])
    return res


COMPLEX_GRAD = {
    "solve_triangular": (lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True),
                         lambda: [_wcc(3, 3), _c(3, 2)]),
    "solve_triangular_right_unit": (
        lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, left=False,
                                                  unitriangular=True),
        lambda: [_wcc(3, 3), _c(2, 3)]),
    "triangular_solve_transpose": (
        lambda L, a, b: L.triangular_solve(b, a, transpose=True).solution,
        lambda: [_wcc(3, 3), _c(3, 2)]),
    "cholesky_solve": (lambda L, b, f: L.cholesky_solve(b, f.tril()),
                       lambda: [_c(3, 2), _factor(3)]),
    "cholesky_inverse_upper": (lambda L, f: L.cholesky_inverse(f.triu(), upper=True),
                               lambda: [_factor(3)]),
    "lu_solve": (lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b, adjoint=True),
                 lambda: [_wcc(3, 3), _c(3, 2)]),
    "lu_tall": (lambda L, a: L.linalg.lu(a).U, lambda: [_c(5, 3)]),
    "lu_wide": (lambda L, a: L.linalg.lu(a).L @ L.linalg.lu(a).U[..., :2, :2],
                lambda: [_c(2, 4)]),
    "inv": (lambda L, a: L.linalg.inv(a), lambda: [_wcc(3, 3)]),
    "det": (lambda L, a: L.linalg.det(a), lambda: [_wcc(3, 3)]),
    "solve": (lambda L, a, b: L.linalg.solve(a, b), lambda: [_wcc(3, 3), _c(3, 2)]),
    "householder_product": (lambda L, a, t: L.linalg.householder_product(a, t),
                            lambda: [_c(4, 3), _c(2)]),
    "ormqr_transpose": (lambda L, a, t, c: L.ormqr(a, t, c, True, True),
                        lambda: [_c(4, 3), _c(3), _c(4, 2)]),
    "matrix_exp": (lambda L, a: L.linalg.matrix_exp(a), lambda: [_c(3, 3)]),
    "eigvals": (lambda L, a: L.linalg.eigvals(a).sum(), lambda: [_c(3, 3)]),
    "lstsq": (lambda L, a, b: L.linalg.lstsq(a, b).solution, lambda: [_c(5, 3), _c(5, 2)]),
    "pinv": (lambda L, a: L.linalg.pinv(a), lambda: [_c(4, 3)]),
    "cholesky": (lambda L, a: L.linalg.cholesky(a @ a.mH + 3 * L.eye(3)), lambda: [_c(3, 3)]),
    "cholesky_upper_legacy": (lambda L, a: L.cholesky(a @ a.mH + 3 * L.eye(3), upper=True),
                              lambda: [_c(3, 3)]),
    "slogdet_logabsdet": (lambda L, a: L.linalg.slogdet(a)[1], lambda: [_c(3, 3)]),
    "slogdet_sign": (lambda L, a: L.linalg.slogdet(a)[0], lambda: [_c(3, 3)]),
    "logdet": (lambda L, a: L.logdet(a), lambda: [_c(3, 3)]),
    "svdvals": (lambda L, a: L.linalg.svdvals(a), lambda: [_c(4, 3)]),
    "qr_tall": (lambda L, a: (lambda q, r: q @ r.mH)(*L.linalg.qr(a)), lambda: [_c(5, 3)]),
    "qr_wide": (lambda L, a: (lambda q, r: r @ r.mH + q)(*L.linalg.qr(a)), lambda: [_c(3, 5)]),
    "svd_reconstruct": (lambda L, a: (lambda U, S, Vh: (U * S.unsqueeze(-2)) @ Vh)(
        *L.linalg.svd(a, full_matrices=False)), lambda: [_c(3, 5)]),
    "svd_UVh": (lambda L, a: (lambda U, S, Vh: U @ Vh)(*L.linalg.svd(a, full_matrices=False)),
                lambda: [_c(4, 3)]),
    "eigh_reconstruct": (lambda L, a: (lambda w, v: (v * w.unsqueeze(-2)) @ v.mH)(
        *L.linalg.eigh(a.mH @ a)), lambda: [_c(3, 3)]),
    "eigvalsh": (lambda L, a: L.linalg.eigvalsh(a.mH @ a), lambda: [_c(3, 3)]),
    "pinv_hermitian": (lambda L, a: L.linalg.pinv(a @ a.mH, hermitian=True),
                       lambda: [_c(3, 3)]),
}


@pytest.mark.parametrize("case", sorted(COMPLEX_GRAD))
def test_complex_gradients_match_torch(case):
    fn, make = COMPLEX_GRAD[case]
    res = _grads(fn, make())
    (te, tg), (ee, eg) = res[torch], res[ember]
    np.testing.assert_allclose(ee, te, rtol=1e-9, atol=1e-10)
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


# --- matrix_exp in float32 (kept out of the registry: torch's half kernels give inf/nan) ------

@pytest.mark.parametrize("scale", [0.01, 1.0, 8.0])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_matrix_exp_float32_matches_torch(shape, scale):
    a = (np.random.uniform(-1, 1, shape) * scale).astype(np.float32)
    g = np.random.standard_normal(shape).astype(np.float32)
    ta = torch.tensor(a, requires_grad=True)
    ea = ember.tensor(a, requires_grad=True)
    t, e = torch.linalg.matrix_exp(ta), ember.linalg.matrix_exp(ea)
    assert e.dtype == ember.float32
    t.backward(torch.tensor(g))
    e.backward(ember.tensor(g))
    ref = np.abs(t.detach().numpy()).max()
    # float32 rounding of a Pade (ember) vs Taylor (torch) evaluation, relative to the size
    # of the result
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4,
                               atol=1e-5 * ref)
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-3,
                               atol=1e-4 * np.abs(ta.grad.numpy()).max())


def test_matrix_exp_half_runs_in_float32():
    # torch's float16 result is inf/nan here (its Taylor coefficients overflow); ember keeps
    # the dtype and rounds a float32 evaluation
    a = np.random.uniform(-1, 1, (3, 3)).astype(np.float32)
    e = ember.linalg.matrix_exp(ember.tensor(a).half())
    assert e.dtype == ember.float16
    ref = torch.linalg.matrix_exp(torch.tensor(a)).numpy()
    np.testing.assert_allclose(e.float().numpy(), ref, rtol=2e-3, atol=2e-3)


# --- float64 gradchecks (first and second order) ---------------------------------------------

def _t(a):
    return ember.tensor(a, requires_grad=True)


GRADCHECK = {
    "matrix_exp": (lambda a: ember.linalg.matrix_exp(a), lambda: [np.random.randn(3, 3)]),
    "matrix_exp_scaled": (lambda a: ember.linalg.matrix_exp(a),
                          lambda: [np.random.randn(2, 3, 3) * 4]),
    # torch's own backward fails for these orders; ember's composite gradient is checked
    "cond_fro": (lambda a: ember.linalg.cond(a, "fro"), lambda: [_wc(3, 3)]),
    "cond_1": (lambda a: ember.linalg.cond(a, 1), lambda: [_wc(3, 3)]),
    "cond_nuc": (lambda a: ember.linalg.cond(a, "nuc"), lambda: [_wc(3, 3)]),
    "eig_reconstruct": (lambda a: (lambda L, V: (V * L.unsqueeze(-2)) @ ember.linalg.inv(V))(
        *ember.linalg.eig(a)).real, lambda: [np.random.randn(3, 3)]),
    "lstsq_residuals": (lambda a, b: ember.linalg.lstsq(a, b, driver="gelsd").residuals,
                        lambda: [np.random.randn(5, 3), np.random.randn(5, 2)]),
    "lstsq_wide": (lambda a, b: ember.linalg.lstsq(a, b).solution,
                   lambda: [np.random.randn(3, 5), np.random.randn(3, 2)]),
    "lu_wide": (lambda a: tuple(ember.linalg.lu(a))[1:], lambda: [np.random.randn(3, 5)]),
    "lu_tall": (lambda a: tuple(ember.linalg.lu(a))[1:], lambda: [np.random.randn(5, 3)]),
    "qr_wide": (lambda a: tuple(ember.linalg.qr(a)), lambda: [np.random.randn(3, 5)]),
    "vander": (lambda x: ember.linalg.vander(x), lambda: [np.random.randn(4)]),
    "ormqr_right": (lambda a, t, c: ember.ormqr(a, t, c, False, True),
                    lambda: [np.random.randn(4, 3), np.random.randn(3), np.random.randn(2, 4)]),
    "quantile_q": (lambda x, q: ember.quantile(x, q, dim=1),
                   lambda: [np.random.randn(3, 5), np.array([0.1, 0.6])]),
}


@pytest.mark.parametrize("case", sorted(GRADCHECK))
def test_gradcheck_float64(case):
    fn, make = GRADCHECK[case]
    xs = [_t(a) for a in make()]
    assert gradcheck(fn, xs, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(fn, xs, eps=1e-6, atol=1e-4, rtol=1e-3)


# --- invariants of decompositions with a sign or phase freedom --------------------------------

def test_eig_reconstructs_and_has_unit_columns():
    a = np.random.randn(2, 5, 5)
    L, V = ember.linalg.eig(ember.tensor(a))
    Lt = torch.linalg.eigvals(torch.tensor(a)).numpy()
    np.testing.assert_allclose(np.sort_complex(L.numpy().ravel()), np.sort_complex(Lt.ravel()),
                               rtol=1e-9, atol=1e-10)
    v = V.numpy()
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, rtol=1e-12)
    np.testing.assert_allclose(v @ (L.numpy()[..., None] * np.linalg.inv(v)), a, atol=1e-10)


def test_geqrf_reflectors_rebuild_q():
    a = np.random.randn(5, 3)
    h, tau = ember.geqrf(ember.tensor(a))
    q = ember.linalg.householder_product(h, tau).numpy()
    r = np.triu(h.numpy())[:3]
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    th, ttau = torch.geqrf(torch.tensor(a))  # same LAPACK routine: same factors
    np.testing.assert_allclose(h.numpy(), th.numpy(), atol=1e-12)
    np.testing.assert_allclose(tau.numpy(), ttau.numpy(), atol=1e-12)


def test_legacy_svd_v_is_not_transposed():
    a = np.random.randn(4, 3)
    U, S, V = ember.svd(ember.tensor(a))
    np.testing.assert_allclose((U.numpy() * S.numpy()) @ V.numpy().T, a, atol=1e-12)
    Ut, St, Vt = torch.svd(torch.tensor(a))
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(Vt.numpy()), atol=1e-12)


def test_lu_factor_large_matches_torch():
    # blocked substitution and the unblocked elimination at a size where LAPACK blocks
    a = np.random.randn(70, 70)
    LU, piv = ember.linalg.lu_factor(ember.tensor(a))
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_array_equal(piv.numpy(), tpiv.numpy())
    np.testing.assert_allclose(LU.numpy(), tLU.numpy(), rtol=1e-8, atol=1e-9)
    b = np.random.randn(70, 3)
    x = ember.linalg.lu_solve(LU, piv, ember.tensor(b)).numpy()
    np.testing.assert_allclose(a @ x, b, atol=1e-9)


def test_tensor_methods_and_top_level_names():
    a = ember.tensor(_wc(3, 3))
    b = ember.tensor(np.random.randn(3, 2))
    for name in ("quantile", "nanquantile", "cholesky", "cholesky_solve", "cholesky_inverse",
                 "qr", "svd", "triangular_solve", "lu", "lu_solve", "geqrf", "orgqr", "ormqr",
                 "matrix_exp"):
        assert hasattr(ember.Tensor, name), name
    for name in ("lu_unpack", "vander"):
        assert hasattr(ember.ops.linalg, name), name
    x = b.triangular_solve(a).solution.numpy()
    xt = torch.tensor(b.numpy()).triangular_solve(torch.tensor(a.numpy())).solution.numpy()
    np.testing.assert_allclose(x, xt, rtol=1e-10)


# --- autocast: these are in torch's CPU fp32 list (half inputs run in float32) ---------------

def _spd32(n):
    m = np.random.randn(n, n)
    return (m @ m.T + n * np.eye(n)).astype(np.float32)


AUTOCAST = {
    "quantile": lambda L, x, y, f: L.quantile(x, 0.3),
    "nanquantile": lambda L, x, y, f: L.nanquantile(x, 0.3, dim=0),
    "cholesky": lambda L, x, y, f: L.cholesky(x),
    "cholesky_inverse": lambda L, x, y, f: L.cholesky_inverse(f),
    "cholesky_solve": lambda L, x, y, f: L.cholesky_solve(y, f),
    "lu_solve": lambda L, x, y, f: L.lu_solve(y, *L.linalg.lu_factor(x.float())),
    "_lu_with_info": lambda L, x, y, f: L.lu(x)[0],
    "geqrf": lambda L, x, y, f: L.geqrf(x)[1],
    "orgqr": lambda L, x, y, f: L.orgqr(x, x[0]),
    "ormqr": lambda L, x, y, f: L.ormqr(x, x[0], y),
    "qr": lambda L, x, y, f: L.qr(x)[1].abs(),
    "svd": lambda L, x, y, f: L.svd(x)[1],
    "triangular_solve": lambda L, x, y, f: L.triangular_solve(y, x)[0],
    "linalg_cond": lambda L, x, y, f: L.linalg.cond(x),
    "linalg_eig": lambda L, x, y, f: L.linalg.eig(x)[0].real.sum(),
    "linalg_eigvals": lambda L, x, y, f: (L.linalg.eigvals(x) ** 2).sum(),
    "linalg_householder_product": lambda L, x, y, f: L.linalg.householder_product(x, x[0]),
    "linalg_tensorinv": lambda L, x, y, f: L.linalg.tensorinv(x, ind=1),
    "linalg_tensorsolve": lambda L, x, y, f: L.linalg.tensorsolve(x, y[:, 0]),
    "linalg_lstsq": lambda L, x, y, f: L.linalg.lstsq(x, y).solution,
}


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", sorted(AUTOCAST))
def test_autocast_fp32_matches_torch(name, low):
    a = _spd32(3)
    arrays = (a, np.random.randn(3, 2).astype(np.float32),
              np.linalg.cholesky(a).astype(np.float32))
    outs = []
    for lib in (torch, ember):
        dt = getattr(lib, low)
        with lib.autocast("cpu", dtype=dt):
            o = AUTOCAST[name](lib, *(lib.tensor(x).to(dt) for x in arrays))
        outs.append(o)
    t, e = outs
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    # inputs were rounded to the half dtype in both; the rest runs in float32
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=1e-4)


def test_out_arguments_receive_the_results():
    a = _wc(3, 3)
    tA, eA = torch.tensor(a), ember.tensor(a)
    cases = [
        (lambda L, A, o: L.linalg.lu_factor(A, out=o), lambda L: (L.empty(0, dtype=L.float64),
                                                               L.empty(0, dtype=L.int32))),
        (lambda L, A, o: L.linalg.lu(A, out=o), lambda L: tuple(L.empty(0, dtype=L.float64)
                                                                 for _ in range(3))),
        (lambda L, A, o: L.linalg.inv_ex(A, out=o), lambda L: (L.empty(0, dtype=L.float64),
                                                               L.empty(0, dtype=L.int32))),
        (lambda L, A, o: L.linalg.eig(A, out=o), lambda L: (L.empty(0, dtype=L.complex128),
                                                            L.empty(0, dtype=L.complex128))),
        (lambda L, A, o: L.geqrf(A, out=o), lambda L: (L.empty(0, dtype=L.float64),
                                                       L.empty(0, dtype=L.float64))),
    ]
    for fn, make in cases:
        to, eo = make(torch), make(ember)
        tr, er = fn(torch, tA, to), fn(ember, eA, eo)
        for t, e, tb, eb in zip(tr, er, to, eo):
            assert e is eb and t is tb
            np.testing.assert_allclose(np.abs(e.numpy()), np.abs(t.numpy()), rtol=1e-9,
                                       atol=1e-12)


@pytest.mark.parametrize("kind", ["real", "complex_symmetric", "hermitian"])
def test_ldl_factor_pivots_match_lapack(kind):
    """Bunch-Kaufman's pivot choices (1x1, interchanges, 2x2 blocks) equal torch's LAPACK
    over random symmetric matrices, half of them with a small diagonal."""
    herm = kind == "hermitian"
    saw_2x2 = False
    for trial in range(40):
        n = 1 + trial % 7
        a = np.random.randn(n, n)
        if kind != "real":
            a = a + 1j * np.random.randn(n, n)
        if trial % 2:
            a[np.arange(n), np.arange(n)] *= 0.01
        a = a + (a.conj().T if herm else a.T)
        t = torch.linalg.ldl_factor_ex(torch.tensor(a), hermitian=herm)
        e = ember.linalg.ldl_factor_ex(ember.tensor(a), hermitian=herm)
        np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())
        np.testing.assert_allclose(e.LD.numpy(), t.LD.numpy(), rtol=1e-9, atol=1e-11)
        assert int(e.info) == int(t.info)
        saw_2x2 |= bool((t.pivots.numpy() < 0).any())
        b = np.random.randn(n, 2)
        xt = torch.linalg.ldl_solve(t.LD, t.pivots, torch.tensor(b).to(t.LD.dtype),
                                    hermitian=herm)
        xe = ember.linalg.ldl_solve(e.LD, e.pivots, ember.tensor(b).to(e.LD.dtype),
                                    hermitian=herm)
        np.testing.assert_allclose(xe.numpy(), xt.numpy(), rtol=1e-8, atol=1e-10)
    assert saw_2x2


def test_ldl_solve_broadcasts_batches():
    # torch 2.13 crashes when the batch dimensions broadcast, so its expanded inputs are used
    a = np.random.randn(2, 1, 4, 4)
    a = a + np.swapaxes(a, -1, -2)
    b = np.random.randn(3, 4, 2)
    LD, piv = ember.linalg.ldl_factor(ember.tensor(a))
    x = ember.linalg.ldl_solve(LD, piv, ember.tensor(b))
    tLD, tpiv = torch.linalg.ldl_factor(torch.tensor(a))
    xt = torch.linalg.ldl_solve(tLD.expand(2, 3, 4, 4).contiguous(),
                                tpiv.expand(2, 3, 4).contiguous(),
                                torch.tensor(b).expand(2, 3, 4, 2).contiguous())
    np.testing.assert_allclose(x.numpy(), xt.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("which", ["eig", "eigh", "svd"])
def test_phase_dependent_loss_raises_as_torch(which):
    a = _c(3, 3)
    fns = {"eig": lambda L, A: L.linalg.eig(A)[1].real.sum(),
           "eigh": lambda L, A: L.linalg.eigh(A @ A.mH)[1].real.sum(),
           "svd": lambda L, A: L.linalg.svd(A)[0].real.sum()}
    msgs = []
    for lib in (torch, ember):
        A = lib.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            fns[which](lib, A).backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


_LEGACY_CALLS = """
A = lib.eye(2, dtype=lib.float64)
lib.cholesky(A); lib.qr(A); lib.lu(A); lib.triangular_solve(A, A)
lib.lu_solve(A, *lib.linalg.lu_factor(A))
lib.cholesky(A)  # a second call does not warn again
"""


def test_legacy_names_warn_once_with_torchs_text():
    import subprocess
    import sys
    script = ("import warnings, torch\nlib = torch\nwith warnings.catch_warnings(record=True) "
              "as w:\n    warnings.simplefilter('always')\n"
              + "".join("    " + line + "\n" for line in _LEGACY_CALLS.strip().splitlines())
              + "print(repr([str(x.message) for x in w]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    # torch appends where its C++ warning was triggered
    expected = [m.split(" (Triggered internally")[0] for m in eval(out)]  # noqa: S307
    import ember.ops.linalg as ops_linalg
    ops_linalg._WARNED.clear()
    lib = ember  # noqa: F841 - used by the exec'd calls
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        exec(_LEGACY_CALLS)  # noqa: S102
    assert [str(x.message) for x in w] == expected
    # attributed to the caller, not to ember's own frames
    pkg = __import__("os").path.dirname(ember.__file__)
    assert not any(x.filename.startswith(pkg) for x in w)
