"""quantize_dynamic's module swapping, specs, inplace semantics and errors vs torch."""

from __future__ import annotations

import pytest
import torch

import ember
from tests.quantization.helpers import torch_qdynamic


def _net(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = lib.nn.Linear(8, 8)
            self.norm = lib.nn.LayerNorm(8)

        def forward(self, x):
            return self.norm(self.proj(x))

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = lib.nn.Conv2d(1, 2, 3)
            self.body = lib.nn.Sequential(Block(), lib.nn.ReLU(), Block())
            self.head = lib.nn.Linear(8, 4)

        def forward(self, x):
            return self.head(self.body(x))
    return Net()


def _same_repr(e, t):
    assert repr(e) == repr(t).replace("torch.", "ember."), (repr(e), repr(t))


@pytest.mark.parametrize("spec", [None, "types", "names", "dict"])
def test_swaps_like_torch(spec):
    def make_spec(lib):
        return {None: None, "types": {lib.nn.Linear}, "names": {"head", "body.2"},
                "dict": {"body.0.proj": lib.ao.quantization.default_dynamic_qconfig}}[spec]
    tm, em = _net(torch), _net(ember)
    qt = torch.ao.quantization.quantize_dynamic(tm, make_spec(torch), dtype=torch.qint8)
    qe = ember.ao.quantization.quantize_dynamic(em, make_spec(ember), dtype=ember.qint8)
    _same_repr(qe, qt)
    assert [n for n, _ in qe.named_modules()] == [n for n, _ in qt.named_modules()]
    assert list(qe.state_dict()) == list(qt.state_dict())
    assert not qe.training
    assert not any(hasattr(m, "qconfig") for m in qe.modules())


def test_inplace_semantics():
    em = _net(ember)
    head = em.head
    qe = ember.quantization.quantize_dynamic(em, {ember.nn.Linear})
    assert qe is not em and em.head is head and type(em.head) is ember.nn.Linear
    assert em.training and not any(hasattr(m, "qconfig") for m in em.modules())
    assert qe.conv is not em.conv  # deep copy
    qe2 = ember.quantization.quantize_dynamic(em, {ember.nn.Linear}, inplace=True)
    assert qe2 is em and type(em.head).__name__ == "Linear" and em.head is not head
    assert em.head._get_name() == "DynamicQuantizedLinear"


def test_hooks_are_carried_over():
    em = ember.nn.Sequential(ember.nn.Linear(3, 2))
    seen = []
    em[0].register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape)))
    qe = ember.quantization.quantize_dynamic(em, {ember.nn.Linear})
    qe(ember.randn(5, 3))
    assert seen == [(5, 2)]


def test_rnn_raises_not_implemented_with_path():
    em = ember.nn.Sequential(ember.nn.Linear(3, 3),
                             ember.nn.Sequential(ember.nn.LSTM(3, 4)))
    with pytest.raises(NotImplementedError, match=r"LSTM \(module '1\.0'\)"):
        ember.ao.quantization.quantize_dynamic(em)  # torch's default spec includes LSTM
    qe = ember.ao.quantization.quantize_dynamic(em, {ember.nn.Linear})  # Linear only: fine
    assert type(qe[1][0]) is ember.nn.LSTM
    emb = ember.nn.Sequential(ember.nn.Embedding(10, 3))
    with pytest.raises(NotImplementedError, match="Embedding"):
        ember.ao.quantization.quantize_dynamic(emb, dtype=ember.quint8)


def test_dtype_errors_match_torch():
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3))
    em = ember.nn.Sequential(ember.nn.Linear(4, 3))
    for tdt, edt, exc_set, exc_none in [
        (torch.int8, ember.int8, RuntimeError, ValueError),
        (torch.float32, ember.float32, RuntimeError, ValueError),
    ]:
        with pytest.raises(exc_set):
            torch_qdynamic(tm, {torch.nn.Linear}, dtype=tdt)
        with pytest.raises(exc_set):
            ember.ao.quantization.quantize_dynamic(em, {ember.nn.Linear}, dtype=edt)
        with pytest.raises(exc_none):
            torch.ao.quantization.quantize_dynamic(tm, dtype=tdt)
        with pytest.raises(exc_none):
            ember.ao.quantization.quantize_dynamic(em, dtype=edt)
    # quint8 with a Linear in the set: the weight observer's dtype is rejected
    with pytest.raises(AssertionError):
        torch_qdynamic(tm, {torch.nn.Linear}, dtype=torch.quint8)
    with pytest.raises(AssertionError):
        ember.ao.quantization.quantize_dynamic(em, {ember.nn.Linear}, dtype=ember.quint8)
    # quint8 default spec only touches embeddings: a Linear-only model is unchanged
    _same_repr(ember.ao.quantization.quantize_dynamic(em, dtype=ember.quint8),
               torch.ao.quantization.quantize_dynamic(tm, dtype=torch.quint8))


def test_torch_style_program_runs_with_import_swapped():
    import ember as torch_  # noqa: F401  (the user-facing spelling)
    model = torch_.nn.Sequential(torch_.nn.Linear(16, 32), torch_.nn.ReLU(),
                                 torch_.nn.Linear(32, 4))
    qmodel = torch_.quantization.quantize_dynamic(model, {torch_.nn.Linear},
                                                  dtype=torch_.qint8)
    with torch_.no_grad():
        out = qmodel(torch_.randn(2, 16))
    ref = model(torch_.randn(2, 16))
    assert out.shape == ref.shape and out.dtype is torch_.float32
