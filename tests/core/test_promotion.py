"""torch's type promotion, compared with torch over all dtype pairs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]
PAIRS = list(itertools.product(NAMES, NAMES))


def _mk(lib, name, zero_dim=False):
    data = np.array(1 if zero_dim else [1, 0, 1])
    return lib.tensor(data.tolist()).to(getattr(lib, name))


@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types(a, b):
    e = ember.promote_types(getattr(ember, a), getattr(ember, b))
    t = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert e.name == str(t).split(".")[-1]


@pytest.mark.parametrize("a,b", PAIRS)
@pytest.mark.parametrize("shape", ["dim_dim", "dim_zero", "zero_dim", "zero_zero"])
def test_result_type_and_add_dtype(a, b, shape):
    za, zb = shape.split("_")[0] == "zero", shape.split("_")[1] == "zero"
    res = {}
    for lib in (ember, torch):
        x, y = _mk(lib, a, za), _mk(lib, b, zb)
        rt = lib.result_type(x, y)
        if a == "bool" and b == "bool":
            out = (x + y).dtype
        else:
            out = (x * y).dtype
        cmp = (x == y).dtype
        res[lib] = (str(rt).split(".")[-1], str(out).split(".")[-1], str(cmp).split(".")[-1])
    assert res[ember] == res[torch]


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_tensor_scalar_promotion(a, scalar):
    res = {}
    for lib in (ember, torch):
        x = _mk(lib, a)
        rt = lib.result_type(x, scalar)
        outs = [str(rt).split(".")[-1]]
        if not (a == "bool" and isinstance(scalar, bool)):
            outs.append(str((x * scalar).dtype).split(".")[-1])
            outs.append(str((scalar * x).dtype).split(".")[-1])
        res[lib] = outs
    assert res[ember] == res[torch]


@pytest.mark.parametrize("a,b", [p for p in PAIRS if "bool" not in p])
def test_true_division_dtype(a, b):
    res = {}
    for lib in (ember, torch):
        x, y = _mk(lib, a) + 1, _mk(lib, b) + 1
        res[lib] = str((x / y).dtype).split(".")[-1]
    assert res[ember] == res[torch]


def test_default_dtype_changes_scalar_promotion():
    try:
        for lib in (ember, torch):
            lib.set_default_dtype(lib.float64)
        e = (ember.tensor([1, 2]) * 1.5).dtype
        t = (torch.tensor([1, 2]) * 1.5).dtype
        assert str(e).split(".")[-1] == str(t).split(".")[-1] == "float64"
        assert ember.tensor([1.0]).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("a,b", PAIRS)
def test_can_cast(a, b):
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))
