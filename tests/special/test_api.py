"""Exceptions, dtypes, gradients torch does not implement, in-place forms and out= for the
special functions, each checked against torch 2.13 on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _both(fn, *arrays, grad=False):
    """fn(lib, *tensors) for ember and torch."""
    out = []
    for lib in (ember, torch):
        ts = [lib.tensor(a, requires_grad=grad) if isinstance(a, np.ndarray) else a
              for a in arrays]
        out.append((fn(lib, *ts), ts))
    return out


def _same_exception(fn, *arrays, grad=False):
    types = []
    for lib in (torch, ember):
        ts = [lib.tensor(a, requires_grad=grad) if isinstance(a, np.ndarray) else a
              for a in arrays]
        with pytest.raises(Exception) as info:
            fn(lib, *ts)
        types.append(type(info.value))
    assert types[0] is types[1], types
    return types[0]


X = np.array([0.7, 1.9, 3.2])


@pytest.mark.parametrize("call", [
    lambda lib, a, x: lib.autograd.grad(lib.igamma(a, x).sum(), [a]),
    lambda lib, a, x: lib.autograd.grad(lib.igammac(a, x).sum(), [a]),
    lambda lib, a, x: lib.autograd.grad(lib.special.zeta(a + 1.5, x).sum(), [a]),
])
def test_unimplemented_derivatives_raise_like_torch(call):
    assert _same_exception(call, X, X, grad=True) is NotImplementedError


def test_bessel_j_is_not_differentiable():
    for name in ("bessel_j0", "bessel_j1"):
        (e, _), (t, _) = _both(lambda lib, x, n=name: getattr(lib.special, n)(x), X, grad=True)
        assert e.requires_grad is t.requires_grad is False
        assert e.grad_fn is None


@pytest.mark.parametrize("name", ["i1", "i1e"])
@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_i1_backward_has_no_half_kernel(name, half):
    def f(lib, x):
        h = x.to(getattr(lib, half)).detach().requires_grad_(True)
        return lib.autograd.grad(getattr(lib.special, name)(h).sum(), [h])
    assert _same_exception(f, X.astype(np.float32)) is NotImplementedError


@pytest.mark.parametrize("name", ["i1", "i1e", "i0", "i0e"])
def test_bessel_i_float32_gradients_and_gradcheck(name):
    x = np.array([-3.5, -0.2, 0.0, 0.4, 2.0, 25.0], dtype=np.float32)
    (e, (ex,)), (t, (tx,)) = _both(lambda lib, a: getattr(lib.special, name)(a), x, grad=True)
    ge, = ember.autograd.grad(e.sum(), [ex])
    gt, = torch.autograd.grad(t.sum(), [tx])
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5, atol=1e-6)
    x64 = ember.tensor(x[x != 0].astype(np.float64), requires_grad=True)
    fn = getattr(ember.special, name)
    assert ember.autograd.gradcheck(fn, [x64])
    assert ember.autograd.gradgradcheck(fn, [x64])


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.lgamma(x), lambda lib, x: lib.digamma(x),
    lambda lib, x: lib.polygamma(2, x), lambda lib, x: lib.mvlgamma(x + 2, 2),
    lambda lib, x: lib.special.i0e(x), lambda lib, x: lib.special.erfcx(x),
    lambda lib, x: lib.special.log_ndtr(x), lambda lib, x: lib.special.ndtri(x / 4 + 0.5),
    lambda lib, x: lib.special.entr(x.abs() + 0.1), lambda lib, x: lib.sinc(x),
    lambda lib, x: lib.special.xlog1py(x, x.abs()),
    lambda lib, x: lib.igamma(x.abs().detach() + 0.5, x.abs() + 0.1),
    lambda lib, x: lib.special.zeta(3.0, x.abs() + 0.5),
])
def test_double_backward_matches_torch(fn):
    x = np.array([-0.7, 0.3, 1.4, 1.9], dtype=np.float64)
    res = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(fn(lib, xt).sum(), [xt], create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), [xt])
        res.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.lgamma(x), lambda lib, x: lib.digamma(x),
    lambda lib, x: lib.polygamma(1, x), lambda lib, x: lib.i0(x), lambda lib, x: lib.sinc(x),
    lambda lib, x: lib.mvlgamma(x, 1), lambda lib, x: lib.special.i1(x),
    lambda lib, x: lib.special.entr(x), lambda lib, x: lib.special.ndtr(x),
    lambda lib, x: lib.special.erfcx(x), lambda lib, x: lib.special.bessel_j0(x),
    lambda lib, x: lib.special.zeta(x, 1.5), lambda lib, x: lib.special.xlog1py(x, 2),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.uint8])
def test_integer_inputs_promote_to_the_default_float(fn, dtype):
    x = np.array([1, 2, 3]).astype(dtype)
    try:
        torch_raised = None
        fn(torch, torch.tensor(x))
    except RuntimeError as exc:  # mvlgamma rejects bool
        torch_raised = exc
    if torch_raised is not None:
        with pytest.raises(RuntimeError):
            fn(ember, ember.tensor(x))
        return
    (e, _), (t, _) = _both(fn, x)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, equal_nan=True)


def test_default_dtype_float64_promotion():
    prev_e, prev_t = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        (e, _), (t, _) = _both(lambda lib, x: lib.lgamma(x), np.array([1, 5]))
        assert e.dtype == ember.float64 and t.dtype == torch.float64
    finally:
        ember.set_default_dtype(prev_e)
        torch.set_default_dtype(prev_t)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.igamma(x, x), lambda lib, x: lib.igammac(x, x),
    lambda lib, x: lib.special.gammainc(x, x),
])
def test_incomplete_gamma_rejects_integers(fn):
    assert _same_exception(fn, np.array([1, 2])) is NotImplementedError


@pytest.mark.parametrize("fn,exc", [
    (lambda lib, x: lib.polygamma(-1, x), RuntimeError),
    (lambda lib, x: x.polygamma_(-2), RuntimeError),
    (lambda lib, x: lib.polygamma(1.0, x), TypeError),
    (lambda lib, x: lib.mvlgamma(x, 0), RuntimeError),
    (lambda lib, x: lib.mvlgamma(x, 1.5), TypeError),
    (lambda lib, x: lib.igamma(x, 2.0), TypeError),
    (lambda lib, x: lib.igamma(2.0, x), TypeError),
    (lambda lib, x: lib.special.xlog1py(2.0, 3.0), TypeError),
    (lambda lib, x: lib.special.zeta(2.0, 3.0), TypeError),
    (lambda lib, x: lib.special.zeta(x.half(), 2.0), NotImplementedError),
    (lambda lib, x: lib.special.zeta(x.bfloat16(), x.bfloat16()), NotImplementedError),
    (lambda lib, x: lib.special.ndtri(x.half()), NotImplementedError),
    (lambda lib, x: lib.special.erfcx(x.bfloat16()), NotImplementedError),
    (lambda lib, x: lib.special.log_ndtr(x.half()), NotImplementedError),
    (lambda lib, x: lib.special.bessel_j1(x.half()), NotImplementedError),
    (lambda lib, x: lib.lgamma(x.to(lib.complex64)), NotImplementedError),
    (lambda lib, x: lib.digamma(x.to(lib.complex128)), NotImplementedError),
    (lambda lib, x: lib.i0(x.to(lib.complex64)), NotImplementedError),
    (lambda lib, x: lib.special.round(x.long()), NotImplementedError),
    (lambda lib, x: x.long().lgamma_(), RuntimeError),
    (lambda lib, x: x.long().mvlgamma_(2), RuntimeError),
    (lambda lib, x: lib.lgamma(x, out=lib.empty(3, dtype=lib.int64)), RuntimeError),
    (lambda lib, x: lib.polygamma(2, x, out=lib.empty(3, dtype=lib.int64)), RuntimeError),
])
def test_errors_match_torch(fn, exc):
    assert _same_exception(fn, X.astype(np.float32)) is exc


def test_inplace_on_a_leaf_requiring_grad_raises():
    for name in ("lgamma_", "digamma_", "i0_", "sinc_"):
        assert _same_exception(lambda lib, x, n=name: getattr(x, n)(), X, grad=True) \
            is RuntimeError


@pytest.mark.parametrize("name,args", [
    ("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)), ("i0_", ()), ("sinc_", ()),
    ("mvlgamma_", (2,)), ("igamma_", ("other",)), ("igammac_", ("other",)),
])
def test_inplace_forms_write_and_differentiate(name, args):
    x = np.array([1.2, 2.5, 3.7])
    o = np.array([0.5, 2.0, 4.0])
    res = []
    for lib in (ember, torch):
        # igamma has no derivative for its first argument: only ``other`` requires grad
        leaf = lib.tensor(x, requires_grad=not name.startswith("igamma"))
        other = lib.tensor(o, requires_grad=True)
        y = leaf * 1
        r = getattr(y, name)(*[other if a == "other" else a for a in args])
        assert r is y
        wrt = [other] if name.startswith("igamma") else [leaf]
        g, = lib.autograd.grad(y.sum(), wrt)
        res.append((y.detach().numpy(), g.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-9)


def test_out_argument_and_broadcasting():
    a = np.array([[1.5], [2.5]])
    x = np.array([0.5, 1.0, 3.0])
    for fn in (lambda lib, a, x, out: lib.igamma(a, x, out=out),
               lambda lib, a, x, out: lib.special.zeta(a + 1, x, out=out),
               lambda lib, a, x, out: lib.special.xlog1py(a, x, out=out)):
        (e, _), (t, _) = _both(
            lambda lib, a, x, fn=fn: fn(lib, a, x, lib.empty(0, dtype=lib.float64)), a, x)
        assert tuple(e.shape) == tuple(t.shape) == (2, 3)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-9)


def test_special_namespace_covers_torch_names():
    names = ["gammaln", "digamma", "psi", "polygamma", "multigammaln", "erf", "erfc", "erfcx",
             "erfinv", "expit", "logit", "exp2", "expm1", "log1p", "xlogy", "xlog1py", "entr",
             "ndtr", "ndtri", "log_ndtr", "i0", "i0e", "i1", "i1e", "sinc", "round", "softmax",
             "log_softmax", "logsumexp", "gammainc", "gammaincc", "zeta", "bessel_j0",
             "bessel_j1"]
    for n in names:
        assert hasattr(torch.special, n), n
        assert callable(getattr(ember.special, n)), n
    for n in ("lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "igamma", "igammac"):
        assert callable(getattr(ember, n)) and hasattr(torch, n), n
        assert hasattr(ember.Tensor, n) and hasattr(ember.Tensor, n + "_"), n


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_values_at_poles_and_overflow(half):
    x = np.array([0.0, -1.0, -2.0, 0.01, 1e-3, 7.5, -3.5], dtype=np.float32)
    for fn in (lambda lib, a: lib.lgamma(a), lambda lib, a: lib.digamma(a),
               lambda lib, a: lib.polygamma(1, a), lambda lib, a: lib.polygamma(3, a),
               lambda lib, a: lib.i0(a * 20)):
        (e, _), (t, _) = _both(lambda lib, a, fn=fn: fn(lib, a.to(getattr(lib, half))), x)
        en, tn = e.float().numpy(), t.float().numpy()
        np.testing.assert_array_equal(np.isinf(en), np.isinf(tn))
        np.testing.assert_allclose(en, tn, rtol=1e-2, equal_nan=True)


def test_trigamma_at_negative_integers_follows_torch():
    # torch's reflection gives pi^2 / sin(pi x)^2 there (finite), in the kernel's precision
    for dt in (np.float64, np.float32):
        x = np.array([0.0, -1.0, -2.0, -5.0], dtype=dt)
        (e, _), (t, _) = _both(lambda lib, a: lib.polygamma(1, a), x)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_unsupported_input_gradient_raises_only_when_needed(name):
    # torch computes only the gradients the backward pass needs: autograd.grad wrt x alone
    # works while ``a`` requires grad; asking for a's gradient raises NotImplementedError
    out = {}
    for lib in (ember, torch):
        a = lib.tensor([2.0, 0.7], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([1.5, 2.5], dtype=lib.float64, requires_grad=True)
        y = getattr(lib, name)(a, x).sum()
        out[lib] = lib.autograd.grad(y, x, retain_graph=True)[0].detach().numpy()
        with pytest.raises(NotImplementedError, match=f"the derivative for '{name}: input'"):
            y.backward()
    np.testing.assert_allclose(out[ember], out[torch], rtol=1e-10)
