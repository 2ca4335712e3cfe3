"""dtype / device conversions and tensor-construction methods.

``Tensor.to`` and the dtype shorthands (``float()``, ``long()``...) run the ``ToCopy``
op (torch's ``_to_copy``): a differentiable cast whose gradient is cast back to the
input's dtype.  As in torch, they return ``self`` when nothing would change (unless
``copy=True``).  ``copy_`` writes a broadcast, cast copy of ``src`` into ``self`` through
``apply_inplace``, so autograd and version counters see it.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from .._tensor_str import get_printoptions, printoptions, set_printoptions
from ..device import device as _device
from . import creation as _C
from .registry import _TYPE_NAMES, Op, apply, apply_inplace

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]

_dtype = _dt.dtype


def _cast(arr, npdt):
    if arr.dtype == npdt:
        return arr.copy()
    if arr.dtype.kind == "c" and npdt.kind != "c":
        # torch discards the imaginary part, with a warning (not when autograd's engine
        # gives a real input the real part of its complex gradient)
        if not _in_engine():
            warnings.warn("Casting complex values to real discards the imaginary part",
                          UserWarning, stacklevel=4)
        arr = arr.real
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return arr.astype(npdt)


def _in_engine() -> bool:
    """Whether autograd's engine (casting a gradient to its input's dtype) is the caller."""
    f = sys._getframe(2)
    for _ in range(10):
        if f is None:
            return False
        if f.f_code.co_name == "_check_grad" and \
                f.f_globals.get("__name__") == "ember.autograd.engine":
            return True
        f = f.f_back
    return False


class ToCopy(Op):
    """``_to_copy``: a copy with a new dtype (and/or device)."""

    name = "_to_copy"
    _bw_name = "ToCopyBackward0"

    def forward(self, x, dtype=None):
        return _cast(x, dtype.np if dtype is not None else x.dtype)

    def backward(self, g):
        dt = self._in_meta[0][1]
        if g._dtype is dt:
            return (g,)
        if g._dtype.is_complex and not dt.is_complex:  # real -> complex: grad's real part
            g = g.real
        return (_to_copy(g, dt),)


def _to_copy(t: Tensor, dtype: _dtype | None, dev=None) -> Tensor:
    out = apply(ToCopy, t, dtype=dtype)
    if dev is not None and dev != t._device:
        # no second backend exists yet: _C._dev raised already for CUDA without a GPU
        out._device = dev
    return out


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    non_blocking = kwargs.pop("non_blocking", False)
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected "
                        f"keyword argument '{next(iter(kwargs))}'")
    flags = []
    for a in args:
        if isinstance(a, Tensor):
            dtype, dev = a._dtype, a._device
        elif isinstance(a, _dtype):
            dtype = a
        elif isinstance(a, bool):
            flags.append(a)
        elif isinstance(a, (str, _device, int)):
            dev = a
        elif a is None:
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({a.__class__.__name__})")
    if flags:
        non_blocking = flags[0]
        if len(flags) > 1:
            copy = flags[1]
    return dtype, dev, non_blocking, copy


def to(self, *args, **kwargs) -> Tensor:
    """``Tensor.to(dtype | device | other, non_blocking=False, copy=False)``."""
    dtype, dev, _nb, copy = _parse_to(args, kwargs)
    if dev is not None:
        dev = _C._dev(dev)
        if dev == self._device:
            dev = None
    if dtype is self._dtype:
        dtype = None
    if dtype is None and dev is None and not copy:
        return self
    return _to_copy(self, dtype if dtype is not None else self._dtype, dev)


def _caster(dt):
    def cast(self, memory_format=None):
        if self._dtype is dt:
            return self
        return _to_copy(self, dt)
    cast.__name__ = dt.name
    return cast


def type_as(self, other) -> Tensor:
    return to(self, other._dtype)


def contiguous(self, memory_format=None) -> Tensor:
    if self._data.flags.c_contiguous:
        return self
    return apply(_C.Clone, self)


def cpu(self, memory_format=None) -> Tensor:
    return self if self._device.type == "cpu" else to(self, "cpu")


def cuda(self, device=None, non_blocking=False, memory_format=None) -> Tensor:
    if device is None:
        dev = _device("cuda")
    elif isinstance(device, int):
        dev = _device("cuda", device)
    else:
        dev = _device(device)
    return to(self, dev, non_blocking=non_blocking)


_NAME_TO_DTYPE = {v: _dt._BY_NAME[k] for k, v in _TYPE_NAMES.items()}


def type_string(t: Tensor) -> str:
    cuda_part = "cuda." if t._device.type == "cuda" else ""
    return f"ember.{cuda_part}{_TYPE_NAMES[t._dtype.name]}Tensor"


def type(self, dtype=None, non_blocking=False, **kwargs):  # noqa: A001
    """``type()`` -> 'ember.FloatTensor'; ``type(dtype or type string)`` -> cast tensor."""
    if dtype is None:
        return type_string(self)
    if isinstance(dtype, str):
        name = dtype
        for prefix in ("ember.", "torch."):
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        dev = None
        if name.startswith("cuda."):
            name, dev = name[5:], "cuda"
        if not name.endswith("Tensor") or name[:-6] not in _NAME_TO_DTYPE:
            raise ValueError(f"invalid type: '{dtype}'")
        dt = _NAME_TO_DTYPE[name[:-6]]
        if dev is None and self._device.type == "cuda":
            dev = "cpu"
        return to(self, dt, device=dev) if dev is not None else to(self, dt)
    if isinstance(dtype, _dtype):
        return to(self, dtype)
    raise TypeError(f"type() got an invalid dtype argument of type {dtype.__class__.__name__}")


class Copy(Op):
    """``copy_``: self's values replaced by ``src`` broadcast and cast to self's dtype."""

    name = "copy_"
    _bw_name = "CopyBackwards"

    def forward(self, dst, src):
        if src.shape != dst.shape:
            try:
                src = np.broadcast_to(src, dst.shape)
            except ValueError:
                raise RuntimeError(
                    f"The size of tensor a ({dst.shape[-1] if dst.ndim else 1}) must match the "
                    f"size of tensor b ({src.shape[-1] if src.ndim else 1}) at non-singleton "
                    "dimension") from None
        return _cast(src, dst.dtype)

    def backward(self, g):
        gs = None
        gd = None
        if self.next_functions[0][0] is not None:
            gd = _C.zeros_like(g)
        if self.next_functions[1][0] is not None:
            gs = g
        return gd, gs


def copy_(self, src, non_blocking=False) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{src.__class__.__name__}")
    if src._device is not self._device:
        src = to(src, self._device)
    return apply_inplace(Copy, self, src)


def _size_args(size):
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        return tuple(size[0])
    return tuple(size)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    return _C.tensor(data, dtype=dtype or self._dtype,
                     device=device if device is not None else self._device,
                     requires_grad=requires_grad)


def _new_factory(fn):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
        return fn(_size_args(size), dtype=dtype or self._dtype,
                  device=device if device is not None else self._device,
                  requires_grad=requires_grad)
    new.__name__ = "new_" + fn.__name__
    return new


new_zeros = _new_factory(_C.zeros)
new_ones = _new_factory(_C.ones)
new_empty = _new_factory(_C.empty)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False) -> Tensor:
    return _C.full(tuple(size), fill_value, dtype=dtype or self._dtype,
                   device=device if device is not None else self._device,
                   requires_grad=requires_grad)


def is_pinned(self, device=None) -> bool:
    return False


def pin_memory(self, device=None) -> Tensor:
    return self


def share_memory_(self) -> Tensor:
    return self


def is_shared(self) -> bool:
    return False


# --- bind ------------------------------------------------------------------------------------
Tensor.to = to
Tensor.float = _caster(_dt.float32)
Tensor.double = _caster(_dt.float64)
Tensor.half = _caster(_dt.float16)
Tensor.bfloat16 = _caster(_dt.bfloat16)
Tensor.long = _caster(_dt.int64)
Tensor.int = _caster(_dt.int32)
Tensor.short = _caster(_dt.int16)
Tensor.char = _caster(_dt.int8)
Tensor.byte = _caster(_dt.uint8)
Tensor.bool = _caster(_dt.bool_)
Tensor.cfloat = _caster(_dt.complex64)
Tensor.cdouble = _caster(_dt.complex128)
Tensor.type_as = type_as
Tensor.contiguous = contiguous
Tensor.cpu = cpu
Tensor.cuda = cuda
Tensor.type = type
Tensor.copy_ = copy_
Tensor.new_tensor = new_tensor
Tensor.new_zeros = new_zeros
Tensor.new_ones = new_ones
Tensor.new_empty = new_empty
Tensor.new_full = new_full
Tensor.is_pinned = is_pinned
Tensor.pin_memory = pin_memory
Tensor.share_memory_ = share_memory_
Tensor.is_shared = is_shared
