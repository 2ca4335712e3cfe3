"""``default_collate`` / ``default_convert``: samples to batched ember tensors.

Same input-type to output-type mapping as ``torch.utils.data.default_collate``:
tensors are stacked, NumPy arrays become tensors and are stacked, Python floats give
``float64``, ints give ``int64``, bools give ``bool``, strings/bytes stay lists,
mappings/namedtuples/sequences are collated element-wise (tuples become lists).
Inside a DataLoader worker, stacked tensors are written straight into shared memory
so that only a descriptor crosses the process boundary.
"""

from __future__ import annotations

import collections
import copy
import re
from collections.abc import Callable

import numpy as np

from ..._tensor import Tensor
from . import _shm

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


def _as_tensor(x, dtype=None):
    from ...ops.creation import as_tensor
    return as_tensor(x, dtype=dtype)


def default_convert(data):
    """Converts NumPy arrays (also inside mappings/sequences) to ember tensors; leaves
    everything else unchanged.  The default ``collate_fn`` when auto-batching is off."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if (elem_type.__name__ == "ndarray"
                and np_str_obj_array_pattern.search(data.dtype.str) is not None):
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return elem_type({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """Collates a batch by element type: ``collate_fn_map`` handles leaf types (exact type
    first, then ``isinstance`` in insertion order); containers recurse."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                              for k in elem})
                return clone
            return elem_type({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                              for k in elem})
        except TypeError:
            return {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                    for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    from ._worker import get_worker_info
    elem = batch[0]
    if get_worker_info() is not None and elem._device.type == "cpu":
        shape, dt = elem._data.shape, elem._data.dtype
        nbytes = len(batch) * elem._data.nbytes
        if (nbytes >= _shm.THRESHOLD and not dt.hasobject
                and all(isinstance(t, Tensor) and t._data.shape == shape and t._data.dtype == dt
                        and t._device.type == "cpu" for t in batch)):
            # as torch: in a worker, stack straight into shared memory
            out = _shm.new_array((len(batch),) + shape, dt)
            np.stack([t._data for t in batch], out=out)
            return Tensor._make(out)
    if (elem._device.type == "cpu" and isinstance(elem._data, np.ndarray)
            and not any(t._requires_grad for t in batch)):
        shape, dt = elem._data.shape, elem._data.dtype
        if all(isinstance(t, Tensor) and t._data.shape == shape and t._data.dtype == dt
               and t._device.type == "cpu" for t in batch):
            # fast path (no autograd to record): one NumPy stack, no per-sample ops
            return Tensor._make(np.stack([t._data for t in batch]))
    from ...ops.indexing import stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([_as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    from ... import dtypes
    from ...ops.creation import tensor
    return tensor(batch, dtype=dtypes.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    from ...ops.creation import tensor
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Puts each data field of a list of samples into a tensor with an outer batch
    dimension (``torch.utils.data.default_collate``)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
