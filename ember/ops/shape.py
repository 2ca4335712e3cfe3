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


class ShapeHooks:
    """Extension points of the shape ops for a tracer (``ember.jit``); part of the hook
    API (NOTE [hook API] in ``ember/ops/registry.py``).  Each slot is None (the fast
    path: one check) or a function; whoever sets one restores the previous value.

    - ``size_args(size)``: reads the size arguments of ``view``/``reshape``/``expand``/
      ``permute``... (the ``*size`` tuple as passed) into a tuple, e.g. keeping ints that
      remember where they came from (``x.size(0)``) instead of converting them;
    - ``reshape(input, sizes)``: asked first by ``reshape`` (and ``flatten``), with the
      sizes as ``size_args`` read them (``-1`` unresolved); returns the result, or None
      to let ``reshape`` resolve the sizes itself.  While it is set, ``flatten`` passes
      the sizes it keeps as read through ``Tensor.size()`` and the flattened one as -1.
    """

    size_args = None
    reshape = None


def _size_args(size) -> tuple:
    h = ShapeHooks.size_args
    if h is not None:
        return h(size)
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
    sizes = _size_args(shape)
    h = ShapeHooks.reshape
    if h is not None:
        r = h(input, sizes)
        if r is not None:
            return r
    shape = _infer_size(sizes, input._data.size)
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
    out._vcnt = input._vc()
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
Tensor.mH = property(lambda self: _mT(self).conj() if self._dtype.is_complex else _mT(self))


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


def _view_of(arr, shape, strides, offset=0):
    """A writeable-as-``arr`` view with element ``strides`` starting ``offset`` elements
    after ``arr``'s first element (diagonal/unfold/as_strided)."""
    item = arr.itemsize
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    bst = tuple(int(s) * item for s in strides)
    shape = tuple(int(s) for s in shape)
    try:
        out = np.ndarray(shape, arr.dtype, buffer=root,
                         offset=arr.ctypes.data - root.ctypes.data + offset * item, strides=bst)
    except (TypeError, ValueError, BufferError):
        out = np.lib.stride_tricks.as_strided(arr[...] if offset == 0 else arr.reshape(-1)[offset:],
                                              shape, bst, writeable=arr.flags.writeable)
    if not arr.flags.writeable and out.flags.writeable:
        out.flags.writeable = False
    return out


# --- flatten / unflatten / view_as ------------------------------------------------------------

def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    nd = len(shape)
    if nd == 0:
        return reshape(input, 1)
    s = _wrap_dim(start_dim, nd)
    e = _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    if ShapeHooks.reshape is not None and input._data.size:
        sizes = input.size()
        return reshape(input, tuple(sizes[:s]) + (-1,) + tuple(sizes[e + 1:]))
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(x) for x in sizes)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_size(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor") from None
    return view(input, shape[:d] + sizes + shape[d + 1:]) if _viewable(
        input, shape[:d] + sizes + shape[d + 1:]) else reshape(input, shape[:d] + sizes +
                                                                 shape[d + 1:])


def _viewable(input, shape) -> bool:
    try:
        input._data.reshape(shape, copy=False)
        return True
    except ValueError:
        return False


def view_as(input, other):
    return view(input, tuple(other.shape))


# --- movedim ------------------------------------------------------------------------------------

def movedim(input, source, destination):
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [_wrap_dim(d, nd) for d in src]
    dst = [_wrap_dim(d, nd) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order = [d for d in range(nd) if d not in src]
    perm = [None] * nd
    for s_, d_ in zip(src, dst):
        perm[d_] = s_
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return apply(Permute, input, dims=tuple(perm))


moveaxis = movedim


# --- diagonal -------------------------------------------------------------------------------------

def _diag_geom(shape, strides, offset, d1, d2):
    n1, n2 = shape[d1], shape[d2]
    if offset >= 0:
        n = max(min(n1, n2 - offset), 0)
        start = offset * strides[d2] if n else 0
    else:
        n = max(min(n1 + offset, n2), 0)
        start = -offset * strides[d1] if n else 0
    keep = [i for i in range(len(shape)) if i != d1 and i != d2]
    return ([shape[i] for i in keep] + [n], [strides[i] for i in keep] +
            [strides[d1] + strides[d2]], start)


def _diag_view(a, offset, d1, d2):
    shp, st, start = _diag_geom(a.shape, _estrides(a), offset, d1, d2)
    return _view_of(a, shp, st, start)


class Diagonal(Op):
    name = "diagonal"
    is_view = True

    def forward(self, a, offset, dim1, dim2):
        self.p = (offset, dim1, dim2)
        return _diag_view(a, offset, dim1, dim2)

    def backward(self, g):
        return (apply(DiagonalBackward, g, shape=self._in_meta[0][0], p=self.p),)


class DiagonalBackward(Op):
    name = "diagonal_backward"

    def forward(self, g, shape, p):
        self.p = p
        out = np.zeros(shape, dtype=g.dtype)
        _diag_view(out, *p)[...] = g
        return out

    def backward(self, gg):
        return (apply(Diagonal, gg, offset=self.p[0], dim1=self.p[1], dim2=self.p[2]),)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(Diagonal, input, offset=int(offset), dim1=d1, dim2=d2)


# --- unfold / as_strided -------------------------------------------------------------------------

class _StorageMap(Op):
    """``zeros(n).index_add_(0, src_idx, x)[dst_idx]``: the linear map behind as_strided's
    and unfold's gradients (its own adjoint with the index roles swapped)."""

    name = "storage_map"
    _bw_name = "AsStridedBackward0"

    def forward(self, x, src_idx, dst_idx, n):
        self.p = (src_idx, dst_idx, n)
        buf = np.zeros(n, dtype=x.dtype)
        np.add.at(buf, src_idx.reshape(-1), x.reshape(-1))
        return buf[dst_idx]

    def backward(self, g):
        src_idx, dst_idx, n = self.p
        return (apply(_StorageMap, g, src_idx=dst_idx, dst_idx=src_idx, n=n),)


def _elem_index(shape, strides, offset):
    idx = np.full(tuple(shape), offset, dtype=np.int64)
    for i, (n, s) in enumerate(zip(shape, strides)):
        sh = [1] * len(shape)
        sh[i] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(sh)
    return idx


class AsStrided(Op):
    name = "as_strided"
    is_view = True

    def forward(self, a, size, stride, storage_offset, in_geom, name="AsStridedBackward0"):
        self._bw_name = name
        self.geom = (size, stride, storage_offset, in_geom)
        return _view_of(a, size, stride, storage_offset - in_geom[2])

    def backward(self, g):
        size, stride, off, (ishape, istride, ioff) = self.geom
        out_idx = _elem_index(size, stride, off)
        in_idx = _elem_index(ishape, istride, ioff)
        n = int(max(out_idx.max(initial=0), in_idx.max(initial=0))) + 1
        return (apply(_StorageMap, g, src_idx=out_idx, dst_idx=in_idx, n=n),)


def as_strided(input, size, stride, storage_offset=None):
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    for s in stride:
        if s < 0:
            raise RuntimeError("as_strided: Negative strides are not supported at the moment, "
                               f"got strides: {list(stride)}")
    base_off = input.storage_offset()
    off = base_off if storage_offset is None else int(storage_offset)
    geom = (input._data.shape, input.stride(), base_off)
    root = input._data
    while isinstance(root.base, np.ndarray):
        root = root.base
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > root.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {off}, and itemsize {input._data.itemsize} requiring a "
                           f"storage size of {need * input._data.itemsize} are out of bounds "
                           f"for storage of size {root.nbytes}")
    return apply(AsStrided, input, size=size, stride=stride, storage_offset=off, in_geom=geom)


class Unfold(Op):
    name = "unfold"
    is_view = True

    def forward(self, a, dimension, size, step):
        self.p = (a.shape, dimension, size, step)
        st = _estrides(a)
        if a.ndim == 0:
            return _view_of(a, (size,), (1,), 0)
        shp = list(a.shape)
        n = (shp[dimension] - size) // step + 1
        shp[dimension] = n
        nst = list(st)
        nst[dimension] = st[dimension] * step
        return _view_of(a, shp + [size], nst + [st[dimension]], 0)

    def backward(self, g):
        return (apply(UnfoldBackward, g, p=self.p),)


class UnfoldBackward(Op):
    name = "unfold_backward"

    def forward(self, g, p):
        self.p = p
        shape, dim, size, step = p
        out = np.zeros(shape, dtype=g.dtype)
        if len(shape) == 0:
            out[...] = g.sum()
            return out
        n = g.shape[dim]
        for k in range(size):  # loop over the window, not the elements
            sl = [slice(None)] * len(shape)
            sl[dim] = slice(k, k + (n - 1) * step + 1, step)
            out[tuple(sl)] += g[..., k]
        return out

    def backward(self, gg):
        _, dim, size, step = self.p
        return (apply(Unfold, gg, dimension=dim, size=size, step=step),)


def unfold(input, dimension, size, step):
    nd = input._data.ndim
    d = _wrap_dim(dimension, nd)
    n = input._data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return apply(Unfold, input, dimension=d, size=int(size), step=int(step))


# --- split / chunk / tensor_split ----------------------------------------------------------------

def split(tensor, split_size_or_sections, dim=0):
    nd = tensor._data.ndim
    if nd == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, nd)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s < 0 or (s == 0 and n != 0):
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if n == 0:
            sizes = [0]
        else:
            sizes = [s] * (n // s) + ([n % s] if n % s else [])
    else:
        sizes = [int(x) for x in split_size_or_sections]
        if sum(sizes) != n or any(x < 0 for x in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
    out = []
    off = 0
    for s in sizes:
        out.append(narrow(tensor, d, off, s))
        off += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    size = -(-n // chunks)
    if size == 0:
        size = 1 if n == 0 else size
        if n == 0:
            return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim=0):
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist() if ios._data.ndim == 1 else int(ios.item())
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        bounds = []
        acc = 0
        for i in range(ios):
            bounds.append(acc)
            acc += q + (1 if i < r else 0)
        bounds.append(n)
    else:
        bounds = [0] + [int(i) for i in ios] + [n]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a = min(max(a + n if a < 0 else a, 0), n)
        b = min(max(b + n if b < 0 else b, 0), n)
        out.append(narrow(input, d, a, max(b - a, 0)))
    return tuple(out)


# --- in-place shape changes ---------------------------------------------------------------------

def _inplace_shape(self, r):
    from .registry import _check_inplace
    _check_inplace(self)
    self._data = r._data
    if r._grad_fn is not None:
        self._grad_fn = r._grad_fn
        self._output_nr = r._output_nr
    return self


def squeeze_(input, dim=None):
    return _inplace_shape(input, squeeze(input, dim))


def unsqueeze_(input, dim):
    return _inplace_shape(input, unsqueeze(input, dim))


def t_(input):
    return _inplace_shape(input, t(input))


def transpose_(input, dim0, dim1):
    return _inplace_shape(input, transpose(input, dim0, dim1))


__all__ = ["view", "reshape", "view_dtype", "expand", "expand_as", "broadcast_to",
           "sum_to_size", "permute", "transpose", "swapaxes", "swapdims", "t", "unsqueeze",
           "squeeze", "unbind", "narrow", "select", "flatten", "unflatten", "movedim",
           "moveaxis", "diagonal", "as_strided", "split", "chunk", "tensor_split"]

for _n in ["unsqueeze", "squeeze", "unbind", "narrow", "select", "flatten", "unflatten",
           "view_as", "movedim", "moveaxis", "diagonal", "as_strided", "unfold", "split",
           "chunk", "tensor_split", "squeeze_", "unsqueeze_", "t_", "transpose_"]:
    setattr(Tensor, _n, globals()[_n])
