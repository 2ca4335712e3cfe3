"""DDP benchmark (the distributed issue): the spec's CNN under DistributedDataParallel.

Measures, each in fresh processes with 1 BLAS thread per process and batch 64 per rank:
* ember, 2 ranks under ``ember-run`` (MPI engine): time per DDP step, and in alternating
  blocks of the same job rank 0 alone (plain model, rank 1 asleep): the 1-process step
  measured in the same minutes, which the efficiency uses (the machine's speed drifts);
* ember, 1 process (no DDP) in its own run, for reference;
* torch, 1 process and 2 ranks (gloo backend, ``torch.multiprocessing``).
Prints (a) ember's weak-scaling efficiency = 1-process step / 2-rank step (target >= 0.85)
and (b) ember's 2-rank step / torch's 2-rank step (target <= 1.5).

    python benchmarks/ddp.py [--steps 30] [--rounds 3]
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
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks.nn_workloads import spec_cnn as _model  # noqa: E402  (needs ROOT)
from benchmarks.run import cpu_ticks  # noqa: E402

ENV1 = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _stepper(lib, model):
    import numpy as np
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _time_steps(lib, model, steps: int, sync=None) -> float:
    step = _stepper(lib, model)
    times = []
    for i in range(steps + 5):
        if sync:
            sync()
        t0 = time.perf_counter()
        step()
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _single(lib_name: str, steps: int) -> None:
    lib = __import__(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(1)
    print(json.dumps({"t": _time_steps(lib, _model(lib.nn), steps)}))


def _ember_rank(steps: int, block: int = 5) -> None:
    """2-rank DDP steps, and -- in alternating blocks inside the same job -- rank 0 alone
    running the plain model while rank 1 sleeps: the weak-scaling pair measured in the
    same stretch of time (the machine's speed drifts by +-20 % between minutes)."""
    import ember
    import ember.distributed as dist
    from ember.distributed import _mpi
    from ember.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group("mpi")
    comm = _mpi.mpi().COMM_WORLD
    rank = dist.get_rank()
    solo = _stepper(ember, _model(ember.nn)) if rank == 0 else None
    ddp = _stepper(ember, DDP(_model(ember.nn)))
    t1, t2 = [], []
    for _ in range(-(-steps // block)):
        dist.barrier()
        if rank == 0:  # alone: the other rank sleeps (polling every 2 ms, ~0 CPU)
            for i in range(block + 1):
                t0 = time.perf_counter()
                solo()
                if i:
                    t1.append(time.perf_counter() - t0)
            comm.send(None, dest=1, tag=7)
        else:
            req = comm.irecv(source=0, tag=7)
            while not req.Test():
                time.sleep(0.002)
        for i in range(block + 1):
            dist.barrier()
            t0 = time.perf_counter()
            ddp()
            if i:
                t2.append(time.perf_counter() - t0)
    if rank == 0:
        print(json.dumps({"t": statistics.median(t2), "t1": statistics.median(t1)}))
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


def _run(args: list[str], timeout: int = 600):
    """(median step time, CPU cores other processes used meanwhile, or None off Linux)."""
    env = dict(os.environ, **ENV1, PYTHONPATH=ROOT)
    t0, c0 = time.perf_counter(), cpu_ticks(children=True)
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout,
                         cwd=ROOT, check=True).stdout
    wall, c1 = time.perf_counter() - t0, cpu_ticks(children=True)
    other = None
    if c0 and c1:
        other = max(0.0, ((c1[0] - c0[0]) - (c1[1] - c0[1])) / os.sysconf("SC_CLK_TCK") / wall)
    res = json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])
    return (res["t"], res["t1"]) if "t1" in res else res["t"], other


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating rounds of the four configurations (default 3)")
    ap.add_argument("--busy", type=float, default=0.15,
                    help="a round in which other processes used more CPU cores than this "
                         "is left out of the medians (default 0.15)")
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
    cmds = {
        "e1": me + ["--mode", "single", "--lib", "ember"],
        "e2": [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2",
               os.path.abspath(__file__), "--steps", str(a.steps), "--mode", "ember-rank"],
        "t1": me + ["--mode", "single", "--lib", "torch"],
        "t2": me + ["--mode", "torch-ddp"],
    }
    # the configurations alternate round by round, so a slow spell of the machine lands
    # on all of them instead of biasing one ratio; medians over the rounds are reported
    got = {k: [] for k in cmds}
    got["e1_in_job"] = []
    clean = []
    for r in range(a.rounds):
        others = []
        for k, c in cmds.items():
            t, other = _run(c)
            if k == "e2":
                t, t_solo = t
                got["e1_in_job"].append(t_solo)
            got[k].append(t)
            others.append(other or 0.0)
        busy = max(others) > a.busy
        if not busy:
            clean.append(r)
        print(f"round {r + 1}: ember 2-rank {got['e2'][-1] * 1e3:.2f} ms, alone in the same "
              f"job {got['e1_in_job'][-1] * 1e3:.2f} ms (eff "
              f"{got['e1_in_job'][-1] / got['e2'][-1]:.2f}), 1 proc "
              f"{got['e1'][-1] * 1e3:.2f} ms; torch 1 proc {got['t1'][-1] * 1e3:.2f} ms, "
              f"2-rank {got['t2'][-1] * 1e3:.2f} ms; other processes used up to "
              f"{max(others):.2f} cores" + ("  (busy: left out)" if busy else ""), flush=True)
    if clean:
        got = {k: [v[r] for r in clean] for k, v in got.items()}
        print(f"{len(clean)} of {a.rounds} rounds were quiet (other processes < {a.busy} "
              "cores); medians over those")
    else:
        print("WARNING: every round was disturbed by other processes; medians over all")
    e1, e1j, e2, t1, t2 = (statistics.median(got[k])
                           for k in ("e1", "e1_in_job", "e2", "t1", "t2"))
    print(f"ember: 2-rank DDP {e2 * 1e3:.2f} ms/step; 1 process alone, in alternating blocks "
          f"of the same job {e1j * 1e3:.2f} ms/step -> weak-scaling efficiency {e1j / e2:.2f} "
          "(target >= 0.85)")
    print(f"       1 process in its own run {e1 * 1e3:.2f} ms/step (efficiency against it "
          f"{e1 / e2:.2f}; minutes apart, so machine drift included)")
    print(f"torch: 1 process {t1 * 1e3:.2f} ms/step, 2-rank DDP (gloo) {t2 * 1e3:.2f} ms/step, "
          f"efficiency {t1 / t2:.2f}")
    print(f"ember 2-rank DDP / torch 2-rank DDP: {e2 / t2:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
