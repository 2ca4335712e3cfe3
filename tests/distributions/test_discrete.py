"""Discrete families vs torch: log_prob / entropy / moments / enumerate_support and the
gradients wrt probs or logits, float32 and float64."""

import numpy as np
import pytest
import torch

import ember
import ember.distributions as ED

from .helpers import DTYPES, assert_close, build, compare, pair

R = np.random.RandomState(1)
P3 = R.uniform(0.1, 0.9, 3)
PROBS = R.uniform(0.1, 1.0, (2, 4))
PROBS = PROBS / PROBS.sum(-1, keepdims=True)

# name, kwargs, values to score
CASES = {
    "Bernoulli-probs": (dict(probs=P3), R.randint(0, 2, (5, 3)).astype(float)),
    "Bernoulli-logits": (dict(logits=R.randn(3)), R.randint(0, 2, (5, 3)).astype(float)),
    "Bernoulli-half": (dict(probs=np.array([0.5, 0.2])), np.array([1.0, 0.0])),
    "Geometric-probs": (dict(probs=P3), R.randint(0, 6, (5, 3)).astype(float)),
    "Geometric-logits": (dict(logits=R.randn(3)), R.randint(0, 6, (5, 3)).astype(float)),
    "Categorical-probs": (dict(probs=PROBS), R.randint(0, 4, (5, 2))),
    "Categorical-logits": (dict(logits=R.randn(2, 4)), R.randint(0, 4, (5, 2))),
    "OneHotCategorical-probs": (dict(probs=PROBS), np.eye(4)[R.randint(0, 4, (5, 2))]),
    "OneHotCategorical-logits": (dict(logits=R.randn(4)), np.eye(4)[R.randint(0, 4, 5)]),
    "Poisson": (dict(rate=R.uniform(0.1, 5, 3)), R.randint(0, 8, (5, 3)).astype(float)),
    "Poisson-zero": (dict(rate=np.array([0.0, 1.0])), np.array([0.0, 2.0])),
    "Binomial-probs": (dict(total_count=np.array([5.0, 10.0, 10.0]), probs=P3),
                       R.randint(0, 6, (5, 3)).astype(float)),
    "Binomial-logits": (dict(total_count=8, logits=R.randn(3)),
                        R.randint(0, 9, (5, 3)).astype(float)),
    "Multinomial-probs": (dict(total_count=6, probs=PROBS),
                          R.multinomial(6, PROBS[0], (5, 2)).astype(float)),
    "NegativeBinomial-probs": (dict(total_count=np.array([0.5, 3.0, 7.5]),
                                    probs=R.uniform(0.1, 0.9, 3)),
                               R.randint(0, 9, (5, 3)).astype(float)),
    "NegativeBinomial-logits": (dict(total_count=4.0, logits=R.randn(3)),
                                R.randint(0, 9, (5, 3)).astype(float)),
    "Multinomial-logits": (dict(total_count=4, logits=R.randn(3)),
                           R.multinomial(4, [0.2, 0.3, 0.5], 5).astype(float)),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("key", list(CASES))
def test_values_and_grads(key, dtype):
    kwargs, values = CASES[key]
    name = key.split("-")[0]
    ed, td, el, tl = build(name, kwargs, dtype)
    assert tuple(ed.batch_shape) == tuple(td.batch_shape)
    assert tuple(ed.event_shape) == tuple(td.event_shape)
    v = pair(values, dtype if values.dtype.kind == "f" else None)
    for attr in ["mean", "mode", "variance", "stddev", "probs", "logits"]:
        compare(ed, td, el, tl, attr, dtype, what=key)
    compare(ed, td, el, tl, "log_prob", dtype, v, what=key)
    compare(ed, td, el, tl, "entropy", dtype, what=key)
    if td.has_enumerate_support and name != "Binomial" or key == "Binomial-logits":
        for expand in (True, False):
            assert_close(ed.enumerate_support(expand), td.enumerate_support(expand), dtype)


@pytest.mark.parametrize("key", list(CASES))
def test_sample_shapes_and_expand(key):
    kwargs, values = CASES[key]
    name = key.split("-")[0]
    ed, td, _, _ = build(name, kwargs, np.float32, requires_grad=False)
    for shape in [(), (3,), (2, 3)]:
        s, t = ed.sample(shape), td.sample(shape)
        assert tuple(s.shape) == tuple(t.shape)
        assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert bool(ed.support.check(s).all())
    new_batch = (3,) + tuple(td.batch_shape)
    ee, te = ed.expand(new_batch), td.expand(new_batch)
    assert tuple(ee.batch_shape) == tuple(te.batch_shape)
    v = pair(values[:1], np.float32 if values.dtype.kind == "f" else None)
    assert_close(ee.log_prob(v[0]), te.log_prob(v[1]), np.float32)


def test_categorical_zero_prob_entropy():
    p = np.array([0.0, 0.3, 0.7])
    ed, td, _, _ = build("Categorical", dict(probs=p), np.float64)
    assert_close(ed.entropy(), td.entropy())
    assert_close(ed.log_prob(ember.tensor([0, 2])), td.log_prob(torch.tensor([0, 2])))


def test_straight_through_gradient():
    e, t = pair(PROBS, np.float64, requires_grad=True)
    ember.manual_seed(0)
    es = ED.OneHotCategoricalStraightThrough(probs=e).rsample((7,))
    ts = torch.distributions.OneHotCategoricalStraightThrough(probs=t).rsample((7,))
    w = R.rand(7, 2, 4)
    (es * ember.tensor(w)).sum().backward()
    (ts * torch.tensor(w)).sum().backward()
    assert_close(e.grad, t.grad)
