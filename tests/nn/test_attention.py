"""MultiheadAttention against torch (train with dropout=0 and eval), masks of each kind."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import _np

_RNG = np.random.default_rng(0)


def arr(*shape):
    return _RNG.standard_normal(shape).astype(np.float32)


def _call(self_attn=False):
    def call(m, *a, **k):
        lib = torch if isinstance(m, torch.nn.Module) else ember
        k = {n: lib.tensor(v) if isinstance(v, np.ndarray) else v for n, v in k.items()}
        if self_attn:
            return m(a[0], a[0], a[0], **k)
        return m(*a, **k)
    return call


L, S, N, E, H = 5, 6, 3, 8, 2
Q, KV = arr(L, N, E), arr(S, N, E)
KPM = np.zeros((N, S), bool)
KPM[0, 4:] = True
BOOL_MASK = _RNG.random((L, S)) > 0.7
BOOL_MASK[:, 0] = False
FLOAT_MASK3 = arr(N * H, L, S)
FLOAT_KPM = np.where(KPM, -np.inf, 0.0).astype(np.float32)

CASES = [
    ("self", {}, [Q], {}, True),
    ("self_noweights", {}, [Q], {"need_weights": False}, True),
    ("cross", {}, [Q, KV, KV], {}, False),
    ("nobias", {"bias": False}, [Q, KV, KV], {"need_weights": False}, False),
    ("bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, [Q, KV, KV],
     {"key_padding_mask": KPM, "attn_mask": BOOL_MASK}, False),
    ("kdim_vdim", {"kdim": 4, "vdim": 5}, [Q, arr(S, N, 4), arr(S, N, 5)], {}, False),
    ("kdim_vdim_noweights", {"kdim": 4, "vdim": 5}, [Q, arr(S, N, 4), arr(S, N, 5)],
     {"need_weights": False, "key_padding_mask": KPM}, False),
    ("bool_masks", {}, [Q, KV, KV], {"key_padding_mask": KPM, "attn_mask": BOOL_MASK}, False),
    ("bool_masks_sdpa", {}, [Q, KV, KV],
     {"key_padding_mask": KPM, "attn_mask": BOOL_MASK, "need_weights": False}, False),
    ("float_mask3d", {}, [Q, KV, KV], {"attn_mask": FLOAT_MASK3, "average_attn_weights": False},
     False),
    ("float_kpm", {}, [Q, KV, KV], {"key_padding_mask": FLOAT_KPM, "need_weights": False},
     False),
    ("causal", {}, [Q], {"attn_mask": np.triu(np.ones((L, L), bool), 1), "is_causal": True,
                         "need_weights": False}, True),
    ("batch_first", {"batch_first": True}, [Q.transpose(1, 0, 2).copy(),
                                            KV.transpose(1, 0, 2).copy(),
                                            KV.transpose(1, 0, 2).copy()], {}, False),
    ("batch_first_self", {"batch_first": True}, [Q.transpose(1, 0, 2).copy()],
     {"need_weights": False}, True),
    ("unbatched", {}, [Q[:, 0].copy(), KV[:, 0].copy(), KV[:, 0].copy()],
     {"key_padding_mask": KPM[0]}, False),
]


@pytest.mark.parametrize("name,ctor,ins,kw,self_attn", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("train", [True, False])
def test_multihead_attention(name, ctor, ins, kw, self_attn, train):
    check_module(lambda lib: lib.nn.MultiheadAttention(E, H, **ctor), ins, kwargs=kw,
                 call=_call(self_attn), train=train)


def test_mha_dropout_repr_and_names():
    for kw in ({}, {"kdim": 4, "vdim": 5, "dropout": 0.1, "add_bias_kv": True}):
        t = torch.nn.MultiheadAttention(8, 2, **kw)
        e = ember.nn.MultiheadAttention(8, 2, **kw)
        assert repr(e) == repr(t)
        assert list(dict(e.named_parameters())) == list(dict(t.named_parameters()))
        assert type(e.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(e.out_proj, ember.nn.Linear)
    ember.manual_seed(0)
    m = ember.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(4, 2, 8)
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    assert not np.allclose(_np(a), _np(b))
    m.eval()
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    np.testing.assert_array_equal(_np(a), _np(b))


def test_mha_init():
    ember.manual_seed(0)
    m = ember.nn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = _np(m.in_proj_weight)
    bound = np.sqrt(6.0 / (64 + 3 * 64))
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    assert not _np(m.in_proj_bias).any() and not _np(m.out_proj.bias).any()


def test_mha_errors():
    m = ember.nn.MultiheadAttention(8, 2)
    with pytest.raises(AssertionError):
        ember.nn.MultiheadAttention(8, 3)
    with pytest.raises(AssertionError):
        m(ember.zeros(2, 3, 3, 8), ember.zeros(2, 3, 8), ember.zeros(2, 3, 8))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(ember.zeros(2, 3, 8), ember.zeros(2, 3, 8), ember.zeros(2, 3, 8), is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(ember.zeros(2, 3, 8), ember.zeros(2, 3, 8), ember.zeros(2, 3, 8),
          attn_mask=ember.zeros(3, 3))


def test_multi_head_attention_forward_functional():
    q, k = arr(L, N, E), arr(S, N, E)
    w, b, ow, ob = arr(3 * E, E), arr(3 * E), arr(E, E), arr(E)
    res = {}
    for lib in (ember, torch):
        args = [lib.tensor(a, requires_grad=True) for a in (q, k, w, b, ow, ob)]
        out, attn = lib.nn.functional.multi_head_attention_forward(
            args[0], args[1], args[1], E, H, args[2], args[3], None, None, False, 0.0,
            args[4], args[5], key_padding_mask=lib.tensor(KPM))
        (out.sum() + (attn * 3).sum()).backward()
        res[lib] = [out, attn] + [a.grad for a in args]
    for e, t in zip(res[ember], res[torch]):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-4, atol=2e-5)
