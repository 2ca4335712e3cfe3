"""Embedding kernels (``ember.nn.functional``): embedding, embedding_bag, one_hot.

``embedding`` is one op (a row gather); its backward is ``embedding_dense_backward``, a
sorted segment-sum of the gradient rows into the table (no gradient to ``padding_idx``,
optionally divided by each index's frequency), whose own backward is the gather again,
so double backward works.  ``embedding_bag`` composes the gather with an ``index_add``
(sum/mean) or an ``amax`` scatter (max) over the bags.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..dtypes import np_is_floating
from .registry import Op, apply

__all__ = ["embedding", "embedding_bag", "one_hot"]

_make = Tensor._make


def _check_indices(indices, fn="embedding"):
    dt = indices._data.dtype
    if dt != np.int64 and dt != np.int32:
        from .registry import _type_name
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got torch.{_type_name(indices._dtype)}Tensor instead "
            f"(while checking arguments for {fn})")


def _grad_weights(idx, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """Per-index factor of the weight gradient (0 at padding_idx, 1/freq if scaling)."""
    if padding_idx < 0 and not scale_grad_by_freq:
        return None
    f = np.ones(idx.shape, dtype)
    if scale_grad_by_freq:
        counts = np.bincount(idx, minlength=num_weights)
        f /= counts[idx].astype(dtype)
    if padding_idx >= 0:
        f[idx == padding_idx] = 0
    return f


def _segment_sum(rows, idx, num):
    """out[k] = sum of rows[i] with idx[i] == k (out has ``num`` rows)."""
    out = np.zeros((num,) + rows.shape[1:], rows.dtype)
    if idx.size == 0:
        return out
    if idx.size <= 2 * num or rows.ndim == 1:
        np.add.at(out, idx, rows)
        return out
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    out[s[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


class Embedding(Op):
    name = "embedding"
    _bw_name = "EmbeddingBackward0"

    def forward(self, w, idx, padding_idx=-1, scale_grad_by_freq=False):
        self.p = (idx, padding_idx, scale_grad_by_freq)
        return np.take(w, idx, axis=0)

    def backward(self, g):
        idx, padding_idx, scale = self.p
        return apply(EmbeddingBackward, g, idx=idx, num_weights=self._in_meta[0][0][0],
                     padding_idx=padding_idx, scale_grad_by_freq=scale), None


class EmbeddingBackward(Op):
    name = "embedding_dense_backward"

    def forward(self, g, idx, num_weights, padding_idx, scale_grad_by_freq):
        flat = idx.reshape(-1)
        d = g.shape[idx.ndim:]
        g2 = g.reshape((flat.size,) + d)
        f = _grad_weights(flat, num_weights, padding_idx, scale_grad_by_freq, g.dtype)
        self.p = (flat, f, idx.shape)
        if f is not None:
            g2 = g2 * f.reshape((-1,) + (1,) * len(d))
        return _segment_sum(g2, flat, num_weights)

    def backward(self, gg):
        flat, f, ishape = self.p
        r = apply(Embedding, gg, _make(flat, gg._device))
        if f is not None:
            r = r * _make(f.reshape((-1,) + (1,) * (r.ndim - 1)), gg._device)
        return (r.reshape(ishape + tuple(gg.shape[1:])),)


def _renorm_(weight, idx, max_norm, norm_type) -> None:
    """``embedding_renorm_``: rows used by ``idx`` with norm > max_norm scaled in place."""
    w = weight._data
    rows = np.unique(idx)
    if rows.size == 0:
        return
    sub = w[rows].astype(np.float64) if w.dtype != np.float64 else w[rows]
    if norm_type == float("inf"):
        norms = np.abs(sub).max(axis=1)
    elif norm_type == 0:
        norms = (sub != 0).sum(axis=1).astype(sub.dtype)
    else:
        norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = max_norm / (norms[big] + 1e-7)
        w[rows[big]] = (sub[big] * scale[:, None]).astype(w.dtype)
        weight._bump()


def _padding_idx(padding_idx, n):
    if padding_idx is None:
        return -1
    if padding_idx > 0:
        if padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = n + padding_idx
    return padding_idx


def _check_range(idx, n):
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    n = weight._data.shape[0]
    padding_idx = _padding_idx(padding_idx, n)
    _check_indices(input)
    idx = input._data
    _check_range(idx, n)
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return apply(Embedding, weight, input, padding_idx=padding_idx,
                 scale_grad_by_freq=bool(scale_grad_by_freq))


# --- embedding_bag --------------------------------------------------------------------------

def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    from .creation import zeros
    from .indexing import index_add, scatter_reduce
    if weight._data.dtype == np.int64 and np_is_floating(input._data.dtype):
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and tuple(input.shape) != tuple(psw.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({psw.shape}) is not None, then it must "
            f"have the same shape as the input ({input.shape})")
    if weight._data.ndim != 2:
        raise ValueError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight._data.ndim}")
    nd = input._data.ndim
    if nd == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}")
        bsz, ln = input._data.shape
        off = np.arange(0, bsz * ln, ln) if ln else np.zeros(bsz, np.int64)
        include_last_offset = False
        input = input.reshape(-1)
        if psw is not None:
            psw = psw.reshape(-1)
    elif nd == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets._data.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = offsets._data
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {nd}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    _check_indices(input, "embedding_bag")
    idx = input._data
    n, dim = weight._data.shape
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    _check_range(idx, n)
    off = np.asarray(off, np.int64)
    if off.size and off[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {int(off[0])}")
    total = idx.size
    if include_last_offset:
        if off.size < 1:
            raise RuntimeError("include_last_offset: number of offsets should be at least 1")
        nbags = off.size - 1
        end = int(off[-1]) if off.size else total
        starts = off[:-1]
    else:
        nbags = off.size
        end = total
        starts = off
    pos = np.arange(total)
    seg = np.searchsorted(starts, pos, side="right") - 1
    pidx = _padding_idx(padding_idx, n)
    valid = (pos < end) & (seg >= 0)
    if pidx >= 0:
        valid &= idx != pidx
    sel = np.flatnonzero(valid)
    seg_v = seg[sel]
    idx_v = idx[sel]
    dev = weight._device
    emb = apply(Embedding, weight, _make(idx_v, dev), padding_idx=-1,
                scale_grad_by_freq=bool(scale_grad_by_freq) and mode != "max")
    out0 = zeros((nbags, dim), dtype=weight.dtype, device=dev)
    if mode == "max":
        index = _make(np.broadcast_to(seg_v[:, None], (seg_v.size, dim)).copy(), dev)
        return scatter_reduce(out0, 0, index, emb, "amax", include_self=False)
    if psw is not None:
        emb = emb * psw.reshape(-1)[_make(sel, dev)].unsqueeze(1)
    if mode == "mean":
        counts = np.bincount(seg_v, minlength=nbags)
        f = 1.0 / np.maximum(counts, 1)[seg_v]
        emb = emb * _make(f.astype(weight._data.dtype)[:, None], dev)
    return index_add(out0, 0, _make(seg_v, dev), emb)


# --- one_hot ---------------------------------------------------------------------------------

def one_hot(tensor, num_classes=-1):
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(a.shape + (num_classes,), np.int64)
    if a.size:
        np.put_along_axis(out, a[..., None], 1, axis=-1)
    return _make(out, tensor._device)
