"""Shared helpers: build a model in both libraries with the same weights."""

from __future__ import annotations

import numpy as np
import torch as real_torch

import ember


def pair(builder, *, eval_mode=False):
    """(ember model, torch model) built from the same source, with torch's weights."""
    real_torch.manual_seed(0)
    tm = builder(real_torch)()
    em = builder(ember)()
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    if eval_mode:
        tm.eval()
        em.eval()
    return em, tm


def inputs(*shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.tensor(x), real_torch.tensor(x)


def close(a, b, tol=1e-5):
    an = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    bn = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(an, bn, rtol=tol, atol=tol)
