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

from benchmarks.nn_workloads import _same_init, _t, spec_cnn


def _cnn(lib):
    nn = lib.nn
    model = spec_cnn(nn)
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
    run.model, run.x = model, x
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
    run.model, run.x = fn, x
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


def sample_interleaved(cfg: dict, rounds: int, min_time: float) -> dict:
    """Seconds per call of each ``cfg`` callable, one sample per round: calls per sample
    sized to ``min_time``, rounds alternating forward and reversed order so machine drift
    hits all alike; CPU time of the calling thread."""
    import time
    names = list(cfg)
    reps = {}
    for n in names:
        f = cfg[n]
        for _ in range(3):
            f()
        k, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < min_time:
            f()
            k += 1
        reps[n] = max(1, k)
    samples = {n: [] for n in names}
    for r in range(rounds):
        for n in (names if r % 2 == 0 else names[::-1]):
            f, k = cfg[n], reps[n]
            t0 = time.thread_time()
            for _ in range(k):
                f()
            samples[n].append((time.thread_time() - t0) / k)
    return samples


def _interleaved(rounds: int = 15, min_time: float = 0.03) -> None:
    """Every configuration of each model in one process, sampled in alternating order
    (forward, then reversed, ...) so machine drift hits all alike; CPU time of this
    thread; prints the median and the minimum per call.  Besides eager / trace / frozen on
    both libraries it times ember's frozen graph through the plain reference interpreter
    (every op through ``registry.apply``, as before NOTE [fast replay]) and through the
    replay plan forced onto the dispatch way."""
    import statistics

    import torch

    import ember
    from ember.jit import _ir
    torch.set_num_threads(1)

    cases = {}
    for b in (1, 64):
        cfg = {}
        for name, lib in (("ember", ember), ("torch", torch)):
            for m in ("eager", "trace", "frozen"):
                cfg[f"{name} {m}"] = _infer(lib, b, m)
        fz, x = cfg["ember frozen"].model, cfg["ember frozen"].x

        def ref(fz=fz, x=x):
            with ember.no_grad():
                return _ir.run_graph_reference(fz.graph, fz, [x])

        def disp(fz=fz, x=x):
            with ember.no_grad():
                return _ir.run_graph(fz.graph, fz, [x], direct=False)
        cfg["ember frozen, reference interpreter"] = ref
        cfg["ember frozen, plan via dispatch"] = disp
        cases[f"CNN batch {b}"] = cfg
    cfg = {}
    for name, lib in (("ember", ember), ("torch", torch)):
        for m in ("eager", "trace"):
            cfg[f"{name} {m}"] = _op_chain(lib, m)
    tr, xc = cfg["ember trace"].model, cfg["ember trace"].x

    def ref_c():
        with ember.no_grad():
            return _ir.run_graph_reference(tr.graph, None, [xc])

    def disp_c():
        with ember.no_grad():
            return _ir.run_graph(tr.graph, None, [xc], direct=False)
    cfg["ember trace, reference interpreter"] = ref_c
    cfg["ember trace, plan via dispatch"] = disp_c
    cases["op chain (100 ops, 8x8)"] = cfg

    for case, cfg in cases.items():
        names = list(cfg)
        samples = sample_interleaved(cfg, rounds, min_time)
        print(f"\n{case}  ({rounds} rounds)")
        for n in names:
            s = samples[n]
            print(f"  {n:38s} median {statistics.median(s) * 1e6:9.1f} us   "
                  f"min {min(s) * 1e6:9.1f} us")


if __name__ == "__main__":
    _interleaved()
