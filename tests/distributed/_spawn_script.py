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


def no_join(outdir):
    """spawn(join=False): a ProcessContext whose pids are the 2 live ranks; join(timeout)
    polls until they finish."""
    ctx = mp.spawn(work, args=(outdir, False), nprocs=2, join=False)
    assert isinstance(ctx, mp.ProcessContext)
    pids = ctx.pids()
    assert len(set(pids)) == 2 and os.getpid() not in pids, pids
    polls = 0
    while not ctx.join(timeout=0.05):
        polls += 1
    print("NOJOIN_OK", polls, flush=True)


if __name__ == "__main__":
    outdir, fail = sys.argv[1], sys.argv[2:] == ["fail"]
    if sys.argv[2:] == ["nojoin"]:
        no_join(outdir)
        sys.exit(0)
    try:
        mp.spawn(work, args=(outdir, fail), nprocs=2)
    except mp.ProcessRaisedException as e:
        print("RAISED", e.error_index, str(e).strip().splitlines()[-1], flush=True)
        sys.exit(3)
    print("SPAWN_OK", flush=True)
