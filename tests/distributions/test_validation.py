"""Argument and sample validation vs torch: the exception type and message, defaults,
constraints' check results and reprs."""

import numpy as np
import pytest
import torch
import torch.distributions as TD
from torch.distributions import constraints as TC

import ember
import ember.distributions as ED
from ember.distributions import constraints as EC

from .helpers import pair

BAD = [
    ("Normal", dict(loc=np.array([0.0, 1.0]), scale=np.array([1.0, -1.0]))),
    ("Normal", dict(loc=np.array([np.nan]), scale=np.array([1.0]))),
    ("Exponential", dict(rate=np.array([0.0]))),
    ("Uniform", dict(low=np.array([1.0]), high=np.array([0.0]))),
    ("Bernoulli", dict(probs=np.array([1.5]))),
    ("Geometric", dict(probs=np.array([0.0, 0.5]))),
    ("Categorical", dict(probs=np.array([-0.1, 0.5]))),
    ("Gamma", dict(concentration=np.array([-1.0]), rate=np.array([1.0]))),
    ("Beta", dict(concentration1=np.array([1.0]), concentration0=np.array([0.0]))),
    ("Dirichlet", dict(concentration=np.array([1.0, -2.0]))),
    ("Poisson", dict(rate=np.array([-1.0]))),
    ("Binomial", dict(total_count=np.array([2.5]), probs=np.array([0.5]))),
    ("StudentT", dict(df=np.array([-1.0]))),
    ("Laplace", dict(loc=np.array([0.0]), scale=np.array([0.0]))),
    ("HalfNormal", dict(scale=np.array([-1.0]))),
    ("LogNormal", dict(loc=np.array([0.0]), scale=np.array([-1.0]))),
]


def _first_line(msg):
    return msg.split("\n")[0].replace("torch.", "ember.")


@pytest.mark.parametrize("name,kwargs", BAD, ids=[b[0] for b in BAD])
def test_invalid_parameters(name, kwargs):
    ek = {k: ember.tensor(v) for k, v in kwargs.items()}
    tk = {k: torch.tensor(v) for k, v in kwargs.items()}
    with pytest.raises(ValueError) as te:
        getattr(TD, name)(**tk)
    with pytest.raises(ValueError) as ee:
        getattr(ED, name)(**ek)
    assert _first_line(str(ee.value)) == _first_line(str(te.value))
    # validate_args=False skips the checks as in torch (StudentT still validates the Chi2
    # it builds inside, in torch too)
    outcome = []
    for mod, kw in ((ED, ek), (TD, tk)):
        try:
            getattr(mod, name)(**kw, validate_args=False)
            outcome.append(None)
        except ValueError as exc:
            outcome.append(_first_line(str(exc)))
    assert outcome[0] == outcome[1]


OUTSIDE = [
    ("Normal", dict(loc=0.0, scale=1.0), np.array([np.nan])),
    ("Exponential", dict(rate=1.0), np.array([-1.0])),
    ("Uniform", dict(low=0.0, high=1.0), np.array([1.5])),
    ("Bernoulli", dict(probs=0.3), np.array([0.5])),
    ("Poisson", dict(rate=2.0), np.array([1.5])),
    ("Beta", dict(concentration1=2.0, concentration0=2.0), np.array([1.5])),
    ("Gamma", dict(concentration=2.0, rate=2.0), np.array([-0.5])),
    ("Geometric", dict(probs=0.3), np.array([-1.0])),
]


@pytest.mark.parametrize("name,kwargs,value", OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_value_outside_support(name, kwargs, value):
    ed, td = getattr(ED, name)(**kwargs), getattr(TD, name)(**kwargs)
    ev, tv = pair(value.astype(np.float32))
    with pytest.raises(ValueError) as te:
        td.log_prob(tv)
    with pytest.raises(ValueError) as ee:
        ed.log_prob(ev)
    assert _first_line(str(ee.value)) == _first_line(str(te.value))


def test_value_shape_errors():
    ed = ED.Normal(ember.zeros(3), ember.ones(3))
    td = TD.Normal(torch.zeros(3), torch.ones(3))
    for shape in [(4,), (2, 2)]:
        with pytest.raises(ValueError, match="not broadcastable"):
            ed.log_prob(ember.zeros(shape))
        with pytest.raises(ValueError, match="not broadcastable"):
            td.log_prob(torch.zeros(shape))
    with pytest.raises(ValueError, match="must be a Tensor"):
        ed.log_prob(0.5)
    em = ED.MultivariateNormal(ember.zeros(3), ember.eye(3))
    with pytest.raises(ValueError, match="right-most size of value must match event_shape"):
        em.log_prob(ember.zeros(2))


def test_probs_logits_exclusive_and_default_validation():
    for cls in ["Bernoulli", "Categorical", "Geometric", "Binomial", "OneHotCategorical"]:
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            getattr(ED, cls)()
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            getattr(ED, cls)(probs=ember.tensor([0.5]), logits=ember.tensor([0.0]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        ED.Categorical(ember.tensor(0.5))
    with pytest.raises(NotImplementedError):
        ED.Multinomial(ember.tensor(3), ember.tensor([0.5, 0.5]))
    assert ED.Distribution._validate_args is TD.Distribution._validate_args is True
    try:
        ED.Distribution.set_default_validate_args(False)
        ED.Normal(0.0, -1.0)  # no check
    finally:
        ED.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ED.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        ED.Distribution.set_default_validate_args("yes")


def test_repr_and_shapes():
    ed = ED.Normal(ember.zeros(2), ember.ones(2))
    td = TD.Normal(torch.zeros(2), torch.ones(2))
    assert repr(ed).replace("ember", "torch") == repr(td)
    assert repr(ED.Normal(0.0, 1.0)) == repr(TD.Normal(0.0, 1.0))
    assert repr(ED.Independent(ed, 1)).replace("ember", "torch") == repr(TD.Independent(td, 1))
    assert ED.Normal.arg_constraints.keys() == TD.Normal.arg_constraints.keys()
    with pytest.raises(NotImplementedError):
        _ = ED.Distribution(validate_args=False).mean
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        _ = ED.Distribution(validate_args=False).mode
    e = ED.Normal(ember.zeros(2), ember.ones(2)).expand((3, 2))
    assert tuple(e._extended_shape((4,))) == (4, 3, 2)


CHECKS = [
    ("real", None, [0.0, np.inf, np.nan]),
    ("positive", None, [-1.0, 0.0, 2.0]),
    ("nonnegative", None, [-1.0, 0.0, 2.0]),
    ("unit_interval", None, [-0.1, 0.0, 1.0, 1.1]),
    ("boolean", None, [0.0, 1.0, 0.5]),
    ("nonnegative_integer", None, [-1.0, 0.0, 2.0, 2.5]),
    ("positive_integer", None, [0.0, 1.0, 2.5]),
    ("greater_than", (1.0,), [0.5, 1.0, 2.0]),
    ("greater_than_eq", (1.0,), [0.5, 1.0, 2.0]),
    ("less_than", (1.0,), [0.5, 1.0, 2.0]),
    ("interval", (0.0, 2.0), [-1.0, 0.0, 2.0, 3.0]),
    ("half_open_interval", (0.0, 2.0), [-1.0, 0.0, 2.0, 1.0]),
    ("integer_interval", (0, 3), [-1.0, 0.0, 3.0, 1.5]),
    ("simplex", None, [[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]]),
    ("real_vector", None, [[0.2, np.nan], [0.5, 0.6]]),
    ("one_hot", None, [[0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]),
    ("multinomial", (3,), [[1.0, 2.0], [2.0, 2.0], [-1.0, 1.0]]),
    ("lower_triangular", None, [[[1.0, 0.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("lower_cholesky", None, [[[1.0, 0.0], [2.0, 3.0]], [[-1.0, 0.0], [0.0, 1.0]]]),
    ("positive_definite", None, [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("positive_semidefinite", None, [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("symmetric", None, [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 2.0], [3.0, 1.0]]]),
    ("square", None, [[[1.0, 2.0], [2.0, 1.0]]]),
    ("corr_cholesky", None, [[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.5, 0.5]]]),
]


@pytest.mark.parametrize("name,args,values", CHECKS, ids=[c[0] for c in CHECKS])
def test_constraint_checks(name, args, values):
    ec, tc = getattr(EC, name), getattr(TC, name)
    if args is not None:
        ec, tc = ec(*args), tc(*args)
    assert repr(ec) == repr(tc)
    assert ec.is_discrete == tc.is_discrete
    assert ec.event_dim == tc.event_dim
    ev, tv = pair(np.array(values, dtype=np.float64))
    np.testing.assert_array_equal(ec.check(ev).numpy(), tc.check(tv).numpy())


def test_constraint_combinators():
    ec = EC.independent(EC.positive, 1)
    tc = TC.independent(TC.positive, 1)
    ev, tv = pair(np.array([[1.0, 2.0], [1.0, -1.0]]))
    np.testing.assert_array_equal(ec.check(ev).numpy(), tc.check(tv).numpy())
    assert repr(ec) == repr(tc) and ec.event_dim == tc.event_dim
    ec = EC.cat([EC.positive, EC.real], dim=0, lengths=[1, 2])
    tc = TC.cat([TC.positive, TC.real], dim=0, lengths=[1, 2])
    ev, tv = pair(np.array([-1.0, 2.0, np.nan]))
    np.testing.assert_array_equal(ec.check(ev).numpy(), tc.check(tv).numpy())
    ec = EC.stack([EC.positive, EC.unit_interval], dim=-1)
    tc = TC.stack([TC.positive, TC.unit_interval], dim=-1)
    ev, tv = pair(np.array([[1.0, 0.5], [1.0, 2.0], [-1.0, 0.5]]))
    np.testing.assert_array_equal(ec.check(ev).numpy(), tc.check(tv).numpy())
    assert EC.is_dependent(EC.dependent) and not EC.is_dependent(EC.real)
    assert EC.is_dependent(ED.Uniform.support)
    with pytest.raises(ValueError):
        EC.dependent.check(ember.zeros(1))
    with pytest.raises(NotImplementedError):
        _ = EC.dependent.event_dim
    assert EC.dependent(is_discrete=True, event_dim=1).event_dim == 1
