"""Transforms vs torch: forward, inverse, log_abs_det_jacobian and their gradients,
domains/codomains, caching, inversion, composition, shapes; TransformedDistribution."""

import numpy as np
import pytest
import torch
import torch.distributions as TD
from torch.distributions import transforms as TT

import ember
import ember.distributions as ED
from ember.distributions import transforms as ET

from .helpers import DTYPES, assert_close, call, pair

R = np.random.RandomState(4)


def _make(name, mod, dtype):
    if name == "Affine":
        lib = ember if mod is ET else torch
        return mod.AffineTransform(lib.tensor(np.array([0.5, -1.0, 2.0], dtype=dtype)),
                                   lib.tensor(np.array([2.0, -0.5, 1.5], dtype=dtype)))
    if name == "AffineScalar":
        return mod.AffineTransform(1.0, -3.0)
    if name == "AffineEvent":
        lib = ember if mod is ET else torch
        return mod.AffineTransform(0.0, lib.tensor(np.array([2.0, 0.5, 3.0], dtype=dtype)),
                                   event_dim=1)
    if name == "Power":
        lib = ember if mod is ET else torch
        return mod.PowerTransform(lib.tensor(np.array(2.5, dtype=dtype)))
    if name == "Compose":
        lib = ember if mod is ET else torch
        return mod.ComposeTransform([mod.AffineTransform(0.2, 2.0), mod.ExpTransform(),
                                     mod.PowerTransform(lib.tensor(np.array(0.5,
                                                                            dtype=dtype)))])
    if name == "Independent":
        return mod.IndependentTransform(mod.ExpTransform(), 1)
    return getattr(mod, name + "Transform")()


# name, input sampler (domain), bijective
CASES = {
    "Exp": lambda: R.randn(4, 3),
    "Sigmoid": lambda: 2 * R.randn(4, 3),
    "Tanh": lambda: R.randn(4, 3),
    "Softplus": lambda: 2 * R.randn(4, 3),
    "Affine": lambda: R.randn(4, 3),
    "AffineScalar": lambda: R.randn(4, 3),
    "AffineEvent": lambda: R.randn(4, 3),
    "Power": lambda: R.uniform(0.2, 3, (4, 3)),
    "StickBreaking": lambda: R.randn(4, 3),
    "Compose": lambda: R.randn(4, 3),
    "Independent": lambda: R.randn(4, 3),
    "LowerCholesky": lambda: R.randn(2, 3, 3),
    "Abs": lambda: R.randn(4, 3),
    "Softmax": lambda: R.randn(4, 3),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(CASES))
def test_transform(name, dtype):
    et, tt = _make(name, ET, dtype), _make(name, TT, dtype)
    assert repr(et.domain) == repr(tt.domain)
    assert repr(et.codomain) == repr(tt.codomain)
    assert et.bijective == tt.bijective
    assert et.domain.event_dim == tt.domain.event_dim
    assert et.codomain.event_dim == tt.codomain.event_dim
    ex, tx = pair(CASES[name](), dtype, requires_grad=True)
    ey, ty = et(ex), tt(tx)
    assert_close(ey, ty, dtype, what=f"{name} forward")
    assert tuple(et.forward_shape(ex.shape)) == tuple(tt.forward_shape(tx.shape))
    w = R.rand(*ty.shape)
    (gx_e,) = ember.autograd.grad((ey * ember.tensor(w, dtype=ey.dtype)).sum(), [ex],
                                  retain_graph=True)
    (gx_t,) = torch.autograd.grad((ty * torch.tensor(w, dtype=ty.dtype)).sum(), [tx],
                                  retain_graph=True)
    assert_close(gx_e, gx_t, dtype, what=f"{name} forward grad")
    # the inverse on fresh values (no cache): the torch inverse of torch's output
    ey2, ty2 = pair(ty.detach().numpy(), dtype, requires_grad=True)
    assert_close(et.inv(ey2), tt.inv(ty2), dtype, what=f"{name} inverse",
                 **({"rtol": 1e-4, "atol": 1e-5} if dtype is np.float32 else {}))
    if tt.bijective:
        el, tl = et.log_abs_det_jacobian(ex, ey), tt.log_abs_det_jacobian(tx, ty)
        assert_close(el, tl, dtype, what=f"{name} ladj")
        assert el.requires_grad == tl.requires_grad
        if tl.requires_grad:
            (ge,) = ember.autograd.grad(el.sum(), [ex])
            (gt,) = torch.autograd.grad(tl.sum(), [tx])
            assert_close(ge, gt, dtype, what=f"{name} ladj grad")
        eil = et.inv.log_abs_det_jacobian(ey2, et.inv(ey2))
        til = tt.inv.log_abs_det_jacobian(ty2, tt.inv(ty2))
        assert_close(eil, til, dtype, what=f"{name} inverse ladj",
                     **({"rtol": 1e-4, "atol": 1e-4} if dtype is np.float32 else {}))
        if not isinstance(tt, (TT.ComposeTransform, TT.IndependentTransform)):
            s_e, s_t = call(et, "sign"), call(tt, "sign")
            if isinstance(s_t, torch.Tensor):
                assert_close(s_e, s_t, dtype)
            else:
                assert s_e == s_t


def test_cache_inverse_and_equality():
    t = ET.TanhTransform(cache_size=1)
    x = ember.tensor([30.0, -30.0, 0.3], dtype=ember.float64)
    y = t(x)
    assert t.inv(y) is x  # cached: exact even where tanh saturates
    assert ET.TanhTransform().inv(y).isinf().any()
    e = ET.ExpTransform()
    assert e.inv.inv is e
    assert e == ET.ExpTransform() and e != ET.SigmoidTransform()
    assert e.inv == ET.ExpTransform().inv
    assert ET.AffineTransform(1.0, 2.0) == ET.AffineTransform(1.0, 2.0)
    assert ET.AffineTransform(1.0, 2.0) != ET.AffineTransform(1.0, 3.0)
    with pytest.raises(ValueError, match="cache_size"):
        ET.ExpTransform(cache_size=2)
    with pytest.raises(ValueError):
        TT.ExpTransform(cache_size=2)
    assert ET.ExpTransform().with_cache(1)._cache_size == 1
    c = ET.ComposeTransform([ET.ExpTransform(), ET.AffineTransform(0.0, 2.0)])
    assert c.inv.inv is c
    assert ET.identity_transform(x) is x
    assert repr(ET.ExpTransform().inv) == repr(TT.ExpTransform().inv)
    assert repr(ET.StickBreakingTransform()) == repr(TT.StickBreakingTransform())


def test_reshape_transform():
    et, tt = ET.ReshapeTransform((2, 3), (6,)), TT.ReshapeTransform((2, 3), (6,))
    ex, tx = pair(R.randn(4, 2, 3), np.float64)
    assert_close(et(ex), tt(tx))
    assert_close(et.log_abs_det_jacobian(ex, et(ex)), tt.log_abs_det_jacobian(tx, tt(tx)))
    assert tuple(et.forward_shape((5, 2, 3))) == tuple(tt.forward_shape((5, 2, 3)))
    assert tuple(et.inverse_shape((5, 6))) == tuple(tt.inverse_shape((5, 6)))
    with pytest.raises(ValueError):
        ET.ReshapeTransform((2, 3), (5,))


def test_compose_event_dims():
    def mk(mod, parts):
        out = []
        for p in parts:
            if p == "Affine":
                out.append(mod.AffineTransform(0.0, 2.0))
            else:
                out.append(getattr(mod, p + "Transform")())
        return mod.ComposeTransform(out)

    for parts in (["Exp", "StickBreaking"], ["StickBreaking", "Exp"], ["Affine", "Softmax"]):
        e, t = mk(ET, parts), mk(TT, parts)
        assert repr(e.domain) == repr(t.domain)
        assert repr(e.codomain) == repr(t.codomain)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_transformed_distribution(dtype):
    eloc, tloc = pair(R.randn(3), dtype, True)
    esc, tsc = pair(R.uniform(0.5, 2, 3), dtype, True)
    ed = ED.TransformedDistribution(ED.Normal(eloc, esc),
                                    [ET.AffineTransform(1.0, -2.0), ET.SigmoidTransform()])
    td = TD.TransformedDistribution(TD.Normal(tloc, tsc),
                                    [TT.AffineTransform(1.0, -2.0), TT.SigmoidTransform()])
    ev, tv = pair(R.uniform(0.05, 0.95, (4, 3)), dtype)
    el, tl = ed.log_prob(ev), td.log_prob(tv)
    assert_close(el, tl, dtype, **({"rtol": 1e-4} if dtype is np.float32 else {}))
    assert_close(ed.cdf(ev), td.cdf(tv), dtype, **({"rtol": 1e-4} if dtype is np.float32
                                                     else {}))
    assert_close(ed.icdf(ev), td.icdf(tv), dtype, **({"rtol": 1e-4} if dtype is np.float32
                                                       else {}))
    ge = ember.autograd.grad(el.sum(), [eloc, esc])
    gt = torch.autograd.grad(tl.sum(), [tloc, tsc])
    for a, b in zip(ge, gt):
        assert_close(a, b, dtype, **({"rtol": 1e-4, "atol": 1e-4} if dtype is np.float32
                                     else {}))
    assert repr(ed.support) == repr(td.support)
    s = ed.rsample((5,))
    assert tuple(s.shape) == (5, 3) and s.requires_grad
    assert bool(ed.support.check(s).all())
    assert tuple(ed.expand((2, 3)).batch_shape) == (2, 3)


def test_transformed_distribution_event_shapes():
    # a vector transform on a batch of scalars turns the batch dim into an event dim
    e = ED.TransformedDistribution(ED.Normal(ember.zeros(4), ember.ones(4)),
                                   ET.StickBreakingTransform())
    t = TD.TransformedDistribution(TD.Normal(torch.zeros(4), torch.ones(4)),
                                   TT.StickBreakingTransform())
    assert tuple(e.batch_shape) == tuple(t.batch_shape)
    assert tuple(e.event_shape) == tuple(t.event_shape) == (5,)
    x = np.exp(R.randn(2, 5))
    ev, tv = pair(x / x.sum(-1, keepdims=True), np.float32)
    assert_close(e.log_prob(ev), t.log_prob(tv), np.float32, rtol=1e-4)
    assert tuple(e.sample((3,)).shape) == (3, 5)
    with pytest.raises(ValueError):
        ED.TransformedDistribution(ED.Normal(0.0, 1.0), "exp")


def test_corr_cholesky_and_positive_definite():
    ex, tx = pair(R.randn(2, 6), np.float64, True)
    et, tt = ET.CorrCholeskyTransform(), TT.CorrCholeskyTransform()
    ey, ty = et(ex), tt(tx)
    assert_close(ey, ty)
    assert bool(ED.constraints.corr_cholesky.check(ey).all())
    assert_close(et.log_abs_det_jacobian(ex, ey), tt.log_abs_det_jacobian(tx, ty))
    assert_close(et.inv(ey.detach()), tt.inv(ty.detach()), rtol=1e-8)
    ge = ember.autograd.grad(et.log_abs_det_jacobian(ex, ey).sum() + ey.sum(), [ex])
    gt = torch.autograd.grad(tt.log_abs_det_jacobian(tx, ty).sum() + ty.sum(), [tx])
    assert_close(ge[0], gt[0])
    assert tuple(et.forward_shape((4, 6))) == (4, 4, 4)
    assert tuple(et.inverse_shape((4, 4, 4))) == (4, 6)
    ex, tx = pair(R.randn(2, 3, 3), np.float64, True)
    ep, tp = ET.PositiveDefiniteTransform(), TT.PositiveDefiniteTransform()
    assert_close(ep(ex), tp(tx))
    assert_close(ep.inv(ep(ex)), tp.inv(tp(tx)), rtol=1e-8)


def test_cat_and_stack_transforms():
    ex, tx = pair(R.randn(4, 5), np.float64, True)
    ec = ET.CatTransform([ET.ExpTransform(), ET.AffineTransform(1.0, 2.0)], dim=1,
                         lengths=[2, 3])
    tc = TT.CatTransform([TT.ExpTransform(), TT.AffineTransform(1.0, 2.0)], dim=1,
                         lengths=[2, 3])
    ey, ty = ec(ex), tc(tx)
    assert_close(ey, ty)
    assert_close(ec.inv(ey), tc.inv(ty))
    assert_close(ec.log_abs_det_jacobian(ex, ey), tc.log_abs_det_jacobian(tx, ty))
    np.testing.assert_array_equal(ec.domain.check(ex).numpy(), tc.domain.check(tx).numpy())
    es = ET.StackTransform([ET.ExpTransform(), ET.SigmoidTransform()], dim=0)
    ts = TT.StackTransform([TT.ExpTransform(), TT.SigmoidTransform()], dim=0)
    ex, tx = pair(R.randn(2, 3), np.float64, True)
    assert_close(es(ex), ts(tx))
    assert_close(es.log_abs_det_jacobian(ex, es(ex)), ts.log_abs_det_jacobian(tx, ts(tx)))
    assert_close(es.inv(es(ex)), ts.inv(ts(tx)))
    with pytest.raises(ValueError):
        ec(ember.zeros(4, 4))


REG = [
    ("real", ()), ("positive", ()), ("nonnegative", ()), ("unit_interval", ()),
    ("simplex", ()), ("real_vector", ()), ("lower_cholesky", ()), ("corr_cholesky", ()),
    ("greater_than", (2.0,)), ("less_than", (-1.0,)), ("interval", (-1.0, 3.0)),
    ("half_open_interval", (0.0, 2.0)), ("positive_definite", ()),
]


@pytest.mark.parametrize("name,args", REG, ids=[r[0] for r in REG])
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry(name, args, registry):
    ec, tc = getattr(ED.constraints, name), getattr(TD.constraints, name)
    if args:
        ec, tc = ec(*args), tc(*args)
    ereg, treg = getattr(ED, registry), getattr(TD, registry)
    try:
        tt = treg(tc)
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            ereg(ec)
        return
    et = ereg(ec)
    assert repr(et) == repr(tt)
    shape = {"simplex": (3, 4), "real_vector": (3, 4), "corr_cholesky": (3, 6),
             "lower_cholesky": (2, 3, 3), "positive_definite": (2, 3, 3)}.get(name, (5,))
    ex, tx = pair(R.randn(*shape), np.float64)
    ey, ty = et(ex), tt(tx)
    assert_close(ey, ty, rtol=1e-9, atol=1e-12)
    assert bool(ec.check(ey).all())
