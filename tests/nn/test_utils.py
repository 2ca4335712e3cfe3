"""nn.utils against torch: clipping, parameter vectors, weight/spectral norm, parametrize,
fusion."""

import math

import numpy as np
import pytest
import torch

import ember
from ember.nn import utils as U
from ember.nn.utils import parametrizations as PZ
from ember.nn.utils import parametrize as P
from tests.nn.helpers import copy_params, to_ember_state


def _params_with_grads(seed=0, scale=1.0, extra=None):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s).astype(np.float32) * scale for s in ((3, 4), (5,), (2, 2))]
    if extra is not None:
        grads[0][0, 0] = extra
    out = {}
    for lib in (ember, torch):
        ps = [lib.nn.Parameter(lib.zeros(*g.shape)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        out[lib] = ps
    # a parameter without grad is skipped
    out[ember].append(ember.nn.Parameter(ember.zeros(2)))
    out[torch].append(torch.nn.Parameter(torch.zeros(2)))
    return out[ember], out[torch]


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    e, t = _params_with_grads()
    en = U.clip_grad_norm_(e, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type)
    np.testing.assert_allclose(en.item(), tn.item(), rtol=1e-5)
    assert en.dtype == ember.float32
    for a, b in zip(e, t):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_generator_and_empty():
    e, t = _params_with_grads()
    en = U.clip_grad_norm_(e[0], 1.0)
    tn = torch.nn.utils.clip_grad_norm_(t[0], 1.0)
    np.testing.assert_allclose(en.item(), tn.item(), rtol=1e-6)
    e, t = _params_with_grads()
    en = U.clip_grad_norm_((p for p in e), 1.0)
    tn = torch.nn.utils.clip_grad_norm_((p for p in t), 1.0)
    np.testing.assert_allclose(en.item(), tn.item(), rtol=1e-6)
    assert U.clip_grad_norm_([], 1.0).item() == 0.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_clip_grad_norm_nonfinite(bad):
    e, t = _params_with_grads(extra=bad)
    with pytest.raises(RuntimeError) as te:
        torch.nn.utils.clip_grad_norm_(t, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as ee:
        U.clip_grad_norm_(e, 1.0, error_if_nonfinite=True)
    assert str(ee.value) == str(te.value)
    e, t = _params_with_grads(extra=bad)
    en = U.clip_grad_norm_(e, 1.0)
    tn = torch.nn.utils.clip_grad_norm_(t, 1.0)
    assert str(en.item()) == str(tn.item())
    np.testing.assert_array_equal(e[1].grad.numpy(), t[1].grad.numpy())


def test_clip_grad_value():
    e, t = _params_with_grads(scale=3.0)
    assert U.clip_grad_value_(e, 1.5) is None
    torch.nn.utils.clip_grad_value_(t, 1.5)
    for a, b in zip(e, t):
        if b.grad is not None:
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_vector_roundtrip():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    em = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Linear(4, 2))
    copy_params(em, tm)
    ev = U.parameters_to_vector(em.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
    ev.sum().backward()  # differentiable
    assert em[0].weight.grad is not None
    new = ember.arange(ev.numel(), dtype=ember.float32)
    U.vector_to_parameters(new, em.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(tv.numel(), dtype=torch.float32),
                                        tm.parameters())
    for (_n, a), (_, b) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert isinstance(a, ember.nn.Parameter)
    with pytest.raises(TypeError):
        U.vector_to_parameters([1.0], em.parameters())


def _same_fwd_bwd(em, tm, x, rtol=1e-5):
    eo = em(ember.tensor(x))
    to = tm(torch.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hook(dim):
    torch.manual_seed(0)
    tm = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4), dim=dim)
    em = U.weight_norm(ember.nn.Linear(3, 4), dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [tuple(v.shape) for v in em.state_dict().values()] == \
        [tuple(v.shape) for v in tm.state_dict().values()]
    em.load_state_dict(to_ember_state(tm))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    _same_fwd_bwd(em, tm, x)
    U.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-5)
    with pytest.raises(ValueError):
        U.remove_weight_norm(em)


def test_weight_norm_parametrization():
    torch.manual_seed(0)
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4))
    em = PZ.weight_norm(ember.nn.Linear(3, 4))
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict(to_ember_state(tm))
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    _same_fwd_bwd(em, tm, x)
    # the old hook-based keys load through the compat hook
    old = U.weight_norm(ember.nn.Linear(3, 4))
    em2 = PZ.weight_norm(ember.nn.Linear(3, 4))
    em2.load_state_dict(old.state_dict())
    np.testing.assert_allclose(em2.weight.detach().numpy(), old.weight.detach().numpy(),
                               rtol=1e-6)


def test_spectral_norm_hook_and_parametrization():
    for make_e, make_t in ((U.spectral_norm, torch.nn.utils.spectral_norm),
                           (PZ.spectral_norm, torch.nn.utils.parametrizations.spectral_norm)):
        torch.manual_seed(0)
        tm = make_t(torch.nn.Linear(6, 5))
        em = make_e(ember.nn.Linear(6, 5))
        assert list(em.state_dict()) == list(tm.state_dict())
        em.load_state_dict(to_ember_state(tm))
        tm.eval()
        em.eval()
        x = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
        _same_fwd_bwd(em, tm, x, rtol=1e-4)
        # training-mode power iterations converge to the top singular value = 1
        em.train()
        for _ in range(30):
            em(ember.tensor(x))
        w = em.weight.detach().numpy()
        np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False)[0], 1.0, rtol=1e-3)
    U.remove_spectral_norm(U.spectral_norm(ember.nn.Linear(2, 2)))
    with pytest.raises(ValueError):
        U.remove_spectral_norm(ember.nn.Linear(2, 2))


class _Sym(ember.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class _Scale(ember.nn.Module):
    def forward(self, X):
        return X * 2

    def right_inverse(self, X):
        return X / 2


def test_parametrize_register_remove_cached():
    m = ember.nn.Linear(3, 3)
    w0 = m.weight.detach().numpy().copy()
    P.register_parametrization(m, "weight", _Sym())
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
    assert not P.is_parametrized(m, "bias")
    assert type(m).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(m) is ember.nn.Linear
    W = m.weight.detach().numpy()
    np.testing.assert_allclose(W, W.T)
    np.testing.assert_allclose(np.triu(W), np.triu(w0))
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    m(ember.randn(2, 3)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    with P.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    P.register_parametrization(m, "bias", _Scale())
    b = m.bias.detach().numpy().copy()
    m.bias = ember.ones(3)  # goes through right_inverse
    np.testing.assert_allclose(m.bias.detach().numpy(), np.ones(3))
    np.testing.assert_allclose(m.parametrizations.bias.original.detach().numpy(), 0.5)
    _ = b
    orig = m.parametrizations.weight.original
    P.remove_parametrizations(m, "weight", leave_parametrized=True)
    assert isinstance(m.weight, ember.nn.Parameter) and m.weight is orig
    np.testing.assert_allclose(m.weight.detach().numpy(), W)
    P.remove_parametrizations(m, "bias", leave_parametrized=False)
    assert type(m) is ember.nn.Linear and "parametrizations" not in m._modules
    np.testing.assert_allclose(m.bias.detach().numpy(), 0.5)
    with pytest.raises(ValueError):
        P.remove_parametrizations(m, "weight")
    with pytest.raises(ValueError):
        P.register_parametrization(m, "nope", _Sym())


def test_parametrize_repr_and_chain_match_torch():
    class TSym(torch.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    tm = torch.nn.Linear(3, 3)
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", TSym())
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", TSym())
    em = ember.nn.Linear(3, 3)
    P.register_parametrization(em, "weight", _Sym())
    P.register_parametrization(em, "weight", _Sym())
    assert repr(em).replace("_Sym", "TSym") == repr(tm)


def _conv_bn(lib, transpose=False):
    nn = lib.nn
    conv = (nn.ConvTranspose2d(3, 4, 3) if transpose else nn.Conv2d(3, 4, 3, bias=False))
    bn = nn.BatchNorm2d(4)
    with lib.no_grad():
        bn.running_mean.copy_(lib.linspace(-1, 1, 4))
        bn.running_var.copy_(lib.linspace(0.5, 2, 4))
        bn.weight.copy_(lib.linspace(0.5, 1.5, 4))
        bn.bias.copy_(lib.linspace(-0.2, 0.2, 4))
    return conv.eval(), bn.eval()


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    torch.manual_seed(0)
    tc, tb = _conv_bn(torch, transpose)
    ec, eb = _conv_bn(ember, transpose)
    copy_params(ec, tc)
    copy_params(eb, tb)
    ef = U.fuse_conv_bn_eval(ec, eb, transpose=transpose)
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    for n, p in tf.named_parameters():
        np.testing.assert_allclose(getattr(ef, n).detach().numpy(), p.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        assert isinstance(getattr(ef, n), ember.nn.Parameter)
    x = np.random.default_rng(0).standard_normal((2, 3 if not transpose else 3, 6, 6))
    x = x.astype(np.float32)
    np.testing.assert_allclose(ef(ember.tensor(x)).detach().numpy(),
                               eb(ec(ember.tensor(x))).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert ec.bias is None or ec.bias is not ef.bias  # original untouched
    with pytest.raises(AssertionError):
        U.fuse_conv_bn_eval(ec.train(), eb)


def test_fuse_conv_bn_weights_raw_and_linear_bn():
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3, 3, 3), (4,), (4,))]
    rv = rng.uniform(0.5, 2, 4).astype(np.float32)
    e = U.fuse_conv_bn_weights(*(ember.tensor(a) for a in arrs[:3]), ember.tensor(rv), 1e-5,
                               None, None)
    t = torch.nn.utils.fuse_conv_bn_weights(*(torch.tensor(a) for a in arrs[:3]),
                                            torch.tensor(rv), 1e-5, None, None)
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    torch.manual_seed(0)
    tl, tb = torch.nn.Linear(3, 4).eval(), torch.nn.BatchNorm1d(4).eval()
    with torch.no_grad():
        tb.running_var.copy_(torch.linspace(0.5, 2, 4))
        tb.running_mean.copy_(torch.linspace(-1, 1, 4))
    el, eb = ember.nn.Linear(3, 4).eval(), ember.nn.BatchNorm1d(4).eval()
    copy_params(el, tl)
    copy_params(eb, tb)
    ef = U.fuse_linear_bn_eval(el, eb)
    tf = torch.nn.utils.fuse_linear_bn_eval(tl, tb)
    for n, p in tf.named_parameters():
        np.testing.assert_allclose(getattr(ef, n).detach().numpy(), p.detach().numpy(),
                                   rtol=1e-5, atol=1e-7)
    assert math.isfinite(float(ef.weight.sum()))
