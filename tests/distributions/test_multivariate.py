"""MultivariateNormal (three parameterizations), MixtureSameFamily, Independent and the
relaxed distributions vs torch: values and gradients."""

import numpy as np
import pytest
import torch

import ember
import ember.distributions as ED

from .helpers import DTYPES, assert_close, compare, pair

R = np.random.RandomState(2)


def _spd(*batch, n=3):
    a = R.randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _mvn(param, dtype, loc_batch=(2,), mat_batch=()):
    loc = R.randn(*loc_batch, 3)
    cov = _spd(*mat_batch)
    mats = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
            "scale_tril": np.linalg.cholesky(cov)}
    el, tl = {}, {}
    el["loc"], tl["loc"] = pair(loc, dtype, True)
    el[param], tl[param] = pair(mats[param], dtype, True)
    ed = ED.MultivariateNormal(el["loc"], **{param: el[param]})
    td = torch.distributions.MultivariateNormal(tl["loc"], **{param: tl[param]})
    return ed, td, el, tl


PARAMS = ["covariance_matrix", "precision_matrix", "scale_tril"]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("batches", [((2,), ()), ((), (2,)), ((4, 1), (2,))])
def test_mvn_values_and_grads(param, dtype, batches):
    ed, td, el, tl = _mvn(param, dtype, *batches)
    assert tuple(ed.batch_shape) == tuple(td.batch_shape)
    assert tuple(ed.event_shape) == tuple(td.event_shape) == (3,)
    tol = {"rtol": 2e-4, "atol": 2e-4} if dtype is np.float32 else {}
    # float32: a general LU solve here vs torch's triangular solve rounds differently
    v = pair(R.randn(5, *ed.batch_shape, 3), dtype)
    for attr in ["mean", "mode", "variance", "stddev", "scale_tril", "covariance_matrix",
                 "precision_matrix"]:
        compare(ed, td, el, tl, attr, dtype, what=param, **tol)
    compare(ed, td, el, tl, "log_prob", dtype, v, what=param, **tol)
    compare(ed, td, el, tl, "entropy", dtype, what=param, **tol)


def test_mvn_rsample_gradient_matches_reparameterization():
    ed, td, el, tl = _mvn("scale_tril", np.float64)
    ember.manual_seed(3)
    x = ed.rsample((4,))
    ember.manual_seed(3)
    eps = ember.randn(4, 2, 3, dtype=ember.float64)
    (x * x).sum().backward()
    L = el["scale_tril"].detach().numpy()
    loc = el["loc"].detach().numpy()
    xs = loc + np.einsum("ij,sbj->sbi", L, eps.numpy())
    np.testing.assert_allclose(x.detach().numpy(), xs, rtol=1e-12)
    np.testing.assert_allclose(el["loc"].grad.numpy(), (2 * xs).sum(0), rtol=1e-12)
    gl = np.einsum("sbi,sbj->ij", 2 * xs, eps.numpy())
    np.testing.assert_allclose(el["scale_tril"].grad.numpy(), gl, rtol=1e-12)


def test_mvn_expand_and_errors():
    ed, td, _, _ = _mvn("covariance_matrix", np.float64)
    ee, te = ed.expand((4, 2)), td.expand((4, 2))
    assert tuple(ee.batch_shape) == tuple(te.batch_shape)
    v = pair(R.randn(4, 2, 3), np.float64)
    assert_close(ee.log_prob(v[0]), te.log_prob(v[1]))
    assert tuple(ee.sample((5,)).shape) == (5, 4, 2, 3)
    loc = ember.zeros(3)
    with pytest.raises(ValueError, match="Exactly one"):
        ED.MultivariateNormal(loc)
    with pytest.raises(ValueError, match="Exactly one"):
        ED.MultivariateNormal(loc, ember.eye(3), scale_tril=ember.eye(3))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        ED.MultivariateNormal(ember.tensor(0.0), ember.eye(1))
    with pytest.raises(ValueError, match="covariance_matrix"):
        ED.MultivariateNormal(loc, -ember.eye(3))
    with pytest.raises(ValueError, match="scale_tril"):
        ED.MultivariateNormal(loc, scale_tril=ember.ones(3, 3))
    with pytest.raises(ValueError):
        torch.distributions.MultivariateNormal(torch.zeros(3), scale_tril=torch.ones(3, 3))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_mixture_same_family(dtype):
    logits = R.randn(2, 3)
    loc, scale = R.randn(2, 3), R.uniform(0.5, 2, (2, 3))
    el, tl = {}, {}
    for k, v in dict(logits=logits, loc=loc, scale=scale).items():
        el[k], tl[k] = pair(v, dtype, True)
    ed = ED.MixtureSameFamily(ED.Categorical(logits=el["logits"]),
                              ED.Normal(el["loc"], el["scale"]))
    td = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(logits=tl["logits"]),
        torch.distributions.Normal(tl["loc"], tl["scale"]))
    assert tuple(ed.batch_shape) == tuple(td.batch_shape) == (2,)
    v = pair(R.randn(5, 2), dtype)
    for attr in ["mean", "variance"]:
        compare(ed, td, el, tl, attr, dtype)
    compare(ed, td, el, tl, "log_prob", dtype, v)
    compare(ed, td, el, tl, "cdf", dtype, v)
    assert tuple(ed.sample((4,)).shape) == tuple(td.sample((4,)).shape)
    assert tuple(ed.expand((3, 2)).sample().shape) == (3, 2)


def test_mixture_of_independent_mvn_like():
    # event dims: a mixture of 2-d diagonal normals
    logits = R.randn(3)
    loc, scale = R.randn(3, 2), R.uniform(0.5, 2, (3, 2))
    e = [pair(a, np.float64) for a in (logits, loc, scale)]
    ed = ED.MixtureSameFamily(ED.Categorical(logits=e[0][0]),
                              ED.Independent(ED.Normal(e[1][0], e[2][0]), 1))
    td = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(logits=e[0][1]),
        torch.distributions.Independent(torch.distributions.Normal(e[1][1], e[2][1]), 1))
    v = pair(R.randn(4, 2), np.float64)
    assert_close(ed.log_prob(v[0]), td.log_prob(v[1]))
    assert_close(ed.mean, td.mean)
    assert_close(ed.variance, td.variance)
    assert tuple(ed.sample((5,)).shape) == (5, 2)
    with pytest.raises(ValueError):
        ED.MixtureSameFamily(ED.Categorical(logits=ember.zeros(4)), ED.Normal(loc, 1.0))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_independent(dtype):
    el, tl = {}, {}
    for k, v in dict(loc=R.randn(2, 3), scale=R.uniform(0.5, 2, (2, 3))).items():
        el[k], tl[k] = pair(v, dtype, True)
    ed = ED.Independent(ED.Normal(el["loc"], el["scale"]), 1)
    td = torch.distributions.Independent(torch.distributions.Normal(tl["loc"], tl["scale"]), 1)
    assert (tuple(ed.batch_shape), tuple(ed.event_shape)) == ((2,), (3,))
    v = pair(R.randn(4, 2, 3), dtype)
    compare(ed, td, el, tl, "log_prob", dtype, v)
    compare(ed, td, el, tl, "entropy", dtype)
    compare(ed, td, el, tl, "mean", dtype)
    assert repr(ed.support) == repr(td.support)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        ED.Independent(ED.Normal(el["loc"], el["scale"]), 3)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_relaxed(dtype):
    temp = pair(np.array([0.7]), dtype, True)
    lg = pair(R.randn(2, 4), dtype, True)
    ed = ED.RelaxedOneHotCategorical(temp[0], logits=lg[0])
    td = torch.distributions.RelaxedOneHotCategorical(temp[1], logits=lg[1])
    x = np.exp(R.randn(3, 2, 4))
    v = pair(x / x.sum(-1, keepdims=True), dtype)
    el, tl = {"t": temp[0], "l": lg[0]}, {"t": temp[1], "l": lg[1]}
    compare(ed, td, el, tl, "log_prob", dtype, v, **({"rtol": 1e-4} if dtype is np.float32
                                                     else {}))
    s = ed.rsample((5,))
    assert tuple(s.shape) == (5, 2, 4) and s.requires_grad
    np.testing.assert_allclose(s.detach().numpy().sum(-1), 1, rtol=1e-5)

    p = pair(R.uniform(0.1, 0.9, 3), dtype, True)
    ed = ED.RelaxedBernoulli(temp[0], probs=p[0])
    td = torch.distributions.RelaxedBernoulli(temp[1], probs=p[1])
    v = pair(R.uniform(0.05, 0.95, (4, 3)), dtype)
    el, tl = {"t": temp[0], "p": p[0]}, {"t": temp[1], "p": p[1]}
    compare(ed, td, el, tl, "log_prob", dtype, v, **({"rtol": 1e-4} if dtype is np.float32
                                                     else {}))
    s = ed.rsample((5,))
    assert tuple(s.shape) == (5, 3) and s.requires_grad
    assert bool(((s > 0) & (s < 1)).all())


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("conc", [np.array([[0.5, 1.0, 3.0], [2.0, 2.0, 2.0]]),
                                  np.array([[0.5, 0.3, 0.9], [1.5, 0.2, 4.0]])],
                         ids=["mixed", "below-one"])
def test_dirichlet(dtype, conc):
    ec, tc = pair(conc, dtype, True)
    ed, td = ED.Dirichlet(ec), torch.distributions.Dirichlet(tc)
    el, tl = {"c": ec}, {"c": tc}
    x = np.exp(R.randn(4, 2, 3))
    v = pair(x / x.sum(-1, keepdims=True), dtype)
    # float64 at 1e-8: the gradients go through torch's CPU trigamma (~1e-9 relative)
    tol = {"rtol": 1e-8, "atol": 1e-9} if dtype is np.float64 else {"rtol": 5e-5}
    for attr in ["mean", "mode", "variance"]:
        compare(ed, td, el, tl, attr, dtype, **tol)
    compare(ed, td, el, tl, "log_prob", dtype, v, **tol)
    compare(ed, td, el, tl, "entropy", dtype, **tol)
    assert tuple(ed.expand((5, 2)).batch_shape) == (5, 2)
    s = ed.rsample((6,))
    assert tuple(s.shape) == (6, 2, 3) and s.requires_grad
    with pytest.raises(ValueError, match="at least one-dimensional"):
        ED.Dirichlet(ember.tensor(1.0))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_logistic_normal(dtype):
    el, tl = {}, {}
    for k, v in dict(loc=R.randn(2, 3), scale=R.uniform(0.5, 2, (2, 3))).items():
        el[k], tl[k] = pair(v, dtype, True)
    ed = ED.LogisticNormal(el["loc"], el["scale"])
    td = torch.distributions.LogisticNormal(tl["loc"], tl["scale"])
    assert tuple(ed.event_shape) == tuple(td.event_shape) == (4,)
    x = np.exp(R.randn(5, 2, 4))
    v = pair(x / x.sum(-1, keepdims=True), dtype)
    compare(ed, td, el, tl, "log_prob", dtype, v, **({"rtol": 1e-4} if dtype is np.float32
                                                     else {}))
    s = ed.rsample((7,))
    assert tuple(s.shape) == (7, 2, 4) and s.requires_grad
    assert bool(ed.support.check(s.detach()).all())
    assert tuple(ED.LogisticNormal(0.0, 1.0).event_shape) == (2,)


def _lowrank(dtype, batch=(2,)):
    el, tl = {}, {}
    for k, v in dict(loc=R.randn(*batch, 4), cov_factor=R.randn(*batch, 4, 2),
                     cov_diag=R.uniform(0.5, 2, (*batch, 4))).items():
        el[k], tl[k] = pair(v, dtype, True)
    return (ED.LowRankMultivariateNormal(**el),
            torch.distributions.LowRankMultivariateNormal(**tl), el, tl)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_lowrank_mvn(dtype):
    ed, td, el, tl = _lowrank(dtype)
    tol = {"rtol": 2e-4, "atol": 2e-4} if dtype is np.float32 else {"rtol": 1e-9}
    v = pair(R.randn(5, 2, 4), dtype)
    for attr in ["mean", "variance", "scale_tril", "covariance_matrix", "precision_matrix"]:
        compare(ed, td, el, tl, attr, dtype, **tol)
    compare(ed, td, el, tl, "log_prob", dtype, v, **tol)
    compare(ed, td, el, tl, "entropy", dtype, **tol)
    assert tuple(ed.rsample((3,)).shape) == (3, 2, 4)
    assert tuple(ed.expand((3, 2)).sample().shape) == (3, 2, 4)
    with pytest.raises(ValueError, match="cov_factor"):
        ED.LowRankMultivariateNormal(ember.zeros(3), ember.zeros(4, 2), ember.ones(3))


def test_lowrank_kl_pairs():
    lp, tlp, elp, tlpl = _lowrank(np.float64)
    lq, tlq, elq, tlql = _lowrank(np.float64, batch=())
    cov = R.randn(4, 4)
    cov = cov @ cov.T + 4 * np.eye(4)
    em, tm = pair(cov, np.float64, True)
    eloc, tloc = pair(R.randn(4), np.float64, True)
    mp, tmp = ED.MultivariateNormal(eloc, em), torch.distributions.MultivariateNormal(tloc, tm)
    leaves_e = [eloc, em] + list(elp.values()) + list(elq.values())
    leaves_t = [tloc, tm] + list(tlpl.values()) + list(tlql.values())
    for a, b, ta, tb in [(lp, lq, tlp, tlq), (mp, lq, tmp, tlq), (lp, mp, tlp, tmp)]:
        ek = ED.kl_divergence(a, b)
        tk = torch.distributions.kl_divergence(ta, tb)
        assert_close(ek, tk, rtol=1e-9, atol=1e-10)
        eg = ember.autograd.grad(ek.sum(), leaves_e, allow_unused=True, retain_graph=True)
        tg = torch.autograd.grad(tk.sum(), leaves_t, allow_unused=True, retain_graph=True)
        for x, y in zip(eg, tg):
            if y is None:
                assert x is None or not np.any(x.numpy())
            else:
                assert_close(x, y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("param", PARAMS)
def test_wishart(param):
    dtype = np.float64
    cov = _spd(2)
    mats = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
            "scale_tril": np.linalg.cholesky(cov)}
    el, tl = {}, {}
    el["df"], tl["df"] = pair(np.array([3.5, 6.0]), dtype, True)
    el[param], tl[param] = pair(mats[param], dtype, True)
    ed = ED.Wishart(el["df"], **{param: el[param]})
    td = torch.distributions.Wishart(tl["df"], **{param: tl[param]})
    assert tuple(ed.batch_shape) == tuple(td.batch_shape) == (2,)
    ember.manual_seed(0)
    v = ed.sample((4,))
    tv = torch.tensor(v.numpy())
    # 1e-8: these go through the trigamma-based digamma gradient and two solves
    for attr in ["mean", "mode", "variance", "precision_matrix", "covariance_matrix"]:
        compare(ed, td, el, tl, attr, dtype, rtol=1e-8, atol=1e-9)
    compare(ed, td, el, tl, "log_prob", dtype, (v, tv), rtol=1e-8, atol=1e-9)
    compare(ed, td, el, tl, "entropy", dtype, rtol=1e-8, atol=1e-9)
    s = ed.rsample((5,))
    assert tuple(s.shape) == (5, 2, 3, 3) and s.requires_grad
    assert tuple(ed.expand((4, 2)).sample().shape) == (4, 2, 3, 3)
    with pytest.raises(ValueError, match="df"):
        ED.Wishart(ember.tensor(1.0, dtype=ember.float64), ember.tensor(cov))


def test_wishart_sample_mean():
    cov = _spd(n=2)
    ember.manual_seed(1)
    d = ED.Wishart(ember.tensor(4.0, dtype=ember.float64), ember.tensor(cov))
    x = d.sample((20000,)).numpy()
    t = torch.distributions.Wishart(torch.tensor(4.0, dtype=torch.float64), torch.tensor(cov))
    se = np.sqrt(t.variance.numpy() / len(x))
    assert np.all(np.abs(x.mean(0) - t.mean.numpy()) < 5 * se)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_lkj_cholesky(dtype):
    ec, tc = pair(np.array([0.5, 1.0, 3.0]), dtype, True)
    ed, td = ED.LKJCholesky(4, ec), torch.distributions.LKJCholesky(4, tc)
    assert tuple(ed.batch_shape) == (3,) and tuple(ed.event_shape) == (4, 4)
    ember.manual_seed(0)
    s = ed.sample((6,))
    assert tuple(s.shape) == (6, 3, 4, 4)
    assert bool(ED.constraints.corr_cholesky.check(s).all())
    # float32 at 1e-4: an unnormalized sum of logs of near-zero diagonal entries
    compare(ed, td, {"c": ec}, {"c": tc}, "log_prob", dtype, (s, torch.tensor(s.numpy())),
            **({"rtol": 1e-4, "atol": 1e-4} if dtype is np.float32 else
               {"rtol": 1e-8, "atol": 1e-9}))
    with pytest.raises(ValueError, match="dim"):
        ED.LKJCholesky(1)
    # concentration 1: the correlation matrices are uniform, E[offdiag] = 0
    ember.manual_seed(2)
    L = ED.LKJCholesky(3, 1.0).sample((20000,)).numpy()
    C = L @ np.swapaxes(L, -1, -2)
    off = C[:, 1, 0]
    assert abs(off.mean()) < 5 * off.std() / np.sqrt(len(off))
    np.testing.assert_allclose(np.diagonal(C, axis1=-2, axis2=-1), 1.0, rtol=1e-5)
