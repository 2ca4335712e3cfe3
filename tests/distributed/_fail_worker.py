"""Failure scenarios under ``ember-run --nproc-per-node 2``: ``raise`` (rank 1 raises),
``kill`` (rank 1 SIGKILLs itself), ``hang`` (rank 1 never joins the collective)."""

import os
import signal
import sys
import time
from datetime import timedelta

import ember
import ember.distributed as dist

mode, tmo = sys.argv[1], float(sys.argv[2])
dist.init_process_group("mpi", timeout=timedelta(seconds=tmo))
R = dist.get_rank()
dist.barrier()
if R == 1:
    if mode == "raise":
        raise ValueError("boom from rank 1")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(60)
t = ember.ones(4)
dist.all_reduce(t)
print("rank", R, "finished", flush=True)
