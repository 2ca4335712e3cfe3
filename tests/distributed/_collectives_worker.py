"""Run under ``ember-run --nproc-per-node 2``: checks every collective against a NumPy
reference of what each rank should hold; writes ``{check: "ok" | error}`` per rank to
``<outdir>/rank<R>.json``."""

import json
import os
import sys
import traceback

import numpy as np

import ember
import ember.distributed as dist

OUT = sys.argv[1]
dist.init_process_group("gloo", timeout=__import__("datetime").timedelta(seconds=20))
R, W = dist.get_rank(), dist.get_world_size()
DTYPES = {"float32": ember.float32, "float64": ember.float64, "int64": ember.int64}


def base(rank, dt, shape=(2, 3)):
    """Deterministic per-rank data (small integers so every op is exact)."""
    n = int(np.prod(shape))
    return ((np.arange(n) % 5 + 1 + rank * 2).reshape(shape)).astype(dt)


def T(a):
    return ember.tensor(a.copy())


def eq(t, ref):
    got = t.numpy() if hasattr(t, "numpy") else t
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    assert np.array_equal(got, ref), f"\n{got}\n!=\n{ref}"


ALL = [base(r, "f8") for r in range(W)]


def checks(dn, dt):
    npdt = np.dtype(dn)
    al = [base(r, npdt) for r in range(W)]
    mine = al[R]

    def c_all_reduce(async_op):
        for op, ref in ((dist.ReduceOp.SUM, sum(al)), (dist.ReduceOp.MAX, np.max(al, 0)),
                        (dist.ReduceOp.MIN, np.min(al, 0)),
                        (dist.ReduceOp.PRODUCT, np.prod(al, 0).astype(npdt))):
            t = T(mine)
            w = dist.all_reduce(t, op=op, async_op=async_op)
            if async_op:
                w.wait()
                assert w.is_completed()
            eq(t, ref.astype(npdt))
        t = T(mine)
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        ref = sum(al) // W if npdt.kind == "i" else sum(al) / W
        eq(t, ref.astype(npdt))
        if npdt.kind == "i":
            for op, f in ((dist.ReduceOp.BAND, np.bitwise_and), (dist.ReduceOp.BOR, np.bitwise_or),
                          (dist.ReduceOp.BXOR, np.bitwise_xor)):
                t = T(mine)
                dist.all_reduce(t, op=op)
                eq(t, f.reduce(al, axis=0))

    def c_all_reduce_noncontig():
        t = T(np.stack([mine, mine], -1))[..., 0]
        assert not t.is_contiguous()
        dist.all_reduce(t)
        eq(t, sum(al))

    def c_broadcast():
        for src in range(W):
            t = T(mine)
            dist.broadcast(t, src=src)
            eq(t, al[src])
        t = T(mine)
        dist.broadcast(t, src=1, async_op=True).wait()
        eq(t, al[1])

    def c_reduce():
        for dst in range(W):
            t = T(mine)
            dist.reduce(t, dst=dst)
            eq(t, sum(al) if R == dst else mine)

    def c_all_gather():
        outs = [ember.zeros(2, 3, dtype=dt) for _ in range(W)]
        dist.all_gather(outs, T(mine))
        for o, a in zip(outs, al):
            eq(o, a)

    def c_all_gather_into_tensor():
        out = ember.zeros(W * 2, 3, dtype=dt)
        dist.all_gather_into_tensor(out, T(mine), async_op=True).wait()
        eq(out, np.concatenate(al))

    def c_gather():
        for dst in range(W):
            outs = [ember.zeros(2, 3, dtype=dt) for _ in range(W)] if R == dst else None
            dist.gather(T(mine), outs, dst=dst)
            if R == dst:
                for o, a in zip(outs, al):
                    eq(o, a)

    def c_scatter():
        for src in range(W):
            t = ember.zeros(2, 3, dtype=dt)
            lst = [T(base(10 + r, npdt)) for r in range(W)] if R == src else None
            dist.scatter(t, lst, src=src)
            eq(t, base(10 + R, npdt))

    def c_reduce_scatter():
        out = ember.zeros(2, 3, dtype=dt)
        ins = [T(base(r * 10 + i, npdt)) for i in range(W) for r in [R]]
        dist.reduce_scatter(out, ins)
        eq(out, sum(base(r * 10 + R, npdt) for r in range(W)))

    def c_reduce_scatter_tensor():
        out = ember.zeros(2, 3, dtype=dt)
        inp = np.concatenate([base(R * 10 + i, npdt) for i in range(W)])
        dist.reduce_scatter_tensor(out, T(inp))
        eq(out, sum(base(r * 10 + R, npdt) for r in range(W)))

    def c_all_to_all():
        ins = [T(base(R * 10 + i, npdt, (i + 1, 2))) for i in range(W)]
        outs = [ember.zeros(R + 1, 2, dtype=dt) for _ in range(W)]
        dist.all_to_all(outs, ins)
        for s in range(W):
            eq(outs[s], base(s * 10 + R, npdt, (R + 1, 2)))

    def c_all_to_all_single():
        inp = np.concatenate([base(R * 10 + i, npdt, (2, 3)) for i in range(W)])
        out = ember.zeros(W * 2, 3, dtype=dt)
        dist.all_to_all_single(out, T(inp))
        eq(out, np.concatenate([base(s * 10 + R, npdt, (2, 3)) for s in range(W)]))
        # uneven splits: rank r sends (d + 1) rows to rank d
        inp = np.concatenate([base(R * 10 + d, npdt, (d + 1, 3)) for d in range(W)])
        out = ember.zeros(W * (R + 1), 3, dtype=dt)
        dist.all_to_all_single(out, T(inp), [R + 1] * W, [d + 1 for d in range(W)])
        eq(out, np.concatenate([base(s * 10 + R, npdt, (R + 1, 3)) for s in range(W)]))

    def c_send_recv():
        peer = 1 - R
        t = ember.zeros(2, 3, dtype=dt)
        if R == 0:
            dist.send(T(mine), dst=peer)
            src = dist.recv(t, src=peer)
        else:
            src = dist.recv(t)
            dist.send(T(mine), dst=peer)
        assert src == peer
        eq(t, al[peer])

    def c_isend_irecv():
        peer = 1 - R
        t = ember.zeros(2, 3, dtype=dt)
        ws = [dist.isend(T(mine), dst=peer, tag=3), dist.irecv(t, src=peer, tag=3)]
        for w in ws:
            w.wait()
        eq(t, al[peer])

    def c_batch_isend_irecv():
        peer = 1 - R
        t = ember.zeros(2, 3, dtype=dt)
        ops = [dist.P2POp(dist.isend, T(mine), peer), dist.P2POp(dist.irecv, t, peer)]
        for w in dist.batch_isend_irecv(ops):
            w.wait()
        eq(t, al[peer])

    return {k[2:]: v for k, v in locals().items() if k.startswith("c_")}


results = {}
for dn, dt in DTYPES.items():
    for name, fn in checks(dn, dt).items():
        args = [(False,), (True,)] if name == "all_reduce" else [()]
        for a in args:
            key = f"{name}{'_async' if a == (True,) else ''}[{dn}]"
            if os.environ.get("EMBER_TEST_VERBOSE"):
                print(R, key, flush=True)
            try:
                fn(*a)
                results[key] = "ok"
            except Exception:
                results[key] = traceback.format_exc()
            dist.barrier()


def objs():
    lst = [None, None]
    dist.all_gather_object(lst, {"r": R})
    assert lst == [{"r": 0}, {"r": 1}], lst
    ol = [1, "a", {"x": R}] if R == 0 else [None, None, None]
    dist.broadcast_object_list(ol, src=0)
    assert ol == [1, "a", {"x": 0}], ol
    g = [None, None] if R == 1 else None
    dist.gather_object(("o", R), g, dst=1)
    if R == 1:
        assert g == [("o", 0), ("o", 1)], g
    out = [None]
    dist.scatter_object_list(out, [["s", 0], ["s", 1]] if R == 0 else None, src=0)
    assert out == [["s", R]], out


def groups():
    g = dist.new_group([0, 1])
    assert dist.get_world_size(g) == 2 and dist.get_rank(g) == R
    t = ember.tensor([float(R)])
    dist.all_reduce(t, group=g)
    assert t.tolist() == [1.0]
    solo = dist.new_group([1])
    if R == 1:
        t = ember.tensor([5.0])
        dist.all_reduce(t, group=solo)
        assert t.tolist() == [5.0] and dist.get_rank(solo) == 0
    else:
        assert solo is dist.GroupMember.NON_GROUP_MEMBER
    assert dist.get_backend() == "gloo"


def halfs():
    for dt in (ember.float16, ember.bfloat16):
        t = ember.tensor([1.5, 2.0]).to(dt) * (R + 1)
        dist.all_reduce(t)
        assert t.dtype == dt and t.float().tolist() == [4.5, 6.0], t


for name, fn in (("objects", objs), ("groups", groups), ("half_bfloat16", halfs)):
    try:
        fn()
        results[name] = "ok"
    except Exception:
        results[name] = traceback.format_exc()
    dist.barrier()

with open(os.path.join(OUT, f"rank{R}.json"), "w") as f:
    json.dump(results, f)
dist.destroy_process_group()
