"""Embedding / EmbeddingBag modules against torch (weights copied from torch)."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import assert_close

IDX = np.array([[1, 2, 4, 2], [3, 2, 0, 9]])


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True}, {"max_norm": 1.0},
                                {"max_norm": 1.5, "norm_type": 1.0}])
def test_embedding(kw):
    emod, tmod = check_module(lambda lib: lib.nn.Embedding(10, 3, **kw), [IDX])
    assert_close(emod.weight, tmod.weight, what="weight (after max_norm renorm)")


def test_embedding_init_and_padding_row():
    ember.manual_seed(0)
    e = ember.nn.Embedding(2000, 64, padding_idx=3)
    w = e.weight.detach().numpy()
    assert not w[3].any()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    assert e.weight.requires_grad


def test_embedding_from_pretrained():
    w = np.random.randn(5, 3).astype(np.float32)
    for freeze in (True, False):
        e = ember.nn.Embedding.from_pretrained(ember.tensor(w), freeze=freeze, padding_idx=1)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1)
        assert repr(e) == repr(t)
        assert e.weight.requires_grad == (not freeze)
        i = np.array([0, 1, 4])
        assert_close(e(ember.tensor(i)), t(torch.tensor(i)))
    for lib in (ember, torch):
        with pytest.raises(AssertionError):
            lib.nn.Embedding(3, 2, padding_idx=3)


BAG = [({"mode": "sum"}, [np.array([1, 2, 4, 2, 3, 9, 0]), np.array([0, 3, 3])]),
       ({"mode": "mean"}, [np.array([1, 2, 4, 2, 3, 9, 0]), np.array([0, 3, 3])]),
       ({"mode": "max"}, [np.array([1, 2, 4, 2, 3, 9, 0]), np.array([0, 3, 3])]),
       ({"mode": "mean", "padding_idx": 2}, [IDX]),
       ({"mode": "sum", "include_last_offset": True},
        [np.array([1, 2, 4, 2, 3, 9, 0]), np.array([0, 2, 7])]),
       ({"mode": "max", "max_norm": 1.0}, [IDX])]


@pytest.mark.parametrize("kw,inputs", BAG)
def test_embedding_bag(kw, inputs):
    check_module(lambda lib: lib.nn.EmbeddingBag(10, 3, **kw), inputs)


def test_embedding_bag_per_sample_weights():
    psw = np.random.randn(7).astype(np.float32)
    check_module(lambda lib: lib.nn.EmbeddingBag(10, 3, mode="sum"),
                 [np.array([1, 2, 4, 2, 3, 9, 0]), np.array([0, 3, 3]), psw])


def test_embedding_bag_from_pretrained():
    w = np.random.randn(6, 2).astype(np.float32)
    e = ember.nn.EmbeddingBag.from_pretrained(ember.tensor(w), mode="max")
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="max")
    assert repr(e) == repr(t) and not e.weight.requires_grad
    i = np.array([[0, 5], [2, 3]])
    assert_close(e(ember.tensor(i)), t(torch.tensor(i)))
