"""dtype objects, torch's type promotion, finfo/iinfo.

NOTE [type promotion]
PyTorch's promotion differs from NumPy's in two ways that matter:
1. Categories (bool < integer < floating) decide first; within a category, only
   tensors with ``dim > 0`` widen the result.  0-dim tensors widen only when they
   are of a higher category, and Python scalars never widen a tensor of the same
   category (``int32_tensor + 5`` stays int32, ``float16_tensor + 1.5`` stays float16).
2. Python floats meet integer tensors as the *default* dtype (float32), not float64.
``result_type`` implements torch's three-tier rule (dim tensors, 0-dim tensors,
wrapped Python numbers) and the dispatcher casts inputs to the result before the
NumPy kernel runs, so NumPy's own promotion never decides a dtype.
"""

from __future__ import annotations

import numpy as np
from ml_dtypes import bfloat16 as _np_bfloat16

__all__ = [
    "dtype", "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "int8", "int16", "int32", "int", "int64", "long", "uint8", "bool", "short",
    "complex64", "complex128", "cfloat", "cdouble",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
    "can_cast", "finfo", "iinfo",
]


class dtype:
    """A tensor element type, mirroring ``torch.dtype``."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_rank", "_kind")

    def __init__(self, name: str, np_dtype, kind: int, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._kind = kind  # 0 bool, 1 integer, 2 floating, 3 complex
        self._rank = rank
        self.is_floating_point = kind == 2
        self.is_complex = kind == 3
        self.is_signed = name not in ("uint8", "bool")

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float32: complex64, float64: complex128, float16: complex64}.get(self, self)


bool_ = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
float16 = dtype("float16", np.float16, 2, 6)
bfloat16 = dtype("bfloat16", _np_bfloat16, 2, 7)
float32 = dtype("float32", np.float32, 2, 8)
float64 = dtype("float64", np.float64, 2, 9)
complex64 = dtype("complex64", np.complex64, 3, 10)
complex128 = dtype("complex128", np.complex128, 3, 11)

# torch's aliases
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128
bool = bool_  # noqa: A001

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES}


# NumPy-array predicates.  ml_dtypes' bfloat16 has NumPy dtype kind 'V', so a bare
# ``arr.dtype.kind == "f"`` silently treats bfloat16 as non-floating; use these instead.
# The ``kind`` test comes first, so float32/float64 pay one comparison.
BF16_NP = bfloat16.np
HALF_NP = (float16.np, BF16_NP)


def np_is_floating(d: np.dtype) -> bool:
    """A real floating NumPy dtype (float16/bfloat16/float32/float64)."""
    return d.kind == "f" or d == BF16_NP


def np_is_inexact(d: np.dtype) -> bool:
    """A floating or complex NumPy dtype (bfloat16 included)."""
    return d.kind in "fc" or d == BF16_NP


def np_opmath(a: np.ndarray) -> np.ndarray:
    """``a`` in torch's CPU "opmath" type: float16/bfloat16 computed in float32."""
    return a.astype(np.float32) if a.dtype in HALF_NP else a


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype (raises TypeError for unsupported ones)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    d = np.dtype(np_dtype)
    if d in _BY_NP:
        return _BY_NP[d]
    # NumPy types torch lacks map to the nearest torch type where torch does the same.
    if d.kind == "u":
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{d.name}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool.")
    raise TypeError(f"ember has no dtype for numpy dtype {d!r}")


# --- promotion -------------------------------------------------------------------------

def _build_promotion_table() -> dict:
    table = {}
    for a in ALL_DTYPES:
        for b in ALL_DTYPES:
            table[(a, b)] = _promote_pair(a, b)
    return table


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._kind != b._kind:
        hi, lo = (a, b) if a._kind > b._kind else (b, a)
        if hi._kind == 3 and lo in (float64,):
            return complex128
        return hi
    if a._kind == 1:
        if uint8 in (a, b):
            other = b if a is uint8 else a
            return {int8: int16}.get(other, other)
        return a if a._rank > b._rank else b
    if a._kind == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    return a if a._rank > b._rank else b


_PROMOTE = _build_promotion_table()


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both arguments can be cast to (``torch.promote_types``)."""
    return _PROMOTE[(type1, type2)]


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # torch's combine_categories (c10/core/ScalarType + TensorIterator result typing).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._kind == 3:
        return higher
    if lower._kind == 3:
        return higher.to_complex() if higher._kind == 2 else lower
    if higher._kind == 2:
        return higher
    if higher is bool_ or lower._kind == 2:
        return _PROMOTE[(higher, lower)]
    return higher


_default_dtype = float32


def get_default_dtype() -> dtype:
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    global _default_dtype
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = d


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a wrapped Python number."""
    if isinstance(value, (_pybool, np.bool_)):
        return bool_
    if isinstance(value, (_pyint, np.integer)):
        return int64
    if isinstance(value, (_pyfloat, np.floating)):
        return _default_dtype
    if isinstance(value, (complex, np.complexfloating)):
        return complex64 if _default_dtype is float32 else complex128
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


import builtins as _builtins  # noqa: E402

_pybool, _pyint, _pyfloat = _builtins.bool, _builtins.int, _builtins.float


def scalar_dtype_fast(value) -> dtype:
    t = type(value)
    if t is _pyfloat:
        return _default_dtype
    if t is _pyint:
        return int64
    if t is _pybool:
        return bool_
    return scalar_dtype(value)


def result_type_of(dim_dtypes, zero_dtypes, scalar_dtypes) -> dtype:
    """torch's result type from three tiers: dim>0 tensors, 0-dim tensors, Python numbers."""
    dim_r = zero_r = wrap_r = None
    for d in dim_dtypes:
        dim_r = d if dim_r is None else _PROMOTE[(dim_r, d)]
    for d in zero_dtypes:
        zero_r = d if zero_r is None else _PROMOTE[(zero_r, d)]
    for d in scalar_dtypes:
        if d._kind == 2:
            d = _default_dtype
        wrap_r = d if wrap_r is None else _PROMOTE[(wrap_r, d)]
    return _combine(dim_r, _combine(zero_r, wrap_r))


def result_type(tensor1, tensor2) -> dtype:
    """``torch.result_type``: the dtype an arithmetic op on the arguments returns."""
    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            (dims if x.dim() > 0 else zeros).append(d)
        else:
            scalars.append(scalar_dtype(x))
    return result_type_of(dims, zeros, scalars)


def can_cast(from_: dtype, to: dtype) -> bool:
    """``torch.can_cast``: casting allowed under torch's same-kind rule."""
    return from_._kind <= to._kind


# --- finfo / iinfo ----------------------------------------------------------------------

class finfo:
    """Machine limits for floating dtypes (``torch.finfo``)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002
        type = type or _default_dtype  # noqa: A001
        if not (type.is_floating_point or type.is_complex):
            raise TypeError("finfo() requires a floating point input type.")
        import ml_dtypes
        info = ml_dtypes.finfo(type.to_real().np) if type is bfloat16 else np.finfo(type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.eps = _pyfloat(info.eps)
        self.max = _pyfloat(info.max)
        self.min = _pyfloat(info.min)
        self.tiny = _pyfloat(info.tiny)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -_pyint(info.precision)  # torch: exactly 1e-p

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Machine limits for integer dtypes (``torch.iinfo``)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002
        if type.is_floating_point or type.is_complex:
            raise TypeError("iinfo() requires an integer input type.")
        info = np.iinfo(type.np) if type is not bool_ else None
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.max = _pyint(info.max) if info else 1
        self.min = _pyint(info.min) if info else 0

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


# --- quantized dtypes ----------------------------------------------------------------
# The element types of quantized tensors (``ember.quantize_per_tensor``, ember.ao). They
# take no part in type promotion and are not in ALL_DTYPES / _BY_NP: an int8 NumPy array
# is still ember.int8. ``np`` is the integer representation (``int_repr()``).
qint8 = dtype("qint8", np.int8, 1, -1)
quint8 = dtype("quint8", np.uint8, 1, -1)
qint32 = dtype("qint32", np.int32, 1, -1)
quint8.is_signed = False
QUANTIZED_DTYPES = (qint8, quint8, qint32)
_BY_NAME.update({d.name: d for d in QUANTIZED_DTYPES})
__all__ += ["qint8", "quint8", "qint32"]
