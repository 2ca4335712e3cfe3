"""Multi-process DataLoader: real worker processes, shared memory, failures.

Every test checks (fixture ``no_leaks``) that no child process and no shared-memory
segment of this process survives it.  Failure tests bound their own duration.
"""
import gc
import multiprocessing as mp
import os
import random
import signal
import time

import numpy as np
import pytest

import ember
import ember.utils.data as eud
from ember.utils.data import _shm

pytestmark = pytest.mark.slow


def _segments():
    prefix = f"ember_dl_{os.getpid()}_"
    return [f for f in os.listdir(_shm.SHM_DIR) if f.startswith(prefix)]


@pytest.fixture(autouse=True)
def no_leaks():
    yield
    gc.collect()
    deadline = time.monotonic() + 3
    while mp.active_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mp.active_children() == []
    assert _segments() == []


# --- datasets (module level so that 'spawn' workers can unpickle them) ---------------------
def _tensor_ds(n=40):
    x = np.arange(n * 4, dtype=np.float32).reshape(n, 2, 2)
    return eud.TensorDataset(ember.from_numpy(x), ember.arange(n))


class BigDS(eud.Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return {"img": ember.full((32, 32), float(i)), "nested": [np.full(1024, i, np.float64), i],
                "name": f"n{i}"}


class RandDS(eud.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = eud.get_worker_info()
        return (ember.rand(3), ember.tensor(random.random()), ember.tensor(np.random.rand()),
                info.id, info.seed, info.num_workers)


class InfoDS(eud.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = eud.get_worker_info()
        return (info.id, info.num_workers, info.dataset is self, getattr(self, "tag", None))


class ShardedIter(eud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = eud.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class FailDS(eud.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"bad sample {i}")
        return i


class KeyErrDS(FailDS):
    def __getitem__(self, i):
        return {}["missing"]


class KillDS(eud.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class SlowDS(eud.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            time.sleep(3)
        return i


class VarDelayDS(eud.Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        time.sleep(0.05 if i % 4 == 0 else 0.0)
        return i


def _init_tag(worker_id):
    eud.get_worker_info().dataset.tag = worker_id * 100


# --- behaviour -------------------------------------------------------------------------
def test_batches_identical_with_0_and_2_workers():
    ds = _tensor_ds()
    ref = [(x.tolist(), y.tolist(), x.dtype, y.dtype) for x, y in eud.DataLoader(ds, batch_size=3)]
    for nw in (1, 2):
        out = [(x.tolist(), y.tolist(), x.dtype, y.dtype)
               for x, y in eud.DataLoader(ds, batch_size=3, num_workers=nw)]
        assert out == ref
    assert len(eud.DataLoader(ds, batch_size=3, num_workers=2)) == len(ref)


def test_shuffle_with_workers_every_sample_once_and_same_as_single_process():
    ds = _tensor_ds(50)
    ember.manual_seed(11)
    a = [y.tolist() for _, y in eud.DataLoader(ds, batch_size=7, shuffle=True, num_workers=2)]
    ember.manual_seed(11)
    b = [y.tolist() for _, y in eud.DataLoader(ds, batch_size=7, shuffle=True)]
    assert sorted(i for x in a for i in x) == list(range(50))
    assert a != [list(range(i, min(i + 7, 50))) for i in range(0, 50, 7)]
    # the sampler runs in the main process: same draws either way except the base seed,
    # drawn after the sampler's seed as in torch
    assert a == b


def test_large_tensors_use_shared_memory():
    out = list(eud.DataLoader(BigDS(), batch_size=4, num_workers=2))
    assert [b["img"][:, 0, 0].tolist() for b in out] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    for b in out:
        for arr in (b["img"]._data, b["nested"][0]._data):
            base = arr
            while isinstance(base, np.ndarray):
                base = base.base
            assert isinstance(base, _shm._Segment)  # a zero-copy mmap, not an unpickled copy
        assert b["nested"][0].dtype == ember.float64 and b["nested"][1].dtype == ember.int64
        assert b["name"] == [f"n{i}" for i in b["nested"][1].tolist()]
    assert _segments() == []  # names were unlinked as soon as they were mapped
    del out


def test_custom_collate_numpy_and_tensor_through_shared_memory():
    def collate(batch):
        return {"np": np.stack([b["nested"][0] for b in batch]),
                "t": [b["img"] * 1 for b in batch]}
    out = list(eud.DataLoader(BigDS(), batch_size=6, num_workers=1, collate_fn=collate))
    assert isinstance(out[0]["np"], np.ndarray) and out[0]["np"].shape == (6, 1024)
    assert isinstance(out[0]["np"].base, _shm._Segment)
    assert out[1]["t"][2][0, 0].item() == 8.0
    base = out[1]["t"][2]._data
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, _shm._Segment)


def test_seeding_reproducible_and_distinct_per_worker():
    def run():
        ember.manual_seed(123)
        return [tuple(x.tolist() if isinstance(x, ember.Tensor) else x for x in b)
                for b in eud.DataLoader(RandDS(), batch_size=None, num_workers=2)]
    a, b = run(), run()
    assert a == b
    by_worker = {}
    for rand3, pyr, npr, wid, _seed, nw in a:
        by_worker.setdefault(wid, []).append((rand3, pyr, npr))
        assert nw == 2
    assert set(by_worker) == {0, 1}
    assert by_worker[0][0] != by_worker[1][0]
    seeds = {wid: seed for *_, wid, seed, _ in a}
    assert seeds[1] == seeds[0] + 1
    g = ember.Generator().manual_seed(5)
    c = [b[0].tolist() for b in eud.DataLoader(RandDS(), batch_size=None, num_workers=2, generator=g)]
    g = ember.Generator().manual_seed(5)
    d = [b[0].tolist() for b in eud.DataLoader(RandDS(), batch_size=None, num_workers=2, generator=g)]
    assert c == d


def test_worker_init_fn_and_get_worker_info():
    out = list(eud.DataLoader(InfoDS(), batch_size=None, num_workers=2, worker_init_fn=_init_tag))
    # batch_size=None: default_convert turns tuples into lists (as torch)
    assert out == [[0, 2, True, 0], [1, 2, True, 100], [0, 2, True, 0], [1, 2, True, 100]]
    assert eud.get_worker_info() is None


def test_iterable_dataset_sharding():
    out = [b.tolist() for b in eud.DataLoader(ShardedIter(10), batch_size=2, num_workers=2)]
    assert sorted(i for b in out for i in b) == list(range(10))
    assert out[0] == [0, 2] and out[1] == [1, 3]
    assert list(eud.DataLoader(ShardedIter(5), batch_size=None, num_workers=2)) == [0, 1, 2, 3, 4]


def test_in_order_false_and_prefetch():
    dl = eud.DataLoader(VarDelayDS(), batch_size=None, num_workers=2, in_order=False,
                        prefetch_factor=4)
    out = list(dl)
    assert sorted(out) == list(range(12))
    assert list(eud.DataLoader(VarDelayDS(), batch_size=None, num_workers=2)) == list(range(12))


def test_persistent_workers_reuse_processes():
    dl = eud.DataLoader(_tensor_ds(10), batch_size=4, num_workers=2, persistent_workers=True)
    first = [y.tolist() for _, y in dl]
    pids = [w.pid for w in dl._iterator._workers]
    second = [y.tolist() for _, y in dl]
    assert first == second == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [w.pid for w in dl._iterator._workers] == pids
    assert all(w.is_alive() for w in dl._iterator._workers)
    del dl


@pytest.mark.parametrize("ctx", ["spawn", "forkserver"])
def test_other_start_methods(ctx):
    out = list(eud.DataLoader(BigDS(), batch_size=6, num_workers=1, multiprocessing_context=ctx))
    assert out[1]["img"][:, 0, 0].tolist() == [6, 7, 8, 9, 10, 11]
    assert isinstance(out[0]["img"]._data.base, _shm._Segment)


def test_context_object_accepted():
    dl = eud.DataLoader(_tensor_ds(4), batch_size=2, num_workers=1,
                        multiprocessing_context=mp.get_context("fork"))
    assert [y.tolist() for _, y in dl] == [[0, 1], [2, 3]]


# --- failures --------------------------------------------------------------------------
def test_worker_exception_reraised_with_traceback():
    t0 = time.monotonic()
    with pytest.raises(ValueError) as ei:
        list(eud.DataLoader(FailDS(), batch_size=2, num_workers=2))
    msg = str(ei.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):")
    assert "bad sample 5" in msg and "in __getitem__" in msg
    assert time.monotonic() - t0 < 5
    del ei


def test_worker_keyerror_reraised():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(eud.DataLoader(KeyErrDS(), batch_size=2, num_workers=1))


def test_killed_worker_raises_instead_of_hanging():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError) as ei:
        list(eud.DataLoader(KillDS(), batch_size=2, num_workers=2))
    msg = str(ei.value)
    assert "DataLoader worker (pid(s) " in msg and "exited unexpectedly" in msg
    assert "killed by signal: Killed" in msg
    assert time.monotonic() - t0 < 5
    del ei


def test_timeout_raises():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        list(eud.DataLoader(SlowDS(), batch_size=2, num_workers=2, timeout=0.5))
    assert time.monotonic() - t0 < 3


def test_break_and_delete_shut_workers_down():
    t0 = time.monotonic()
    dl = eud.DataLoader(BigDS(), batch_size=2, num_workers=2, prefetch_factor=3)
    for i, _ in enumerate(dl):
        if i == 1:
            break
    gc.collect()
    assert mp.active_children() == []
    assert _segments() == []  # prefetched-but-unread batches were cleaned up
    it = iter(eud.DataLoader(BigDS(), batch_size=2, num_workers=2))
    next(it)
    workers = list(it._workers)
    del it
    gc.collect()
    assert not any(w.is_alive() for w in workers)
    assert time.monotonic() - t0 < 5
