"""``DistributedDataParallel`` over ``ember.distributed`` (MPI).

Construction broadcasts parameters and buffers from rank 0 of the group.  Gradients are
averaged in buckets of about ``bucket_cap_mb`` (parameters in reverse registration order,
one dtype per bucket): a post-accumulate-grad hook on each parameter copies its gradient,
times ``1 / world_size`` as torch's Reducer does, into the bucket's flat buffer, and once
every gradient of a bucket is in, the bucket's non-blocking all-reduce starts (buckets
start strictly in order, so every rank issues the same collective sequence).  When the
last bucket has started, still inside ``loss.backward()``, all reductions are waited and
the averaged gradients written back into ``param.grad`` -- or, with
``gradient_as_bucket_view=True``, ``param.grad`` becomes the bucket's slice itself (no
copy back; ``zero_grad(set_to_none=False)`` then zeroes the bucket in place and backward
accumulates straight into it).  With ``find_unused_parameters=True`` the autograd graph
of the forward outputs is walked and parameters outside it are marked ready at once
(their gradient stays ``None`` when no rank used them); ``static_graph=True`` walks it
in the first iteration only and reuses that set.  Otherwise a parameter that gets no
gradient leaves the reduction unfinished and the next forward raises torch's error.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ... import distributed as dist
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


def _tensors_in(obj, out):
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


class _Bucket:
    def __init__(self, index, params, dtype):
        self.index = index
        self.params = params  # indices into DDP._params
        self.dtype = dtype
        self.offsets = []
        off = 0
        self.sizes = []
        for p in params:
            self.offsets.append(off)
            self.sizes.append(p.numel())
            off += p.numel()
        wire = np.float32 if np.dtype(dtype).itemsize < 4 and np.dtype(dtype).kind == "f" \
            else dtype
        self.buffer = np.zeros(off, dtype=wire)
        self.pending = 0
        self.work = None


class GradBucket:
    """What a communication hook sees (``torch.distributed.GradBucket``)."""

    def __init__(self, bucket, is_last: bool):
        from ..._tensor import Tensor
        self._b = bucket
        self._last = is_last
        self._buf = Tensor._make(bucket.buffer)

    def index(self) -> int:
        return self._b.index

    def buffer(self):
        return self._buf

    def set_buffer(self, tensor) -> None:
        self._b.buffer[...] = tensor._data.reshape(-1)

    def is_last(self) -> bool:
        return self._last

    def parameters(self):
        return list(self._b.params)

    def gradients(self):
        from ..._tensor import Tensor
        return [Tensor._make(self._b.buffer[o:o + n].reshape(p._data.shape))
                for p, o, n in zip(self._b.params, self._b.offsets, self._b.sizes)]


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb=None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None):
        super().__init__()
        if not dist.is_initialized():
            raise ValueError("Default process group has not been initialized, please make "
                             "sure to call init_process_group.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        object.__setattr__(self, "process_group",
                           process_group if process_group is not None else None)
        self._pg = process_group
        self._world = dist.get_world_size(process_group)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        object.__setattr__(self, "_param_names", [n for n, _ in named])
        object.__setattr__(self, "_params", [p for _, p in named])
        if bucket_cap_mb is None:
            bucket_cap_mb = 25
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        if init_sync:
            self._sync_module_states()
        self._build_buckets()
        self._hooks = [p.register_post_accumulate_grad_hook(self._make_hook(i))
                       for i, p in enumerate(self._params)]
        self._armed = False
        self._ready = set()
        self._next_launch = 0
        self._used_map = None
        self._comm_hook = None
        self._comm_state = None
        self._static_unused = None
        self._inv_world = 1.0 / self._world  # a Python float: multiplies in the grad's dtype

    # --- setup ------------------------------------------------------------------------
    def _sync_module_states(self):
        root = 0 if self._pg is None else dist.get_global_rank(self._pg, 0)
        tensors = [p.detach() for p in self.module.parameters()] + \
            [b for b in self.module.buffers()]
        works = [dist.broadcast(t, src=root, group=self._pg, async_op=True) for t in tensors]
        for w in works:
            w.wait()

    def _build_buckets(self):
        order = list(range(len(self._params)))[::-1]
        buckets, cur, cur_bytes, cur_dt = [], [], 0, None
        for i in order:
            p = self._params[i]
            dt = p._data.dtype
            nbytes = p._data.nbytes
            if cur and (dt != cur_dt or cur_bytes + nbytes > self.bucket_bytes_cap):
                buckets.append((cur, cur_dt))
                cur, cur_bytes = [], 0
            cur.append(i)
            cur_dt = dt
            cur_bytes += nbytes
        if cur:
            buckets.append((cur, cur_dt))
        self._buckets = []
        self._where = {}
        for bi, (idxs, dt) in enumerate(buckets):
            b = _Bucket(bi, [self._params[i] for i in idxs], dt)
            b.param_idx = idxs
            for k, i in enumerate(idxs):
                self._where[i] = (b, k)
            self._buckets.append(b)

    # --- forward ------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        from ...autograd.grad_mode import is_grad_enabled
        if self._armed:
            self._raise_unfinished()
        if self.broadcast_buffers and self.require_forward_param_sync:
            bufs = list(self.module.buffers())
            if bufs:
                root = 0 if self._pg is None else dist.get_global_rank(self._pg, 0)
                works = [dist.broadcast(b, src=root, group=self._pg, async_op=True)
                         for b in bufs]
                for w in works:
                    w.wait()
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare(out)
        return out

    def _prepare(self, out):
        self._armed = True
        self._ready = set()
        self._next_launch = 0
        for b in self._buckets:
            b.pending = len(b.params)
            b.work = None
        self._used_map = np.zeros(len(self._params), dtype=np.int32)
        if self.find_unused_parameters or (self.static_graph and self._static_unused is None):
            used = self._reachable(out)
            unused = [i for i, p in enumerate(self._params) if id(p) not in used]
            if self.static_graph:
                # torch's static_graph: the first iteration finds the unused parameters,
                # later ones reuse that set without walking the graph
                self._static_unused = unused
        elif self.static_graph:
            unused = self._static_unused
        else:
            return
        for i in unused:
            self._mark_ready(i, used=False)

    def _reachable(self, out):
        from ...autograd.graph import AccumulateGrad
        seen, used = set(), set()
        stack = []
        for t in _tensors_in(out, []):
            if t._grad_fn is not None:
                stack.append(t._grad_fn)
            elif t._requires_grad:
                used.add(id(t))
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, AccumulateGrad):
                used.add(id(node.variable))
                continue
            for nxt, _ in getattr(node, "next_functions", ()) or ():
                if nxt is not None and id(nxt) not in seen:
                    stack.append(nxt)
        return used

    def _raise_unfinished(self):
        missing = [i for i in range(len(self._params)) if i not in self._ready]
        rank = dist.get_rank(self._pg)
        if self.find_unused_parameters:
            hint = ("Since `find_unused_parameters=True` is enabled, this likely  means that "
                    "not all `forward` outputs participate in computing loss. You can fix "
                    "this by making sure all `forward` function outputs participate in "
                    "calculating loss. ")
        else:
            hint = ("You can enable unused parameter detection by passing the keyword "
                    "argument `find_unused_parameters=True` to "
                    "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all "
                    "`forward` function outputs participate in calculating loss. ")
        self._armed = False
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a "
            "new one. This error indicates that your module has parameters that were not "
            f"used in producing loss. {hint}\nIf you already have done the above, then the "
            "distributed data parallel module wasn't able to locate the output tensors in "
            "the return value of your module's `forward` function. Please include the loss "
            "function and the structure of the return value of `forward` of your module "
            "when reporting this issue (e.g. list, dict, iterable).\n"
            f"Parameter indices which did not receive grad for rank {rank}: "
            f"{' '.join(map(str, missing))}\n"
            f"Parameters which did not receive grad for rank {rank}: "
            f"{', '.join(self._param_names[i] for i in missing)}")

    # --- backward -------------------------------------------------------------------------
    def _make_hook(self, i):
        def hook(param):
            if self._armed and i not in self._ready:
                self._mark_ready(i, used=True)
        return hook

    def _mark_ready(self, i, used: bool):
        self._ready.add(i)
        b, k = self._where[i]
        p = self._params[i]
        off, n = b.offsets[k], b.sizes[k]
        slot = b.buffer[off:off + n]
        g = p.grad
        if used and g is not None:
            self._used_map[i] = 1
            ga = g._data
            if self._comm_hook is not None or slot.dtype != ga.dtype:
                slot[...] = ga.reshape(-1)  # a hook sees the plain sum (torch)
                if self._comm_hook is None:
                    slot *= self._inv_world
            elif np.may_share_memory(ga, slot):
                slot *= self._inv_world  # gradient_as_bucket_view: the grad is the slot
            else:
                # torch's Reducer: divide by the world size while copying into the bucket
                np.multiply(ga.reshape(-1), self._inv_world, out=slot)
        else:
            slot[...] = 0
        b.pending -= 1
        while self._next_launch < len(self._buckets) and \
                self._buckets[self._next_launch].pending == 0:
            self._launch(self._buckets[self._next_launch])
            self._next_launch += 1
        if self._next_launch == len(self._buckets):
            self._finalize()

    def _launch(self, b):
        from ..._tensor import Tensor
        if self._comm_hook is not None:
            gb = GradBucket(b, b.index == len(self._buckets) - 1)
            b.work = self._comm_hook(self._comm_state, gb)
        else:
            t = Tensor._make(b.buffer)
            b.work = dist.all_reduce(t, group=self._pg, async_op=True)
        if (self.find_unused_parameters or self.static_graph) and \
                b.index == len(self._buckets) - 1:
            self._used_t = Tensor._make(self._used_map)
            self._used_work = dist.all_reduce(self._used_t, group=self._pg, async_op=True)

    def _finalize(self):
        from ..._tensor import Tensor
        self._armed = False
        for b in self._buckets:
            res = b.work.wait()
            if self._comm_hook is not None:
                if res is None or not hasattr(res, "_data"):
                    raise RuntimeError("A communication hook must return a future whose "
                                       "value is the bucket's reduced tensor")
                if res._data is not b.buffer:
                    b.buffer[...] = res._data.reshape(-1)
        globally_used = None
        if self.find_unused_parameters or self.static_graph:
            self._used_work.wait()
            globally_used = self._used_map
        as_view = self.gradient_as_bucket_view
        for b in self._buckets:
            for k, i in enumerate(b.param_idx):
                p = self._params[i]
                if globally_used is not None and not globally_used[i]:
                    continue
                off, n = b.offsets[k], b.sizes[k]
                val = b.buffer[off:off + n].reshape(p._data.shape)
                g = p.grad
                if as_view and val.dtype == p._data.dtype:
                    # gradient_as_bucket_view: the gradient *is* the bucket's slice
                    if g is None or not np.may_share_memory(g._data, val):
                        p.grad = Tensor._make(val)
                    else:
                        g._bump()
                elif g is None:
                    p.grad = Tensor._make(val.astype(p._data.dtype, copy=True))
                else:
                    g._data[...] = val
                    g._bump()

    # --- API --------------------------------------------------------------------------------
    @contextmanager
    def no_sync(self):
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def register_comm_hook(self, state, hook):
        """``hook(state, bucket: GradBucket) -> Future`` replaces each bucket's all-reduce;
        the future's value is the bucket's reduced (averaged) flat tensor.  Built-in hooks
        live in ``ember.distributed.algorithms.ddp_comm_hooks.default_hooks``."""
        if not callable(hook):
            raise TypeError("Communication hook must be callable.")
        if self._comm_hook is not None:
            raise RuntimeError("register_comm_hook or register_builtin_comm_hook can only be "
                               "called once.")
        self._comm_hook = hook
        self._comm_state = state

    def _set_static_graph(self):
        self.static_graph = True
