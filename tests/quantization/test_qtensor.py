"""Quantized tensors vs torch: integer representation bit for bit, dequantize, reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests.quantization.helpers import QDTYPES, assert_same_bits, et, tt


def _cases(rng, n):
    for i in range(n):
        scale = float(rng.choice([1.0, 0.5, 0.1, 0.25, 1 / 3, 0.007, rng.uniform(1e-3, 2)]))
        x = (rng.standard_normal(41) * rng.choice([1, 10, 100, 1e4])).astype(np.float32)
        # exact ties (k + 1/2) * scale, both signs, and far out-of-range values (clamping)
        x[:8] = (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.5, 1e6, -1e6]) * scale).astype(
            np.float32)
        yield i, scale, x


@pytest.mark.parametrize("edt,tdt", QDTYPES, ids=lambda d: str(d))
def test_quantize_per_tensor_int_repr_bit_exact(edt, tdt):
    rng = np.random.default_rng(7)
    lo, hi = {torch.qint8: (-128, 127), torch.quint8: (0, 255),
              torch.qint32: (-1000, 1000)}[tdt]
    for i, scale, x in _cases(rng, 40):
        zp = int(rng.integers(lo, hi + 1)) if i % 4 else (0 if tdt != torch.quint8 else 128)
        q = ember.quantize_per_tensor(et(x), scale, zp, edt)
        r = torch.quantize_per_tensor(tt(x), scale, zp, tdt)
        assert_same_bits(q.int_repr(), r.int_repr())
        assert_same_bits(q.dequantize(), r.dequantize())
        assert q.q_scale() == r.q_scale() and q.q_zero_point() == r.q_zero_point()


@pytest.mark.parametrize("edt,tdt", QDTYPES, ids=lambda d: str(d))
def test_quantize_per_channel_bit_exact(edt, tdt):
    rng = np.random.default_rng(3)
    lo, hi = {torch.qint8: (-128, 127), torch.quint8: (0, 255),
              torch.qint32: (-50, 50)}[tdt]
    for axis in (0, 1):
        for _ in range(12):
            x = (rng.standard_normal((5, 6)) * 4).astype(np.float32)
            c = x.shape[axis]
            s = rng.choice([0.1, 0.5, 1 / 3, 0.007, 1.0], c) * rng.uniform(0.5, 2, c)
            z = rng.integers(lo, hi + 1, c)
            ties = (np.array([0.5, 1.5, -2.5])[:, None] * s[None, :]).astype(np.float32)
            if axis == 0:
                x[:, :3] = ties.T
            else:
                x[:3, :] = ties
            q = ember.quantize_per_channel(et(x), et(s), et(z), axis, edt)
            r = torch.quantize_per_channel(tt(x), tt(s), tt(z), axis, tdt)
            assert_same_bits(q.int_repr(), r.int_repr())
            assert_same_bits(q.dequantize(), r.dequantize())
    assert q.qscheme() is ember.per_channel_affine
    assert q.q_per_channel_axis() == 1
    assert_same_bits(q.q_per_channel_scales(), r.q_per_channel_scales())
    assert_same_bits(q.q_per_channel_zero_points(), r.q_per_channel_zero_points())


def test_quantize_per_tensor_dynamic_matches_torch():
    rng = np.random.default_rng(11)
    for i in range(16):
        x = (rng.standard_normal((4, 9)) * rng.choice([1e-6, 0.01, 1, 50])).astype(np.float32)
        if i % 3 == 0:
            x = np.abs(x)
        for (edt, tdt) in QDTYPES[:2]:
            for rr in (False, True):
                q = ember.quantize_per_tensor_dynamic(et(x), edt, rr)
                r = torch.quantize_per_tensor_dynamic(tt(x), tdt, rr)
                assert q.q_scale() == r.q_scale() and q.q_zero_point() == r.q_zero_point()
                assert_same_bits(q.int_repr(), r.int_repr())


def test_attributes_and_repr():
    x = np.array([[0.5, 1.5, 2.5], [-0.5, 100.0, -100.0]], np.float32)
    q = ember.quantize_per_tensor(et(x), 1.0, 3, ember.quint8)
    r = torch.quantize_per_tensor(tt(x), 1.0, 3, torch.quint8)
    assert q.is_quantized and not et(x).is_quantized
    assert q.dtype is ember.quint8 and q.qscheme() is ember.per_tensor_affine
    assert repr(q) == repr(r).replace("torch.", "ember.")
    assert tuple(q.shape) == tuple(r.shape) and q.numel() == r.numel()
    assert q.element_size() == r.element_size() and not q.is_floating_point()
    assert repr(ember.qint8) == "ember.qint8" and str(ember.quint8) == "ember.quint8"
    assert ember.qint32.itemsize == torch.qint32.itemsize == 4
    q0 = ember.quantize_per_tensor(ember.tensor(1.5), 1.0, 0, ember.qint8)
    r0 = torch.quantize_per_tensor(torch.tensor(1.5), 1.0, 0, torch.qint8)
    assert repr(q0) == repr(r0).replace("torch.", "ember.")
    qc = ember.quantize_per_channel(et(x), et([0.1, 0.2]), et([0, 1]), 0, ember.qint8)
    rc = torch.quantize_per_channel(tt(x), tt([0.1, 0.2]), tt([0, 1]), 0, torch.qint8)
    assert repr(qc) == repr(rc).replace("torch.", "ember.")
    # views that stay quantized
    for fe, ft in [(lambda t: t[0], lambda t: t[0]), (lambda t: t.t(), lambda t: t.t()),
                   (lambda t: t.reshape(3, 2), lambda t: t.reshape(3, 2)),
                   (lambda t: t.clone(), lambda t: t.clone())]:
        a, b = fe(q), ft(r)
        assert a.is_quantized and repr(a) == repr(b).replace("torch.", "ember.")
    import copy
    import pickle
    for c in (copy.deepcopy(q), pickle.loads(pickle.dumps(q))):
        assert c.is_quantized and repr(c) == repr(q)
    assert ember.dequantize(q).dtype is ember.float32


def test_errors_match_torch_types():
    x = np.ones(3, np.float32)
    cases = [
        (lambda m, d: m.quantize_per_tensor(m.tensor(x), 0.1, 0, m.float32), RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor(x), 0.1, 0, m.int8), RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor(x), 0.1, 300, m.quint8), RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor(x), 0.1, -1, m.quint8), RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor(x.astype(np.float64)), 0.1, 0,
                                            m.quint8), RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor([1, 2]), 0.1, 0, m.quint8),
         RuntimeError),
        (lambda m, d: m.quantize_per_tensor(m.tensor(x), 0.1, 0, m.qint8).q_per_channel_axis(),
         RuntimeError),
        (lambda m, d: m.quantize_per_channel(m.tensor(np.ones((2, 2), np.float32)),
                                             m.tensor([0.1, 0.2]), m.tensor([0, 0]), 0,
                                             m.qint8).q_scale(), RuntimeError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc):
            fn(torch, None)
        with pytest.raises(exc):
            fn(ember, None)
