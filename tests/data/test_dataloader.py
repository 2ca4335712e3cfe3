"""Single-process DataLoader behaviour against torch's DataLoader."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud

from .helpers import to_torch_like

Sample = collections.namedtuple("Sample", ["img", "label"])


def _datasets(n=10):
    x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)
    y = np.arange(n, dtype=np.int64)
    return (eud.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)),
            tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)))


class DictDS:
    def __init__(self, lib, n=7):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        t = self.lib.full((3,), float(i))
        return {"x": t, "i": i, "f": i / 2, "name": f"s{i}", "arr": np.full(2, i, np.int32)}


class NTDS:
    def __init__(self, lib, n=5):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return Sample(self.lib.ones(2, 2) * i, i)


@pytest.mark.parametrize("bs,drop", [(1, False), (3, False), (3, True), (4, True), (10, False),
                                     (16, False), (16, True)])
def test_tensor_dataset_batches_match_torch(bs, drop):
    eds, tds = _datasets()
    e = eud.DataLoader(eds, batch_size=bs, drop_last=drop)
    t = tud.DataLoader(tds, batch_size=bs, drop_last=drop)
    assert len(e) == len(t)
    assert [to_torch_like(b) for b in e] == [to_torch_like(b) for b in t]


@pytest.mark.parametrize("make", [DictDS, NTDS])
def test_structured_samples_match_torch(make):
    e = list(eud.DataLoader(make(ember), batch_size=3))
    t = list(tud.DataLoader(make(torch), batch_size=3))
    assert [to_torch_like(b) for b in e] == [to_torch_like(b) for b in t]


def test_batch_size_none_matches_torch():
    e = list(eud.DataLoader(DictDS(ember, 3), batch_size=None))
    t = list(tud.DataLoader(DictDS(torch, 3), batch_size=None))
    assert [to_torch_like(b) for b in e] == [to_torch_like(b) for b in t]
    assert len(eud.DataLoader(DictDS(ember, 3), batch_size=None)) == 3
    # numpy samples are converted, not batched
    out = list(eud.DataLoader([np.arange(3), np.arange(3)], batch_size=None))
    assert out[0].shape == (3,) and out[0].dtype == ember.int64


def test_shuffle_each_sample_once_and_reproducible():
    eds, _ = _datasets(37)
    ember.manual_seed(0)
    a = [b[1].tolist() for b in eud.DataLoader(eds, batch_size=5, shuffle=True)]
    flat = [i for b in a for i in b]
    assert sorted(flat) == list(range(37)) and flat != list(range(37))
    ember.manual_seed(0)
    b = [b[1].tolist() for b in eud.DataLoader(eds, batch_size=5, shuffle=True)]
    assert a == b
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    c = [b[1].tolist() for b in eud.DataLoader(eds, batch_size=5, shuffle=True, generator=g1)]
    d = [b[1].tolist() for b in eud.DataLoader(eds, batch_size=5, shuffle=True, generator=g2)]
    assert c == d
    # a second epoch reshuffles
    dl = eud.DataLoader(eds, batch_size=37, shuffle=True)
    assert next(iter(dl))[1].tolist() != next(iter(dl))[1].tolist()


def test_len_matches_torch_for_samplers():
    eds, tds = _datasets(10)
    for kw in [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
               {"batch_size": 4, "shuffle": True}]:
        assert len(eud.DataLoader(eds, **kw)) == len(tud.DataLoader(tds, **kw)), kw
    bs_e = eud.BatchSampler(eud.SequentialSampler(eds), 4, False)
    bs_t = tud.BatchSampler(tud.SequentialSampler(tds), 4, False)
    assert len(eud.DataLoader(eds, batch_sampler=bs_e)) == len(tud.DataLoader(tds, batch_sampler=bs_t))
    assert [b[1].tolist() for b in eud.DataLoader(eds, batch_sampler=bs_e)] == \
        [b[1].tolist() for b in tud.DataLoader(tds, batch_sampler=bs_t)]


def _both(kwargs_fn):
    """Call the constructor on both libraries and return the two exceptions."""
    out = []
    for lib, ds in ((eud, _datasets()[0]), (tud, _datasets()[1])):
        try:
            lib.DataLoader(ds, **kwargs_fn(lib))
        except Exception as e:  # noqa: BLE001
            out.append(e)
        else:
            out.append(None)
    return out


@pytest.mark.parametrize("kw", [
    lambda lib: {"num_workers": -1},
    lambda lib: {"timeout": -1},
    lambda lib: {"prefetch_factor": 2},
    lambda lib: {"num_workers": 1, "prefetch_factor": -1},
    lambda lib: {"persistent_workers": True},
    lambda lib: {"sampler": lib.SequentialSampler(range(10)), "shuffle": True},
    lambda lib: {"batch_sampler": [[0, 1]], "batch_size": 2},
    lambda lib: {"batch_sampler": [[0, 1]], "shuffle": True},
    lambda lib: {"batch_sampler": [[0, 1]], "sampler": range(10)},
    lambda lib: {"batch_sampler": [[0, 1]], "drop_last": True},
    lambda lib: {"batch_size": None, "drop_last": True},
    lambda lib: {"multiprocessing_context": "spawn"},
    lambda lib: {"num_workers": 1, "multiprocessing_context": "nope"},
    lambda lib: {"num_workers": 1, "multiprocessing_context": 3},
])
def test_argument_validation_matches_torch(kw):
    e, t = _both(kw)
    assert type(e) is type(t) and t is not None
    assert str(e) == str(t).replace("torch", "ember") or str(e).split("[")[0] == str(t).split("[")[0]


def test_iterable_dataset_validation_matches_torch():
    class It(eud.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    class TIt(tud.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    for kw in [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}]:
        with pytest.raises(ValueError) as ee:
            eud.DataLoader(It(), **kw)
        with pytest.raises(ValueError) as te:
            tud.DataLoader(TIt(), **kw)
        assert str(ee.value) == str(te.value)


def test_timeout_without_workers_is_clear_valueerror():
    # torch 2.13 accepts this and fails with an AssertionError on iteration
    eds, tds = _datasets()
    with pytest.raises(AssertionError):
        iter(tud.DataLoader(tds, timeout=1))
    with pytest.raises(ValueError, match="timeout option can only be used with multi-process"):
        eud.DataLoader(eds, timeout=1)


def test_setattr_after_init_matches_torch():
    eds, _ = _datasets()
    dl = eud.DataLoader(eds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        dl.batch_size = 3
    dl.num_workers = 0  # allowed


def test_iterable_dataset_single_process():
    class It(eud.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    assert [b.tolist() for b in eud.DataLoader(It(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in eud.DataLoader(It(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(eud.DataLoader(It(7), batch_size=3)) == 3
    assert len(eud.DataLoader(It(7), batch_size=3, drop_last=True)) == 2
    assert [b for b in eud.DataLoader(It(3), batch_size=None)] == [0, 1, 2]

    class Liar(It):
        def __len__(self):
            return 2
    dl = eud.DataLoader(Liar(4), batch_size=None)
    assert len(dl) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(dl)


def test_getitems_is_used():
    class Batched(eud.Dataset):
        calls = 0

        def __len__(self):
            return 6

        def __getitems__(self, idx):
            Batched.calls += 1
            return [i * 10 for i in idx]

    out = [b.tolist() for b in eud.DataLoader(Batched(), batch_size=4)]
    assert out == [[0, 10, 20, 30], [40, 50]] and Batched.calls == 2


def test_pin_memory_accepted():
    eds, _ = _datasets()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = list(eud.DataLoader(eds, batch_size=5, pin_memory=True, pin_memory_device="cuda"))
    assert len(out) == 2


def test_custom_collate_and_get_worker_info_main():
    eds, _ = _datasets()
    dl = eud.DataLoader(eds, batch_size=4, collate_fn=lambda b: len(b))
    assert list(dl) == [4, 4, 2]
    assert eud.get_worker_info() is None


def test_concat_subset_through_loader():
    eds, _ = _datasets(10)
    sub = eud.Subset(eds, [9, 0, 4])
    out = list(eud.DataLoader(eud.ConcatDataset([sub, sub]), batch_size=6))
    assert out[0][1].tolist() == [9, 0, 4, 9, 0, 4]


def test_distributed_sampler_in_loader():
    eds, tds = _datasets(11)
    e = [b[1].tolist() for b in eud.DataLoader(eds, batch_size=2, sampler=eud.DistributedSampler(
        eds, num_replicas=3, rank=1, shuffle=False))]
    t = [b[1].tolist() for b in tud.DataLoader(tds, batch_size=2, sampler=tud.DistributedSampler(
        tds, num_replicas=3, rank=1, shuffle=False))]
    assert e == t


def test_worker_numpy_seed_matches_torch_derivation():
    from torch.utils.data._utils.worker import _generate_state as t_gen

    from ember.utils.data._worker import _generate_state as e_gen
    for base, wid in [(0, 0), (123456789012345, 3), (2**63 - 1, 7), (42, 1)]:
        assert e_gen(base, wid) == t_gen(base, wid)
