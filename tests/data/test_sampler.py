import pytest
import torch
import torch.utils.data as tud
from torch.utils.data.distributed import DistributedSampler as TDS

import ember
import ember.utils.data as eud
from ember.utils.data.distributed import DistributedSampler as EDS


def test_sequential_sampler():
    assert list(eud.SequentialSampler(range(7))) == list(tud.SequentialSampler(range(7)))
    assert len(eud.SequentialSampler(range(7))) == 7


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                       (2, 5, True), (0, 4, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    e = eud.BatchSampler(eud.SequentialSampler(range(n)), bs, drop)
    t = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
    assert list(e) == list(t)
    assert len(e) == len(t)


@pytest.mark.parametrize("kw,exc,msg", [
    ({"batch_size": 0, "drop_last": False}, ValueError, "batch_size should be a positive integer value"),
    ({"batch_size": True, "drop_last": False}, ValueError, "batch_size should be a positive integer value"),
    ({"batch_size": 2, "drop_last": 1}, ValueError, "drop_last should be a boolean value"),
])
def test_batch_sampler_errors(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        eud.BatchSampler(range(3), **kw)
    with pytest.raises(exc, match=msg):
        tud.BatchSampler(range(3), **kw)


def test_random_sampler_permutation_and_reproducible():
    s = eud.RandomSampler(range(50), generator=ember.Generator().manual_seed(0))
    a = list(s)
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert list(eud.RandomSampler(range(50), generator=ember.Generator().manual_seed(0))) == a
    ember.manual_seed(5)
    b = list(eud.RandomSampler(range(50)))
    ember.manual_seed(5)
    assert list(eud.RandomSampler(range(50))) == b


@pytest.mark.parametrize("n,num", [(10, 25), (10, 3), (10, 10)])
def test_random_sampler_num_samples_without_replacement(n, num):
    s = list(eud.RandomSampler(range(n), num_samples=num))
    assert len(s) == num == len(eud.RandomSampler(range(n), num_samples=num))
    # torch's algorithm: whole permutations, then a truncated one
    for k in range(num // n):
        assert sorted(s[k * n:(k + 1) * n]) == list(range(n))
    assert len(set(s[(num // n) * n:])) == num % n


def test_random_sampler_replacement():
    s = list(eud.RandomSampler(range(5), replacement=True, num_samples=70))
    assert len(s) == 70 and all(0 <= i < 5 for i in s)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        eud.RandomSampler(range(5), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        eud.RandomSampler(range(5), num_samples=0)


def test_subset_random_sampler():
    idx = [5, 9, 11, 20]
    s = list(eud.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(1)))
    assert sorted(s) == idx and len(eud.SubsetRandomSampler(idx)) == 4


def test_weighted_random_sampler():
    w = [0.0, 0.0, 1.0, 0.0]
    assert list(eud.WeightedRandomSampler(w, 6)) == [2] * 6
    s = list(eud.WeightedRandomSampler([1, 2, 3, 4], 4, replacement=False,
                                       generator=ember.Generator().manual_seed(0)))
    assert sorted(s) == [0, 1, 2, 3]
    assert eud.WeightedRandomSampler([1, 2], 3).weights.dtype == ember.float64
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        eud.WeightedRandomSampler([1, 2], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        eud.WeightedRandomSampler([1, 2], 2, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        eud.WeightedRandomSampler([[1, 2]], 2)


CASES = [(n, r, d) for n in (0, 1, 5, 10, 11, 13) for r in (1, 2, 3, 4, 7) for d in (False, True)
         if n > 0 or d]


@pytest.mark.parametrize("n,replicas,drop_last", CASES)
def test_distributed_sampler_partition_matches_torch(n, replicas, drop_last):
    ds = list(range(n))
    for rank in range(replicas):
        e = EDS(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        t = TDS(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t), (rank,)
        assert len(e) == len(t) and e.total_size == t.total_size


def test_distributed_sampler_shuffle_epochs():
    ds = list(range(23))
    parts = [list(EDS(ds, num_replicas=3, rank=r, seed=7)) for r in range(3)]
    flat = sorted(i for p in parts for i in p)
    assert len(flat) == 24 and set(flat) == set(range(23))  # one index padded
    s = EDS(ds, num_replicas=3, rank=0, seed=7)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert s.epoch == 1 and list(s) != first
    s2 = EDS(ds, num_replicas=3, rank=0, seed=7)
    s2.set_epoch(1)
    assert list(s2) == list(s)


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        EDS(range(5), num_replicas=3, rank=3)
    with pytest.raises(ValueError, match="Default process group has not been initialized, please "
                                         "make sure to call init_process_group."):
        EDS(range(5))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        EDS(range(5), num_replicas=2)


def test_sampler_subclassing():
    class Evens(eud.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    dl = eud.DataLoader(list(range(10)), sampler=Evens(10), batch_size=2)
    assert [b.tolist() for b in dl] == [[0, 2], [4, 6], [8]]
    assert torch.utils.data.Sampler is not None
