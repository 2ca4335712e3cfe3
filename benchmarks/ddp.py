"""DDP benchmark (the distributed issue): the spec's CNN under DistributedDataParallel.

Measures, each in fresh processes with 1 BLAS thread per process and batch 64 per rank:
* ember, 1 process (no DDP): time per training step;
* ember, 2 ranks under ``ember-run`` (MPI engine): time per DDP step;
* torch, 1 process and 2 ranks (gloo backend, ``torch.multiprocessing``).
Prints (a) ember's weak-scaling efficiency = 1-process step / 2-rank step (target >= 0.85)
and (b) ember's 2-rank step / torch's 2-rank step (target <= 1.5).

    python benchmarks/ddp.py [--steps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV1 = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _model(nn):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def _time_steps(lib, model, steps: int, sync=None) -> float:
    import numpy as np
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    times = []
    for i in range(steps + 5):
        if sync:
            sync()
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _single(lib_name: str, steps: int) -> None:
    lib = __import__(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(1)
    print(json.dumps({"t": _time_steps(lib, _model(lib.nn), steps)}))


def _ember_rank(steps: int) -> None:
    import ember
    import ember.distributed as dist
    from ember.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group("mpi")
    model = DDP(_model(ember.nn))
    t = _time_steps(ember, model, steps, sync=dist.barrier)
    if dist.get_rank() == 0:
        print(json.dumps({"t": t}))
    dist.destroy_process_group()


def _torch_rank(rank: int, port: int, steps: int) -> None:
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    model = torch.nn.parallel.DistributedDataParallel(_model(torch.nn))
    t = _time_steps(torch, model, steps, sync=dist.barrier)
    if rank == 0:
        print(json.dumps({"t": t}), flush=True)
    dist.destroy_process_group()


def _torch_ddp(steps: int) -> None:
    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_torch_rank, args=(port, steps), nprocs=2, join=True)


def _run(args: list[str], timeout: int = 600) -> float:
    env = dict(os.environ, **ENV1, PYTHONPATH=ROOT)
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout,
                         cwd=ROOT, check=True).stdout
    return json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])["t"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--mode", choices=["driver", "single", "ember-rank", "torch-ddp"],
                    default="driver")
    ap.add_argument("--lib", default="ember")
    a = ap.parse_args(argv)
    if a.mode == "single":
        _single(a.lib, a.steps)
        return 0
    if a.mode == "ember-rank":
        _ember_rank(a.steps)
        return 0
    if a.mode == "torch-ddp":
        _torch_ddp(a.steps)
        return 0
    me = [sys.executable, os.path.abspath(__file__), "--steps", str(a.steps)]
    e1 = _run(me + ["--mode", "single", "--lib", "ember"])
    e2 = _run([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2",
               os.path.abspath(__file__), "--steps", str(a.steps), "--mode", "ember-rank"])
    t1 = _run(me + ["--mode", "single", "--lib", "torch"])
    t2 = _run(me + ["--mode", "torch-ddp"])
    print(f"ember: 1 process {e1 * 1e3:.2f} ms/step, 2-rank DDP {e2 * 1e3:.2f} ms/step, "
          f"weak-scaling efficiency {e1 / e2:.2f} (target >= 0.85)")
    print(f"torch: 1 process {t1 * 1e3:.2f} ms/step, 2-rank DDP (gloo) {t2 * 1e3:.2f} ms/step, "
          f"efficiency {t1 / t2:.2f}")
    print(f"ember 2-rank DDP / torch 2-rank DDP: {e2 / t2:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
