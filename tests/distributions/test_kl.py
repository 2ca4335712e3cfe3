"""kl_divergence vs torch for the registered pairs: values and gradients wrt both
distributions' parameters; register_kl dispatch and errors."""

import numpy as np
import pytest
import torch
import torch.distributions as TD

import ember
import ember.distributions as ED

from .helpers import DTYPES, assert_close, build, pair

R = np.random.RandomState(3)


def _pos(*s, lo=0.5, hi=2.0):
    return R.uniform(lo, hi, s)


PROBS = R.uniform(0.1, 1, (2, 4))
PROBS /= PROBS.sum(-1, keepdims=True)
PROBS_Q = R.uniform(0.1, 1, (2, 4))
PROBS_Q /= PROBS_Q.sum(-1, keepdims=True)

PARAMS = {
    "Normal": lambda: dict(loc=R.randn(3), scale=_pos(3)),
    "Laplace": lambda: dict(loc=R.randn(3), scale=_pos(3)),
    "Cauchy": lambda: dict(loc=R.randn(3), scale=_pos(3)),
    "Gumbel": lambda: dict(loc=R.randn(3), scale=_pos(3)),
    "Exponential": lambda: dict(rate=_pos(3)),
    "Gamma": lambda: dict(concentration=_pos(3, hi=4.0), rate=_pos(3)),
    "Beta": lambda: dict(concentration1=_pos(3, hi=3.0), concentration0=_pos(3, hi=3.0)),
    "Uniform": lambda: dict(low=R.uniform(0.05, 0.3, 3), high=R.uniform(0.6, 0.95, 3)),
    "HalfNormal": lambda: dict(scale=_pos(3)),
    "Poisson": lambda: dict(rate=_pos(3, hi=4.0)),
    "Bernoulli": lambda: dict(probs=R.uniform(0.1, 0.9, 3)),
    "Geometric": lambda: dict(probs=R.uniform(0.1, 0.9, 3)),
    "Binomial": lambda: dict(total_count=np.full(3, 6.0), probs=R.uniform(0.1, 0.9, 3)),
    "Categorical": lambda: dict(probs=R.uniform(0.1, 1, (3, 4)) + 0.0),
    "OneHotCategorical": lambda: dict(logits=R.randn(3, 4)),
    "Dirichlet": lambda: dict(concentration=_pos(3, 4, hi=3.0)),
    "LogNormal": lambda: dict(loc=R.randn(3), scale=_pos(3)),
    "ContinuousBernoulli": lambda: dict(probs=np.array([0.2, 0.4995, 0.8])),
    "Pareto": lambda: dict(scale=R.uniform(0.1, 0.6, 3), alpha=np.array([0.8, 1.5, 3.0])),
}

PAIRS = [
    ("Normal", "Normal"), ("Laplace", "Laplace"), ("Cauchy", "Cauchy"), ("Gumbel", "Gumbel"),
    ("Exponential", "Exponential"), ("Gamma", "Gamma"), ("Beta", "Beta"),
    ("Uniform", "Uniform"), ("HalfNormal", "HalfNormal"), ("Poisson", "Poisson"),
    ("Bernoulli", "Bernoulli"), ("Geometric", "Geometric"), ("Binomial", "Binomial"),
    ("Categorical", "Categorical"), ("OneHotCategorical", "OneHotCategorical"),
    ("Dirichlet", "Dirichlet"), ("LogNormal", "LogNormal"),
    ("Uniform", "Normal"), ("Uniform", "Exponential"), ("Uniform", "Gumbel"),
    ("Uniform", "Gamma"), ("Uniform", "Beta"), ("Normal", "Laplace"), ("Normal", "Gumbel"),
    ("Exponential", "Normal"), ("Exponential", "Gumbel"), ("Exponential", "Gamma"),
    ("Gumbel", "Normal"), ("Laplace", "Normal"), ("Gamma", "Normal"), ("Gamma", "Gumbel"),
    ("Gamma", "Exponential"), ("Beta", "Normal"), ("Beta", "Exponential"),
    ("Beta", "Gamma"), ("Beta", "Uniform"), ("Bernoulli", "Poisson"),
    ("Normal", "Uniform"), ("Exponential", "Uniform"), ("Gamma", "Uniform"),
    ("Laplace", "Gamma"), ("Gumbel", "Beta"), ("Poisson", "Bernoulli"),
    ("Pareto", "Pareto"), ("Pareto", "Exponential"), ("Pareto", "Gamma"),
    ("Pareto", "Normal"), ("Uniform", "Pareto"), ("Normal", "Pareto"), ("Pareto", "Beta"),
    ("ContinuousBernoulli", "ContinuousBernoulli"), ("ContinuousBernoulli", "Normal"),
    ("ContinuousBernoulli", "Exponential"), ("ContinuousBernoulli", "Uniform"),
    ("ContinuousBernoulli", "Pareto"), ("Beta", "ContinuousBernoulli"),
    ("Uniform", "ContinuousBernoulli"), ("Normal", "ContinuousBernoulli"),
]
# trigamma-free pairs compare at 1e-10 in float64; the lgamma/digamma ones at 1e-8
# (torch's CPU trigamma, in their gradients, is accurate to ~1e-9 relative)
SPECIAL = {"Gamma", "Beta", "Dirichlet", "Gumbel"}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("pq", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_values_and_grads(pq, dtype):
    ep, tp, elp, tlp = build(pq[0], PARAMS[pq[0]](), dtype)
    eq, tq, elq, tlq = build(pq[1], PARAMS[pq[1]](), dtype)
    ek, tk = ED.kl_divergence(ep, eq), TD.kl_divergence(tp, tq)
    tol = {"rtol": 1e-8, "atol": 1e-9} if SPECIAL & set(pq) and dtype is np.float64 else {}
    assert_close(ek, tk, dtype, what="kl", **tol)
    if not tk.requires_grad:
        return
    names = [("p", k) for k in tlp] + [("q", k) for k in tlq]
    eleaves = [elp[k] if s == "p" else elq[k] for s, k in names]
    tleaves = [tlp[k] if s == "p" else tlq[k] for s, k in names]
    mask = np.isfinite(tk.detach().numpy())
    tg = torch.autograd.grad(tk[torch.tensor(mask)].sum(), tleaves, allow_unused=True)
    eg = ember.autograd.grad(ek[ember.tensor(mask)].sum(), eleaves, allow_unused=True)
    for (s, k), a, b in zip(names, eg, tg):
        if b is None:
            assert a is None or not np.any(a.numpy()), f"grad {s}.{k}"
            continue
        assert_close(a, b, dtype, what=f"kl grad {s}.{k}", **tol)


@pytest.mark.parametrize("param", ["covariance_matrix", "scale_tril", "precision_matrix"])
def test_kl_mvn(param):
    def spd(*b):
        a = R.randn(*b, 3, 3)
        return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)

    cp, cq = spd(2), spd()
    mats = {"covariance_matrix": (cp, cq), "scale_tril": (np.linalg.cholesky(cp),
                                                          np.linalg.cholesky(cq)),
            "precision_matrix": (np.linalg.inv(cp), np.linalg.inv(cq))}[param]
    e, t = [], []
    for a in (R.randn(2, 3), mats[0], R.randn(3), mats[1]):
        x, y = pair(a, np.float64, True)
        e.append(x)
        t.append(y)
    ek = ED.kl_divergence(ED.MultivariateNormal(e[0], **{param: e[1]}),
                          ED.MultivariateNormal(e[2], **{param: e[3]}))
    tk = TD.kl_divergence(TD.MultivariateNormal(t[0], **{param: t[1]}),
                          TD.MultivariateNormal(t[2], **{param: t[3]}))
    assert_close(ek, tk, rtol=1e-9, atol=1e-9)
    eg = ember.autograd.grad(ek.sum(), e)
    tg = torch.autograd.grad(tk.sum(), t)
    for a, b in zip(eg, tg):
        assert_close(a, b, rtol=1e-8, atol=1e-9)


def test_kl_independent_and_zero_probs():
    e = [pair(a, np.float64) for a in (R.randn(2, 3), _pos(2, 3), R.randn(2, 3), _pos(2, 3))]
    ek = ED.kl_divergence(ED.Independent(ED.Normal(e[0][0], e[1][0]), 1),
                          ED.Independent(ED.Normal(e[2][0], e[3][0]), 1))
    tk = TD.kl_divergence(TD.Independent(TD.Normal(e[0][1], e[1][1]), 1),
                          TD.Independent(TD.Normal(e[2][1], e[3][1]), 1))
    assert_close(ek, tk)
    p, q = np.array([0.0, 0.5, 0.5]), np.array([0.5, 0.0, 0.5])
    for a, b in [(p, q), (q, p), (p, p)]:
        ea, ta = pair(a, np.float64)
        eb, tb = pair(b, np.float64)
        assert_close(ED.kl_divergence(ED.Categorical(ea), ED.Categorical(eb)),
                     TD.kl_divergence(TD.Categorical(ta), TD.Categorical(tb)))
        assert_close(ED.kl_divergence(ED.Bernoulli(ea), ED.Bernoulli(eb)),
                     TD.kl_divergence(TD.Bernoulli(ta), TD.Bernoulli(tb)))


def test_register_kl_and_errors():
    with pytest.raises(NotImplementedError, match="No KL"):
        ED.kl_divergence(ED.Cauchy(0.0, 1.0), ED.Normal(0.0, 1.0))
    with pytest.raises(TypeError):
        ED.register_kl(int, ED.Normal)

    class MyNormal(ED.Normal):
        pass

    # a subclass dispatches to its base pair until a more specific one is registered
    p, q = MyNormal(0.0, 1.0), ED.Normal(1.0, 2.0)
    base = ED.kl_divergence(ED.Normal(0.0, 1.0), q)
    assert_close(ED.kl_divergence(p, q), base)

    @ED.register_kl(MyNormal, ED.Normal)
    def _mine(p, q):
        return ember.tensor(42.0)

    assert float(ED.kl_divergence(p, q)) == 42.0
    assert_close(ED.kl_divergence(ED.Normal(0.0, 1.0), q), base)


def test_kl_transformed_and_expfamily_fallback():
    # the exponential-family (Bregman) fallback, used for a pair only it matches
    e = [pair(a, np.float64) for a in (_pos(3), _pos(3))]
    from torch.distributions.kl import _kl_expfamily_expfamily as t_fallback

    from ember.distributions.kl import _kl_expfamily_expfamily
    assert_close(_kl_expfamily_expfamily(ED.Exponential(e[0][0]), ED.Exponential(e[1][0])),
                 t_fallback(TD.Exponential(e[0][1]), TD.Exponential(e[1][1])))
    with pytest.raises(NotImplementedError):
        _kl_expfamily_expfamily(ED.Exponential(e[0][0]), ED.Poisson(e[1][0]))


def test_kl_wishart_bregman_fallback():
    # no registered pair: the exponential-family (Bregman) fallback, as in torch
    a = np.array([[2.0, 0.3], [0.3, 1.0]])
    b = np.array([[1.0, 0.1], [0.1, 3.0]])
    e = [pair(x, np.float64, True) for x in (np.array(4.0), a, np.array(5.0), b)]
    ek = ED.kl_divergence(ED.Wishart(e[0][0], e[1][0]), ED.Wishart(e[2][0], e[3][0]))
    tk = TD.kl_divergence(TD.Wishart(e[0][1], e[1][1]), TD.Wishart(e[2][1], e[3][1]))
    assert_close(ek, tk, rtol=1e-9, atol=1e-10)
    # p's natural parameters are detached in the Bregman form: only q's get gradients
    eg = ember.autograd.grad(ek, [x[0] for x in e], allow_unused=True)
    tg = torch.autograd.grad(tk, [x[1] for x in e], allow_unused=True)
    for x, y in zip(eg, tg):
        assert (x is None) == (y is None)
        if y is not None:
            assert_close(x, y, rtol=1e-8, atol=1e-10)
