"""Workloads written once against the torch API and run on both ``ember`` and ``torch``.

Each workload is a function ``f(lib) -> callable``: ``lib`` is the library module
(``ember`` or ``torch``); everything outside the returned zero-argument callable
(data generation, tensor creation) is setup and is not timed.  The callable does one
iteration of the measured work.

The data comes from one NumPy generator with a fixed seed, so both libraries see the
same values.  Where an op may not exist in ember yet (``relu``, ``log_softmax``...),
the variant is chosen from what *ember* provides (``choices()``), and the same code
then runs on both libraries, so the comparison stays like-for-like.
"""

from __future__ import annotations

import numpy as np

# --- choosing variants by what ember has -------------------------------------------------


def _ember():
    import ember
    return ember


def choices() -> dict[str, str]:
    """The variants the workloads use, decided by ember's current op coverage."""
    em = _ember()
    if hasattr(em, "relu"):
        act = "relu"
    elif hasattr(em, "maximum"):
        act = "maximum"
    elif hasattr(em.Tensor, "clamp"):
        act = "clamp"
    else:
        act = "none"
    loss = "log_softmax_nll" if hasattr(em, "log_softmax") else "mse"
    sq = "pow" if hasattr(em.Tensor, "__pow__") else "mul"
    return {"activation": act, "loss": loss, "square": sq}


def _relu(lib, z, act):
    if act == "relu":
        return lib.relu(z)
    if act == "maximum":
        return lib.maximum(z, lib.zeros((), dtype=z.dtype))
    if act == "clamp":
        return z.clamp(min=0)
    return z  # no activation available yet: a purely linear MLP


def _square(d, sq):
    return d ** 2 if sq == "pow" else d * d


def _t(lib, arr, requires_grad=False):
    """A tensor of ``lib`` holding a copy of the NumPy array ``arr``."""
    return lib.tensor(np.ascontiguousarray(arr), requires_grad=requires_grad)


# --- 1. per-op overhead ------------------------------------------------------------------

def op_overhead(lib, n_ops: int = 100, size: int = 8):
    """A chain of ``n_ops`` small elementwise ops on an 8-element float32 tensor that
    requires grad, then ``.sum().backward()``: measures dispatch + autograd overhead.

    The chain repeats a 10-op block (mul, add, sub, div, exp, neg, scalar and tensor
    operands, operator and method forms); values stay finite and away from denormals."""
    rng = np.random.default_rng(0)
    x = _t(lib, rng.uniform(-1.0, 1.0, size).astype(np.float32), requires_grad=True)
    w = _t(lib, rng.uniform(0.5, 1.5, size).astype(np.float32), requires_grad=True)
    b = _t(lib, rng.uniform(-0.5, 0.5, size).astype(np.float32), requires_grad=True)
    block = (
        lambda h: h * w,
        lambda h: h + b,
        lambda h: h - 0.5,
        lambda h: h / 2.0,
        lambda h: h.exp(),
        lambda h: -h,
        lambda h: h * 0.5,
        lambda h: h + x,
        lambda h: h / w,
        lambda h: h.sub(b),
    )
    steps = [block[i % len(block)] for i in range(n_ops)]

    def run():
        h = x
        for f in steps:
            h = f(h)
        h.sum().backward()
        x.grad = w.grad = b.grad = None

    return run


class Unavailable(Exception):
    """Raised by a workload factory when ember lacks an op it needs (the run skips it)."""


_MIXED_OPS = ("tanh", "sigmoid", "__pow__", "sqrt", "log", "abs")


def op_overhead_mixed(lib, n_ops: int = 100, size: int = 8):
    """As ``op_overhead`` but with a wider op mix: tanh, sigmoid, ``**``, sqrt, log and
    abs alongside mul/add/sub (skipped until ember has all of them)."""
    em = _ember()
    missing = [n for n in _MIXED_OPS if not hasattr(em.Tensor, n)]
    if missing:
        raise Unavailable(f"ember lacks Tensor.{', Tensor.'.join(missing)}")
    rng = np.random.default_rng(0)
    x = _t(lib, rng.uniform(-1.0, 1.0, size).astype(np.float32), requires_grad=True)
    w = _t(lib, rng.uniform(0.5, 1.5, size).astype(np.float32), requires_grad=True)
    b = _t(lib, rng.uniform(-0.5, 0.5, size).astype(np.float32), requires_grad=True)
    block = (
        lambda h: h * w,
        lambda h: h.tanh(),
        lambda h: h + b,
        lambda h: h.sigmoid(),
        lambda h: h ** 2,
        lambda h: h + 0.5,
        lambda h: h.sqrt(),
        lambda h: h.log(),
        lambda h: h.abs(),
        lambda h: h - x,
    )
    steps = [block[i % len(block)] for i in range(n_ops)]

    def run():
        h = x
        for f in steps:
            h = f(h)
        h.sum().backward()
        x.grad = w.grad = b.grad = None

    return run


# --- 2. one large matmul -----------------------------------------------------------------

def matmul_1024(lib, n: int = 1024):
    """``a @ b`` for two n x n float32 matrices, no grad: measures the BLAS path."""
    rng = np.random.default_rng(1)
    a = _t(lib, rng.standard_normal((n, n), dtype=np.float32))
    b = _t(lib, rng.standard_normal((n, n), dtype=np.float32))

    def run():
        with lib.no_grad():
            a @ b

    return run


# --- 3. a small MLP training step ---------------------------------------------------------

def mlp_784_256_10(lib, batch: int = 128, d_in: int = 784, d_h: int = 256, d_out: int = 10,
                   lr: float = 0.01):
    """One SGD step of a 784-256-10 MLP on a batch of 128, written with raw tensor ops:
    forward, loss, ``loss.backward()``, then ``w -= lr * w.grad; w.grad = None`` under
    ``no_grad``."""
    c = choices()
    act, loss_kind, sq = c["activation"], c["loss"], c["square"]
    rng = np.random.default_rng(2)
    x = _t(lib, rng.standard_normal((batch, d_in), dtype=np.float32))
    labels = rng.integers(0, d_out, batch)
    onehot = np.zeros((batch, d_out), dtype=np.float32)
    onehot[np.arange(batch), labels] = 1.0
    y = _t(lib, onehot)
    s1, s2 = 1.0 / np.sqrt(d_in), 1.0 / np.sqrt(d_h)
    w1 = _t(lib, rng.uniform(-s1, s1, (d_in, d_h)).astype(np.float32), requires_grad=True)
    b1 = _t(lib, rng.uniform(-s1, s1, d_h).astype(np.float32), requires_grad=True)
    w2 = _t(lib, rng.uniform(-s2, s2, (d_h, d_out)).astype(np.float32), requires_grad=True)
    b2 = _t(lib, rng.uniform(-s2, s2, d_out).astype(np.float32), requires_grad=True)
    params = (w1, b1, w2, b2)

    def run():
        h = _relu(lib, x @ w1 + b1, act)
        logits = h @ w2 + b2
        if loss_kind == "log_softmax_nll":
            loss = -(lib.log_softmax(logits, dim=1) * y).sum(dim=1).mean()
        else:
            loss = _square(logits - y, sq).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    return run


# name -> (factory, target ratio ember/torch or None)
WORKLOADS = {
    "op_overhead": (op_overhead, 4.0),
    "op_overhead_mixed": (op_overhead_mixed, None),
    "matmul_1024": (matmul_1024, 1.1),
    "mlp_784_256_10": (mlp_784_256_10, 1.5),
}

from benchmarks.amp_workloads import AMP_WORKLOADS  # noqa: E402
from benchmarks.jit_workloads import JIT_WORKLOADS  # noqa: E402
from benchmarks.nn_workloads import NN_WORKLOADS  # noqa: E402

WORKLOADS.update(NN_WORKLOADS)
WORKLOADS.update(AMP_WORKLOADS)
WORKLOADS.update(JIT_WORKLOADS)
