"""Traced inference (``jit.trace`` / ``freeze`` / ``optimize_for_inference``), run on both
libraries (registered with ``WORKLOADS.update(JIT_WORKLOADS)`` in
``benchmarks/workloads.py``).

The spec CNN (``cnn_adam``'s model) in eval mode under ``no_grad``, at batch 1 and 64,
three ways: eager ``model(x)``, the traced module, and
``optimize_for_inference(freeze(trace(model.eval(), x)))``.  The ratios that matter are
ember traced / ember eager (row against row) and ember traced / torch traced (the
table's ratio column)."""

from __future__ import annotations

import numpy as np

from benchmarks.nn_workloads import _same_init, _t


def _cnn(lib):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    _same_init(lib, model, 0)
    return model.eval()


def _infer(lib, batch: int, mode: str):
    model = _cnn(lib)
    rng = np.random.default_rng(1)
    x = _t(lib, rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    with lib.no_grad():
        if mode == "trace":
            model = lib.jit.trace(model, x)
        elif mode == "frozen":
            model = lib.jit.optimize_for_inference(lib.jit.freeze(lib.jit.trace(model, x)))

    def run():
        with lib.no_grad():
            return model(x)
    return run


def _factory(batch: int, mode: str):
    def f(lib):
        return _infer(lib, batch, mode)
    f.__name__ = f"cnn_infer_b{batch}_{mode}"
    f.__doc__ = f"The spec CNN, eval, no_grad, batch {batch}: {mode} forward."
    return f


def _chain(x):
    for _ in range(50):
        x = (x * 1.0001).relu()
    return x


def _op_chain(lib, mode: str):
    """100 tiny ops (``(x * 1.0001).relu()`` x 50 on 8x8) under ``no_grad``: the replay's
    own per-op cost, which the CNN's 10 large ops hide."""
    x = _t(lib, np.random.default_rng(2).standard_normal((8, 8)).astype(np.float32))
    fn = _chain
    if mode == "trace":
        with lib.no_grad():
            fn = lib.jit.trace(_chain, x)

    def run():
        with lib.no_grad():
            return fn(x)
    return run


def _chain_factory(mode: str):
    def f(lib):
        return _op_chain(lib, mode)
    f.__name__ = f"jit_op_chain_{mode}"
    f.__doc__ = _op_chain.__doc__
    return f


# name -> (factory, target ratio ember/torch); no issue sets a bound on these
JIT_WORKLOADS = {
    f"cnn_infer_b{b}_{m}": (_factory(b, m), None)
    for b in (1, 64) for m in ("eager", "trace", "frozen")
}
JIT_WORKLOADS.update({f"jit_op_chain_{m}": (_chain_factory(m), None)
                      for m in ("eager", "trace")})
