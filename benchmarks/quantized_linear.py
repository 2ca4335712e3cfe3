"""Dynamic int8 Linear micro-benchmark: ember int8 vs ember float32 vs torch int8 (x86/fbgemm
engine) vs torch float32, 1 thread, several (in, out, batch) shapes.

Each configuration: warm-up calls, then ``--samples`` samples, each the mean time per call
over a loop of >= ``--min-time`` seconds (CPU time of the calling thread by default); the
figure is the median sample, in microseconds.  Configurations are interleaved
(A-B-C-D, D-C-B-A, ...) so a slow spell of the machine lands on all of them.

    python benchmarks/quantized_linear.py [--samples 15] [--min-time 0.02] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"  # before NumPy/torch load

SHAPES = [(1568, 128, 1), (1568, 128, 64), (128, 10, 1), (128, 10, 64), (1024, 1024, 1),
          (1024, 1024, 64), (4096, 256, 32)]


def _build(lib, k, n, batch, rng):
    import warnings
    lin = lib.nn.Linear(k, n)
    w = (rng.standard_normal((n, k)) / k ** 0.5).astype("float32")
    b = (rng.standard_normal(n) * 0.1).astype("float32")
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(w))
        lin.bias.copy_(lib.tensor(b))
    x = lib.tensor(abs(rng.standard_normal((batch, k))).astype("float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = lib.ao.quantization.quantize_dynamic(lib.nn.Sequential(lin), {lib.nn.Linear},
                                                 dtype=lib.qint8)[0]
    return lin, q, x


def _sample(fn, x, min_time, clock):
    n, t0 = 0, clock()
    while True:
        fn(x)
        n += 1
        dt = clock() - t0
        if dt >= min_time:
            return dt / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=15)
    ap.add_argument("--min-time", type=float, default=0.02)
    ap.add_argument("--clock", choices=["thread", "wall"], default="thread")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    sys.path.insert(0, ROOT)
    import numpy as np
    import torch

    import ember
    torch.set_num_threads(1)
    clock = time.thread_time if a.clock == "thread" else time.perf_counter
    rows = []
    for k, n, batch in SHAPES:
        cfg = {}
        for name, lib in (("ember", ember), ("torch", torch)):
            lin, q, x = _build(lib, k, n, batch, np.random.default_rng(0))
            cfg[name + " int8"] = (q, x)
            cfg[name + " float"] = (lin, x)
        names = list(cfg)
        res = {nm: [] for nm in names}
        with torch.no_grad(), ember.no_grad():
            for nm in names:
                for _ in range(5):
                    cfg[nm][0](cfg[nm][1])
            for s in range(a.samples):
                for nm in names if s % 2 == 0 else names[::-1]:
                    res[nm].append(_sample(cfg[nm][0], cfg[nm][1], a.min_time, clock))
        med = {nm: 1e6 * float(np.median(v)) for nm, v in res.items()}
        rows.append(((k, n, batch), med))
    cols = ["ember int8", "ember float", "torch int8", "torch float"]
    if a.markdown:
        print("| in -> out, batch | " + " | ".join(cols) + " | ember int8 / torch int8 |")
        print("|---|" + "---:|" * (len(cols) + 1))
    for (k, n, batch), med in rows:
        vals = [f"{med[c]:.1f}" for c in cols]
        ratio = med["ember int8"] / med["torch int8"]
        if a.markdown:
            print(f"| {k} -> {n}, {batch} | " + " | ".join(vals) + f" | {ratio:.2f} |")
        else:
            print(f"{k:5d}->{n:<5d} b{batch:<3d} " + "  ".join(
                f"{c}={v:>8s}us" for c, v in zip(cols, vals)) + f"  ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
