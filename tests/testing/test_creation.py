"""ember.testing.make_tensor against torch.testing.make_tensor: the values are random, so
the tests compare what is determined: dtype, shape, strides, contiguity, requires_grad,
value ranges (the set of values for integral dtypes), zero exclusion, warnings and
errors (type and message)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.testing

import ember
import ember.testing

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64", "complex64", "complex128"]


def _norm(msg: str) -> str:
    return msg.replace("torch.", "ember.")


def _make(lib, *shape, dtype, **kwargs):
    fn = torch.testing.make_tensor if lib is torch else ember.testing.make_tensor
    return fn(*shape, dtype=getattr(lib, dtype), device="cpu", **kwargs)


def _values(t) -> np.ndarray:
    t = t.detach()
    if t.dtype in (torch.bfloat16, ember.bfloat16):
        t = t.float()
    return np.asarray(t.numpy())


def _real_parts(v: np.ndarray) -> np.ndarray:
    return np.concatenate([v.real.ravel(), v.imag.ravel()]) if v.dtype.kind == "c" else v


@pytest.mark.parametrize("dtype", DTYPES)
def test_default_ranges(dtype):
    torch.manual_seed(0)
    ember.manual_seed(0)
    t = _values(_make(torch, 4000, dtype=dtype))
    e = _values(_make(ember, 4000, dtype=dtype))
    assert e.dtype == t.dtype and e.shape == t.shape
    if dtype in ("bool",) or "int" in dtype:
        # every value of the small default range shows up in 4000 draws, in both
        assert set(np.unique(e).tolist()) == set(np.unique(t).tolist())
    else:
        ev, tv = _real_parts(e), _real_parts(t)
        # a half-precision draw just below 9 may round up to 9 (in torch as well)
        top = 9 if dtype in ("float16", "bfloat16") else np.nextafter(9, 0)
        assert ev.min() >= -9 and ev.max() <= top and tv.min() >= -9 and tv.max() <= top
        # both span the range (a uniform draw of 4000 gets within 0.1 of each end)
        assert ev.min() < -8.9 and ev.max() > 8.9


@pytest.mark.parametrize("dtype,low,high", [
    ("int8", -1e10, 1e10), ("uint8", -5, 1000), ("int16", -3.5, 2.2), ("int64", 0, 2),
    ("bool", -3, 7), ("int32", 5, 6), ("uint8", 0.1, 1.5),
])
def test_integral_bounds_clamped_and_ceiled(dtype, low, high):
    torch.manual_seed(1)
    ember.manual_seed(1)
    t = _values(_make(torch, 3000, dtype=dtype, low=low, high=high))
    e = _values(_make(ember, 3000, dtype=dtype, low=low, high=high))
    if dtype == "int8":  # 256 values, 3000 draws: the extremes are hit
        assert (e.min(), e.max()) == (t.min(), t.max()) == (-128, 127)
    else:
        assert set(np.unique(e).tolist()) == set(np.unique(t).tolist())


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -1, 1), ("float64", 2.5, 3.0), ("float16", -1e6, 1e6),
    ("bfloat16", -1e40, 1e40), ("float64", -math.inf, math.inf), ("float32", None, 0.5),
    ("complex64", 0, 1e-3), ("complex128", -math.inf, 0),
])
def test_floating_bounds(dtype, low, high):
    ember.manual_seed(2)
    e = _real_parts(_values(_make(ember, 2000, dtype=dtype, low=low, high=high)))
    t = _real_parts(_values(_make(torch, 2000, dtype=dtype, low=low, high=high)))
    info = torch.finfo(getattr(torch, dtype))
    lo = max(-9 if low is None else low, info.min)
    hi = min(9 if high is None else high, info.max)
    for v in (e, t):
        assert np.all(np.isfinite(v))
        assert v.min() >= lo and v.max() <= hi
    if hi - lo < 1e30:
        # same spread of values: both land in each fifth of the interval
        edges = np.linspace(lo, hi, 6)
        assert np.all(np.histogram(e, edges)[0] > 0)
        assert np.all(np.histogram(t, edges)[0] > 0)


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), ((2, 3),), ([4, 1, 2],), (1, 1)])
@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int64", "complex64", "bool"])
def test_shape_strides_contiguity(shape, noncontiguous, dtype):
    if shape and isinstance(shape[0], list):
        shape_e, shape_t = shape, shape
    elif shape and isinstance(shape[0], tuple):
        shape_e, shape_t = (ember.Size(shape[0]),), (torch.Size(shape[0]),)
    else:
        shape_e = shape_t = shape
    t = _make(torch, *shape_t, dtype=dtype, noncontiguous=noncontiguous)
    e = _make(ember, *shape_e, dtype=dtype, noncontiguous=noncontiguous)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.stride() == t.stride()
    assert e.is_contiguous() == t.is_contiguous()
    assert repr(e.dtype).replace("ember.", "") == str(t.dtype).replace("torch.", "")
    if noncontiguous and e.numel() > 1:
        # the view starts at offset one of a base twice as long in the last dimension
        assert e.storage_offset() == t.storage_offset() == 1


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "bfloat16"])
def test_requires_grad(dtype):
    e = _make(ember, 3, 2, dtype=dtype, requires_grad=True)
    t = _make(torch, 3, 2, dtype=dtype, requires_grad=True)
    assert e.requires_grad == t.requires_grad is True
    assert e.is_leaf and e.grad_fn is None
    e2 = _make(ember, 3, 2, dtype=dtype, requires_grad=True, noncontiguous=True)
    t2 = _make(torch, 3, 2, dtype=dtype, requires_grad=True, noncontiguous=True)
    assert e2.requires_grad and t2.requires_grad and e2.is_leaf == t2.is_leaf
    assert not _make(ember, 2, dtype="int32").requires_grad


@pytest.mark.parametrize("dtype,low,high", [
    ("bool", 0, 1), ("int8", -1, 2), ("uint8", 0, 2), ("int64", 0, 1),
    ("float16", 0, 1e-7), ("float32", 0, 1e-44), ("complex64", 0, 1e-44),
])
def test_exclude_zero(dtype, low, high):
    ember.manual_seed(3)
    torch.manual_seed(3)
    kwargs = {"low": low, "high": high, "exclude_zero": True}
    e = _values(_make(ember, 500, dtype=dtype, **kwargs))
    t = _values(_make(torch, 500, dtype=dtype, **kwargs))
    assert not np.any(e == 0) and not np.any(t == 0)
    # the replacement value is torch's: 1 for bool/integers, finfo.tiny (real part) else
    if dtype == "bool" or "int" in dtype:
        assert set(np.unique(e).tolist()) == set(np.unique(t).tolist())
    else:
        tiny = torch.finfo(getattr(torch, dtype)).tiny
        assert np.any(e == tiny) and np.any(t == tiny)


def test_low_equal_high_warns_like_torch():
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            x = _make(lib, 5, dtype="float32", low=2.0, high=2.0)
        (warn,) = [m for m in w if issubclass(m.category, FutureWarning)]
        msgs.append(_norm(str(warn.message)))
        np.testing.assert_array_equal(_values(x), np.full(5, 2.0, np.float32))
    assert msgs[1] == msgs[0]


ERROR_CASES = [
    ("low >= high int", dict(dtype="int32", low=5, high=5)),
    ("low > high float", dict(dtype="float32", low=2.0, high=1.0)),
    ("nan low", dict(dtype="float32", low=math.nan)),
    ("nan high", dict(dtype="int64", high=math.nan)),
    ("uint8 below range", dict(dtype="uint8", low=-10, high=-1)),
    ("int8 above range", dict(dtype="int8", low=200, high=300)),
    ("bool above range", dict(dtype="bool", low=2, high=3)),
    ("float16 above range", dict(dtype="float16", low=1e5, high=1e6)),
    ("requires_grad int", dict(dtype="int16", requires_grad=True)),
    ("requires_grad bool", dict(dtype="bool", requires_grad=True)),
    ("noncontiguous and memory_format", dict(dtype="float32", noncontiguous=True,
                                             memory_format="MF")),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(case):
    _, kwargs = case
    res = []
    for lib in (torch, ember):
        kw = dict(kwargs)
        if kw.get("memory_format") == "MF":
            kw["memory_format"] = torch.contiguous_format if lib is torch else "MF"
        with pytest.raises(Exception) as err:
            _make(lib, 2, 3, **kw)
        res.append((type(err.value), str(err.value)))
    assert res[1][0] is res[0][0]
    if kwargs.get("memory_format") == "MF":  # the message prints the format object
        assert res[1][1].split("memory_format=")[0] == _norm(res[0][1]).split("memory_format=")[0]
    else:
        assert res[1][1] == _norm(res[0][1])


def test_unsupported_dtype_is_type_error():
    with pytest.raises(TypeError) as t_err:
        torch.testing.make_tensor(2, dtype=torch.qint8, device="cpu")
    with pytest.raises(TypeError) as e_err:
        ember.testing.make_tensor(2, dtype=ember.qint8, device="cpu")
    prefix = "The requested dtype 'ember.qint8' is not supported by "
    assert _norm(str(t_err.value)).startswith(prefix)
    assert str(e_err.value).startswith(prefix)


def test_seeded_reproducible():
    ember.manual_seed(7)
    a = _values(ember.testing.make_tensor(10, dtype=ember.float32, device="cpu"))
    ember.manual_seed(7)
    b = _values(ember.testing.make_tensor(10, dtype=ember.float32, device="cpu"))
    np.testing.assert_array_equal(a, b)
