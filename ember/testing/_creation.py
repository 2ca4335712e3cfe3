"""``make_tensor``: random test tensors with torch's per-dtype value ranges
(``torch.testing._creation``)."""

from __future__ import annotations

import collections.abc
import math
import warnings

from .. import dtypes as _dt
from .._tensor import Tensor

__all__ = ["make_tensor"]

_INTEGRAL_TYPES = [_dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64]
_FLOATING_TYPES = [_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64]
_COMPLEX_TYPES = [_dt.complex64, _dt.complex128]
_BOOLEAN_OR_INTEGRAL_TYPES = [_dt.bool_, *_INTEGRAL_TYPES]
_FLOATING_OR_COMPLEX_TYPES = [*_FLOATING_TYPES, *_COMPLEX_TYPES]


def _uniform_random_(t: Tensor, low: float, high: float) -> Tensor:
    # a range wider than the dtype's max overflows the sampler: draw half of it, double
    if high - low >= _dt.finfo(t.dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def _modify_low_high(low, high, *, dtype, lowest_inclusive, highest_exclusive, default_low,
                     default_high):
    """``low``/``high`` (or the dtype's defaults) checked and clamped to the dtype's range;
    integral bounds are ceiled (``randint``'s high is exclusive)."""
    low = low if low is not None else default_low
    high = high if high is not None else default_high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and dtype in _FLOATING_OR_COMPLEX_TYPES:
        warnings.warn(
            "Passing `low==high` to `ember.testing.make_tensor` for floating or complex types "
            "is deprecated since 2.1 and will be removed in 2.3. Use `ember.full(...)` instead.",
            FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest_inclusive or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest_inclusive}, {highest_exclusive})")
    low = min(max(low, lowest_inclusive), highest_exclusive)
    high = min(max(high, lowest_inclusive), highest_exclusive)
    if dtype in _BOOLEAN_OR_INTEGRAL_TYPES:
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype: _dt.dtype, device, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    r"""Creates a tensor of ``shape``, ``dtype`` and ``device`` filled with values drawn
    uniformly from ``[low, high)``.

    ``low``/``high`` outside the dtype's finite range are clamped to it. Defaults: bool
    ``[0, 2)``, uint8 ``[0, 10)``, signed integers ``[-9, 10)``, floating and complex
    ``[-9, 9)`` (both parts of a complex value).

    Args:
        shape (Tuple[int, ...]): integers, or one sequence of integers.
        dtype (ember.dtype): the dtype of the result.
        device (Union[str, ember.device]): the device of the result.
        low (Optional[Number]): inclusive lower bound.
        high (Optional[Number]): exclusive upper bound.
        requires_grad (bool): whether autograd records operations on the result
            (floating and complex dtypes only).
        noncontiguous (bool): return a non-contiguous view (ignored below two elements);
            exclusive with ``memory_format``.
        exclude_zero (bool): replace zeros by 1 (bool, integers) or the dtype's smallest
            normal number (floating, complex).
        memory_format (Optional[ember.memory_format]): memory format of the result.

    Raises:
        ValueError: ``requires_grad=True`` with a bool or integral dtype, ``low >= high``,
            a NaN bound, an interval outside the dtype's range, or both ``noncontiguous``
            and ``memory_format``.
        TypeError: a dtype this function does not support.

    Example::

        >>> make_tensor((3,), device="cpu", dtype=ember.float32, low=-1, high=1)
    """
    from ..ops.creation import randint

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got {noncontiguous=} and {memory_format=}")
    if requires_grad and dtype in _BOOLEAN_OR_INTEGRAL_TYPES:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got {dtype=}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        # twice the last dimension, so the strided view does not repeat values
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is _dt.bool_:
        low, high = _modify_low_high(low, high, dtype=dtype, lowest_inclusive=0,
                                     highest_exclusive=2, default_low=0, default_high=2)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL_TYPES:
        info = _dt.iinfo(dtype)
        # randint cannot sample int64's max (its bounds are int64), so that one is exclusive
        low, high = _modify_low_high(
            low, high, dtype=dtype, lowest_inclusive=info.min,
            highest_exclusive=info.max + (1 if dtype is not _dt.int64 else 0),
            default_low=-9, default_high=10)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _FLOATING_OR_COMPLEX_TYPES:
        info = _dt.finfo(dtype)
        low, high = _modify_low_high(low, high, dtype=dtype, lowest_inclusive=info.min,
                                     highest_exclusive=info.max, default_low=-9,
                                     default_high=9)
        result = _random_floating(shape, dtype, device, low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "ember.testing.make_tensor().")

    if noncontiguous:
        result = result[..., 1::2]  # offset by one to also catch offset bugs
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        fill = 1 if dtype in _BOOLEAN_OR_INTEGRAL_TYPES else _dt.finfo(dtype).tiny
        result[result == 0] = fill
    if dtype in _FLOATING_OR_COMPLEX_TYPES:
        result.requires_grad = requires_grad
    return result


def _random_floating(shape, dtype, device, low, high) -> Tensor:
    from ..ops.creation import empty
    if dtype in _COMPLEX_TYPES:
        from ..ops.complex_ops import complex as _complex
        real_dtype = dtype.to_real()
        parts = [_uniform_random_(empty(shape, device=device, dtype=real_dtype), low, high)
                 for _ in range(2)]
        return _complex(*parts)
    return _uniform_random_(empty(shape, device=device, dtype=dtype), low, high)
