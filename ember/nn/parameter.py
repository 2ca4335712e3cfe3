"""``Parameter``, ``Buffer`` and ``UninitializedParameter`` (torch.nn.parameter).

A ``Parameter`` is a ``Tensor`` subclass that shares the array (and version counter) of
the tensor it wraps and is always a graph leaf.  Ops on parameters return plain
``Tensor`` objects (``Tensor._make`` always builds the base class).  A ``Buffer`` is a
plain tensor marked so that assigning it to a module attribute registers a buffer.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..device import CPU

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]

_new = object.__new__


def _wrap(cls, data, requires_grad):
    t = _new(cls)
    Tensor._init(t, data._data, data._device)
    t._vcnt = data._vc()
    if requires_grad:
        t.requires_grad_(True)
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter (``torch.nn.Parameter``)."""

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{data.__class__.__name__}")
        return _wrap(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True) -> None:
        pass

    @classmethod
    def _from_tensor(cls, t):
        return _wrap(cls, t, False)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        import copy

        from ..ops.creation import clone_tensor
        result = type(self)(clone_tensor(self.detach()), self._requires_grad)
        if self.grad is not None:
            result.grad = copy.deepcopy(self.grad, memo)
        if self.__dict__:
            result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = result
        return result


class _BufferMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a buffer: ``module.x = Buffer(t)`` registers ``x`` as a buffer
    (``persistent=False`` keeps it out of the ``state_dict``).  Returns a plain tensor."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach()
        if data._requires_grad:
            t.requires_grad_(True)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedTensorMixin:
    """Shared behaviour of the uninitialized (lazy) parameter and buffer."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocates the array with ``shape`` and turns into ``cls_to_become``."""
        from ..ops.creation import _dev, empty
        if device is None:
            device = self._device
        if dtype is None:
            dtype = self._dtype
        if isinstance(shape, int):
            shape = (shape,)
        t = empty(tuple(shape), dtype=dtype, device=_dev(device))
        self._data = t._data
        self._dtype = t._dtype
        self._device = t._device
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the "
            "parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<class 'ember.nn.parameter.{self.__class__.__name__}'>"

    def __reduce_ex__(self, proto):
        return (self.__class__, (self._requires_grad,))


def is_lazy(param) -> bool:
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (``LazyLinear``...)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops.creation import _dev
        dt = dtype if dtype is not None else _dt.get_default_dtype()
        t = _new(cls)
        Tensor._init(t, np.empty(0, dtype=dt.np), _dev(device) if device is not None else CPU)
        t._requires_grad = bool(requires_grad)
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None) -> None:
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self._requires_grad, self._device, self._dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from ..ops.creation import _dev
        dt = dtype if dtype is not None else _dt.get_default_dtype()
        t = _new(cls)
        Tensor._init(t, np.empty(0, dtype=dt.np), _dev(device) if device is not None else CPU)
        t._requires_grad = bool(requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t

    def __init__(self, *a, **k) -> None:
        pass
