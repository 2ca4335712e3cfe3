"""Packed and padded sequences (torch.nn.utils.rnn): ``PackedSequence``,
``pack_padded_sequence``, ``pad_packed_sequence``, ``pad_sequence``, ``unpad_sequence``,
``pack_sequence``, ``unpack_sequence``.

Packing/unpacking are single gather/scatter ops (ember/ops/rnn.py) whose backward is the
other one, so gradients flow through both directions.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import dtypes as _dt
from ..._tensor import Tensor
from ...ops.registry import apply
from ...ops.rnn import PackPadded, PadPacked, PadSequence, _packed_rows

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_make = Tensor._make


def _long(arr) -> Tensor:
    return _make(np.ascontiguousarray(arr, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    inv = np.empty_like(p)
    inv[p] = np.arange(p.shape[0], dtype=p.dtype)
    return _make(inv, permutation._device)


_PackedSequenceBase = namedtuple("PackedSequence",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Data and per-step batch sizes of a packed batch of variable-length sequences."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions "
                    "like pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not isinstance(data, (list, tuple)) or len(data) != 2:
            raise AssertionError(f"Expected data to be a list or tuple of length 2, got {data}")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def pin_memory(self):
        return self

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        si, ui = self.sorted_indices, self.unsorted_indices
        si = si.to(data.device) if si is not None else None
        ui = ui.to(data.device) if ui is not None else None
        return type(self)(data, self.batch_sizes, si, ui)

    def cuda(self, *args, **kwargs):
        return self.to(*args, device="cuda", **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def double(self):
        return self.to(dtype=_dt.float64)

    def float(self):  # noqa: A003
        return self.to(dtype=_dt.float32)

    def half(self):
        return self.to(dtype=_dt.float16)

    def bfloat16(self):
        return self.to(dtype=_dt.bfloat16)

    def long(self):
        return self.to(dtype=_dt.int64)

    def int(self):  # noqa: A003
        return self.to(dtype=_dt.int32)

    def short(self):
        return self.to(dtype=_dt.int16)

    def char(self):
        return self.to(dtype=_dt.int8)

    def byte(self):
        return self.to(dtype=_dt.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        arr = np.asarray(lengths._data)
    else:
        arr = np.asarray(lengths)
    return arr.astype(np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch (T, B, *) (or (B, T, *) with ``batch_first``)."""
    lens = _lengths_array(lengths)
    if enforce_sorted:
        if len(lens) > 1 and np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    B = input.shape[0] if batch_first else input.shape[1]
    T = input.shape[1] if batch_first else input.shape[0]
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={B})")
    if len(lens) and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if len(lens) and lens[0] > T:
        raise RuntimeError(f"Expected sequence length to be smaller or equal to {T} but got "
                           f"{lens[0]}")
    rows, bsz = _packed_rows(lens, batch_first, T, B)
    data = apply(PackPadded, input, rows=rows)
    return PackedSequence(data, _long(bsz), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Pads a PackedSequence back to (T, B, *); returns (padded, lengths)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes
    bs = np.asarray(batch_sizes._data, dtype=np.int64)
    T = len(bs)
    B = int(bs[0]) if T else 0
    if total_length is not None:
        if total_length < T:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being {T}")
        Tout = total_length
    else:
        Tout = T
    lens = (bs[None, :] > np.arange(B)[:, None]).sum(1) if B else np.zeros(0, np.int64)
    rows, _ = _packed_rows(lens, batch_first, Tout, B)
    trail = tuple(data.shape[1:])
    shape = (B, Tout) + trail if batch_first else (Tout, B) + trail
    padded = apply(PadPacked, data, rows=rows, shape=shape, value=float(padding_value))
    lengths = lens.astype(np.int64)
    ui = sequence.unsorted_indices
    if ui is not None:
        padded = padded.index_select(0 if batch_first else 1, ui)
        lengths = lengths[np.asarray(ui._data)]
    return padded, _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks a list of (L_i, *) tensors into (max L, B, *) (or (B, max L, *))."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    return apply(PadSequence, *sequences, batch_first=bool(batch_first),
                 value=float(padding_value), left=padding_side == "left")


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences of a padded batch."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of variable-length tensors."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors of a PackedSequence (inverse of pack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
