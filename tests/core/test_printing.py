"""``repr``/``str`` of tensors match torch's exactly (with ``torch.`` -> ``ember.``)."""

import numpy as np
import pytest
import torch

import ember


def _cases():
    rng = np.random.default_rng(0)
    cases = []
    for mag in [1e-8, 1e-5, 1e-3, 0.1, 1, 10, 1e3, 1e5, 1e9, 1e20]:
        for shape in [(), (1,), (5,), (3, 4), (2, 3, 4), (20,), (8, 30)]:
            cases.append((f"randn{shape}x{mag:g}",
                          np.asarray(rng.standard_normal(shape) * mag).astype(np.float32)))
    cases += [
        ("ints_as_float", np.array([1., 2., 3.], np.float32)),
        ("zeros_f64", np.array([0., 0.])),
        ("nan_one", np.array([np.nan, 1.])),
        ("inf_nan", np.array([np.inf, -np.inf, np.nan, 0.], np.float32)),
        ("big_int_float", np.array([1e10, 1.0], np.float32)),
        ("neg_zero", np.array([-0.0], np.float32)),
        ("summ_2d", np.arange(2000, dtype=np.float32).reshape(40, 50)),
        ("summ_1d_int", np.arange(1001)),
        ("summ_frac", np.arange(2000, dtype=np.float32).reshape(40, 50) / 7),
        ("summ_3d", rng.standard_normal((10, 10, 11))),
        ("int64", rng.integers(-1000, 1000, (5, 7))),
        ("bool", rng.integers(0, 2, (3, 3)).astype(bool)),
        ("int32", np.arange(10, dtype=np.int32)),
        ("uint8", rng.integers(0, 255, (4, 4)).astype(np.uint8)),
        ("int8", rng.integers(-100, 100, (4, 4)).astype(np.int8)),
        ("int16", rng.integers(-100, 100, (4, 4)).astype(np.int16)),
        ("empty_2d", np.zeros((0, 3), np.float32)),
        ("empty_1d", np.zeros(0, np.float32)),
        ("empty_f64", np.zeros(0)),
        ("empty_int64_2d", np.zeros((2, 0), np.int64)),
        ("empty_int32", np.zeros(0, np.int32)),
        ("4d_f64", rng.standard_normal((4, 5, 6, 7))),
        ("100x100", rng.standard_normal((100, 100))),
        ("4d_summ", rng.standard_normal((10, 10, 10, 2))),
        ("0d_float", np.array(3.5, np.float32)),
        ("0d_int", np.array(7)),
        ("0d_bool", np.array(True)),
        ("0d_tiny", np.array(1e-10, np.float32)),
        ("0d_nan", np.array(np.nan, np.float32)),
        ("rounded", (rng.standard_normal(50) * 100).round().astype(np.float32)),
        ("large_mixed", np.array([123456789.0, 1.5], np.float32)),
        ("wide_row", rng.standard_normal(40).astype(np.float32) * 1000),
        ("complex64", np.array([1 + 2j, 3 - 4j], np.complex64)),
        ("complex128", rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))),
    ]
    return cases


CASES = _cases()


def _pair(arr, conv=None):
    t, e = torch.from_numpy(arr.copy()), ember.from_numpy(arr.copy())
    if conv:
        t, e = getattr(t, conv)(), getattr(e, conv)()
    return t, e


def _check(t, e):
    expected = repr(t).replace("torch.", "ember.")
    assert repr(e) == expected, f"\nember:\n{e!r}\ntorch:\n{expected}"
    assert str(e) == str(t).replace("torch.", "ember.")


@pytest.mark.parametrize("name,arr", CASES, ids=[c[0] for c in CASES])
def test_repr_matches_torch(name, arr):
    _check(*_pair(arr))


HALF_CASES = [c for c in CASES if c[1].dtype.kind == "f"][::3]


@pytest.mark.parametrize("conv", ["half", "bfloat16", "double"])
@pytest.mark.parametrize("name,arr", HALF_CASES, ids=[c[0] for c in HALF_CASES])
def test_repr_other_float_dtypes(name, arr, conv):
    _check(*_pair(arr, conv))


def test_repr_autograd_suffixes():
    x = torch.tensor([1., 2.], requires_grad=True)
    ex = ember.tensor([1., 2.], requires_grad=True)
    _check(x, ex)
    _check(x * 2, ex * 2)
    _check(x + 1, ex + 1)
    _check(x.double(), ex.double())
    _check(torch.ones(30, requires_grad=True) * 3, ember.ones(30, requires_grad=True) * 3)
    _check(torch.ones(2, 3, dtype=torch.float64, requires_grad=True),
           ember.ones(2, 3, dtype=ember.float64, requires_grad=True))
    _check(torch.zeros(0, 3, requires_grad=True), ember.zeros(0, 3, requires_grad=True))
    assert "grad_fn=<MulBackward0>" in repr(ex * 2)


def test_repr_suffix_wraps_at_linewidth():
    # the dtype suffix moves to a new line when the last line would pass 80 columns
    arr = np.arange(16, dtype=np.float64).reshape(2, 8) * 1.5 + 1000.123
    _check(*_pair(arr))
    arr = np.linspace(0, 1, 9).astype(np.float64)
    _check(*_pair(arr))


@pytest.mark.parametrize("opts", [
    dict(precision=2), dict(precision=8), dict(threshold=5), dict(sci_mode=True),
    dict(sci_mode=False), dict(linewidth=40), dict(edgeitems=1, threshold=10),
    dict(profile="short"), dict(profile="full"), dict(edgeitems=0, threshold=3),
], ids=str)
def test_set_printoptions(opts):
    try:
        torch.set_printoptions(**opts)
        ember.set_printoptions(**opts)
        for _, arr in CASES[:80:7] + CASES[-30:]:
            _check(*_pair(arr))
    finally:
        torch.set_printoptions(profile="default")
        ember.set_printoptions(profile="default")


def test_printoptions_roundtrip():
    old = ember.get_printoptions()
    assert old == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                   "sci_mode": None}
    with ember.printoptions(precision=1):
        assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    assert ember.get_printoptions() == old


def test_repr_default_dtype_changes():
    try:
        torch.set_default_dtype(torch.float64)
        ember.set_default_dtype(ember.float64)
        for arr in [np.array([1.5, 2.]), np.array([1.5, 2.], np.float32), np.zeros(0),
                    np.zeros(0, np.float32), np.array([1 + 1j], np.complex128),
                    np.array([1 + 1j], np.complex64)]:
            _check(*_pair(arr))
    finally:
        torch.set_default_dtype(torch.float32)
        ember.set_default_dtype(ember.float32)


def test_repr_views_and_noncontiguous():
    a = np.arange(24, dtype=np.float32).reshape(4, 6) / 3
    t, e = _pair(a)
    _check(t.t(), e.t())
    _check(t.permute(1, 0), e.permute(1, 0))


def test_format_0d():
    assert f"{ember.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"
