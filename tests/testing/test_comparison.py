"""ember.testing.assert_close against torch.testing.assert_close on the same inputs: the
same outcome, exception type and message (torch's names mapped to ember's)."""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.testing
from torch.testing import _comparison as tcmp

import ember
import ember.testing
from ember.testing import _comparison as ecmp

F32, F64 = np.float32, np.float64


def _norm(msg: str) -> str:
    """torch's spelling of names that legitimately differ, mapped to ember's."""
    return (msg.replace("<class 'torch.Tensor'>", "<class 'ember._tensor.Tensor'>")
            .replace("torch.", "ember."))


_UNEXPECTED = "resulted in the unexpected exception above."


def _outcome(fn, lib, case, kwargs):
    actual, expected = case(lib)
    try:
        fn(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome is compared
        return type(e), str(e), e
    return None


def _check(case, **kwargs):
    t = _outcome(torch.testing.assert_close, torch, case, kwargs)
    e = _outcome(ember.testing.assert_close, ember, case, kwargs)
    if t is None:
        assert e is None, f"torch passes, ember raised {e[0].__name__}: {e[1]}"
        return None
    assert e is not None, f"torch raised {t[0].__name__}: {t[1]}\nember passed"
    assert e[0] is t[0], (e[0], t[0], e[1], t[1])
    t_msg = _norm(t[1])
    if t[0] is RuntimeError and _UNEXPECTED in t_msg:
        # torch appends a request to file a PyTorch issue after this sentence
        t_msg = t_msg[:t_msg.index(_UNEXPECTED) + len(_UNEXPECTED)]
    assert e[1] == t_msg, f"\nember: {e[1]!r}\ntorch: {t_msg!r}"
    return e[2]


def _arr(lib, values, dtype):
    """``values`` as a ``lib`` tensor of the dtype named ``dtype``."""
    return lib.tensor(values, dtype=getattr(lib, dtype))


def _pair(a, e, dtype="float32", dtype_e=None):
    return lambda lib: (_arr(lib, a, dtype), _arr(lib, e, dtype_e or dtype))


TENSOR_CASES = {
    "equal": _pair([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    "one mismatch": _pair([1.0, 2.0, 3.0], [1.0, 5.0, 3.0]),
    "within default tol": _pair([1.0, 2.0 + 2e-6], [1.0, 2.0]),
    "outside default tol": _pair([1.0, 2.0 + 3e-5], [1.0, 2.0]),
    "2d many": _pair([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.5, 2.0, 2.0], [4.0, 0.0, 6.0]]),
    "3d index": _pair(np.arange(24.0).reshape(2, 3, 4).tolist(),
                      (np.arange(24.0) + (np.arange(24) == 17)).reshape(2, 3, 4).tolist()),
    "equal max first index": _pair([1.0, 3.0, 5.0], [2.0, 4.0, 6.0]),
    "expected zero rel inf": _pair([1.0, 1.0], [0.0, 1.0]),
    "nan vs number": _pair([1.0, math.nan], [1.0, 2.0]),
    "nan vs nan": _pair([1.0, math.nan], [1.0, math.nan]),
    "inf vs -inf": _pair([math.inf, 1.0], [-math.inf, 1.0]),
    "inf vs inf": _pair([math.inf, 1.0], [math.inf, 1.0]),
    "inf vs big": _pair([math.inf], [1e30]),
    "scalar tensor": _pair(1.0, 2.0),
    "scalar tensor equal": _pair(1.5, 1.5),
    "scalar tensor nan": _pair(math.nan, math.nan),
    "float64": _pair([1.0, 1.0 + 2e-7], [1.0, 1.0], "float64"),
    "float64 ok": _pair([1.0, 1.0 + 5e-8], [1.0, 1.0], "float64"),
    "float16": _pair([1.0, 100.0], [1.0, 100.2], "float16"),
    "float16 ok": _pair([1.0, 100.0], [1.0, 100.06], "float16"),
    "bfloat16": _pair([1.0, 100.0], [1.0, 103.0], "bfloat16"),
    "bfloat16 ok": _pair([1.0, 100.0], [1.0, 101.0], "bfloat16"),
    "complex64": _pair([1 + 1j, 2 - 1j], [1 + 1j, 2 + 1j], "complex64"),
    "complex128 nan": _pair([1 + 1j, complex(math.nan, 0)], [1 + 1j, 2], "complex128"),
    "int64": _pair([1, 2, 3], [1, 5, 3], "int64"),
    "int64 scalar": _pair(7, 9, "int64"),
    "int64 expected zero": _pair([1, 2, 3], [0, 2, 3], "int64"),
    "uint8": _pair([0, 200, 3], [255, 2, 3], "uint8"),
    "int8 wrap": _pair([-128, 100], [127, -100], "int8"),
    "bool": _pair([True, False, True], [True, True, False], "bool"),
    "bool scalar": _pair(True, False, "bool"),
    "shape": lambda lib: (lib.zeros(2, 3), lib.zeros(3, 2)),
    "shape scalar": lambda lib: (lib.zeros(()), lib.zeros(1)),
    "dtype": _pair([1.0], [1.0], "float32", "float64"),
    "dtype int": _pair([1], [1], "int32", "int64"),
    "empty": lambda lib: (lib.zeros(0, 3), lib.zeros(0, 3)),
    "noncontiguous": lambda lib: (lib.arange(12.0).view(3, 4).t(),
                                  lib.arange(12.0).view(3, 4).t().contiguous()),
}


@pytest.mark.parametrize("name", list(TENSOR_CASES))
def test_tensor_cases(name):
    _check(TENSOR_CASES[name])


OPTION_CASES = [
    ("equal_nan", "nan vs nan", {"equal_nan": True}),
    ("equal_nan scalar", "scalar tensor nan", {"equal_nan": True}),
    ("equal_nan complex", "complex128 nan", {"equal_nan": True}),
    ("dtype off ok", "dtype", {"check_dtype": False}),
    ("dtype off int", "dtype int", {"check_dtype": False}),
    ("tol explicit pass", "one mismatch", {"rtol": 0.0, "atol": 3.0}),
    ("tol explicit fail", "one mismatch", {"rtol": 0.1, "atol": 1.0}),
    ("tol zero", "within default tol", {"rtol": 0, "atol": 0}),
    ("int with tol", "int64", {"rtol": 0.1, "atol": 2}),
    ("int with tol fail", "int64", {"rtol": 0.1, "atol": 1}),
    ("uint8 with tol", "uint8", {"rtol": 0.5, "atol": 1}),
    ("int8 wrap with tol", "int8 wrap", {"rtol": 0.0, "atol": 100}),
    ("bool with tol", "bool", {"rtol": 0.5, "atol": 0.5}),
    ("bool with big tol", "bool", {"rtol": 0.5, "atol": 1.0}),
    ("float16 tol", "float16", {"rtol": 1e-3, "atol": 0.1}),
    ("complex tol", "complex64", {"rtol": 0.0, "atol": 2.0}),
    ("rtol only", "equal", {"rtol": 0.1}),
    ("atol only", "equal", {"atol": 0.1}),
    ("stride off", "noncontiguous", {}),
    ("stride on", "noncontiguous", {"check_stride": True}),
    ("msg str", "one mismatch", {"msg": "Argh, the tensors are not close!"}),
    ("msg callable", "one mismatch", {"msg": lambda m: f"Header\n\n{m}\n\nFooter"}),
    ("msg on shape", "shape", {"msg": "custom"}),
    ("msg callable on dtype", "dtype", {"msg": lambda m: m.replace(" ", "_")}),
    ("device off", "one mismatch", {"check_device": False}),
    ("layout off", "equal", {"check_layout": False}),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_option_cases(case):
    _, name, kwargs = case
    _check(TENSOR_CASES[name], **kwargs)


def _same(x):
    return lambda lib: x


OBJECT_CASES = {
    "float scalars": _same((1.0, 1.0 + 1e-9)),
    "float scalars far": _same((1e-9, 1e-10)),
    "float scalars expected 0": _same((1e-9, 0.0)),
    "int scalars": _same((1, 2)),
    "int vs float": _same((1, 1.0)),
    "complex scalars": _same((1 + 1j, 1 + 2j)),
    "nan scalars": _same((math.nan, math.nan)),
    "inf scalars": _same((math.inf, -math.inf)),
    "numpy scalars": _same((np.float32(1.0), np.float32(1.5))),
    "numpy vs python": _same((np.float64(1.0), 1.0)),
    "numpy int vs float": _same((np.int64(1), np.float64(1.0))),
    "bools": _same((True, False)),
    "bools equal": _same((True, True)),
    "numpy bool": _same((np.bool_(True), False)),
    "bool vs int": _same((True, 1)),
    "none": _same((None, None)),
    "none vs int": _same((None, 1)),
    "int vs none": _same((1, None)),
    "strings": _same(("a", "b")),
    "numpy arrays": _same((np.array([1.0, 2.0]), np.array([1.0, 2.5]))),
    "numpy int arrays": _same((np.array([1, 2]), np.array([1, 3]))),
    "numpy arrays equal": _same((np.array([[1.0]], F32), np.array([[1.0]], F32))),
    "numpy 0d": _same((np.array(1.0), np.array(2.0))),
    "numpy dtype": _same((np.array([1.0], F32), np.array([1.0], F64))),
    "numpy vs tensor": lambda lib: (np.array([1.0], F32), lib.tensor([1.0])),
    "tensor vs number": lambda lib: (lib.tensor([1.0]), 1.0),
    "tensor vs list": lambda lib: (lib.tensor([1.0, 2.0]), [1.0, 2.0]),
    "parameter vs tensor": lambda lib: (lib.nn.Parameter(lib.tensor([1.0, 2.0])),
                                        lib.tensor([1.0, 2.0])),
    "parameter mismatch": lambda lib: (lib.nn.Parameter(lib.tensor([1.0, 2.0])),
                                       lib.tensor([1.0, 3.0])),
    "list equal": _same(([1.0, 2], [1.0, 2])),
    "list length": _same(([1.0, 2.0], [1.0])),
    "tuple vs list": lambda lib: ((lib.tensor([1.0]), 2.0, np.array(3.0)),
                                  [lib.tensor([1.0]), 2.0, np.array(3.0)]),
    "nested item": lambda lib: ([1.0, [lib.tensor([1.0]), lib.tensor([2.0, 3.0])]],
                                [1.0, [lib.tensor([1.0]), lib.tensor([2.0, 4.0])]]),
    "nested length": _same(([[1, 2], [3]], [[1, 2], [3, 4]])),
    "first failure only": lambda lib: ([lib.tensor([1.0]), lib.tensor([2.0])],
                                       [lib.tensor([0.0]), lib.tensor([0.0])]),
    "dict equal order": lambda lib: (OrderedDict(a=lib.tensor(1.0), b=2.0),
                                     {"b": 2.0, "a": lib.tensor(1.0)}),
    "dict keys": _same(({"a": 1, "b": 2}, {"a": 1, "c": 2})),
    "dict item": lambda lib: ({"x": {"y": lib.tensor([1.0, 2.0])}, "w": 1},
                              {"x": {"y": lib.tensor([1.0, 2.5])}, "w": 1}),
    "dict int keys": _same(({1: 1.0, 0: 2.0}, {0: 2.0, 1: 1.5})),
    "dict vs list": _same(({0: 1.0}, [1.0])),
    "sequence vs tensor": lambda lib: ([1.0], lib.tensor([1.0])),
    "str vs list": _same(("ab", ["a", "b"])),
}


@pytest.mark.parametrize("name", list(OBJECT_CASES))
def test_object_cases(name):
    _check(lambda lib: OBJECT_CASES[name](lib))


@pytest.mark.parametrize("name,kwargs", [
    ("int vs float", {"check_dtype": False}),
    ("numpy vs python", {"check_dtype": False}),
    ("numpy int vs float", {"check_dtype": False}),
    ("float scalars far", {"rtol": 0, "atol": 0}),
    ("nan scalars", {"equal_nan": True}),
    ("complex scalars", {"rtol": 0.0, "atol": 1.0}),
    ("float scalars", {"rtol": 0.0}),
    ("numpy dtype", {"check_dtype": False}),
    ("parameter vs tensor", {"allow_subclasses": False}),
    ("dict item", {"msg": lambda m: "<" + m + ">"}),
    ("list length", {"msg": "custom length"}),
])
def test_object_options(name, kwargs):
    _check(lambda lib: OBJECT_CASES[name](lib), **kwargs)


def test_negative_tolerance_raises_like_torch():
    err = _check(TENSOR_CASES["one mismatch"], rtol=-1.0, atol=0.0)
    assert isinstance(err, RuntimeError)
    cause_t = None
    try:
        torch.testing.assert_close(torch.ones(2), torch.ones(2), rtol=0.0, atol=-1.0)
    except RuntimeError as e:
        cause_t = e.__cause__
    with pytest.raises(RuntimeError) as e_err:
        ember.testing.assert_close(ember.ones(2), ember.ones(2), rtol=0.0, atol=-1.0)
    assert type(e_err.value.__cause__) is type(cause_t)
    assert str(e_err.value.__cause__) == str(cause_t)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64",
                                   "complex128"])
def test_tolerance_boundary_sweep(dtype):
    """Perturbations around the default tolerance: the verdict and statistics of each pair
    (including values right at the boundary) equal torch's."""
    rng = np.random.default_rng(0)
    tdt, edt = getattr(torch, dtype), getattr(ember, dtype)
    rtol, atol = tcmp.default_tolerances(tdt)
    for trial in range(40):
        n = 8
        base = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 4)
        cplx = dtype.startswith("complex")
        if cplx:
            base = base + 1j * rng.standard_normal(n)
        scale = rng.choice([0.5, 0.9, 1.0, 1.1, 2.0, 10.0], n)
        eps = (atol + rtol * np.abs(base)) * scale * rng.choice([-1, 1], n)
        t_exp = torch.tensor(base).to(tdt)
        wide = torch.complex128 if cplx else torch.float64
        t_act = (t_exp.to(wide) + torch.tensor(eps)).to(tdt)
        e_exp = ember.tensor(t_exp.to(wide).numpy()).to(edt)
        e_act = ember.tensor(t_act.to(wide).numpy()).to(edt)
        t_res = e_res = None
        try:
            torch.testing.assert_close(t_act, t_exp)
        except AssertionError as err:
            t_res = _norm(str(err))
        try:
            ember.testing.assert_close(e_act, e_exp)
        except AssertionError as err:
            e_res = str(err)
        assert e_res == t_res, f"trial {trial}:\nember: {e_res}\ntorch: {t_res}"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int16", "uint8", "bool"])
def test_explicit_tolerance_sweep(dtype):
    """Explicit tolerances on half and integer dtypes, where torch's isclose computes in
    mixed precision (see NOTE [closeness on arrays])."""
    rng = np.random.default_rng(1)
    tdt, edt = getattr(torch, dtype), getattr(ember, dtype)
    for trial in range(30):
        if dtype == "bool":
            a = rng.random(10) > 0.5
            e = rng.random(10) > 0.5
        elif dtype in ("int16", "uint8"):
            a = rng.integers(0, 120, 10)
            e = a + rng.integers(-6, 7, 10) * (dtype != "uint8" or 1)
            e = np.clip(e, 0, 255)
        else:
            e = rng.standard_normal(10) * 50
            a = e * (1 + rng.standard_normal(10) * 0.01)
        rtol = float(rng.choice([0.0, 0.001, 0.013, 0.05, 0.3]))
        atol = float(rng.choice([0.0, 1e-5, 0.01, 0.5, 2.0]))
        t_a, t_e = torch.tensor(a).to(tdt), torch.tensor(e).to(tdt)
        e_a = ember.tensor(t_a.to(torch.float64).numpy()).to(edt)
        e_e = ember.tensor(t_e.to(torch.float64).numpy()).to(edt)
        results = []
        for fn, x, y in ((torch.testing.assert_close, t_a, t_e),
                         (ember.testing.assert_close, e_a, e_e)):
            try:
                fn(x, y, rtol=rtol, atol=atol)
                results.append(None)
            except AssertionError as err:
                results.append(_norm(str(err)))
        assert results[1] == results[0], f"trial {trial} rtol={rtol} atol={atol}"


def test_default_tolerances_table():
    for name in ("float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                 "int8", "uint8", "int64", "bool", "qint8", "quint8", "qint32"):
        assert ecmp.default_tolerances(getattr(ember, name)) == \
            tcmp.default_tolerances(getattr(torch, name)), name
    assert ecmp.default_tolerances(ember.float16, ember.float64) == \
        tcmp.default_tolerances(torch.float16, torch.float64)
    with pytest.raises(TypeError) as t_err:
        tcmp.default_tolerances(1.0)
    with pytest.raises(TypeError) as e_err:
        ecmp.default_tolerances(1.0)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning")
def test_quantized_tensors():
    x = np.array([0.1, 0.5, -0.3, 1.2], F32)
    y = np.array([0.1, 0.5, -0.3, 0.9], F32)

    def q(lib, v, scale=0.1):
        return lib.quantize_per_tensor(lib.tensor(v), scale, 0, lib.qint8)
    _check(lambda lib: (q(lib, x), q(lib, x)))
    _check(lambda lib: (q(lib, x), q(lib, y)))
    _check(lambda lib: (q(lib, x), lib.tensor(x)))
    _check(lambda lib: (q(lib, x[:1]).reshape(()), q(lib, y[3:]).reshape(())))


def test_large_tensor_statistics():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((7, 11, 13)).astype(F32)
    b = a.copy()
    idx = rng.random(a.shape) < 0.05
    b[idx] += rng.standard_normal(int(idx.sum())).astype(F32)
    b[0, 0, 0] = np.nan
    _check(lambda lib: (lib.tensor(a), lib.tensor(b)))
    _check(lambda lib: (lib.tensor(a), lib.tensor(b)), equal_nan=True)


def test_assert_allclose_deprecated():
    assert hasattr(torch.testing, "assert_allclose")
    cases = [
        ((lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0001]))), {}),
        ((lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1]))), {}),
        ((lambda lib: (lib.tensor([1.0, math.nan]), [1.0, math.nan])), {}),
        ((lambda lib: ([1, 2], [1, 3])), {}),
        ((lambda lib: (lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64))), {}),
        ((lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1]))), {"msg": "boom"}),
        ((lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1]))),
         {"rtol": 0.1, "atol": 0.0}),
        ((lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1]))), {"rtol": 0.1}),
    ]
    for case, kwargs in cases:
        res = []
        for lib, fn in ((torch, torch.testing.assert_allclose),
                        (ember, ember.testing.assert_allclose)):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                out = _outcome(fn, lib, case, kwargs)
            assert any(issubclass(x.category, FutureWarning) for x in w)
            res.append(None if out is None else (out[0], _norm(out[1])))
        assert res[1] == res[0], kwargs


@pytest.mark.parametrize("default", ["float64", "float16"])
def test_default_dtype_drives_integer_comparison(default):
    """Integer values are compared, and their relative difference printed, in the default
    float dtype."""
    prev_t, prev_e = torch.get_default_dtype(), ember.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    ember.set_default_dtype(getattr(ember, default))
    try:
        _check(TENSOR_CASES["int64"])
        _check(TENSOR_CASES["int64"], rtol=0.1, atol=1)
        _check(_pair([1000, 2047], [1001, 2049], "int32"), rtol=0.0, atol=1.0)
    finally:
        torch.set_default_dtype(prev_t)
        ember.set_default_dtype(prev_e)
