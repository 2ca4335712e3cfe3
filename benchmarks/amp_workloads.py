"""Mixed-precision training steps, run on both libraries (register with
``WORKLOADS.update(AMP_WORKLOADS)`` in ``benchmarks/workloads.py``)."""

from __future__ import annotations

import numpy as np

from benchmarks.nn_workloads import _same_init, _t, spec_cnn


def cnn_adam_bf16_autocast(lib, batch: int = 64):
    """``cnn_adam`` (the spec CNN, batch 64, Adam) with the forward and loss under CPU
    bfloat16 autocast: float32 master weights, bfloat16 convs/linears, float32 loss."""
    nn = lib.nn
    model = spec_cnn(nn)
    _same_init(lib, model, 0)
    rng = np.random.default_rng(1)
    x = _t(lib, rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = _t(lib, rng.integers(0, 10, batch))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        opt.zero_grad()
        with lib.autocast("cpu", dtype=lib.bfloat16):
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return run


# name -> (factory, target ratio ember/torch)
AMP_WORKLOADS = {
    "cnn_adam_bf16_autocast": (cnn_adam_bf16_autocast, 2.5),
}
