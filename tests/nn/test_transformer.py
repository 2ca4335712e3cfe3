"""Transformer encoder/decoder layers, stacks and Transformer against torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import _np

warnings.filterwarnings("ignore", message="enable_nested_tensor is True")
_RNG = np.random.default_rng(0)
D, NH, FF = 8, 2, 16


def arr(*shape):
    return _RNG.standard_normal(shape).astype(np.float32)


def _call(m, *a, **k):
    lib = torch if isinstance(m, torch.nn.Module) else ember
    return m(*a, **{n: lib.tensor(v) if isinstance(v, np.ndarray) else v for n, v in k.items()})


SRC, TGT = arr(5, 3, D), arr(4, 3, D)
KPM = np.zeros((3, 5), bool)
KPM[0, 3:] = True
TGT_KPM = np.zeros((3, 4), bool)
TGT_KPM[1, 3] = True
SRC_MASK = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
TGT_MASK = np.triu(np.full((4, 4), -np.inf, np.float32), 1)
BOOL_SRC_MASK = np.triu(np.ones((5, 5), bool), 1)


def _bf(x):
    return x.transpose(1, 0, 2).copy()


ENC_CASES = [
    ("default", {}, {}),
    ("kpm", {}, {"src_key_padding_mask": KPM}),
    ("float_mask", {}, {"src_mask": SRC_MASK}),
    ("bool_mask_causal", {}, {"src_mask": BOOL_SRC_MASK, "is_causal": True}),
    ("norm_first_gelu", {"norm_first": True, "activation": "gelu"},
     {"src_key_padding_mask": KPM, "src_mask": BOOL_SRC_MASK}),
    ("batch_first", {"batch_first": True}, {"src_key_padding_mask": KPM}),
    ("nobias_eps", {"bias": False, "layer_norm_eps": 1e-3}, {}),
    ("callable_act", {"activation": "callable"}, {}),
]


def _enc_ctor(kw, lib):
    kw = dict(kw)
    if kw.get("activation") == "callable":
        kw["activation"] = lib.nn.functional.silu
    return kw


@pytest.mark.parametrize("name,ctor,kw", ENC_CASES, ids=[c[0] for c in ENC_CASES])
@pytest.mark.parametrize("train", [True, False])
def test_encoder_layer(name, ctor, kw, train):
    src = _bf(SRC) if ctor.get("batch_first") else SRC
    check_module(lambda lib: lib.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0,
                                                            **_enc_ctor(ctor, lib)),
                 [src], kwargs=kw, call=_call, train=train)


def test_encoder_layer_unbatched():
    check_module(lambda lib: lib.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0),
                 [SRC[:, 0].copy()], call=_call)


@pytest.mark.parametrize("train", [True, False])
def test_encoder_stack(train):
    check_module(lambda lib: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0), 2, norm=lib.nn.LayerNorm(D),
        enable_nested_tensor=False), [SRC], kwargs={"mask": SRC_MASK,
                                                    "src_key_padding_mask": KPM},
        call=_call, train=train)
    check_module(lambda lib: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0, batch_first=True), 2),
        [_bf(SRC)], kwargs={"mask": SRC_MASK}, call=_call, train=train)


DEC_CASES = [
    ("default", {}, {}),
    ("masks", {}, {"tgt_mask": TGT_MASK, "tgt_key_padding_mask": TGT_KPM,
                   "memory_key_padding_mask": KPM}),
    ("memory_mask", {"norm_first": True}, {"memory_mask": arr(4, 5), "tgt_is_causal": False}),
    ("batch_first_gelu", {"batch_first": True, "activation": "gelu"},
     {"tgt_mask": TGT_MASK, "tgt_is_causal": True}),
]


@pytest.mark.parametrize("name,ctor,kw", DEC_CASES, ids=[c[0] for c in DEC_CASES])
@pytest.mark.parametrize("train", [True, False])
def test_decoder_layer(name, ctor, kw, train):
    bf = ctor.get("batch_first")
    ins = [_bf(TGT), _bf(SRC)] if bf else [TGT, SRC]
    check_module(lambda lib: lib.nn.TransformerDecoderLayer(D, NH, FF, dropout=0.0, **ctor),
                 ins, kwargs=kw, call=_call, train=train)


def test_decoder_stack():
    check_module(lambda lib: lib.nn.TransformerDecoder(
        lib.nn.TransformerDecoderLayer(D, NH, FF, dropout=0.0), 2, norm=lib.nn.LayerNorm(D)),
        [TGT, SRC], kwargs={"tgt_mask": TGT_MASK, "memory_key_padding_mask": KPM}, call=_call)


@pytest.mark.parametrize("ctor", [{}, {"batch_first": True, "norm_first": True}])
@pytest.mark.parametrize("train", [True, False])
def test_transformer(ctor, train):
    bf = ctor.get("batch_first")
    ins = [_bf(SRC), _bf(TGT)] if bf else [SRC, TGT]
    check_module(lambda lib: lib.nn.Transformer(D, NH, 2, 1, FF, dropout=0.0, **ctor), ins,
                 kwargs={"tgt_mask": TGT_MASK, "src_key_padding_mask": KPM,
                         "memory_key_padding_mask": KPM}, call=_call, train=train)


def test_transformer_misc():
    m = ember.nn.Transformer.generate_square_subsequent_mask(4)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(_np(m), _np(t))
    assert m.dtype == ember.float32
    with pytest.raises(RuntimeError, match="batch number"):
        ember.nn.Transformer(D, NH, 1, 1, FF)(ember.zeros(5, 3, D), ember.zeros(4, 2, D))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        ember.nn.TransformerEncoderLayer(D, NH, activation="tanh")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(D, NH), 2)
    assert any("enable_nested_tensor" in str(x.message) for x in w)
    e = ember.nn.TransformerEncoderLayer(D, NH, FF)
    assert e.activation_relu_or_gelu == 1
    # dropout active in training: two calls differ
    ember.manual_seed(0)
    x = ember.randn(5, 2, D)
    assert not np.allclose(_np(e(x)), _np(e(x)))
    e.eval()
    np.testing.assert_array_equal(_np(e(x)), _np(e(x)))


def test_transformer_init_xavier():
    ember.manual_seed(0)
    m = ember.nn.Transformer(32, 4, 1, 1, 64)
    w = _np(m.encoder.layers[0].linear1.weight)
    bound = np.sqrt(6.0 / (32 + 64))
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.1 * bound
