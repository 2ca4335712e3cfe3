import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud


def test_reachable_as_attribute():
    assert ember.utils.data.DataLoader is eud.DataLoader
    assert eud.distributed.DistributedSampler is eud.DistributedSampler


def test_public_names_match_torch():
    for name in ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
                 "Subset", "StackDataset", "random_split", "Sampler", "SequentialSampler",
                 "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                 "BatchSampler", "DistributedSampler", "DataLoader", "get_worker_info",
                 "default_collate", "default_convert"]:
        assert hasattr(eud, name), name
        assert hasattr(tud, name), name


def test_tensor_dataset():
    x = ember.arange(12).reshape(6, 2)
    y = ember.arange(6)
    ds = eud.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[3]
    assert a.tolist() == [6, 7] and b.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        eud.TensorDataset(x, ember.arange(5))


def test_concat_dataset():
    a, b = list(range(3)), list(range(10, 15))
    td = tud.ConcatDataset([a, b])
    ed = eud.ConcatDataset([a, b])
    assert len(ed) == len(td) == 8
    assert ed.cumulative_sizes == td.cumulative_sizes
    assert [ed[i] for i in range(-8, 8)] == [td[i] for i in range(-8, 8)]
    with pytest.raises(ValueError, match="absolute value of index"):
        ed[-9]
    with pytest.raises(AssertionError, match="empty iterable"):
        eud.ConcatDataset([])


class _Range(eud.IterableDataset):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __iter__(self):
        return iter(range(self.lo, self.hi))

    def __len__(self):
        return self.hi - self.lo


def test_chain_dataset_and_add():
    c = eud.ChainDataset([_Range(0, 3), _Range(5, 7)])
    assert list(c) == [0, 1, 2, 5, 6] and len(c) == 5
    assert list(_Range(0, 2) + _Range(2, 4)) == [0, 1, 2, 3]
    m = eud.TensorDataset(ember.arange(3)) + eud.TensorDataset(ember.arange(2))
    assert isinstance(m, eud.ConcatDataset) and len(m) == 5
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        eud.ConcatDataset([_Range(0, 1)])


def test_subset_and_getitems():
    base = list(range(100, 110))
    s = eud.Subset(base, [3, 1, 4])
    assert len(s) == 3 and [s[i] for i in range(3)] == [103, 101, 104]
    assert s.__getitems__([0, 2]) == [103, 104]

    class Bad(eud.Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Bad(base, [0])


def test_stack_dataset():
    a, b = list(range(4)), list("abcd")
    sd = eud.StackDataset(a, b)
    assert len(sd) == 4 and sd[2] == (2, "c")
    assert sd.__getitems__([0, 3]) == tud.StackDataset(a, b).__getitems__([0, 3])
    kd = eud.StackDataset(x=a, y=b)
    assert kd[1] == {"x": 1, "y": "b"}
    assert kd.__getitems__([1, 2]) == tud.StackDataset(x=a, y=b).__getitems__([1, 2])
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        eud.StackDataset(a, [1])
    with pytest.raises(ValueError, match="At least one dataset"):
        eud.StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        eud.StackDataset(a, y=b)


@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (30, [0.3, 0.3, 0.4]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]),
    (11, [0.2, 0.2, 0.2, 0.2, 0.2]), (3, [0.1, 0.1, 0.8]), (3, [1.0]),
])
def test_random_split_lengths_match_torch(n, lengths):
    with pytest.warns(UserWarning) if n == 3 and len(lengths) == 3 else _nullcontext():
        es = eud.random_split(range(n), lengths, generator=ember.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in es] == [len(s) for s in ts]
    seen = sorted(i for s in es for i in s.indices)
    assert seen == list(range(n))


def test_random_split_reproducible_and_errors():
    a = eud.random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    b = eud.random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    assert [s.indices for s in a] == [s.indices for s in b]
    ember.manual_seed(1)
    c = eud.random_split(range(20), [5, 15])
    ember.manual_seed(1)
    d = eud.random_split(range(20), [5, 15])
    assert [s.indices for s in c] == [s.indices for s in d]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        eud.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        eud.random_split(range(10), [0.0, 1.1, -0.1])


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_dataset_base_errors():
    with pytest.raises(NotImplementedError):
        eud.Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(eud.IterableDataset())


def test_tensor_dataset_numpy_inputs_roundtrip():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    ds = eud.TensorDataset(ember.from_numpy(x))
    assert ds[1][0].dtype == ember.float32
