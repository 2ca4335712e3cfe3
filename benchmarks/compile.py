"""``compile``: eager vs compiled, ember and torch (inductor), in one process.

Three workloads, each run as ``model(x)`` / a step function, eager and compiled:

- ``cnn_infer_b1``: the spec CNN (``spec_cnn``) in eval mode under ``no_grad``, batch 1;
- ``cnn_train_b64``: one SGD training step of the spec CNN at batch 64 (forward, loss,
  backward, step), the model compiled;
- ``op_chain``: 100 tiny ops (``(x * 1.0001).relu()`` x 50 on 8x8) under ``no_grad``.

Configurations are sampled in alternating order (forward, then reversed) so machine drift
hits all alike; CPU time of this thread, 1 thread; median per call.  The ratios printed are
ember compiled / ember eager and ember compiled / torch compiled.

    python -m benchmarks.compile [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.jit_workloads import sample_interleaved
from benchmarks.nn_workloads import _same_init, _t, spec_cnn


def _chain(x):
    for _ in range(50):
        x = (x * 1.0001).relu()
    return x


def _configs(lib, compiled: bool) -> dict:
    out = {}
    comp = lib.compile if compiled else (lambda m: m)
    rng = np.random.default_rng(1)

    model = spec_cnn(lib.nn)
    _same_init(lib, model, 0)
    model.eval()
    cm = comp(model)
    x1 = _t(lib, rng.standard_normal((1, 1, 28, 28)).astype(np.float32))

    def infer():
        with lib.no_grad():
            return cm(x1)
    out["cnn_infer_b1"] = infer

    tmodel = spec_cnn(lib.nn)
    _same_init(lib, tmodel, 0)
    ctm = comp(tmodel)
    opt = lib.optim.SGD(tmodel.parameters(), lr=0.01)
    x64 = _t(lib, rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y64 = _t(lib, rng.integers(0, 10, 64))

    def train():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(ctm(x64), y64)
        loss.backward()
        opt.step()
        return loss
    out["cnn_train_b64"] = train

    cc = comp(_chain)
    xc = _t(lib, rng.standard_normal((8, 8)).astype(np.float32))

    def chain():
        with lib.no_grad():
            return cc(xc)
    out["op_chain"] = chain
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--min-time", type=float, default=0.05)
    args = ap.parse_args(argv)

    import torch

    import ember
    torch.set_num_threads(1)
    ember.set_num_threads(1)
    cfgs = {}
    for name, lib in (("ember", ember), ("torch", torch)):
        for compiled in (False, True):
            t0 = time.perf_counter()
            c = _configs(lib, compiled)
            for w, f in c.items():
                for _ in range(3):       # the compiled ones capture / compile here
                    f()
                cfgs.setdefault(w, {})[f"{name} {'compiled' if compiled else 'eager'}"] = f
            print(f"# {name} {'compiled' if compiled else 'eager'}: set up and warmed in "
                  f"{time.perf_counter() - t0:.1f} s")
    for w, cfg in cfgs.items():
        names = list(cfg)
        samples = sample_interleaved(cfg, args.rounds, args.min_time)
        med = {n: statistics.median(s) for n, s in samples.items()}
        print(f"\n{w}  ({args.rounds} rounds, CPU time of this thread, 1 thread)")
        for n in names:
            print(f"  {n:16s} median {med[n] * 1e6:10.1f} us")
        ec = med["ember compiled"]
        for other in ("ember eager", "torch compiled", "torch eager"):
            print(f"  ember compiled / {other:15s} {ec / med[other]:.2f}")


if __name__ == "__main__":
    main()
