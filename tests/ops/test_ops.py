"""Runs every registry entry (tests/ops/db_*.py) against PyTorch."""

from __future__ import annotations

import importlib
import pkgutil
import zlib

import numpy as np
import pytest

import ember
from tests.ops import opinfo

OP_DB: list = []
for _m in pkgutil.iter_modules([__import__("os").path.dirname(__file__)]):
    if _m.name.startswith("db_"):
        OP_DB.extend(importlib.import_module(f"tests.ops.{_m.name}").OPS)


def _cases():
    for op in OP_DB:
        np.random.seed(zlib.crc32(op.name.encode()))
        for i, s in enumerate(op.samples()):
            yield pytest.param(op, s, id=f"{op.name}-{s.name or i}")


def _error_cases():
    for op in OP_DB:
        if op.errors is not None:
            for i, e in enumerate(op.errors()):
                yield pytest.param(op, e, id=f"{op.name}-err{i}")


@pytest.mark.parametrize("op,sample", list(_cases()))
def test_op_against_torch(op, sample):
    opinfo.check_sample(op, sample)


@pytest.mark.parametrize("op,err", list(_error_cases()))
def test_op_errors_match_torch(op, err):
    opinfo.check_error(op, err)


def _gradcheck_cases():
    for op in OP_DB:
        if not (op.grad and op.gradcheck):
            continue
        np.random.seed(zlib.crc32(op.name.encode()))
        for i, s in enumerate(op.samples()):
            if s.grad and not s.noncontig and any(
                    isinstance(a, np.ndarray) and a.dtype == np.float32 for a in s.args):
                yield pytest.param(op, s, id=f"{op.name}-{s.name or i}")
                break


@pytest.mark.parametrize("op,sample", list(_gradcheck_cases()))
def test_gradcheck_float64(op, sample):
    args = [ember.tensor(a.astype(np.float64), requires_grad=True)
            if isinstance(a, np.ndarray) and a.dtype == np.float32 else
            (ember.tensor(a) if isinstance(a, np.ndarray) else a) for a in sample.args]
    idx = [i for i, a in enumerate(args) if isinstance(a, ember.Tensor) and a.requires_grad]

    def f(*xs):
        full = list(args)
        for i, x in zip(idx, xs):
            full[i] = x
        out = op.fn(ember, *full, **sample.kwargs)
        outs = opinfo._flatten(out)
        return tuple(o for o in outs if isinstance(o, ember.Tensor) and o.requires_grad)

    xs = [args[i] for i in idx]
    assert ember.autograd.gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3)
    if op.gradgrad:
        assert ember.autograd.gradgradcheck(f, xs, eps=1e-6, atol=1e-4, rtol=1e-3)


def test_registry_size():
    n_samples = sum(len(op.samples()) for op in OP_DB)
    assert len(OP_DB) > 0 and n_samples >= len(OP_DB)
