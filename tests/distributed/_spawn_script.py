"""``python _spawn_script.py OUTDIR [fail]``: ember.multiprocessing.spawn with 2 processes."""

import os
import sys

import ember
import ember.distributed as dist
import ember.multiprocessing as mp


def work(i, outdir, fail):
    dist.init_process_group("gloo")
    assert dist.get_rank() == i
    t = ember.tensor([float(i + 1)])
    dist.all_reduce(t)
    if fail and i == 1:
        raise RuntimeError("spawned process 1 failed")
    with open(os.path.join(outdir, f"p{i}.txt"), "w") as f:
        f.write(str(t.item()))


if __name__ == "__main__":
    outdir, fail = sys.argv[1], len(sys.argv) > 2
    try:
        mp.spawn(work, args=(outdir, fail), nprocs=2)
    except mp.ProcessRaisedException as e:
        print("RAISED", e.error_index, str(e).strip().splitlines()[-1], flush=True)
        sys.exit(3)
    print("SPAWN_OK", flush=True)
