"""DynamicQuantizedLinear vs torch's quantize_dynamic (x86/fbgemm engine): bit-identical
outputs on the same float weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests.quantization.helpers import assert_same_bits, copy_linears, torch_qdynamic


def _mlp(lib, sizes=(64, 256, 128, 10)):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [lib.nn.Linear(sizes[i], sizes[i + 1]), lib.nn.ReLU()]
    return lib.nn.Sequential(*layers[:-1])


class _Head:
    """The spec CNN's classifier head: fc1 (1568 -> 128), relu, fc2 (128 -> 10)."""

    @staticmethod
    def build(lib):
        class Head(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = lib.nn.Linear(32 * 7 * 7, 128)
                self.fc2 = lib.nn.Linear(128, 10)

            def forward(self, x):
                return self.fc2(lib.nn.functional.relu(self.fc1(x)))
        return Head()


def _pair(builder):
    torch.manual_seed(0)
    tm = builder(torch)
    em = builder(ember)
    copy_linears(em, tm)
    return em, tm


@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("which", ["mlp", "cnn_head"])
def test_outputs_bit_identical(batch, which):
    builder = _mlp if which == "mlp" else _Head.build
    em, tm = _pair(builder)
    qe = ember.ao.quantization.quantize_dynamic(em, {ember.nn.Linear}, dtype=ember.qint8)
    qt = torch_qdynamic(tm)
    rng = np.random.default_rng(batch)
    k = 64 if which == "mlp" else 1568
    for scale, shift in [(1.0, 0.0), (0.01, 0.0), (3.0, 2.0), (1.0, -5.0)]:
        x = (rng.standard_normal((batch, k)) * scale + shift).astype(np.float32)
        if which == "cnn_head":
            x = np.maximum(x, 0)  # post-ReLU/pool activations, as in the CNN
        assert_same_bits(qe(ember.tensor(x)), qt(torch.from_numpy(x)))
    for name in ("fc1", "fc2") if which == "cnn_head" else ("0", "2", "4"):
        we, wt = qe.get_submodule(name).weight(), qt.get_submodule(name).weight()
        assert_same_bits(we.int_repr(), wt.int_repr())
        assert we.q_scale() == wt.q_scale() and we.q_zero_point() == wt.q_zero_point()


def test_large_k_exactness_fallback_and_3d_input():
    # K * 127 * 128 > 2**24: the int32 sum no longer fits float32's mantissa, so ember
    # splits the reduction; the result must still be bit-identical
    torch.manual_seed(1)
    tl = torch.nn.Linear(4096, 16)
    el = ember.nn.Linear(4096, 16)
    copy_linears(el, tl)
    qe = ember.ao.nn.quantized.dynamic.Linear.from_float(_with_qconfig(el, ember))
    qt = torch_qdynamic(torch.nn.Sequential(tl))[0]
    x = np.abs(np.random.default_rng(0).standard_normal((2, 3, 4096))).astype(np.float32)
    x[..., :2048] *= 40.0
    assert_same_bits(qe(ember.tensor(x)), qt(torch.from_numpy(x)))


def _with_qconfig(mod, lib):
    mod.qconfig = lib.ao.quantization.default_dynamic_qconfig
    return mod


def test_no_bias_per_channel_and_custom_dict_spec():
    torch.manual_seed(2)
    tm = torch.nn.Sequential(torch.nn.Linear(40, 30, bias=False), torch.nn.Linear(30, 7))
    em = ember.nn.Sequential(ember.nn.Linear(40, 30, bias=False), ember.nn.Linear(30, 7))
    copy_linears(em, tm)
    qt = torch_qdynamic(tm, {"0": torch.ao.quantization.per_channel_dynamic_qconfig,
                             "1": torch.ao.quantization.default_dynamic_qconfig})
    qe = ember.ao.quantization.quantize_dynamic(
        em, {"0": ember.ao.quantization.per_channel_dynamic_qconfig,
             "1": ember.ao.quantization.default_dynamic_qconfig})
    assert repr(qe) == repr(qt).replace("torch.", "ember.")
    w_e, w_t = qe[0].weight(), qt[0].weight()
    assert w_e.qscheme() is ember.per_channel_affine
    assert_same_bits(w_e.int_repr(), w_t.int_repr())
    assert_same_bits(w_e.q_per_channel_scales(), w_t.q_per_channel_scales())
    x = np.random.default_rng(5).standard_normal((9, 40)).astype(np.float32)
    assert_same_bits(qe(ember.tensor(x)), qt(torch.from_numpy(x)))


def test_float16_dynamic_close():
    em, tm = _pair(_mlp)
    qe = ember.ao.quantization.quantize_dynamic(em, {ember.nn.Linear}, dtype=ember.float16)
    qt = torch_qdynamic(tm, dtype=torch.float16)
    assert repr(qe) == repr(qt).replace("torch.", "ember.")
    x = np.random.default_rng(0).standard_normal((8, 64)).astype(np.float32)
    # fp16-rounded weights, float32 GEMM: only the summation order differs
    np.testing.assert_allclose(qe(ember.tensor(x)).numpy(),
                               qt(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_module_api_and_state_dict():
    tl = torch.ao.nn.quantized.dynamic.Linear(4, 3)
    el = ember.nn.quantized.dynamic.Linear(4, 3)
    assert repr(el) == repr(tl).replace("torch.", "ember.")
    assert el.scale == tl.scale and el.zero_point == tl.zero_point
    assert el.bias().shape == tl.bias().shape and el.weight().dtype is ember.qint8
    em, tm = _pair(lambda lib: lib.nn.Sequential(lib.nn.Linear(6, 5), lib.nn.ReLU()))
    qe = ember.quantization.quantize_dynamic(em, {ember.nn.Linear})
    qt = torch_qdynamic(tm)
    sd_e, sd_t = qe.state_dict(), qt.state_dict()
    assert list(sd_e) == list(sd_t) == ["0.scale", "0.zero_point", "0._packed_params.dtype",
                                        "0._packed_params._packed_params"]
    assert sd_e["0._packed_params.dtype"] is ember.qint8
    w, b = sd_e["0._packed_params._packed_params"]
    assert_same_bits(w.int_repr(), sd_t["0._packed_params._packed_params"][0].int_repr())
    # load into a fresh quantized model (strict) and get the same outputs
    fresh = ember.nn.Sequential(ember.nn.quantized.dynamic.Linear(6, 5), ember.nn.ReLU())
    fresh.load_state_dict(sd_e)
    x = ember.randn(3, 6)
    assert_same_bits(fresh(x), qe(x))


def test_errors_match_torch():
    tl = torch.ao.nn.quantized.dynamic.Linear(4, 3)
    el = ember.ao.nn.quantized.dynamic.Linear(4, 3)
    for make in (lambda m: m.randn(2, 4, dtype=m.float64), lambda m: m.randn(2, 5),
                 lambda m: m.randn(4)):
        with pytest.raises(RuntimeError):
            tl(make(torch))
        with pytest.raises(RuntimeError):
            el(make(ember))
    assert tuple(el(ember.randn(0, 4)).shape) == tuple(tl(torch.randn(0, 4)).shape)
    with pytest.raises(RuntimeError):
        torch.ao.nn.quantized.dynamic.Linear(4, 3, dtype=torch.quint8)
    with pytest.raises(RuntimeError):
        ember.ao.nn.quantized.dynamic.Linear(4, 3, dtype=ember.quint8)
    with pytest.raises(AssertionError):
        torch.ao.nn.quantized.dynamic.Linear.from_float(torch.nn.ReLU())
    with pytest.raises(AssertionError):
        ember.ao.nn.quantized.dynamic.Linear.from_float(ember.nn.ReLU())


def _qlinear_pair(k, n, seed, weight=None, bias=True, per_channel=False):
    torch.manual_seed(seed)
    tl = torch.nn.Linear(k, n, bias=bias)
    if weight is not None:
        with torch.no_grad():
            tl.weight.copy_(torch.from_numpy(weight))
    el = ember.nn.Linear(k, n, bias=bias)
    copy_linears(el, tl)
    qc = "per_channel_dynamic_qconfig" if per_channel else "default_dynamic_qconfig"
    qt = torch_qdynamic(torch.nn.Sequential(tl), {"0": getattr(torch.ao.quantization, qc)})
    qe = ember.ao.quantization.quantize_dynamic(
        ember.nn.Sequential(el), {"0": getattr(ember.ao.quantization, qc)})
    return qe[0], qt[0]


@pytest.mark.parametrize("shape", [(1, 1568), (64, 1568), (3, 5, 128), (1, 1, 4096),
                                   (0, 3, 128)])
@pytest.mark.parametrize("kind", ["relu", "signed", "shifted", "tiny", "constant"])
def test_fast_paths_bit_identical(shape, kind):
    # zp == 0 (float32 quantization) and zp != 0 (float64), batch 1, 3-D and empty inputs,
    # the small-scale and constant-input qparams fallbacks, per-tensor and per-channel
    k = shape[-1]
    rng = np.random.default_rng(k + len(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    x = {"relu": np.maximum(x, 0) * 3, "signed": x, "shifted": x * 0.5 - 2.0,
         "tiny": x * 1e-6, "constant": np.full(shape, 0.75, np.float32)}[kind]
    for per_channel in (False, True):
        qe, qt = _qlinear_pair(k, 24, k, bias=not per_channel, per_channel=per_channel)
        assert_same_bits(qe(ember.tensor(x)), qt(torch.from_numpy(x)))


def test_chunk_boundaries_bit_identical():
    # saturated weights in column 0 (|w| = 127 or 128 everywhere): the column-sum bound is
    # as crude as K * amax * wmax, so chunking starts near K = 2**24 / (127 * 128) ~ 1032;
    # that one column decides the chunk plan, the others would fit in fewer chunks
    rng = np.random.default_rng(3)
    chunked = []
    for k in (1031, 1032, 1033, 1040, 1041, 1042, 2065, 3100):
        w = np.where(rng.random((8, k)) < 0.5, -1.0, 1.0).astype(np.float32)
        w[1:] *= rng.random((7, k)).astype(np.float32)
        qe, qt = _qlinear_pair(k, 8, k, weight=w)
        x = np.abs(rng.standard_normal((5, k))).astype(np.float32)
        x[:, ::7] = 9.0
        assert_same_bits(qe(ember.tensor(x)), qt(torch.from_numpy(x)))
        packed = qe._packed_params._packed_params
        for plan in packed.plans.values():
            assert plan[0] == 0 and plan[-1] == k and all(b > a for a, b in zip(plan, plan[1:]))
        assert bool(packed.plans) == (127 * packed.wcol >= 2 ** 24)
        chunked.append(bool(packed.plans))
    assert chunked[0] is False and chunked[-1] is True
