"""Process groups and collectives (``torch.distributed``'s c10d API) served by MPI.

Every backend name is served by MPI through mpi4py: ``'mpi'`` and ``'gloo'`` directly, and
``'nccl'`` (no GPU collectives here) falls back to MPI with a warning.  Collectives are
started as MPI non-blocking operations (``Iallreduce``...) on the tensor's own memory when
it is contiguous, and waited by polling ``Test()`` so that the group's ``timeout`` is
honoured: an operation that cannot complete raises an error naming the operation, the
rank and the timeout instead of hanging.  float16/bfloat16 tensors are reduced through a
float32 copy (MPI has no 16-bit float type); ``ReduceOp.AVG`` is a SUM divided by the
group size (floor division for integer tensors).
"""

from __future__ import annotations

import os
import pickle
import time
import warnings
from datetime import timedelta
from enum import Enum

import numpy as np

from . import _mpi

__all__ = [
    "Backend", "ReduceOp", "Work", "ProcessGroup", "GroupMember", "P2POp", "is_available",
    "init_process_group", "is_initialized", "destroy_process_group", "get_rank",
    "get_world_size", "get_backend", "new_group", "get_process_group_ranks",
    "get_global_rank", "get_group_rank", "barrier", "all_reduce", "broadcast", "reduce",
    "all_gather", "all_gather_into_tensor", "gather", "scatter", "reduce_scatter",
    "reduce_scatter_tensor", "all_to_all", "all_to_all_single", "send", "recv", "isend",
    "irecv", "batch_isend_irecv", "broadcast_object_list", "all_gather_object",
    "gather_object", "scatter_object_list", "is_mpi_available", "is_gloo_available",
    "is_nccl_available", "is_torchelastic_launched", "default_pg_timeout",
]

default_pg_timeout = timedelta(minutes=30)


class Backend(str):
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str):
        return str.__new__(cls, name.lower())


class ReduceOp(Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}: {self.value}>"


def _mpi_op(op, dtype):
    MPI = _mpi.mpi()
    if isinstance(op, str):
        op = ReduceOp[op.upper()]
    if dtype == np.bool_:  # bool travels as uint8: sum/max = or, product/min = and
        return {ReduceOp.SUM: MPI.MAX, ReduceOp.MAX: MPI.MAX, ReduceOp.BOR: MPI.BOR,
                ReduceOp.PRODUCT: MPI.MIN, ReduceOp.MIN: MPI.MIN, ReduceOp.BAND: MPI.BAND,
                ReduceOp.BXOR: MPI.BXOR}[op]
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iu":
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with {dtype} tensors")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


class ProcessGroup:
    """A communicator plus the global ranks it holds (in group-rank order)."""

    def __init__(self, comm, ranks, backend: str, timeout: timedelta) -> None:
        self._comm = comm
        self._ranks = list(ranks)
        self._backend = backend
        self._timeout = timeout

    def rank(self) -> int:
        return self._comm.Get_rank()

    def size(self) -> int:
        return self._comm.Get_size()

    def name(self) -> str:
        return self._backend

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self._backend!r}, ranks={self._ranks})"


class _NonMember:
    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = _NonMember()


class _State:
    world: ProcessGroup | None = None
    backend: str | None = None


class Work:
    """Handle of an asynchronous collective (``async_op=True``)."""

    def __init__(self, reqs, finish=None, what: str = "", group=None, result=None) -> None:
        self._reqs = [r for r in reqs if r is not None]
        self._finish = finish
        self._what = what
        self._group = group
        self._done = False
        self._result = result
        self._t0 = time.monotonic()
        self._tensors = []

    def _deadline(self, timeout):
        if timeout is None:
            timeout = self._group._timeout if self._group is not None else None
        if timeout is None:
            return None
        if isinstance(timeout, timedelta):
            timeout = timeout.total_seconds()
        return self._t0 + float(timeout)

    def wait(self, timeout=None) -> bool:
        if self._done:
            return True
        deadline = self._deadline(timeout)
        for r in self._reqs:
            try:
                _mpi.wait_request(r, deadline, "", getattr(self, "_status", None))
            except RuntimeError:
                secs = (deadline - self._t0) if deadline is not None else 0
                rank = _State.world.rank() if _State.world is not None else -1
                raise RuntimeError(
                    f"[Rank {rank}] Timed out: {self._what} did not complete within the "
                    f"timeout of {timedelta(seconds=secs)} ({secs:.1f} s); a peer rank may "
                    "have died or never joined the collective") from None
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None
        return True

    def is_completed(self) -> bool:
        if self._done:
            return True
        st = getattr(self, "_status", None)
        if all(r.Test(st) for r in self._reqs):
            return self.wait()
        return False

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self):
        self.wait()
        return self._result

    def get_future(self):
        """A future whose value is the list of tensors this operation wrote (after
        waiting it)."""
        from ._future import Future

        def waiter():
            self.wait()
            return list(self._tensors)
        return Future(waiter)


# ---------------------------------------------------------------------------------------
# initialisation


def is_available() -> bool:
    return _mpi.available()


def is_mpi_available() -> bool:
    return _mpi.available()


def is_gloo_available() -> bool:  # served by MPI
    return _mpi.available()


def is_nccl_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None or \
        os.environ.get("EMBER_RUN") is not None


def is_initialized() -> bool:
    return _State.world is not None


def _check_init():
    if _State.world is None:
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")


def _as_timeout(timeout) -> timedelta:
    if timeout is None:
        return default_pg_timeout
    if isinstance(timeout, timedelta):
        return timeout
    return timedelta(seconds=float(timeout))


def init_process_group(backend=None, init_method=None, timeout=None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Joins the MPI job as the default (world) process group.

    Rank and world size come from MPI; ``rank``/``world_size`` arguments and the
    ``RANK``/``WORLD_SIZE`` environment variables (set by ``ember-run``) are checked
    against them.  ``init_method``/``store`` are accepted for compatibility and unused
    (MPI does its own rendezvous)."""
    if _State.world is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "mpi" if backend is None else str(backend).lower()
    if ":" in name or "," in name:  # "cpu:gloo,cuda:nccl"
        name = "mpi"
    if name == "nccl":
        warnings.warn("ember: the 'nccl' backend is not available (no GPU collectives); "
                      "falling back to MPI", stacklevel=2)
        name = "mpi"
    elif name not in ("mpi", "gloo", "undefined"):
        raise ValueError(f"Invalid backend: '{backend}'")
    if not _mpi.available():
        raise RuntimeError("ember.distributed needs mpi4py and an MPI library: "
                           "pip install 'ember[distributed]'")
    MPI = _mpi.mpi()
    comm = MPI.COMM_WORLD
    mrank, msize = comm.Get_rank(), comm.Get_size()
    for label, arg, env, actual in (("rank", rank, "RANK", mrank),
                                    ("world_size", world_size, "WORLD_SIZE", msize)):
        if arg is not None and int(arg) >= 0 and int(arg) != actual:
            raise RuntimeError(f"init_process_group: {label}={arg} does not match the MPI "
                               f"job, whose {label} is {actual}")
        ev = os.environ.get(env)
        if ev is not None and ev != "" and int(ev) != actual:
            raise RuntimeError(f"init_process_group: environment {env}={ev} does not match "
                               f"the MPI job, whose {label} is {actual}; start the ranks "
                               "with ember-run / mpiexec")
    tmo = _as_timeout(timeout)
    world = ProcessGroup(comm.Dup(), range(msize), name, tmo)
    _State.world = world
    _State.backend = name
    GroupMember.WORLD = world
    world.group_name = group_name or "0"


def destroy_process_group(group=None) -> None:
    if group is None or group is _State.world:
        if _State.world is not None:
            try:
                _State.world._comm.Free()
            except Exception:
                pass
        _State.world = None
        _State.backend = None
        GroupMember.WORLD = None
    elif isinstance(group, ProcessGroup):
        try:
            group._comm.Free()
        except Exception:
            pass


def _resolve(group):
    _check_init()
    if group is None:
        return _State.world
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    return group


def get_rank(group=None) -> int:
    g = _resolve(group)
    if g is None:
        return -1
    return g.rank() if group is not None else _State.world.rank()


def get_world_size(group=None) -> int:
    g = _resolve(group)
    return -1 if g is None else g.size()


def get_backend(group=None) -> str:
    g = _resolve(group)
    if g is None:
        raise ValueError("Invalid process group specified")
    return Backend(g._backend)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None):
    """A sub-group of the world over ``ranks`` (every rank must call it, as in torch).
    Ranks outside ``ranks`` get ``GroupMember.NON_GROUP_MEMBER``."""
    _check_init()
    world = _State.world
    if ranks is None:
        ranks = list(range(world.size()))
    ranks = sorted(int(r) for r in ranks)
    for r in ranks:
        if r < 0 or r >= world.size():
            raise ValueError(f"Invalid rank {r} for new_group of a world of size "
                             f"{world.size()}")
    MPI = _mpi.mpi()
    sub = world._comm.Create(world._comm.Get_group().Incl(ranks))
    if sub == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(sub, ranks, str(backend or world._backend).lower(),
                        _as_timeout(timeout) if timeout is not None else world._timeout)


def get_process_group_ranks(group) -> list[int]:
    g = _resolve(group)
    return list(g._ranks)


def get_global_rank(group, group_rank: int) -> int:
    return _resolve(group)._ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    g = _resolve(group)
    try:
        return g._ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"Global rank {global_rank} is not part of group {g}") from None


def _peer(g, rank, group_rank, label):
    """Group rank of a peer given torch's ``src``/``dst`` (global) or ``group_src``."""
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"Can only specify one of {label} and group_{label}")
        return int(group_rank)
    if rank is None:
        return 0
    return get_group_rank(g, int(rank))


# ---------------------------------------------------------------------------------------
# helpers


def _arr(t):
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument: expected an ember Tensor, got "
                        f"{type(t).__name__}")
    return t._data


def _bumper(tensors):
    def bump():
        for t in tensors:
            t._bump()
    return bump


def _chain(*fns):
    fns = [f for f in fns if f is not None]

    def run():
        for f in fns:
            f()
    return run


def _what(name, g):
    return f"{name} (world size {g.size()}, group ranks {g._ranks})"


def _finish(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def _no_op(async_op):
    return Work([]) if async_op else None


def _wait_raw(req, g, name):
    Work([req], what=_what(name, g), group=g).wait()


# ---------------------------------------------------------------------------------------
# collectives


def barrier(group=None, async_op: bool = False, device_ids=None):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    return _finish(Work([g._comm.Ibarrier()], what=_what("barrier", g), group=g), async_op)


def _avg_fix(buf, op, n):
    if op in (ReduceOp.AVG, "avg", "AVG"):
        if buf.dtype.kind in "iu":
            buf //= n
        else:
            buf /= n


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    arr = _arr(tensor)
    buf, fin = _wire(arr)
    MPI = _mpi.mpi()
    req = g._comm.Iallreduce(MPI.IN_PLACE, buf, op=_mpi_op(op, arr.dtype))

    def done():
        _avg_fix(buf, op, g.size())
        if fin is not None:
            fin()
        tensor._bump()
    w = Work([req], done, _what("all_reduce", g), g)
    w._tensors = [tensor]
    return _finish(w, async_op)


def _wire(arr):
    return _mpi.wire_array(arr)


def broadcast(tensor, src=None, group=None, async_op: bool = False, group_src=None):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    root = _peer(g, src, group_src, "src")
    arr = _arr(tensor)
    buf, fin = _wire(arr)
    req = g._comm.Ibcast(buf, root=root)
    w = Work([req], _chain(fin, _bumper([tensor])), _what("broadcast", g), g)
    w._tensors = [tensor]
    return _finish(w, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst=None):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    root = _peer(g, dst, group_dst, "dst")
    arr = _arr(tensor)
    buf, fin = _wire(arr)
    MPI = _mpi.mpi()
    mop = _mpi_op(op, arr.dtype)
    is_root = g.rank() == root
    if is_root:
        req = g._comm.Ireduce(MPI.IN_PLACE, buf, op=mop, root=root)
    else:
        req = g._comm.Ireduce(buf, None, op=mop, root=root)

    def done():
        if is_root:
            _avg_fix(buf, op, g.size())
            if fin is not None:
                fin()
            tensor._bump()
    return _finish(Work([req], done, _what("reduce", g), g), async_op)


def _gather_to(g, arr_in, out_flat, name, async_op, finish):
    """Iallgather of ``arr_in`` into the contiguous ``out_flat`` (world_size * numel)."""
    sbuf, _ = _wire(arr_in)
    if sbuf is arr_in and not arr_in.flags.c_contiguous:
        sbuf = np.ascontiguousarray(arr_in)
    req = g._comm.Iallgather(sbuf, out_flat)
    return _finish(Work([req], finish, _what(name, g), g), async_op)


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list must have {g.size()} tensors, got "
                         f"{len(tensor_list)}")
    arr = _arr(tensor)
    sbuf, _ = _wire(arr)
    out = np.empty((g.size(),) + arr.shape, dtype=sbuf.dtype)

    def done():
        for i, t in enumerate(tensor_list):
            _arr(t)[...] = out[i].view(np.bool_) if t._data.dtype == np.bool_ \
                else out[i].astype(t._data.dtype, copy=False)
            t._bump()
    return _gather_to(g, np.ascontiguousarray(sbuf), out, "all_gather", async_op, done)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    arr = _arr(input_tensor)
    oarr = _arr(output_tensor)
    if oarr.size != arr.size * g.size():
        raise ValueError("all_gather_into_tensor: output tensor size must equal world_size "
                         "times the input tensor size")
    obuf, ofin = _wire(oarr)
    sbuf, _ = _wire(arr)
    return _gather_to(g, np.ascontiguousarray(sbuf), obuf.reshape(-1),
                      "all_gather_into_tensor", async_op,
                      _chain(ofin, _bumper([output_tensor])))


def gather(tensor, gather_list=None, dst=None, group=None, async_op: bool = False,
           group_dst=None):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    root = _peer(g, dst, group_dst, "dst")
    arr = _arr(tensor)
    sbuf = np.ascontiguousarray(_wire(arr)[0])
    is_root = g.rank() == root
    if is_root:
        if gather_list is None or len(gather_list) != g.size():
            raise ValueError("gather: gather_list must hold world_size tensors on the "
                             "destination rank")
        out = np.empty((g.size(),) + arr.shape, dtype=sbuf.dtype)
        req = g._comm.Igather(sbuf, out, root=root)
    else:
        if gather_list:
            raise ValueError("gather: gather_list must be empty on non-destination ranks")
        out = None
        req = g._comm.Igather(sbuf, None, root=root)

    def done():
        if is_root:
            for i, t in enumerate(gather_list):
                t._data[...] = out[i].view(np.bool_) if t._data.dtype == np.bool_ \
                    else out[i].astype(t._data.dtype, copy=False)
                t._bump()
    return _finish(Work([req], done, _what("gather", g), g), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op: bool = False,
            group_src=None):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    root = _peer(g, src, group_src, "src")
    arr = _arr(tensor)
    rbuf, fin = _wire(arr)
    if g.rank() == root:
        if scatter_list is None or len(scatter_list) != g.size():
            raise ValueError("scatter: scatter_list must hold world_size tensors on the "
                             "source rank")
        send = np.stack([np.ascontiguousarray(_wire(_arr(t))[0]) for t in scatter_list])
        req = g._comm.Iscatter(send, rbuf, root=root)
    else:
        if scatter_list:
            raise ValueError("scatter: scatter_list must be empty on non-source ranks")
        send = None
        req = g._comm.Iscatter(None, rbuf, root=root)
    w = Work([req], _chain(fin, _bumper([tensor])), _what("scatter", g), g)
    w._keep = send
    return _finish(w, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None,
                          async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    oarr, iarr = _arr(output), _arr(input)
    if iarr.size != oarr.size * g.size():
        raise ValueError("reduce_scatter_tensor: input size must be world_size times the "
                         "output size")
    sbuf = np.ascontiguousarray(_wire(iarr)[0])
    return _reduce_scatter_block(g, sbuf, output, iarr.dtype, op, "reduce_scatter_tensor",
                                 async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    if len(input_list) != g.size():
        raise ValueError("reduce_scatter: input_list must hold world_size tensors")
    oarr = _arr(output)
    sbuf = np.stack([np.ascontiguousarray(_wire(_arr(t))[0]) for t in input_list])
    return _reduce_scatter_block(g, sbuf, output, oarr.dtype, op, "reduce_scatter", async_op)


def _reduce_scatter_block(g, sbuf, output, dtype, op, name, async_op):
    """Non-blocking reduce-scatter of the (world_size * n) send buffer into ``output``."""
    rbuf, fin = _wire(_arr(output))
    req = g._comm.Ireduce_scatter_block(sbuf, rbuf, op=_mpi_op(op, dtype))

    def done():
        _avg_fix(rbuf, op, g.size())
        if fin is not None:
            fin()
        output._bump()
    w = Work([req], done, _what(name, g), g)
    w._keep = sbuf
    return _finish(w, async_op)


def _alltoallv(g, sbuf, scounts, rbuf, rcounts, name, finish, async_op):
    sd = np.concatenate([[0], np.cumsum(scounts)[:-1]]).astype(int)
    rd = np.concatenate([[0], np.cumsum(rcounts)[:-1]]).astype(int)
    req = g._comm.Ialltoallv([sbuf, (list(map(int, scounts)), list(sd))],
                             [rbuf, (list(map(int, rcounts)), list(rd))])
    w = Work([req], finish, _what(name, g), g)
    w._keep = sbuf
    return _finish(w, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    n = g.size()
    oarr, iarr = _arr(output), _arr(input)
    row_i = int(np.prod(iarr.shape[1:])) if iarr.ndim > 1 else 1
    row_o = int(np.prod(oarr.shape[1:])) if oarr.ndim > 1 else 1
    if input_split_sizes is None or len(input_split_sizes) == 0:
        if iarr.shape[0] % n:
            raise ValueError("all_to_all_single: input dim 0 must divide by world_size")
        input_split_sizes = [iarr.shape[0] // n] * n
    if output_split_sizes is None or len(output_split_sizes) == 0:
        if oarr.shape[0] % n:
            raise ValueError("all_to_all_single: output dim 0 must divide by world_size")
        output_split_sizes = [oarr.shape[0] // n] * n
    sbuf = np.ascontiguousarray(_wire(iarr)[0]).reshape(-1)
    rbuf, fin = _wire(oarr)
    return _alltoallv(g, sbuf, [s * row_i for s in input_split_sizes], rbuf.reshape(-1),
                      [s * row_o for s in output_split_sizes], "all_to_all_single",
                      _chain(fin, _bumper([output])), async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    g = _resolve(group)
    if g is None:
        return _no_op(async_op)
    ins = [np.ascontiguousarray(_wire(_arr(t))[0]).reshape(-1) for t in input_tensor_list]
    sbuf = np.concatenate(ins) if ins else np.empty(0)
    rcounts = [t._data.size for t in output_tensor_list]
    rtype = sbuf.dtype
    rbuf = np.empty(sum(rcounts), dtype=rtype)

    def done():
        off = 0
        for t, c in zip(output_tensor_list, rcounts):
            piece = rbuf[off:off + c].reshape(t._data.shape)
            t._data[...] = piece.view(np.bool_) if t._data.dtype == np.bool_ \
                else piece.astype(t._data.dtype, copy=False)
            t._bump()
            off += c
    return _alltoallv(g, sbuf, [a.size for a in ins], rbuf, rcounts, "all_to_all", done,
                      async_op)


# ---------------------------------------------------------------------------------------
# point to point


def _isend(tensor, dst, group, tag, group_dst, name):
    g = _resolve(group)
    peer = _peer(g, dst, group_dst, "dst")
    if peer == g.rank():
        raise ValueError("Invalid destination rank: should not be the same as the rank "
                         "of the current process.")
    sbuf = np.ascontiguousarray(_wire(_arr(tensor))[0])
    req = g._comm.Isend(sbuf, dest=peer, tag=tag)
    w = Work([req], None, _what(f"{name} to rank {g._ranks[peer]}", g), g)
    w._keep = sbuf
    return w


def _irecv(tensor, src, group, tag, group_src, name):
    g = _resolve(group)
    MPI = _mpi.mpi()
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _peer(g, src, group_src, "src")
    rbuf, fin = _wire(_arr(tensor))
    status = MPI.Status()
    req = g._comm.Irecv(rbuf, source=peer, tag=tag)
    w = Work([req], None, _what(f"{name} from rank "
                                f"{'any' if peer == MPI.ANY_SOURCE else g._ranks[peer]}", g), g)

    def done():
        if fin is not None:
            fin()
        tensor._bump()
        w._result = g._ranks[status.Get_source()] if peer == MPI.ANY_SOURCE \
            else g._ranks[peer]
    w._finish = done
    w._status = status
    return w


def isend(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> Work:
    return _isend(tensor, dst, group, tag, group_dst, "isend")


def irecv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> Work:
    return _irecv(tensor, src, group, tag, group_src, "irecv")


def send(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> None:
    _isend(tensor, dst, group, tag, group_dst, "send").wait()


def recv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> int:
    w = _irecv(tensor, src, group, tag, group_src, "recv")
    w.wait()
    return w._result


class P2POp:
    def __init__(self, op, tensor, peer=None, group=None, tag: int = 0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type "
                             "``ember.distributed.isend`` or ``ember.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list) -> list[Work]:
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``ember.distributed.P2POp``.")
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works


# ---------------------------------------------------------------------------------------
# object collectives (pickled, then moved as bytes with the same timeout handling)


def _dumps(obj) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj), dtype=np.uint8)


def _allgather_bytes(g, data: np.ndarray, name: str) -> list[bytes]:
    sizes = np.empty(g.size(), dtype=np.int64)
    _wait_raw(g._comm.Iallgather(np.array([data.size], dtype=np.int64), sizes), g, name)
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    disp = [0] + list(np.cumsum(sizes)[:-1].astype(int))
    _wait_raw(g._comm.Iallgatherv(np.ascontiguousarray(data),
                                  [out, (list(map(int, sizes)), disp)]), g, name)
    return [out[d:d + int(s)].tobytes() for d, s in zip(disp, sizes)]


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    g = _resolve(group)
    if g is None:
        return
    root = _peer(g, src, group_src, "src")
    data = _dumps(list(object_list)) if g.rank() == root else np.empty(0, np.uint8)
    n = np.array([data.size], dtype=np.int64)
    _wait_raw(g._comm.Ibcast(n, root=root), g, "broadcast_object_list")
    if g.rank() != root:
        data = np.empty(int(n[0]), dtype=np.uint8)
    _wait_raw(g._comm.Ibcast(data, root=root), g, "broadcast_object_list")
    if g.rank() != root:
        objs = pickle.loads(data.tobytes())
        object_list[:] = objs[:len(object_list)]


def all_gather_object(object_list, obj, group=None):
    g = _resolve(group)
    if g is None:
        return
    for i, b in enumerate(_allgather_bytes(g, _dumps(obj), "all_gather_object")):
        object_list[i] = pickle.loads(b)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    g = _resolve(group)
    if g is None:
        return
    root = _peer(g, dst, group_dst, "dst")
    parts = _allgather_bytes(g, _dumps(obj), "gather_object")
    if g.rank() == root:
        if object_gather_list is None:
            raise ValueError("gather_object: object_gather_list must be given on the "
                             "destination rank")
        for i, b in enumerate(parts):
            object_gather_list[i] = pickle.loads(b)


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None,
                        src=None, group=None, group_src=None):
    g = _resolve(group)
    if g is None:
        return
    root = _peer(g, src, group_src, "src")
    holder = [list(scatter_object_input_list) if g.rank() == root else None]
    broadcast_object_list(holder, group_src=root, group=group)
    scatter_object_output_list[0] = holder[0][g.rank()]
