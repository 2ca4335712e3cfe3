"""``ember.autocast``: mixed precision as one dispatch hook (torch's policy).

While any autocast region is open, ``_hook`` wraps every op call (see
``ember.ops.registry.push_hook``).  It looks the op up in ``_lists.CATEGORIES``
for the device type of the op's tensor arguments and, when autocast is enabled
for that device type, casts the floating (non-float64) tensor arguments with
ember's own ``_to_copy`` op, so gradients flow back in each input's own dtype.
"""

from __future__ import annotations

import functools
import warnings

from .. import dtypes as _dt
from .._tensor import Tensor
from ..ops import registry as _reg
from . import _lists

__all__ = [
    "autocast", "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
    "set_autocast_dtype", "is_autocast_available", "is_autocast_cache_enabled",
    "set_autocast_cache_enabled", "clear_autocast_cache", "autocast_increment_nesting",
    "autocast_decrement_nesting", "custom_fwd", "custom_bwd", "casts",
]


class _State:
    enabled = {"cpu": False, "cuda": False}
    dtype = {"cpu": _dt.bfloat16, "cuda": _dt.float16}
    cache_enabled = True
    nesting = 0
    cache: dict = {}          # id(leaf) -> (leaf, cast)
    hooked = False


_SUPPORTED = {"cpu": (_dt.bfloat16, _dt.float16), "cuda": (_dt.float16, _dt.bfloat16)}


def _check_device(device_type):
    if device_type not in _State.enabled:
        raise RuntimeError(
            f"User specified an unsupported autocast device_type '{device_type}'")


def is_autocast_available(device_type: str) -> bool:
    return device_type in _State.enabled


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """``is_autocast_enabled(device_type='cuda')``: autocast state of a device type."""
    if device_type is None:
        device_type = "cuda"
    _check_device(device_type)
    return _State.enabled[device_type]


def set_autocast_enabled(device_type, enabled=None) -> None:
    """``set_autocast_enabled(device_type, enabled)`` (or the legacy ``(enabled)`` = cuda)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _check_device(device_type)
    _State.enabled[device_type] = bool(enabled)
    _sync_hook()


def get_autocast_dtype(device_type: str):
    _check_device(device_type)
    return _State.dtype[device_type]


def set_autocast_dtype(device_type: str, dtype) -> None:
    _check_device(device_type)
    _State.dtype[device_type] = dtype


def is_autocast_cache_enabled() -> bool:
    return _State.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    _State.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    _State.cache = {}


def autocast_increment_nesting() -> int:
    _State.nesting += 1
    return _State.nesting


def autocast_decrement_nesting() -> int:
    _State.nesting -= 1
    return _State.nesting


def _sync_hook() -> None:
    """Install the dispatch hook while some device type has autocast on (fast path otherwise)."""
    want = any(_State.enabled.values())
    if want and not _State.hooked:
        _reg.push_hook(_hook)
        _State.hooked = True
    elif not want and _State.hooked:
        _reg.pop_hook(_hook)
        _State.hooked = False


def casts(op_name: str, *tensors) -> bool:
    """True when autocast is on for the tensors' device and casts the inputs of op
    ``op_name``: for Python-level argument checks that run before dispatch (e.g. "mat1
    and mat2 must have the same dtype"), which must let autocast's mixed inputs through."""
    if _reg._Dispatch.hook is None or not _State.hooked:
        return False
    dev = _device_type(tensors)
    if dev is None or not _State.enabled.get(dev, False):
        return False
    return _lists.CATEGORIES.get(dev, {}).get(op_name) is not None or getattr(
        _reg.OPS.get(op_name), "autocast", None) is not None


def autocast_composite(op_name: str):
    """Decorator for a function ember composes from several ops where torch has one listed
    op ``op_name`` (e.g. ``mse_loss``, ``cdist``, ``linalg_vecdot``): when autocast is on
    for the inputs' device and torch's list has ``op_name``, the floating tensor arguments
    are cast by its category first, and the body runs with autocast off for that device, as
    torch's kernel runs below its autocast wrapper.  Off autocast the wrapper costs one
    attribute check."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if not _State.hooked:
                return fn(*args, **kwargs)
            dev = _device_type(args) or _device_type(kwargs.values())
            cat = _lists.CATEGORIES[dev].get(op_name) if _State.enabled.get(dev) else None
            if cat is None:
                return fn(*args, **kwargs)
            if kwargs:
                vals = _cast_args(cat, dev, args + tuple(kwargs.values()), kwargs)
                args, kwargs = vals[:len(args)], dict(zip(kwargs, vals[len(args):]))
            else:
                args = _cast_args(cat, dev, args, kwargs)
            _State.enabled[dev] = False  # the hook stays installed and lets ops through
            try:
                return fn(*args, **kwargs)
            finally:
                _State.enabled[dev] = True
                _sync_hook()
        return run
    return wrap


# ---- the hook ------------------------------------------------------------------------

def _eligible(a) -> bool:
    return isinstance(a, Tensor) and a._dtype.is_floating_point and a._dtype is not _dt.float64


def _cast(t: Tensor, dtype, lower: bool) -> Tensor:
    if t._dtype is dtype:
        return t
    cache = (lower and _State.cache_enabled and t._dtype is _dt.float32 and t._requires_grad
             and t._grad_fn is None and getattr(t, "_view_src", None) is None)
    if cache:
        hit = _State.cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1]._dtype is dtype:
            return hit[1]
    out = t.to(dtype)
    if cache:
        _State.cache[id(t)] = (t, out)
    return out


def _map(args, fn):
    out = []
    for a in args:
        if isinstance(a, (list, tuple)) and any(isinstance(x, Tensor) for x in a):
            out.append(type(a)(fn(x) for x in a))
        else:
            out.append(fn(a))
    return tuple(out)


def _device_type(args):
    for a in args:
        if isinstance(a, Tensor):
            return a._device.type
        if isinstance(a, (list, tuple)):
            for x in a:
                if isinstance(x, Tensor):
                    return x._device.type
    return None


def _cast_args(cat, dev, args, params):
    """``args`` with the floating (non-float64) tensors cast as autocast category ``cat``
    says (tensors inside list/tuple arguments included)."""
    if cat == "lower":
        low = _State.dtype[dev]
        return _map(args, lambda a: _cast(a, low, True) if _eligible(a) else a)
    if cat == "fp32" or (cat == "fp32_opt" and params.get("dtype") is None):
        return _map(args, lambda a: _cast(a, _dt.float32, False) if _eligible(a) else a)
    if cat == "promote":
        low = _State.dtype[dev]
        widest = low
        flat = []
        for a in args:
            flat.extend(a if isinstance(a, (list, tuple)) else (a,))
        for a in flat:
            if _eligible(a) and a._device.type == dev and a._dtype is not low:
                widest = _dt.float32
                break
        return _map(args, lambda a: _cast(a, widest, False) if _eligible(a) else a)
    return args


def _hook(cls, args, params, call_next):
    dev = _device_type(args)
    if dev is not None and _State.enabled.get(dev, False):
        cat = _lists.category(cls, params, dev)
        if cat is not None:
            args = _cast_args(cat, dev, args, params)
    return call_next(cls, args, params)


# ---- the context manager -------------------------------------------------------------

class autocast:
    """``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    A context manager and decorator: inside it, ops of the "lower" category run in
    ``dtype`` (cpu: bfloat16, cuda: float16 by default), ops of the "fp32" category in
    float32, and "promote" ops in the widest input dtype, as torch's autocast."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(
                f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _check_device(device_type)
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        name = device_type.upper()
        if enabled:
            if device_type == "cuda":
                from .. import cuda
                if not cuda.is_available():
                    warnings.warn(
                        "CUDA is not available or torch_xla is imported. Disabling autocast.",
                        stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in _SUPPORTED[device_type]:
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\n{name} Autocast only supports dtypes of "
                    + ", ".join(map(str, _SUPPORTED[device_type])) + " currently.",
                    stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _cast_structure(value, device_type, dtype):
    if isinstance(value, Tensor):
        ok = value._dtype.is_floating_point and value._dtype is not _dt.float64
        return value.to(dtype) if ok and value._device.type == device_type else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {k: _cast_structure(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_structure(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """``ember.amp.custom_fwd`` for ``autograd.Function.forward`` (torch's semantics)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast_structure(args, device_type, cast_inputs),
                           **_cast_structure(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """``ember.amp.custom_bwd``: runs backward with the forward's autocast state."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
