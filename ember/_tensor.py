"""``ember.Tensor``: an array on a device plus autograd metadata.

The array (NumPy on CPU, CuPy on CUDA) is the storage; views are array views that
share it, and share the base's version counter (NOTE [saved tensors] in
autograd/graph.py).  Math methods are bound onto the class by the op modules
(``ember/ops/*``), so this file holds only what is intrinsic to a tensor.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import dtypes as _dt
from .autograd.grad_mode import _Mode
from .autograd.graph import AccumulateGrad, RemovableHandle, VersionCounter
from .device import CPU, device

_BY_NP = _dt._BY_NP
_new = object.__new__


class Size(tuple):
    """A tensor shape (``torch.Size``): a tuple of ints with ``numel()``."""

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


class TensorHooks:
    """Extension points of ``Tensor`` for a tracer (``ember.jit``); part of the hook API
    (NOTE [hook API] in ``ember/ops/registry.py``).  Each slot is None (the fast path: one
    check) or a function; whoever sets one restores the previous value when done.

    - ``size(tensor, dim)``: what ``tensor.size(dim)`` returns (``dim`` is None for
      ``size()`` and ``.shape``), e.g. ints that remember which size they came from;
    - ``convert(tensor, what)``: called once before ``tensor`` becomes a Python value,
      ``what`` naming the entry point (``"item"``, ``"__bool__"``, ``"__int__"``,
      ``"__float__"``, ``"__index__"``, ``"tolist"``, ``"numpy"``).
    """

    size = None
    convert = None


class Tensor:
    """A multi-dimensional array with autograd, mirroring ``torch.Tensor``.

    ``size()`` / ``.shape`` and the conversions to Python values consult ``TensorHooks``
    (the tracer's extension points)."""

    __slots__ = ("_data", "_dtype", "_device", "_requires_grad", "grad", "_grad_fn",
                 "_output_nr", "_vcnt", "_base", "_view_src", "_grad_acc", "_retains_grad",
                 "_post_acc_hooks", "_backward_hooks", "__dict__", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer to our reflected operators
    __array_priority__ = 1000
    _is_param = False

    def __new__(cls, *args, **kwargs):
        if cls is Tensor and args and not kwargs:
            # legacy constructor: ember.Tensor([1, 2]) / ember.Tensor(2, 3)
            from .ops.creation import empty, tensor
            if all(isinstance(a, int) for a in args):
                return empty(*args)
            return tensor(args[0], dtype=_dt.get_default_dtype())
        t = _new(cls)
        Tensor._init(t, np.empty(0, dtype=_dt.get_default_dtype().np), CPU)
        return t

    def __init__(self, *args, **kwargs) -> None:
        pass

    @staticmethod
    def _init(t, arr, dev) -> None:
        t._data = arr
        t._dtype = _BY_NP[arr.dtype]
        t._device = dev
        t._requires_grad = False
        t.grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._vcnt = None
        t._base = None
        t._view_src = None
        t._grad_acc = None
        t._retains_grad = False
        t._post_acc_hooks = None
        t._backward_hooks = None

    @classmethod
    def _make(cls, arr, dev=CPU):
        """Wrap a backend array (internal; the array must already be a real ndarray)."""
        t = _new(Tensor)
        t._data = arr
        t._dtype = _BY_NP[arr.dtype]
        t._device = dev
        t._requires_grad = False
        t.grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._vcnt = None
        t._base = None
        t._view_src = None
        t._grad_acc = None
        t._retains_grad = False
        t._post_acc_hooks = None
        t._backward_hooks = None
        return t

    # --- intrinsic attributes ---------------------------------------------------------
    @property
    def shape(self) -> Size:
        h = TensorHooks.size
        if h is not None:
            return h(self, None)
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        h = TensorHooks.size
        if h is not None:
            return h(self, dim)
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> _dt.dtype:
        return self._dtype

    @property
    def device(self) -> device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    @property
    def layout(self) -> str:
        return "ember.strided"

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return self._dtype.is_complex

    def is_signed(self) -> bool:
        return self._dtype.is_signed

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.size * self._dtype.itemsize

    def get_device(self) -> int:
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    def stride(self, dim: int | None = None):
        item = self._data.itemsize
        st = tuple(s // item for s in self._data.strides)
        if self._data.size == 0 or self._data.ndim == 0:
            st = _contiguous_strides(self._data.shape)
        if dim is None:
            return st
        return st[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        arr = self._data
        owner = arr
        while owner.base is not None and isinstance(owner.base, np.ndarray):
            owner = owner.base
        if owner is arr:
            return 0
        return (arr.__array_interface__["data"][0] - owner.__array_interface__["data"][0]) \
            // arr.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    # --- autograd attributes ----------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with views)."""
        return 0 if self._vcnt is None else self._vcnt.v

    def _vc(self) -> VersionCounter:
        vc = self._vcnt
        if vc is None:
            vc = self._vcnt = VersionCounter()
        return vc

    def _bump(self) -> None:
        vc = self._vcnt
        if vc is None:
            vc = self._vcnt = VersionCounter()
        vc.v += 1

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def is_inference(self) -> bool:
        return False

    def _accumulator(self) -> AccumulateGrad:
        ref = self._grad_acc
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._grad_acc = weakref.ref(acc)
        return acc

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, outside autograd (own version counter)."""
        t = Tensor._make(self._data, self._device)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if value.shape != self.shape or value._dtype is not self._dtype:
            pass  # torch allows changing shape/dtype through .data; so do we
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    def retain_grad(self) -> None:
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return  # leaves always keep their grad
        if self._retains_grad:
            return
        fn = self._grad_fn
        retain = fn._retain
        if retain is None:
            retain = fn._retain = {}
        retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """Registers ``hook(grad) -> Tensor | None`` to run when this tensor's gradient is
        computed; returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_pre_hook(self._output_nr, hook)
        acc = self._accumulator()
        self._backward_hooks = acc  # keep the accumulator (and its hooks) alive
        return acc._add_pre_hook(0, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        hooks = self._post_acc_hooks
        if hooks is None:
            hooks = self._post_acc_hooks = {}
        h = RemovableHandle(hooks)
        hooks[h.id] = hook
        return h

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor w.r.t. graph leaves (``torch.Tensor.backward``)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A new tensor sharing memory and version counter, cut from the graph."""
        t = Tensor._make(self._data, self._device)
        t._vcnt = self._vc()
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad and _Mode.grad_enabled:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    # --- conversions ------------------------------------------------------------------
    def item(self):
        h = TensorHooks.convert
        if h is not None:
            h(self, "item")
        return _item(self)

    def tolist(self):
        h = TensorHooks.convert
        if h is not None:
            h(self, "tolist")
        if self._dtype is _dt.bfloat16 or self._dtype is _dt.float16:
            return self._np().astype(np.float64 if self._dtype is _dt.bfloat16 else np.float16
                                     ).tolist()
        return self._np().tolist()

    def _np(self) -> np.ndarray:
        return self._data if self._device.type == "cpu" else np.asarray(self._data.get())

    def numpy(self, *, force: bool = False) -> np.ndarray:
        h = TensorHooks.convert
        if h is not None:
            h(self, "numpy")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self._device} device type tensor to numpy. Use "
                    "Tensor.cpu() to copy the tensor to host memory first.")
            return self._np()
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self._np()
        if dtype is not None:
            arr = arr.astype(dtype)
        return arr

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        h = TensorHooks.convert
        if h is not None:
            h(self, "__bool__")
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        h = TensorHooks.convert
        if h is not None:
            h(self, "__float__")
        v = _item(self)
        try:
            return float(v)
        except TypeError:
            return _complex_to_real(v, float, "double")

    def __int__(self) -> int:
        h = TensorHooks.convert
        if h is not None:
            h(self, "__int__")
        v = _item(self)
        try:
            return int(v)
        except TypeError:
            return _complex_to_real(v, int, "int64_t")

    def __index__(self) -> int:
        h = TensorHooks.convert
        if h is not None:
            h(self, "__index__")
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(_item(self))

    def __complex__(self) -> complex:
        return complex(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        if id(self) in memo:
            return memo[id(self)]
        import copy
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._device)
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        from .serialization import _rebuild_tensor_pickle
        return (_rebuild_tensor_pickle,
                (self._np(), str(self._device), self._requires_grad, type(self)))

    def __dlpack__(self, stream=None):
        return self._data.__dlpack__()

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()


def _complex_to_real(v, kind, cname):
    """torch's ``float``/``int`` of a complex scalar: the real part when the imaginary part is
    zero, else RuntimeError."""
    if isinstance(v, complex) and v.imag == 0:
        return kind(v.real)
    raise RuntimeError(f"value cannot be converted to type {cname} without overflow")


def _item(self: Tensor):
    """``Tensor.item`` without the conversion hook (for the other conversions)."""
    if self._data.size != 1:
        raise RuntimeError(
            f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
    return self._data.reshape(()).item() if self._dtype is not _dt.bfloat16 \
        else float(self._data.reshape(()))


def _contiguous_strides(shape) -> tuple:
    st = []
    acc = 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim
