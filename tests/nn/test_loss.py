"""Loss modules against torch: outputs, input gradients, buffers and repr (check_module),
module == functional, constructor errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import assert_close

rng = np.random.default_rng(0)


def f32(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def u01(*shape):
    return f32(*shape, lo=0.05, hi=0.95)


def pm1(*shape):
    return rng.choice([-1.0, 1.0], shape).astype(np.float32)


def cls(n, c, *spatial):
    return rng.integers(0, c, (n,) + spatial).astype(np.int64)


def probs(n, c):
    p = rng.uniform(0.1, 1, (n, c))
    return (p / p.sum(1, keepdims=True)).astype(np.float32)


W5 = rng.uniform(0.5, 2, 5).astype(np.float32)
W4 = rng.uniform(0.5, 2, 4).astype(np.float32)


def _t(lib, a):
    return None if a is None else lib.tensor(a)


def detach_last(n_inputs):
    """Forward with the trailing arguments (targets) detached: torch differentiates only
    the leading ``n_inputs``."""
    def call(m, *a):
        return m(*a[:n_inputs], *[x.detach() if hasattr(x, "detach") else x
                                  for x in a[n_inputs:]])
    return call


X45 = f32(4, 5)
T4 = cls(4, 5)
T4_IGN = T4.copy()
T4_IGN[1] = -100
X_SP = f32(2, 5, 3, 2)
T_SP = cls(2, 5, 3, 2)

CASES = [
    # (id, make(lib), arrays, call)
    ("L1", lambda lib: lib.nn.L1Loss(), [f32(3, 4), f32(3, 4)], detach_last(1)),
    ("L1_sum", lambda lib: lib.nn.L1Loss(reduction="sum"), [f32(3, 4), f32(3, 4)],
     detach_last(1)),
    ("L1_legacy", lambda lib: lib.nn.L1Loss(size_average=False), [f32(3, 4), f32(3, 4)],
     detach_last(1)),
    ("MSE", lambda lib: lib.nn.MSELoss(), [f32(3, 4), f32(3, 4)], detach_last(1)),
    ("MSE_none", lambda lib: lib.nn.MSELoss(reduction="none"), [f32(3, 4), f32(3, 4)],
     detach_last(1)),
    ("MSE_legacy_none", lambda lib: lib.nn.MSELoss(reduce=False), [f32(3, 4), f32(3, 4)],
     detach_last(1)),
    ("CE", lambda lib: lib.nn.CrossEntropyLoss(), [X45, T4], None),
    ("CE_opts", lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(W5), ignore_index=-100,
                                                    label_smoothing=0.1), [X45, T4_IGN], None),
    ("CE_sum_ign", lambda lib: lib.nn.CrossEntropyLoss(reduction="sum", ignore_index=2),
     [X45, T4], None),
    ("CE_spatial", lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(W5),
                                                       reduction="none"), [X_SP, T_SP], None),
    ("CE_prob", lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.2),
     [X45, probs(4, 5)], detach_last(1)),
    ("NLL", lambda lib: lib.nn.NLLLoss(), [X45, T4], None),
    ("NLL_opts", lambda lib: lib.nn.NLLLoss(weight=lib.tensor(W5), ignore_index=3,
                                            reduction="sum"), [X45, T4], None),
    ("NLL_spatial", lambda lib: lib.nn.NLLLoss(weight=lib.tensor(W5)), [X_SP, T_SP], None),
    ("BCE", lambda lib: lib.nn.BCELoss(), [u01(3, 4), u01(3, 4)], detach_last(1)),
    ("BCE_w", lambda lib: lib.nn.BCELoss(weight=lib.tensor(W4), reduction="none"),
     [u01(3, 4), u01(3, 4)], detach_last(1)),
    ("BCEWithLogits", lambda lib: lib.nn.BCEWithLogitsLoss(), [f32(3, 4), u01(3, 4)],
     detach_last(1)),
    ("BCEWithLogits_w", lambda lib: lib.nn.BCEWithLogitsLoss(
        weight=lib.tensor(W4), pos_weight=lib.tensor(W4[::-1].copy()), reduction="sum"),
     [f32(3, 4), u01(3, 4)], detach_last(1)),
    ("KLDiv_bm", lambda lib: lib.nn.KLDivLoss(reduction="batchmean"),
     [np.log(probs(3, 5)), probs(3, 5)], detach_last(1)),
    ("KLDiv_logt", lambda lib: lib.nn.KLDivLoss(reduction="sum", log_target=True),
     [np.log(probs(3, 5)), np.log(probs(3, 5))], detach_last(1)),
    ("SmoothL1", lambda lib: lib.nn.SmoothL1Loss(beta=0.5), [f32(3, 4), f32(3, 4)],
     detach_last(1)),
    ("Huber", lambda lib: lib.nn.HuberLoss(reduction="sum", delta=0.7),
     [f32(3, 4), f32(3, 4)], detach_last(1)),
    ("SoftMargin", lambda lib: lib.nn.SoftMarginLoss(), [f32(3, 4), pm1(3, 4)],
     detach_last(1)),
    ("MultiLabelSoftMargin", lambda lib: lib.nn.MultiLabelSoftMarginLoss(
        weight=lib.tensor(W4)), [f32(3, 4), u01(3, 4)], detach_last(1)),
    ("MultiMargin", lambda lib: lib.nn.MultiMarginLoss(), [X45, T4], None),
    ("MultiMargin_opts", lambda lib: lib.nn.MultiMarginLoss(p=2, margin=0.5,
                                                            weight=lib.tensor(W5),
                                                            reduction="none"), [X45, T4], None),
    ("MultiLabelMargin", lambda lib: lib.nn.MultiLabelMarginLoss(),
     [f32(2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])], None),
    ("MarginRanking", lambda lib: lib.nn.MarginRankingLoss(margin=0.2),
     [f32(5), f32(5), pm1(5)], detach_last(2)),
    ("HingeEmbedding", lambda lib: lib.nn.HingeEmbeddingLoss(margin=0.5, reduction="none"),
     [f32(3, 4), pm1(3, 4)], detach_last(1)),
    ("CosineEmbedding", lambda lib: lib.nn.CosineEmbeddingLoss(margin=0.1),
     [f32(4, 3), f32(4, 3), pm1(4)], detach_last(2)),
    ("TripletMargin", lambda lib: lib.nn.TripletMarginLoss(),
     [f32(4, 3), f32(4, 3), f32(4, 3)], None),
    ("TripletMargin_opts", lambda lib: lib.nn.TripletMarginLoss(margin=0.5, p=1.0, eps=1e-3,
                                                                swap=True, reduction="sum"),
     [f32(4, 3), f32(4, 3), f32(4, 3)], None),
    ("TripletMarginWithDistance", lambda lib: lib.nn.TripletMarginWithDistanceLoss(),
     [f32(4, 3), f32(4, 3), f32(4, 3)], None),
    ("TripletMarginWithDistance_fn", lambda lib: lib.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: (a - b).abs().sum(-1), margin=0.5, swap=True,
        reduction="none"), [f32(4, 3), f32(4, 3), f32(4, 3)], None),
    ("PoissonNLL", lambda lib: lib.nn.PoissonNLLLoss(),
     [f32(3, 4), rng.integers(0, 5, (3, 4)).astype(np.float32)], detach_last(1)),
    ("PoissonNLL_opts", lambda lib: lib.nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-4,
                                                          reduction="sum"),
     [u01(3, 4) * 3, rng.integers(0, 5, (3, 4)).astype(np.float32)], detach_last(1)),
    ("GaussianNLL", lambda lib: lib.nn.GaussianNLLLoss(),
     [f32(3, 4), f32(3, 4), u01(3, 4)], detach_last(1)),
    ("GaussianNLL_opts", lambda lib: lib.nn.GaussianNLLLoss(full=True, eps=1e-3,
                                                            reduction="none"),
     [f32(3, 4), f32(3, 4), u01(3)], detach_last(1)),
    ("CTC", lambda lib: lib.nn.CTCLoss(),
     [f32(6, 2, 4), np.array([[1, 2, 2], [3, 1, 0]]), np.array([6, 5]), np.array([3, 2])],
     lambda m, x, *a: m(x.log_softmax(2), *a)),
    ("CTC_opts", lambda lib: lib.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True),
     [f32(6, 2, 4), np.array([[1, 2, 2], [0, 1, 0]]), np.array([6, 2]), np.array([3, 2])],
     lambda m, x, *a: m(x.log_softmax(2), *a)),
]


@pytest.mark.parametrize("make,arrays,call", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_loss_module(make, arrays, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_module(make, arrays, call=call)


FUNCTIONAL = {
    "L1": ("l1_loss", {}), "L1_sum": ("l1_loss", {"reduction": "sum"}),
    "MSE_none": ("mse_loss", {"reduction": "none"}),
    "CE_opts": ("cross_entropy", {"weight": W5, "label_smoothing": 0.1}),
    "NLL_opts": ("nll_loss", {"weight": W5, "ignore_index": 3, "reduction": "sum"}),
    "BCE_w": ("binary_cross_entropy", {"weight": W4, "reduction": "none"}),
    "BCEWithLogits_w": ("binary_cross_entropy_with_logits",
                        {"weight": W4, "pos_weight": W4[::-1].copy(), "reduction": "sum"}),
    "KLDiv_logt": ("kl_div", {"reduction": "sum", "log_target": True}),
    "SmoothL1": ("smooth_l1_loss", {"beta": 0.5}),
    "Huber": ("huber_loss", {"reduction": "sum", "delta": 0.7}),
    "MultiMargin_opts": ("multi_margin_loss", {"p": 2, "margin": 0.5, "weight": W5,
                                               "reduction": "none"}),
    "MarginRanking": ("margin_ranking_loss", {"margin": 0.2}),
    "CosineEmbedding": ("cosine_embedding_loss", {"margin": 0.1}),
    "TripletMargin_opts": ("triplet_margin_loss", {"margin": 0.5, "p": 1.0, "eps": 1e-3,
                                                   "swap": True, "reduction": "sum"}),
    "PoissonNLL_opts": ("poisson_nll_loss", {"log_input": False, "full": True, "eps": 1e-4,
                                             "reduction": "sum"}),
    "GaussianNLL_opts": ("gaussian_nll_loss", {"full": True, "eps": 1e-3, "reduction": "none"}),
}


@pytest.mark.parametrize("case", list(FUNCTIONAL), ids=list(FUNCTIONAL))
def test_module_equals_functional(case):
    make, arrays, _ = next(c[1:] for c in CASES if c[0] == case)
    fname, kw = FUNCTIONAL[case]
    ins = [ember.tensor(a) for a in arrays]
    kw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = make(ember)(*ins)
        b = getattr(ember.nn.functional, fname)(*ins, **kw)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_module_reprs_and_buffers():
    for lib in (ember, torch):
        m = lib.nn.CrossEntropyLoss(weight=lib.tensor(W5))
        assert set(dict(m.named_buffers())) == {"weight"}
        m = lib.nn.BCEWithLogitsLoss(pos_weight=lib.tensor(W4))
        assert set(dict(m.named_buffers())) == {"pos_weight"}
    for name in ("CrossEntropyLoss", "NLLLoss", "L1Loss", "CTCLoss", "KLDivLoss",
                 "TripletMarginWithDistanceLoss", "GaussianNLLLoss", "HuberLoss"):
        assert repr(getattr(ember.nn, name)()) == repr(getattr(torch.nn, name)())
    e = ember.nn.CrossEntropyLoss(reduction="sum", ignore_index=3)
    t = torch.nn.CrossEntropyLoss(reduction="sum", ignore_index=3)
    assert (e.reduction, e.ignore_index, e.label_smoothing) == \
        (t.reduction, t.ignore_index, t.label_smoothing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.nn.L1Loss(size_average=False, reduce=True).reduction == "sum"
        assert ember.nn.L1Loss(reduce=False).reduction == "none"
        assert repr(ember.nn.NLLLoss2d()) == repr(torch.nn.NLLLoss2d())
    with pytest.warns(FutureWarning):
        ember.nn.NLLLoss2d()


@pytest.mark.parametrize("ctor,exc", [
    (lambda lib: lib.nn.MultiMarginLoss(p=3), ValueError),
    (lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)), ValueError),
    (lambda lib: lib.nn.TripletMarginLoss(margin=0.0), ValueError),
    (lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError),
    (lambda lib: lib.nn.HuberLoss(delta="a"), TypeError),
])
def test_constructor_errors(ctor, exc):
    for lib in (torch, ember):
        with pytest.raises(exc):
            ctor(lib)


@pytest.mark.parametrize("fwd,exc", [
    (lambda lib: lib.nn.CrossEntropyLoss()(lib.zeros(3, 5), lib.tensor([0, 1, 7])), IndexError),
    (lambda lib: lib.nn.NLLLoss()(lib.zeros(3, 5), lib.tensor([0, 1])), ValueError),
    (lambda lib: lib.nn.BCELoss()(lib.full((3,), 0.5), lib.zeros(4)), ValueError),
    (lambda lib: lib.nn.BCEWithLogitsLoss()(lib.zeros(3), lib.zeros(4)), ValueError),
    (lambda lib: lib.nn.CrossEntropyLoss(weight=lib.ones(3))(lib.zeros(3, 5),
                                                             lib.tensor([0, 1, 2])),
     RuntimeError),
])
def test_forward_errors(fwd, exc):
    for lib in (torch, ember):
        with pytest.raises(exc):
            fwd(lib)


def test_cross_entropy_double_backward_matches_torch():
    x = f32(4, 5)
    t = T4_IGN
    res = {}
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(xt, lib.tensor(t), weight=lib.tensor(W5),
                                               label_smoothing=0.2)
        (g,) = lib.autograd.grad(loss, xt, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), xt)
        res[lib] = (loss, g, gg)
    for e, t_ in zip(res[ember], res[torch]):
        assert_close(e, t_, grad=True)
