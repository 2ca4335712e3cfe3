"""Checkpoint save/load: ember vs torch on a ~100 MB state dict of mixed-size tensors.

Run: .venv/bin/python benchmarks/save_load.py [--mb 100] [--repeats 7]
Reports the median of the repeats for each side and the ratios ember/torch for
save (ember's includes the fsync + atomic rename torch does not do), load, and mmap load.
The same torch-written file is used for both mmap loads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _state(mb: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = []
    total = 0
    i = 0
    while total < mb << 20:
        kind = i % 4
        if kind == 0:
            shape = (int(rng.integers(256, 1024)), int(rng.integers(256, 1024)))
        elif kind == 1:
            shape = (int(rng.integers(16, 128)), int(rng.integers(16, 128)), 3, 3)
        elif kind == 2:
            shape = (int(rng.integers(64, 4096)),)
        else:
            shape = (int(rng.integers(1, 64)),)
        sizes.append(shape)
        total += 4 * int(np.prod(shape))
        i += 1
    return {f"layer{j}.weight": rng.standard_normal(s).astype(np.float32)
            for j, s in enumerate(sizes)}


def _median(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    import torch

    import ember

    arrays = _state(args.mb)
    e_sd = {k: ember.from_numpy(v) for k, v in arrays.items()}
    t_sd = {k: torch.from_numpy(v) for k, v in arrays.items()}
    nbytes = sum(v.nbytes for v in arrays.values())
    print(f"state dict: {len(arrays)} tensors, {nbytes / 2**20:.1f} MiB")
    with tempfile.TemporaryDirectory() as d:
        ep, tp = os.path.join(d, "e.pt"), os.path.join(d, "t.pt")
        ember.save(e_sd, ep)
        torch.save(t_sd, tp)
        res = {}
        res["save"] = (_median(lambda: ember.save(e_sd, ep), args.repeats),
                       _median(lambda: torch.save(t_sd, tp), args.repeats))
        res["load"] = (_median(lambda: ember.load(ep), args.repeats),
                       _median(lambda: torch.load(tp, weights_only=True), args.repeats))
        res["mmap load"] = (_median(lambda: ember.load(tp, mmap=True), args.repeats),
                            _median(lambda: torch.load(tp, mmap=True, weights_only=True),
                                    args.repeats))
        out = ember.load(tp)
        assert all(np.array_equal(out[k].numpy(), arrays[k]) for k in arrays)
    targets = {"save": 1.5, "load": 1.2, "mmap load": 1.5}
    for k, (e, t) in res.items():
        ratio = e / t
        ok = "ok" if ratio <= targets[k] else "over target"
        print(f"{k:10s} ember {e * 1e3:8.1f} ms   torch {t * 1e3:8.1f} ms   "
              f"ratio {ratio:5.2f}x (target <= {targets[k]}x, {ok})")


if __name__ == "__main__":
    main()
