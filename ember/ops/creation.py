"""Tensor creation: ``tensor``, ``zeros``, ``arange``, random factories, ``*_like``."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..backends import get_backend
from ..device import CPU, device
from ..random import _gen
from .registry import Op, apply

_make = Tensor._make


def _dev(dev) -> device:
    if dev is None:
        return CPU
    d = device(dev) if not isinstance(dev, device) else dev
    if d.type != "cpu":
        get_backend(d)  # raises a clear error when CUDA is unavailable
    return d


def _finish(arr, dtype, dev, requires_grad) -> Tensor:
    d = _dev(dev)
    if dtype is not None and arr.dtype != dtype.np:
        arr = arr.astype(dtype.np)
    t = _make(arr, d)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (Sequence, np.ndarray, Tensor)) \
            and not isinstance(size[0], str):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"size must be a tuple of ints, but got an element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _infer_dtype(data):
    """torch's dtype inference for Python data."""
    if isinstance(data, Tensor):
        return data._dtype
    if isinstance(data, np.ndarray):
        return _dt.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return _dt.from_numpy_dtype(data.dtype)
    if isinstance(data, bool):
        return _dt.bool_
    if isinstance(data, int):
        return _dt.int64
    if isinstance(data, float):
        return _dt.get_default_dtype()
    if isinstance(data, complex):
        return _dt.complex64 if _dt.get_default_dtype() is not _dt.float64 else _dt.complex128
    if isinstance(data, (list, tuple)):
        best = None
        for x in data:
            d = _infer_dtype(x)
            if d is None:
                continue
            if isinstance(x, (Tensor, np.ndarray)) and not isinstance(x, (list, tuple)):
                pass
            best = d if best is None else _scalar_promote(best, d)
        return best
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _scalar_promote(a, b):
    if a._kind != b._kind:
        hi = a if a._kind > b._kind else b
        if hi._kind == 2 and (a._kind < 2 or b._kind < 2):
            return hi
        return hi
    return _dt.promote_types(a, b)


def _to_array(data):
    if isinstance(data, Tensor):
        return data._np()
    if isinstance(data, (list, tuple)):
        if len(data) and any(isinstance(x, Tensor) for x in data):
            return np.stack([_to_array(x) for x in data]) if data else np.array([])
        return np.array(data, dtype=object if _ragged(data) else None)
    return np.asarray(data)


def _ragged(data) -> bool:
    try:
        np.array(data)
        return False
    except ValueError:
        return True


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Constructs a tensor with no autograd history by copying ``data``."""
    if isinstance(data, Tensor):
        arr = data._np().copy(order="C")
        dt = dtype or data._dtype
    else:
        dt = dtype or _infer_dtype(data)
        arr = _to_array(data)
        if arr.dtype == object:
            if isinstance(data, (list, tuple)) and _ragged(data):
                raise ValueError("expected sequence of equal lengths at each dim "
                                 "(ragged nested sequence)")
            raise ValueError("Overflow when unpacking long long")
        if dt is None:  # empty list
            dt = _dt.get_default_dtype()
        arr = np.array(arr, dtype=dt.np, copy=True, order="C")
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")
    return _finish(arr, dt, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        if (dtype is None or dtype is data._dtype) and (device is None or
                                                          _dev(device) == data._device):
            return data
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray):
        dt = dtype or _dt.from_numpy_dtype(data.dtype)
        arr = data if data.dtype == dt.np else data.astype(dt.np)
        return _finish(arr, None, device, False)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    return _make(ndarray, CPU)


def _factory(fill, size, dtype, device, requires_grad, default=None):
    if not size:
        raise TypeError(f'{fill.__name__}() missing 1 required positional arguments: "size"')
    shape = _shape(size)
    dt = dtype or default or _dt.get_default_dtype()
    return _finish(fill(shape, dt.np), None, device, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _out(_factory(np.zeros, size, dtype, device, requires_grad), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _out(_factory(np.ones, size, dtype, device, requires_grad), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None) -> Tensor:
    return _out(_factory(np.empty, size, dtype, device, requires_grad), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor)
                                 else fill_value)
    shape = _shape((size,) if not isinstance(size, int) else (size,))
    fv = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _out(_finish(np.full(shape, fv, dtype=dtype.np), None, device, requires_grad), out)


def _out(t: Tensor, out):
    if out is None:
        return t
    from .registry import _write
    if out.shape != t.shape:
        out._data = np.empty(t.shape, dtype=out._data.dtype)
    _write(out, t._data, t._dtype)
    return out


def _like(fill, input, dtype, device, requires_grad, **kw):
    dt = dtype or input._dtype
    dev = device if device is not None else input._device
    return _finish(fill(input._data.shape, dt.np, **kw), None, dev, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    return _like(np.zeros, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    return _like(np.ones, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    return _like(np.empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    dt = dtype or input._dtype
    return _finish(np.full(input._data.shape, fill_value, dtype=dt.np), None,
                   device if device is not None else input._device, requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) in steps of ``step`` (torch's kernel:
    the size from doubles; integer dtypes cast the bounds first; float values follow the
    vectorised CPU loop so float32 results equal torch's bit for bit)."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in vals)
        dtype = _dt.get_default_dtype() if is_float else _dt.int64
    for v in vals:
        if isinstance(v, (float, np.floating)) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if dtype.is_floating_point:
        if step == 0:
            raise RuntimeError("step must be nonzero")
        if (end - start) * step < 0 and end != start:
            raise RuntimeError("upper bound and lower bound inconsistent with step sign")
        n = max(0, math.ceil((end - start) / step))
        arr = _arange_float(float(start), float(step), n, dtype.np)
    else:
        if dtype.is_complex:
            raise NotImplementedError(
                f'"arange_cpu" not implemented for \'{_TORCH_TYPE[dtype.name]}\'')
        xs, xe, xst = int(start), int(end), int(step)
        if step == 0:
            raise RuntimeError("step must be nonzero")
        if xst == 0 and dtype is _dt.int64:
            raise ValueError("step must be nonzero")
        if (xe - xs) * xst < 0 and xe != xs:
            raise RuntimeError("upper bound and lower bound inconsistent with step sign")
        if dtype is _dt.int64:
            sgn = (xst > 0) - (xst < 0)
            num = xe - xs + xst - sgn
            n = abs(num) // abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)
        else:
            n = math.ceil((float(end) - float(start)) / float(step))
        n = max(0, n)
        arr = (xs + np.arange(n, dtype=np.int64) * xst).astype(dtype.np)
    return _out(_finish(arr, None, device, requires_grad), out)


def _arange_float(start: float, step: float, n: int, npdt) -> np.ndarray:
    # torch's CPU loop: pairs of SIMD vectors (AVX2: 32 bytes) get base = start + step*idx in
    # the accumulate type, then lane i = base + i*step; the tail is start + step*idx.
    acc = np.float64 if npdt in (np.float32, np.float64) else np.float32
    v = 32 // npdt.itemsize
    idx = np.arange(n)
    full = (n // (2 * v)) * (2 * v)
    a_start, a_step = acc(start), acc(step)
    out = np.empty(n, dtype=npdt)
    j = idx[:full]
    lane = j % v
    base = (a_start + a_step * (j - lane).astype(acc)).astype(npdt).astype(acc)
    out[:full] = (base + lane.astype(acc) * a_step).astype(npdt)
    out[full:] = (a_start + a_step * idx[full:].astype(acc)).astype(npdt)
    return out


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    dtype = dtype or _dt.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    return _finish(arr, None, device, requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    dtype = dtype or _dt.get_default_dtype()
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    if steps == 1:
        arr = np.full(1, start, dtype=np.float64).astype(dtype.np)
    elif dtype.is_floating_point:
        # torch fills the first half forward from start and the second half back from end
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        idx = np.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
        arr = arr.astype(dtype.np)
    else:
        arr = np.linspace(start, end, steps).astype(dtype.np)
    return _out(_finish(arr, None, device, requires_grad), out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    dtype = dtype or _dt.get_default_dtype()
    if not dtype.is_floating_point:
        # torch casts the exponents' bounds to the integer dtype first
        start = int(start.item() if isinstance(start, Tensor) else start)
        end = int(end.item() if isinstance(end, Tensor) else end)
    lin = linspace(start, end, steps, dtype=_dt.float64)._data
    arr = np.power(base, lin).astype(dtype.np)
    return _out(_finish(arr, None, device, requires_grad), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False) -> Tensor:
    dtype = dtype or _dt.get_default_dtype()
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _out(_finish(np.eye(n, n if m is None else m, dtype=dtype.np), None, device,
                        requires_grad), out)


# --- random factories ---------------------------------------------------------------------

_TORCH_TYPE = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
               "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def _float_dt(dtype, kernel="check_uniform_bounds"):
    dt = dtype or _dt.get_default_dtype()
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TORCH_TYPE[dt.name]}\'')
    return dt


def _sample(draw, dt):
    if dt in (_dt.float32, _dt.float64):
        return draw(dt.np)
    return draw(np.float32).astype(dt.np)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    dt = _float_dt(dtype)
    shape = _shape(size)
    arr = _sample(lambda d: _gen(generator).random(shape, dtype=d), dt)
    return _out(_finish(arr, None, device, requires_grad), out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False) -> Tensor:
    """Standard normal samples."""
    dt = dtype or _dt.get_default_dtype()
    shape = _shape(size)
    if not dt.is_floating_point:
        if not dt.is_complex:
            _float_dt(dt, "normal_kernel_cpu")
        # torch: real and imaginary parts each N(0, 1/2), so E|z|^2 = 1
        rd = dt.to_real().np
        g = _gen(generator)
        arr = ((g.standard_normal(shape, dtype=rd) + 1j * g.standard_normal(shape, dtype=rd))
               * np.sqrt(0.5)).astype(dt.np)
        return _out(_finish(arr, None, device, requires_grad), out)
    arr = _sample(lambda d: _gen(generator).standard_normal(shape, dtype=d), dt)
    return _out(_finish(arr, None, device, requires_grad), out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False) -> Tensor:
    """Uniform integers in [low, high)."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    dt = dtype or _dt.int64
    arr = _gen(generator).integers(low, high, size=_shape((size,) if isinstance(size, int)
                                                         else (tuple(size),)))
    return _out(_finish(arr.astype(dt.np), None, device, requires_grad), out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    dt = dtype or _dt.int64
    return _out(_finish(_gen(generator).permutation(n).astype(dt.np), None, device,
                        requires_grad), out)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None) -> Tensor:
    return rand(input.shape, dtype=dtype or input._dtype, device=device or input._device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None) -> Tensor:
    return randn(input.shape, dtype=dtype or input._dtype, device=device or input._device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input._dtype,
                   device=device or input._device, generator=generator)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or floats with ``size``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if isinstance(std, Tensor) and (s < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = _gen(generator).standard_normal(shape, dtype=np.float64)
        arr = (m + s * z).astype(ref._dtype.np)
        return _out(_finish(arr, None, ref._device, False), out)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dt = _float_dt(dtype)
    shape = _shape((size,) if not isinstance(size, int) else (size,)) if size is not None else ()
    arr = _sample(lambda d: _gen(generator).standard_normal(shape, dtype=d), dt)
    arr = (arr * std + mean).astype(dt.np)
    return _out(_finish(arr, None, device, requires_grad), out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """Draws 0/1 with probabilities ``input`` (or ``p``)."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    arr = (_gen(generator).random(probs.shape) < probs).astype(input._dtype.np)
    return _out(_make(arr, input._device), out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Samples category indices from the rows of ``input`` (non-negative weights)."""
    probs = input._data.astype(np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (probs < 0).any() or not np.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    n_cat = rows.shape[1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    g = _gen(generator)
    res = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        s = row.sum()
        if s <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if replacement:
            res[i] = g.choice(n_cat, size=num_samples, replace=True, p=row / s)
        else:
            # Gumbel-top-k on log-weights: exact sampling without replacement
            keys = np.log(g.random(n_cat)) / np.where(row > 0, row, np.nan)
            keys = np.where(row > 0, keys, -np.inf)
            res[i] = np.argsort(-keys, kind="stable")[:num_samples]
    if probs.ndim == 1:
        res = res[0]
    return _out(_make(res, input._device), out)


def poisson(input, generator=None) -> Tensor:
    return _make(_gen(generator).poisson(input._data).astype(input._dtype.np), input._device)


# --- clone ----------------------------------------------------------------------------------

class Clone(Op):
    name = "clone"

    def forward(self, x, memory_format=None):
        return x.copy()

    def backward(self, g):
        return (g,)


def clone_tensor(input, *, memory_format=None) -> Tensor:
    return apply(Clone, input)


builtins_sum = builtins.sum
