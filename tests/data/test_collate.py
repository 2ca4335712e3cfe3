import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud

from .helpers import to_torch_like

Point = collections.namedtuple("Point", ["x", "y"])


def _e(x):
    """Build the ember-side version of a sample (torch tensors -> ember tensors)."""
    if isinstance(x, torch.Tensor):
        return ember.from_numpy(x.numpy().copy())
    if isinstance(x, dict):
        return {k: _e(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_e(v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_e(v) for v in x)
    return x


BATCHES = {
    "floats": [1.0, 2.5, -3.0],
    "ints": [1, 2, 3],
    "bools": [True, False],
    "strings": ["a", "bc"],
    "bytes": [b"a", b"b"],
    "np_f32_scalars": [np.float32(1), np.float32(2)],
    "np_f64_scalars": [np.float64(1), np.float64(2)],
    "np_i32_scalars": [np.int32(1), np.int32(2)],
    "np_bool_scalars": [np.bool_(True), np.bool_(False)],
    "np_arrays": [np.arange(6, dtype=np.int16).reshape(2, 3), np.ones((2, 3), np.int16)],
    "np_f32_arrays": [np.zeros(3, np.float32), np.ones(3, np.float32)],
    "tensors": [torch.arange(4.0), torch.ones(4)],
    "int_tensors": [torch.tensor([1, 2], dtype=torch.int32), torch.tensor([3, 4], dtype=torch.int32)],
    "tuples": [(1, 2.0, "a"), (3, 4.0, "b")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"a": 1, "b": torch.zeros(2)}, {"a": 2, "b": torch.ones(2)}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [{"p": Point(torch.zeros(2), [1, 2.0]), "s": "x", "l": [np.float32(1), (2, 3)]},
               {"p": Point(torch.ones(2), [3, 4.0]), "s": "y", "l": [np.float32(5), (6, 7)]}],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    batch = BATCHES[name]
    t = tud.default_collate(batch)
    e = eud.default_collate(_e(batch))
    assert to_torch_like(e) == to_torch_like(t)


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_convert_matches_torch(name):
    for sample in BATCHES[name]:
        t = tud.default_convert(sample)
        e = eud.default_convert(_e(sample))
        assert to_torch_like(e) == to_torch_like(t)


def test_default_convert_numpy():
    assert to_torch_like(eud.default_convert(np.arange(3))) == to_torch_like(
        tud.default_convert(np.arange(3)))
    strs = np.array(["a", "b"])
    assert eud.default_convert(strs) is strs
    assert eud.default_convert(Point(np.array(0), np.array(1))).x.dtype == ember.int64


def test_float_collate_is_float64_and_int_is_int64():
    assert eud.default_collate([1.0, 2.0]).dtype == ember.float64
    assert eud.default_collate([1, 2]).dtype == ember.int64


def test_ragged_raises_torch_error():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        eud.default_collate([[1, 2], [3]])


def test_object_array_raises():
    batch = [np.array([object()]), np.array([object()])]
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        eud.default_collate(batch)
    with pytest.raises(TypeError):
        tud.default_collate(batch)


def test_unsupported_type_raises():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found"):
        eud.default_collate([object(), object()])


def test_tensor_shape_mismatch_raises():
    with pytest.raises(RuntimeError):
        eud.default_collate([ember.zeros(2), ember.zeros(3)])


def test_collate_keeps_grad():
    a = ember.ones(2, requires_grad=True)
    out = eud.default_collate([a, a * 2])
    assert out.requires_grad
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_custom_collate_fn_map():
    def collate_int(batch, *, collate_fn_map=None):
        return sum(batch)
    assert eud.collate([1, 2, 3], collate_fn_map={int: collate_int}) == 6
