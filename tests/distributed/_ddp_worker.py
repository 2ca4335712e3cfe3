"""Run under ``ember-run --nproc-per-node 2``: DDP checks; writes ``{check: result}`` to
``<outdir>/rank<R>.json`` (``"ok"`` or an error/traceback, plus numbers)."""

import json
import os
import sys
import traceback
from datetime import timedelta

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.data.distributed import DistributedSampler

OUT = sys.argv[1]
dist.init_process_group("gloo", timeout=timedelta(seconds=60))
R, W = dist.get_rank(), dist.get_world_size()


class CNN(nn.Module):  # the spec CNN
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        out = self.pool1(self.conv1(x))
        out = self.pool2(self.conv2(out))
        out = out.view(out.size(0), -1)
        return self.fc2(self.fc1(out))


def flat(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def gathered(x):
    lst = [None] * W
    dist.all_gather_object(lst, x)
    return lst


def data(n=80):
    g = ember.Generator().manual_seed(0)
    x = ember.randn(n, 3, 28, 28, generator=g)
    y = ember.randint(0, 10, (n,), generator=g)
    return TensorDataset(x, y)


def clone_of(model):
    ref = CNN()
    ref.load_state_dict({k: v.clone() for k, v in model.state_dict().items()})
    return ref


def check_train(bucket_cap_mb=25, set_to_none=True, **ddp_kw):
    ember.manual_seed(100 + R)  # different initialisation on every rank
    model = CNN()
    before = gathered(flat(model))
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb, **ddp_kw)
    after = gathered(flat(ddp.module))
    res = {"differ_before": not np.array_equal(before[0], before[1]),
           "equal_after_construction": bool(np.array_equal(after[0], after[1]))}
    ref = clone_of(model)
    ds = data()
    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds, shuffle=False))
    shards = [list(DistributedSampler(ds, num_replicas=W, rank=r, shuffle=False))
              for r in range(W)]
    opt = ember.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    ropt = ember.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    lossf = nn.CrossEntropyLoss()
    steps = 0
    for k, (x, y) in enumerate(loader):
        opt.zero_grad(set_to_none=set_to_none)
        lossf(ddp(x), y).backward()
        opt.step()
        idx = [i for r in range(W) for i in shards[r][4 * k:4 * k + 4]]
        gx, gy = ds.tensors[0][idx], ds.tensors[1][idx]
        ropt.zero_grad()
        lossf(ref(gx), gy).backward()
        ropt.step()
        steps += 1
    final = gathered(flat(ddp.module))
    res["steps"] = steps
    res["bitwise_equal_across_ranks"] = bool(np.array_equal(final[0], final[1]))
    res["max_abs_diff_vs_single_process"] = float(np.abs(final[R] - flat(ref)).max())
    res["moved"] = float(np.abs(final[R] - after[R]).max())
    res["state_dict_prefixed"] = all(k.startswith("module.") for k in ddp.state_dict())
    res["buckets"] = len(ddp._buckets)
    res["grads_are_bucket_views"] = all(
        any(np.may_share_memory(p.grad.numpy(), b.buffer) for b in ddp._buckets)
        for p in ddp.parameters())
    return res


def check_train_small_buckets():
    return check_train(bucket_cap_mb=0.2)


def check_train_as_view():
    return check_train(bucket_cap_mb=0.2, gradient_as_bucket_view=True)


def check_train_as_view_zeroed():
    """gradient_as_bucket_view with zero_grad(set_to_none=False): the optimizer zeroes the
    bucket slices in place and backward accumulates straight into them."""
    return check_train(bucket_cap_mb=0.2, set_to_none=False, gradient_as_bucket_view=True)


def check_no_sync():
    ember.manual_seed(7)
    model = CNN()
    ddp = DDP(model)
    ref = clone_of(model)
    ds = data(16)
    lossf = nn.CrossEntropyLoss()
    mine = [list(range(R * 4, R * 4 + 4)), list(range(8 + R * 4, 8 + R * 4 + 4))]
    x0, y0 = ds.tensors[0][mine[0]], ds.tensors[1][mine[0]]
    x1, y1 = ds.tensors[0][mine[1]], ds.tensors[1][mine[1]]
    with ddp.no_sync():
        lossf(ddp(x0), y0).backward()
    g_local = gathered(np.concatenate([p.grad.numpy().ravel() for p in ddp.parameters()]))
    lossf(ddp(x1), y1).backward()
    g = np.concatenate([p.grad.numpy().ravel() for p in ddp.parameters()])
    # reference: sum of the two micro-batch means, averaged over ranks
    for part in ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]):
        lossf(ref(ds.tensors[0][part]), ds.tensors[1][part]).backward()
    rg = np.concatenate([p.grad.numpy().ravel() for p in ref.parameters()])
    return {"unsynced_inside_no_sync": not np.array_equal(g_local[0], g_local[1]),
            "max_abs_diff_vs_reference": float(np.abs(g - rg).max()),
            "equal_across_ranks": bool(np.array_equal(*gathered(g)))}


class WithUnused(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.unused = nn.Linear(4, 4)
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(self.a(x))


def check_unused_error():
    ember.manual_seed(1)
    ddp = DDP(WithUnused())
    x = ember.randn(3, 4)
    ddp(x).sum().backward()
    try:
        ddp(x).sum().backward()
    except RuntimeError as e:
        return {"error": str(e)}
    return {"error": None}


def check_unused_find():
    ember.manual_seed(1 + R)
    ddp = DDP(WithUnused(), find_unused_parameters=True)
    ref = clone_of_unused(ddp.module)
    out = {}
    for step in range(3):
        x = ember.randn(3, 4, generator=ember.Generator().manual_seed(step * 10 + R))
        ddp.zero_grad()
        ddp(x).sum().backward()
    g = np.concatenate([p.grad.numpy().ravel() for n, p in ddp.module.named_parameters()
                        if not n.startswith("unused")])
    out["used_grads_equal"] = bool(np.array_equal(*gathered(g)))
    out["unused_grad_is_none"] = ddp.module.unused.weight.grad is None
    xs = [ember.randn(3, 4, generator=ember.Generator().manual_seed(20 + r)) for r in range(W)]
    ref.zero_grad()
    for xr in xs:
        (ref(xr).sum() / W).backward()
    rg = np.concatenate([p.grad.numpy().ravel() for n, p in ref.named_parameters()
                         if not n.startswith("unused")])
    out["max_abs_diff_vs_reference"] = float(np.abs(g - rg).max())
    return out


def check_static_graph():
    """static_graph=True: a parameter unused in every iteration is found in the first one
    and needs no find_unused_parameters; grads equal the averaged reference."""
    ember.manual_seed(1 + R)
    ddp = DDP(WithUnused(), static_graph=True)
    ref = clone_of_unused(ddp.module)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1)
    ropt = ember.optim.SGD(ref.parameters(), lr=0.1)
    for step in range(3):
        xs = [ember.randn(3, 4, generator=ember.Generator().manual_seed(step * 10 + r))
              for r in range(W)]
        opt.zero_grad()
        ddp(xs[R]).sum().backward()
        opt.step()
        ropt.zero_grad()
        for xr in xs:
            (ref(xr).sum() / W).backward()
        ropt.step()
    return {"unused_grad_is_none": ddp.module.unused.weight.grad is None,
            "equal_across_ranks": bool(np.array_equal(*gathered(flat(ddp.module)))),
            "max_abs_diff_vs_reference": float(np.abs(flat(ddp.module) - flat(ref)).max())}


def clone_of_unused(m):
    ref = WithUnused()
    ref.load_state_dict({k: v.clone() for k, v in m.state_dict().items()})
    return ref


def _short_train(hook=None, steps=3):
    ember.manual_seed(3)
    model = CNN()
    ddp = DDP(model, bucket_cap_mb=0.2)
    calls = []
    if hook is not None:
        def counting(state, bucket):
            calls.append(bucket.index())
            return hook(state, bucket)
        ddp.register_comm_hook(None, counting)
    ds = data(32)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.05)
    lossf = nn.CrossEntropyLoss()
    for k in range(steps):
        idx = list(range(8 * k + 4 * R, 8 * k + 4 * R + 4))
        opt.zero_grad()
        lossf(ddp(ds.tensors[0][idx]), ds.tensors[1][idx]).backward()
        opt.step()
    return flat(ddp.module), calls, len(ddp._buckets)


def check_comm_hooks():
    from ember.distributed.algorithms.ddp_comm_hooks import default_hooks as hooks
    base, _, nb = _short_train()
    ar, calls, _ = _short_train(hooks.allreduce_hook)
    fp, fcalls, _ = _short_train(hooks.fp16_compress_hook)
    return {"allreduce_max_diff": float(np.abs(ar - base).max()),
            "allreduce_calls_ok": calls == list(range(nb)) * 3,
            "fp16_max_diff": float(np.abs(fp - base).max()),
            "fp16_calls_ok": fcalls == list(range(nb)) * 3,
            "fp16_equal_across_ranks": bool(np.array_equal(*gathered(fp))),
            "twice_error": _twice()}


def _twice():
    ddp = DDP(WithUnused())
    ddp.register_comm_hook(None, lambda s, b: None)
    try:
        ddp.register_comm_hook(None, lambda s, b: None)
    except RuntimeError as e:
        return str(e)
    return None


def check_syncbn():
    from ember.nn.parallel import SyncBatchNorm
    g = ember.Generator().manual_seed(5)
    xs = [ember.randn(3 + r, 4, 5, 5, generator=g) * (r + 1) + r for r in range(W)]
    ember.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4))
    ref = nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4))
    ref.load_state_dict(net.state_dict())
    with ember.no_grad():
        net[1].weight.uniform_(0.5, 1.5, generator=ember.Generator().manual_seed(1))
        ref[1].weight.copy_(net[1].weight)
    sync = SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(sync[1], SyncBatchNorm)
    outs = {}
    for step in range(2):
        x = xs[R].clone().requires_grad_()
        y = sync(x)
        ((y + 1) * (y + 1)).sum().backward()
        gx = ember.cat(xs).requires_grad_()
        ry = ref(gx)
        ((ry + 1) * (ry + 1)).sum().backward()
        off = sum(t.shape[0] for t in xs[:R])
        outs[f"y{step}"] = float(np.abs(y.detach().numpy() -
                                        ry.detach().numpy()[off:off + xs[R].shape[0]]).max())
        outs[f"dx{step}"] = float(np.abs(x.grad.numpy() -
                                         gx.grad.numpy()[off:off + xs[R].shape[0]]).max())
    for name in ("weight", "bias"):
        gsum = sync[1]._parameters[name].grad.clone()
        dist.all_reduce(gsum)
        rg = ref[1]._parameters[name].grad.numpy()
        outs[f"d{name}_rel"] = float(np.abs(gsum.numpy() - rg).max() / np.abs(rg).max())
    rg = ref[0].weight.grad.numpy()
    outs["conv_dw_rel"] = float(np.abs(_sum_all(sync[0].weight.grad) - rg).max() / np.abs(rg).max())
    for name in ("running_mean", "running_var"):
        outs[name] = float(np.abs(getattr(sync[1], name).numpy() -
                                  getattr(ref[1], name).numpy()).max())
    sync.eval()
    outs["eval"] = float(np.abs(sync(xs[R]).detach().numpy() -
                                ref.eval()(xs[R]).detach().numpy()).max())
    return outs


def _sum_all(t):
    t = t.clone()
    dist.all_reduce(t)
    return t.numpy()


results = {}
for name in sys.argv[2:]:
    try:
        results[name] = globals()[f"check_{name}"]()
    except Exception:
        results[name] = {"traceback": traceback.format_exc()}
    dist.barrier()
with open(os.path.join(OUT, f"rank{R}.json"), "w") as f:
    json.dump(results, f)
dist.destroy_process_group()
