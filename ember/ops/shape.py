"""Shape ops that are views of their input (``view``, ``expand``, ``permute``...) and
the reductions to a shape the engine needs for broadcasting gradients."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from .registry import Op, apply


def _infer_size(shape, numel: int) -> tuple:
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _size_args(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(int(s) for s in size)


class View(Op):
    name = "view"
    is_view = True

    def forward(self, a, shape):
        shape = _infer_size(shape, a.size)
        try:
            return a.reshape(shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    def backward(self, g):
        return (g.reshape(self._in_meta[0][0]),)


class Reshape(Op):
    """The copying branch of ``reshape`` (the viewing branch is ``View``)."""

    name = "reshape"
    _bw_name = "UnsafeViewBackward0"

    def forward(self, a, shape):
        return a.reshape(_infer_size(shape, a.size))

    def backward(self, g):
        return (g.reshape(self._in_meta[0][0]),)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        from .. import dtypes as _dt
        if isinstance(shape[0], _dt.dtype):
            return view_dtype(input, shape[0])
    return apply(View, input, shape=_size_args(shape))


def reshape(input, *shape):
    shape = _infer_size(_size_args(shape), input._data.size)
    if shape == input._data.shape:
        return apply(View, input, shape=shape)
    try:
        input._data.reshape(shape, copy=False)
    except ValueError:
        return apply(Reshape, input, shape=shape)
    return apply(View, input, shape=shape)


def view_dtype(input, dtype):
    from .._tensor import Tensor as _T
    out = _T._make(input._data.view(dtype.np), input._device)
    out._base = input if input._base is None else input._base
    out._version = input._vc()
    return out


class Expand(Op):
    name = "expand"
    is_view = True

    def forward(self, a, shape):
        nd = len(shape)
        if nd < a.ndim:
            raise RuntimeError(
                f"expand(ember.Tensor{{{list(a.shape)}}}, size={list(shape)}): the number of "
                f"sizes provided ({nd}) must be greater or equal to the number of dimensions in "
                f"the tensor ({a.ndim})")
        lead = nd - a.ndim
        full = []
        for i, s in enumerate(shape):
            if i < lead:
                if s < 0:
                    raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in "
                                       "a leading, non-existing dimension 0")
                full.append(s)
            else:
                cur = a.shape[i - lead]
                if s == -1:
                    s = cur
                if cur != s and cur != 1:
                    raise RuntimeError(
                        f"The expanded size of the tensor ({s}) must match the existing size "
                        f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(shape)}."
                        f"  Tensor sizes: {list(a.shape)}")
                full.append(s)
        return np.broadcast_to(a, tuple(full))

    def backward(self, g):
        return (sum_to_size(g, self._in_meta[0][0]),)


def expand(input, *sizes):
    return apply(Expand, input, shape=_size_args(sizes))


def expand_as(input, other):
    return apply(Expand, input, shape=tuple(other.shape))


def broadcast_to(input, size):
    return apply(Expand, input, shape=tuple(size))


class SumToSize(Op):
    name = "sum_to_size"
    _bw_name = "SumBackward1"

    def forward(self, a, shape):
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
        r = a.sum(axis=axes, keepdims=True, dtype=_acc_dtype(a)) if axes else a
        if lead:
            r = r.reshape(shape)
        return r.astype(a.dtype, copy=False)

    def backward(self, g):
        return (expand(g, self._in_meta[0][0]),)


def _acc_dtype(a):
    """Half-precision sums accumulate in float32, as torch's CPU kernels do."""
    if a.dtype.itemsize == 2 and a.dtype.kind in "fV" or a.dtype.name == "bfloat16":
        return np.float32
    return None


def sum_to_size(input, *size):
    shape = _size_args(size)
    ishape = input._data.shape
    if ishape == shape:
        return input
    lead = len(ishape) - len(shape)
    if lead < 0 or any(s != 1 and s != ishape[i + lead] for i, s in enumerate(shape)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(ishape)}}}.")
    return apply(SumToSize, input, shape=shape)


class Permute(Op):
    name = "permute"
    is_view = True

    def forward(self, a, dims):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        inv = np.argsort(self.dims)
        return (permute(g, tuple(int(i) for i in inv)),)


def permute(input, *dims):
    dims = _size_args(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(Permute, input, dims=dims)


class Transpose(Op):
    name = "transpose"
    is_view = True

    def forward(self, a, dim0, dim1):
        self.dims = (dim0, dim1)
        return a.swapaxes(dim0, dim1)

    def backward(self, g):
        return (transpose(g, *self.dims),)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return apply(Transpose, input, dim0=d0, dim1=d1)


swapaxes = swapdims = transpose


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return input if nd < 2 else transpose(input, 0, 1)


def _T(self):
    nd = self._data.ndim
    return permute(self, tuple(range(nd - 1, -1, -1))) if nd > 1 else self


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(lambda self: _T(self).conj() if self.is_complex() else _T(self))
Tensor.mH = property(lambda self: _mT(self))


# --- strides ---------------------------------------------------------------------------------

def _restride(arr, strides):
    """``arr`` with the given element ``strides`` (same memory; used to give size-1 dims
    torch's strides, which NumPy leaves as 0).  The result keeps ``arr``'s root as base so
    ``storage_offset`` stays right."""
    item = arr.itemsize
    bst = tuple(int(s) * item for s in strides)
    if bst == arr.strides or arr.size == 0:
        return arr
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    try:
        out = np.ndarray(arr.shape, arr.dtype, buffer=root,
                         offset=arr.ctypes.data - root.ctypes.data, strides=bst)
    except (TypeError, ValueError, BufferError):
        return np.lib.stride_tricks.as_strided(arr, arr.shape, bst,
                                               writeable=arr.flags.writeable)
    if not arr.flags.writeable and out.flags.writeable:
        out.flags.writeable = False
    return out


def _estrides(arr) -> list:
    item = arr.itemsize
    return [s // item for s in arr.strides]


def _dims_arg(dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(dims[0])
    return tuple(dims)


# --- unsqueeze / squeeze ------------------------------------------------------------------------

class Unsqueeze(Op):
    name = "unsqueeze"
    is_view = True

    def forward(self, a, dim):
        st = _estrides(a)
        new = 1 if dim >= a.ndim else a.shape[dim] * st[dim]
        out = np.expand_dims(a, dim)
        st.insert(dim, new)
        return _restride(out, st)

    def backward(self, g):
        return (g.reshape(self._in_meta[0][0]),)


def unsqueeze(input, dim):
    nd = input._data.ndim
    dim = _wrap_dim(dim, nd + 1)
    return apply(Unsqueeze, input, dim=dim)


class Squeeze(Op):
    name = "squeeze"
    is_view = True

    def forward(self, a, dims):
        if dims is None:
            return a.squeeze()
        dims = tuple(d for d in dims if a.shape[d] == 1)
        return a.squeeze(dims) if dims else a.view()

    def backward(self, g):
        return (g.reshape(self._in_meta[0][0]),)


def squeeze(input, dim=None):
    nd = input._data.ndim
    if dim is None:
        dims = None
    elif isinstance(dim, (tuple, list)):
        dims = tuple(sorted({_wrap_dim(d, nd) for d in dim}))
    else:
        dims = (_wrap_dim(dim, nd),)
    return apply(Squeeze, input, dims=dims)


# --- unbind -------------------------------------------------------------------------------------

class Unbind(Op):
    name = "unbind"
    is_view = True

    def forward(self, a, dim):
        n = a.shape[dim]
        self.num_outputs = n
        self.dim = dim
        pre = (slice(None),) * dim
        return tuple(a[pre + (i,)] for i in range(n))

    def backward(self, *grads):
        from .indexing import stack
        return (stack(grads, self.dim),)


def unbind(input, dim=0):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = _wrap_dim(dim, nd)
    return apply(Unbind, input, dim=dim)


# --- narrow / select ------------------------------------------------------------------------------

def narrow(input, dim, start, length):
    from .indexing import BasicIndex
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        start = int(start.item())
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if length < 0 or start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    return apply(BasicIndex, input, key=key, nones=None, bw_name="SliceBackward0")


def select(input, dim, index):
    from .indexing import BasicIndex
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    key = (slice(None),) * d + (index,)
    return apply(BasicIndex, input, key=key, nones=None, bw_name="SelectBackward0")


__all__ = ["view", "reshape", "expand", "expand_as", "broadcast_to", "sum_to_size", "permute",
           "transpose", "swapaxes", "swapdims", "t", "unsqueeze", "squeeze", "unbind", "narrow",
           "select"]

Tensor.unsqueeze = unsqueeze
Tensor.squeeze = squeeze
Tensor.unbind = unbind
Tensor.narrow = narrow
Tensor.select = select
