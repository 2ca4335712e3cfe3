"""Autocast op categories and numbers on CPU against torch's CPU autocast (the oracle)."""

import numpy as np
import pytest
import torch

import ember

R = np.random.RandomState(0)


def _a(*shape, lo=0.1, hi=1.0):
    return (R.uniform(lo, hi, size=shape)).astype(np.float32)


def _spd(n):
    m = R.randn(n, n).astype(np.float32)
    return (m @ m.T + n * np.eye(n)).astype(np.float32)


IDX = np.array([0, 2, 1, 3])

# name, category on CPU, inputs (numpy float32), fn(lib, *tensors)
# category: 'lower' -> cast to the autocast dtype; 'fp32' -> lower inputs run in float32;
# 'promote' -> mixed inputs run in the widest type; 'none' -> runs in the input dtype
CASES = [
    ("matmul", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.matmul(a, b)),
    ("matmul_op", "lower", [_a(2, 3, 4), _a(4, 5)], lambda L, a, b: a @ b),
    ("mm", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.mm(a, b)),
    ("bmm", "lower", [_a(2, 3, 4), _a(2, 4, 5)], lambda L, a, b: L.bmm(a, b)),
    ("addmm", "lower", [_a(3, 5), _a(3, 4), _a(4, 5)], lambda L, c, a, b: L.addmm(c, a, b)),
    ("addbmm", "lower", [_a(3, 5), _a(2, 3, 4), _a(2, 4, 5)],
     lambda L, c, a, b: L.addbmm(c, a, b)),
    ("baddbmm", "lower", [_a(2, 3, 5), _a(2, 3, 4), _a(2, 4, 5)],
     lambda L, c, a, b: L.baddbmm(c, a, b)),
    ("einsum", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.einsum("ij,jk->ik", a, b)),
    ("linear", "lower", [_a(3, 4), _a(5, 4), _a(5)],
     lambda L, x, w, b: L.nn.functional.linear(x, w, b)),
    ("conv1d", "lower", [_a(2, 3, 8), _a(4, 3, 3), _a(4)],
     lambda L, x, w, b: L.nn.functional.conv1d(x, w, b, padding=1)),
    ("conv2d", "lower", [_a(2, 3, 6, 6), _a(4, 3, 3, 3), _a(4)],
     lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, stride=2)),
    ("conv3d", "lower", [_a(1, 2, 4, 4, 4), _a(3, 2, 2, 2, 2)],
     lambda L, x, w: L.nn.functional.conv3d(x, w)),
    ("conv_transpose1d", "lower", [_a(2, 3, 5), _a(3, 2, 3)],
     lambda L, x, w: L.nn.functional.conv_transpose1d(x, w)),
    ("conv_transpose2d", "lower", [_a(2, 3, 4, 4), _a(3, 2, 3, 3), _a(2)],
     lambda L, x, w, b: L.nn.functional.conv_transpose2d(x, w, b, stride=2)),
    ("prelu", "lower", [_a(3, 4, lo=-1), _a(1)], lambda L, x, w: L.nn.functional.prelu(x, w)),
    ("scaled_dot_product_attention", "lower", [_a(2, 3, 4), _a(2, 5, 4), _a(2, 5, 4)],
     lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v)),
    # float32 category (lower-precision inputs run in float32)
    ("cross_entropy", "fp32", [_a(4, 5, lo=-2, hi=2)],
     lambda L, x: L.nn.functional.cross_entropy(x, L.tensor(IDX))),
    ("nll_loss", "fp32", [_a(4, 5, lo=-2, hi=0)],
     lambda L, x: L.nn.functional.nll_loss(x, L.tensor(IDX))),
    ("binary_cross_entropy", "fp32", [_a(4, 5, lo=0.05, hi=0.95), _a(4, 5, lo=0, hi=1)],
     lambda L, x, y: L.nn.functional.binary_cross_entropy(x, y)),
    ("prod", "fp32", [_a(3, 4, lo=0.5, hi=1.5)], lambda L, x: L.prod(x, 1)),
    ("linalg_inv", "fp32", [_spd(4)], lambda L, x: L.linalg.inv(x)),
    ("linalg_solve", "fp32", [_spd(4), _a(4, 2)], lambda L, a, b: L.linalg.solve(a, b)),
    ("linalg_cholesky", "fp32", [_spd(4)], lambda L, x: L.linalg.cholesky(x)),
    ("linalg_eigh", "fp32", [_spd(4)], lambda L, x: L.linalg.eigh(x)[0]),
    ("linalg_svd", "fp32", [_spd(4)], lambda L, x: L.linalg.svd(x)[1]),
    ("linalg_qr", "fp32", [_spd(4)], lambda L, x: L.linalg.qr(x)[1].abs()),
    # promote (mixed lower/float32 inputs -> float32)
    ("cat", "promote", [_a(2, 3), _a(2, 3)], lambda L, a, b: L.cat([a, b])),
    ("stack", "promote", [_a(2, 3), _a(2, 3)], lambda L, a, b: L.stack([a, b], 1)),
    ("index_copy", "promote", [_a(4, 3), _a(2, 3)],
     lambda L, a, b: a.index_copy(0, L.tensor([2, 0]), b)),
    # not autocast on CPU: keep the input dtype (torch's CPU lists differ from CUDA's)
    ("softmax", "none", [_a(3, 4)], lambda L, x: L.softmax(x, -1)),
    ("log_softmax", "none", [_a(3, 4)], lambda L, x: L.log_softmax(x, -1)),
    ("exp", "none", [_a(3, 4)], lambda L, x: L.exp(x)),
    ("log", "none", [_a(3, 4)], lambda L, x: L.log(x)),
    ("pow", "none", [_a(3, 4)], lambda L, x: L.pow(x, 2)),
    ("sum", "none", [_a(3, 4)], lambda L, x: x.sum(0)),
    ("cumsum", "none", [_a(3, 4)], lambda L, x: x.cumsum(1)),
    ("layer_norm", "none", [_a(3, 4)], lambda L, x: L.nn.functional.layer_norm(x, (4,))),
    ("gelu", "none", [_a(3, 4)], lambda L, x: L.nn.functional.gelu(x)),
    ("mv", "none", [_a(3, 4), _a(4)], lambda L, a, b: L.mv(a, b)),
]

# torch's CPU list has these losses as float32 ops; ember composes them from primitive ops,
# so the dispatch hook cannot see them as one op (output stays in the input dtype)
COMPOSITE_FP32 = [
    ("mse_loss", [_a(3, 4), _a(3, 4)], lambda L, a, b: L.nn.functional.mse_loss(a, b)),
    ("l1_loss", [_a(3, 4), _a(3, 4)], lambda L, a, b: L.nn.functional.l1_loss(a, b)),
]

PARAMS = [pytest.param(c, id=c[0]) for c in CASES]

LOW = {"bfloat16": (torch.bfloat16, ember.bfloat16, 1e-2), "float16": (torch.float16,
                                                                      ember.float16, 1e-3)}


def _inputs(case_cat, arrays, tdt, edt):
    """float32 inputs for 'lower'; lower-precision for 'fp32'/'none'; mixed for 'promote'."""
    out_t, out_e = [], []
    for i, arr in enumerate(arrays):
        t, e = torch.tensor(arr), ember.tensor(arr)
        low = case_cat in ("fp32", "none") or (case_cat == "promote" and i == 0)
        if low:
            t, e = t.to(tdt), e.to(edt)
        out_t.append(t)
        out_e.append(e)
    return out_t, out_e


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().float().numpy()
    return t.detach().float().numpy()


@pytest.mark.parametrize("low", list(LOW))
@pytest.mark.parametrize("case", PARAMS)
def test_autocast_category_matches_torch(case, low):
    name, cat, arrays, fn = case
    tdt, edt, rtol = LOW[low]
    ti, ei = _inputs(cat, arrays, tdt, edt)
    with torch.autocast("cpu", dtype=tdt):
        to = fn(torch, *ti)
    with ember.autocast("cpu", dtype=edt):
        eo = fn(ember, *ei)
    assert str(eo.dtype) == str(to.dtype).replace("torch", "ember"), (name, eo.dtype, to.dtype)
    expect = {"lower": str(tdt), "fp32": "torch.float32", "promote": "torch.float32",
              "none": str(tdt)}[cat]
    assert str(to.dtype) == expect  # the table above states torch's category
    np.testing.assert_allclose(_np(eo), _np(to), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("case", COMPOSITE_FP32, ids=[c[0] for c in COMPOSITE_FP32])
def test_composite_losses_fp32(case):
    name, arrays, fn = case
    ti, ei = _inputs("fp32", arrays, torch.bfloat16, ember.bfloat16)
    with torch.autocast("cpu"):
        to = fn(torch, *ti)
    with ember.autocast("cpu"):
        eo = fn(ember, *ei)
    assert str(eo.dtype) == str(to.dtype).replace("torch", "ember")


def test_category_counts():
    cats = {}
    for _, cat, _, _ in CASES:
        cats[cat] = cats.get(cat, 0) + 1
    assert cats == {"lower": 16, "fp32": 10, "promote": 3, "none": 10}


def test_int_and_double_args_not_cast():
    a = ember.tensor(np.arange(6).reshape(2, 3))
    d = ember.tensor(_a(3, 2)).double()
    with ember.autocast("cpu"):
        assert (a @ ember.tensor(np.ones((3, 2), dtype=np.int64))).dtype == ember.int64
        assert (d @ d.T).dtype == ember.float64
        assert ember.cat([a.float().bfloat16(), a.float()]).dtype == ember.float32
