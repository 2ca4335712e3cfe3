"""Half-precision sweep: every registry sample (tests/ops/db_*.py) whose floating inputs
are float32 is rerun with those inputs cast to bfloat16 and, separately, float16, in
both ember and torch (torch cannot take ml_dtypes arrays, so both libraries are handed
the float32 array and cast it with ``.to(half_dtype)``).

Contract per (entry, sample, dtype):
* torch raises -> ember raises the same exception type;
* otherwise the same number of outputs, the same dtypes and shapes, and values within a
  half-precision tolerance: bfloat16 rtol 2e-2, float16 rtol 2e-3, and an absolute
  tolerance of the same size scaled by the largest magnitude of the torch output (at
  least 1), because a half-precision kernel's rounding error scales with the operands,
  not with each output element.  Entries whose float32 tolerance is already widened
  (``OpInfo.tol``) keep that widening on top.  Integer and bool outputs are exact.
* gradients (where the sample asks for them): the same dtype and shape per input and
  values within twice the forward tolerance.

``SKIP`` lists entries (optionally one dtype) whose outputs are discontinuous or
ill-conditioned in low precision; each has a one-line reason.  Nothing else is loosened.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch

import ember
from tests.ops import opinfo
from tests.ops.test_ops import OP_DB

HALF = {"bfloat16": (ember.bfloat16, torch.bfloat16, 2e-2),
        "float16": (ember.float16, torch.float16, 2e-3)}

# name -> reason, or (name, dtype name) -> reason.
SKIP: dict = {}
# name -> (indices of the gradients not compared, reason); outputs and the other
# gradients are still compared.  Bicubic grid_sample: the grid gradient sums 16
# cancelling tap terms; torch's own half-precision result departs from its float32 one
# by more than the tolerance (e.g. 0.16 vs 0.044), so it is no oracle there.
GRAD_NOT_COMPARED: dict = {
    f"grid_sample_bicubic_{pm}_{ac}": ({1}, "grid gradient ill-conditioned in half precision")
    for pm in ("zeros", "border", "reflection") for ac in (False, True)}


def _is_f32(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == np.float32


def _arrays(s):
    for a in list(s.args) + list(s.kwargs.values()):
        if isinstance(a, list):
            yield from (x for x in a if isinstance(x, np.ndarray))
        elif isinstance(a, np.ndarray):
            yield a


def _eligible(s) -> bool:
    arrs = list(_arrays(s))
    return any(_is_f32(a) for a in arrs) and not any(
        a.dtype.kind in "fc" and a.dtype != np.float32 for a in arrs)


def _make(lib, x, half, requires_grad, noncontig):
    """(input, leaf) as in opinfo.make_input, float32 arrays cast to ``half``."""
    if not _is_f32(x):
        return opinfo.make_input(lib, x, requires_grad, noncontig)
    if noncontig and x.ndim > 0:
        x = np.stack([x, np.full_like(x, 7)], axis=-1)
    if lib is torch and half is torch.bfloat16:
        # the same bit patterns in both libraries: torch's float32->bfloat16 cast makes
        # NaN negative (0xFFFF) where ember's keeps 0x7FC0
        bits = ember.tensor(x).to(ember.bfloat16)._data.view(np.int16)
        leaf = torch.from_numpy(bits.copy()).view(torch.bfloat16)
    else:
        leaf = lib.tensor(x).to(half)
    if requires_grad:
        leaf.requires_grad_(True)
    t = leaf[..., 0] if noncontig and x.ndim > 0 else leaf
    return t, (leaf if requires_grad else None)


def _run(op, s, lib, half):
    inputs, leaves = [], []
    rg = s.grad and op.grad
    for a in s.args:
        if isinstance(a, list) and a and all(isinstance(x, np.ndarray) for x in a):
            items = [_make(lib, x, half, rg, s.noncontig) for x in a]
            inputs.append([i for i, _ in items])
            leaves.extend(lf for _, lf in items)
        else:
            t, lf = _make(lib, a, half, rg, s.noncontig)
            inputs.append(t)
            leaves.append(lf)
    kwargs = {k: (_make(lib, v, half, False, False)[0] if isinstance(v, np.ndarray) else
                  opinfo._map_dtype(lib, v)) for k, v in s.kwargs.items()}
    return op.fn(lib, *inputs, **kwargs), leaves


def _tols(tdt: str, rt: float, op, ref: np.ndarray, grad: bool):
    if tdt == "bool" or "int" in tdt:
        return 0.0, 0.0
    if tdt in ("float32", "complex64"):  # ops that return float32 for half inputs
        rt = 1e-4 if tdt == "float32" and not grad else 1e-3
    if grad:
        rt = 2 * rt
    if op.tol is not None:
        rt = max(rt, op.tol.rtol, op.tol.grad_rtol or 0.0 if grad else 0.0)
    fin = np.abs(ref[np.isfinite(ref)]) if ref.size else ref
    scale = max(1.0, float(fin.max())) if fin.size else 1.0
    atol = rt * scale
    if op.tol is not None:
        atol = max(atol, op.tol.grad_atol or op.tol.atol if grad else op.tol.atol)
    return atol, rt


def _compare(op, e, t, rt, what, grad=False):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e)}"
        tdt = opinfo._lib_dtype_name(t.dtype)
        assert opinfo._lib_dtype_name(e.dtype) == tdt, f"{what}: dtype {e.dtype} != torch {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), \
            f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        if op.nondeterministic and not grad:
            return
        en, tn = opinfo._np(e), opinfo._np(t)
        atol, rtol = _tols(tdt, rt, op, tn.astype(np.float64) if tn.dtype.kind == "f" else tn,
                           grad)
        if atol == 0 and rtol == 0:
            np.testing.assert_array_equal(en, tn, err_msg=what)
        else:
            np.testing.assert_allclose(en, tn, atol=atol, rtol=rtol, equal_nan=True,
                                       err_msg=what)
    else:
        opinfo.assert_close(e, t, what=what)


def _check(op, s, dname):
    edt, tdt, rt = HALF[dname]
    t_exc = None
    try:
        t_out, t_leaves = _run(op, s, torch, tdt)
    except Exception as exc:  # noqa: BLE001 - the contract is "same exception type"
        t_exc = exc
    if t_exc is not None:
        try:
            _run(op, s, ember, edt)
        except type(t_exc):
            return "raises"
        except Exception as e_exc:  # noqa: BLE001
            raise AssertionError(f"torch raised {type(t_exc).__name__} ({t_exc}), ember "
                                 f"{type(e_exc).__name__} ({e_exc})") from None
        raise AssertionError(f"torch raised {type(t_exc).__name__} ({t_exc}); ember did not")
    e_out, e_leaves = _run(op, s, ember, edt)
    e_flat, t_flat = opinfo._flatten(e_out), opinfo._flatten(t_out)
    assert len(e_flat) == len(t_flat), f"{len(e_flat)} outputs vs torch {len(t_flat)}"
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        _compare(op, e, t, rt, f"output {i}")
    if not (op.grad and s.grad):
        return "ok"
    pairs = [(e, t) for e, t in zip(e_leaves, t_leaves) if t is not None]
    diff = [(e, t) for e, t in zip(e_flat, t_flat)
            if isinstance(t, torch.Tensor) and t.requires_grad]
    if not pairs or not diff:
        return "ok"
    rng = np.random.default_rng(1)
    gouts = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for _, t in diff]
    tg = torch.autograd.grad([t for _, t in diff], [t for _, t in pairs],
                             [torch.tensor(g).to(t.dtype) for g, (_, t) in zip(gouts, diff)],
                             allow_unused=True)
    eg = ember.autograd.grad([e for e, _ in diff], [e for e, _ in pairs],
                             [ember.tensor(g).to(e.dtype) for g, (e, _) in zip(gouts, diff)],
                             allow_unused=True)
    skip_grads = GRAD_NOT_COMPARED.get(op.name, ((), ""))[0]
    for i, (a, b) in enumerate(zip(eg, tg)):
        if i in skip_grads:
            continue
        if b is None:
            assert a is None or not np.any(opinfo._np(a)), f"grad {i} should be None/zero"
            continue
        assert a is not None, f"ember gave no gradient for input {i}"
        _compare(op, a, b, rt, f"grad {i}", grad=True)
    return "ok"


def _params():
    for op in OP_DB:
        for dname in HALF:
            reason = SKIP.get(op.name) or SKIP.get((op.name, dname))
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            yield pytest.param(op, dname, id=f"{op.name}-{dname}", marks=marks)


@pytest.mark.parametrize("op,dname", list(_params()))
def test_half_precision_matches_torch(op, dname):
    np.random.seed(zlib.crc32(op.name.encode()))
    samples = op.samples()
    failures = []
    for i, s in enumerate(samples):
        if not _eligible(s):
            continue
        try:
            _check(op, s, dname)
        except Exception as exc:  # noqa: BLE001 - collect every failing sample
            msg = str(exc).strip().splitlines()
            failures.append(f"[{s.name or i}] {type(exc).__name__}: "
                            + " | ".join(msg[:8]))
    assert not failures, f"{op.name} {dname}:\n" + "\n".join(failures)


def test_sweep_covers_registry():
    n = sum(_eligible(s) for op in OP_DB for s in op.samples())
    assert n > 1000
