"""The op registry and the one dispatch point.

Every op is a subclass of ``Op`` (itself an autograd ``Node``): ``forward`` works
on backend arrays, ``backward`` on ember Tensors, side by side.  ``apply`` is the
single entry for running an op: it checks devices, promotes dtypes with torch's
rules, runs the forward, wraps the result, records the graph node when needed and
links views to their base.  Autocast, the profiler and the JIT tracer hook in at
``_Dispatch.hook`` (checked once per call).

NOTE [hook API] (the extension points a tracer or profiler may use; each is one
module-level ``is None`` check on its path when unused, and none needs monkeypatching):

- dispatch hooks, ``push_hook(fn)`` / ``pop_hook(fn)``: wrap every ``apply``
  (``apply_inplace`` runs its op through ``apply`` while a hook is installed);
- the in-place write hook, ``set_write_hook(fn)``: ``fn(dst, arr)`` is called when
  ``_write`` is about to store ``arr`` into tensor ``dst`` (every in-place op, ``copy_``,
  ``__setitem__``, ``out=``), with ``dst`` possibly a view of another tensor;
- ``ember._tensor.TensorHooks``: ``size`` (what ``Tensor.size()`` / ``.shape`` return)
  and ``convert`` (called by ``item``/``bool``/``int``/``float``/``tolist``/``numpy``);
- ``ember.ops.shape.ShapeHooks``: ``size_args`` (how ``view``/``reshape``/``expand`` read
  their size arguments) and ``reshape`` (a tracer's own ``reshape``);
- dropout draws its random mask inside the ``dropout`` op (``ember.ops.dropout``), so a
  recorded call replays with a fresh mask.

NOTE [in-place ops and views]
``apply_inplace`` runs the op out of place when a graph must be recorded, writes
the result into the tensor's memory and rebases its history: a plain tensor takes
the new node as ``grad_fn``; a view makes its base's ``grad_fn`` a ``CopySlices``
node (grad of the old base = grad with the view's region zeroed, grad of the new
values = that region) and regenerates its own ``grad_fn`` as a view of the base,
as torch does.  With no graph to record it writes straight into the memory.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import _Mode
from ..autograd.graph import Node, _seq
from ..device import CPU

_make = Tensor._make
_new = object.__new__
_ndarray = np.ndarray
_generic = np.generic
_BY_NP = _dt._BY_NP
_PROMOTE = _dt._PROMOTE

OPS: dict[str, type] = {}


class _Dispatch:
    # ``hook`` is None (the fast path) or the composed chain of ``hooks``
    hook = None
    hooks: list = []
    anomaly = False
    # ``write_hook`` is None or ``fn(dst, arr)``, called by every ``_write``
    write_hook = None


def push_hook(fn) -> None:
    """Install a dispatch hook ``fn(cls, args, params, call_next) -> result``.

    Hooks (autocast, profiler, JIT tracer) wrap every op call; the last pushed runs
    outermost. ``call_next(cls, args, params)`` runs the rest of the chain and finally
    the op itself. With no hook installed the dispatcher pays one attribute check."""
    _Dispatch.hooks = _Dispatch.hooks + [fn]
    _Dispatch.hook = _compose(_Dispatch.hooks)


def pop_hook(fn) -> None:
    """Remove a hook installed with ``push_hook``."""
    hooks = list(_Dispatch.hooks)
    hooks.remove(fn)
    _Dispatch.hooks = hooks
    _Dispatch.hook = _compose(hooks) if hooks else None


def set_write_hook(fn):
    """Install the in-place write hook ``fn(dst, arr)`` (or None to remove it); returns
    the hook it replaced, which the caller restores when done.

    ``fn`` runs just before ``arr`` is written into ``dst``'s memory (so ``dst`` still
    holds its old values) by an in-place op (``apply_inplace``), ``copy_``,
    ``__setitem__`` or an ``out=`` argument; ``arr`` is the array to be written (while
    a dispatch hook is installed, the ``_data`` of the out-of-place result that ``apply``
    returned).  ``dst._base`` is set when ``dst`` is a
    view, whose base was written through it.  With no hook ``_write`` pays one check."""
    prev = _Dispatch.write_hook
    _Dispatch.write_hook = fn
    return prev


def _compose(hooks):
    call = _apply_core
    for fn in hooks:
        call = _link(fn, call)
    return call


def _link(fn, nxt):
    def run(cls, args, params):
        return fn(cls, args, params, nxt)
    return run


class Op(Node):
    """Base of all ops.  Class attributes declare what the dispatcher must do."""

    op_name: str = ""
    promote = None          # a function (args, arrays) -> arrays, or None
    save: tuple = ()        # args saved for backward: i, or (i, j) = i only if arg j needs grad
    save_out = False        # save the (single) output for backward
    is_view = False         # the output is a view of args[0]
    differentiable = True
    autocast = None         # autocast category: 'lower', 'fp32', 'promote' or None
    amp_name = None         # for an op that is several torch ops: a function params -> the
    #                         torch op name of the call, which autocast looks up

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        # ``name = "exp"`` in a class body is the registry name; on nodes ``name()`` must
        # stay torch's method returning the grad_fn name, so the string moves to op_name.
        # in place, an op that saves its own input must run on a copy (torch keeps
        # ``original_self``), or the saved input would be overwritten
        cls._saves_self = any((i[0] if i.__class__ is tuple else i) == 0 for i in cls.save)
        op_name = cls.__dict__.get("name")
        if isinstance(op_name, str):
            cls.op_name = op_name
            cls.name = Node.name
            OPS[op_name] = cls

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads):
        raise RuntimeError(f"the derivative for '{self.op_name}' is not implemented.")


def _device_error(cls, args):
    devs = []
    for a in args:
        if isinstance(a, Tensor) and str(a._device) not in devs:
            devs.append(str(a._device))
    raise RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{devs[0]} and {devs[1]}! (when checking arguments for {cls.op_name})")


def apply(cls, *args, **params):
    """Run op ``cls`` on ``args`` (Tensors and Python scalars) with keyword ``params``."""
    hook = _Dispatch.hook
    if hook is not None:
        return hook(cls, args, params)
    return _apply_core(cls, args, params)


def _apply_core(cls, args, params):
    node = _new(cls)
    arrays = []
    req = False
    dev = None
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if a._requires_grad:
                req = True
            if dev is None:
                dev = a._device
            elif a._device is not dev:
                _device_error(cls, args)
        else:
            arrays.append(a)
    half = None
    promote = cls.promote
    if promote is not None:
        arrays = promote(args, arrays)
        if arrays.__class__ is tuple:  # half tensor with a Python float: float32 math
            arrays, half = arrays
    try:
        out = node.forward(*arrays, **params)
    except ValueError as e:
        raise _broadcast_error(e, arrays) from None
    if half is not None and out.dtype == np.float32:
        out = out.astype(half)
    if dev is None:
        dev = CPU
    record = req and _Mode.grad_enabled and cls.differentiable
    if out.__class__ is tuple:
        return _wrap_multi(node, cls, args, params, out, dev, record)
    if out.__class__ is not _ndarray and isinstance(out, _generic):
        out = np.asarray(out)
    t = _make(out, dev)
    if record and (t._dtype.is_floating_point or t._dtype.is_complex):
        _record(node, cls, args)
        t._requires_grad = True
        t._grad_fn = node
        if cls.save_out:
            vc = t._vcnt = _vc_new()
            node._saved = (node._saved or ()) + ((out, vc, 0, dev, 0),)
    if cls.is_view:
        _link_view(t, args[0], cls, params, None)
    return t


def _broadcast_error(e: ValueError, arrays):
    """NumPy's broadcast ValueError as torch's RuntimeError; other errors unchanged."""
    if "broadcast" not in str(e):
        return e
    shapes = [a.shape for a in arrays if hasattr(a, "shape")]
    if len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        n = max(len(a), len(b))
        pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for i in range(n - 1, -1, -1):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                return RuntimeError(
                    f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                    f"at non-singleton dimension {i}")
    return RuntimeError(str(e))


def _vc_new():
    from ..autograd.graph import VersionCounter
    return VersionCounter()


def _record(node, cls, args) -> None:
    node._seq = next(_seq)
    nf = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            meta.append((a._data.shape, a._dtype))
            if a._requires_grad:
                fn = a._grad_fn
                nf.append((fn, a._output_nr) if fn is not None else (a._accumulator(), 0))
                continue
        else:
            meta.append(None)
        nf.append((None, 0))
    node.next_functions = tuple(nf)
    node._in_meta = tuple(meta)
    save = cls.save
    if save:
        saved = []
        for i in save:
            if i.__class__ is tuple:  # (i, j): save arg i only if arg j requires grad
                i, j = i
                c = args[j]
                if not (isinstance(c, Tensor) and c._requires_grad):
                    saved.append(None)
                    continue
            a = args[i]
            if isinstance(a, Tensor):
                vc = a._vcnt
                saved.append((a, vc.v if vc is not None else 0))
            else:
                saved.append((a,))
        node._saved = tuple(saved)
    else:
        node._saved = None
    if _Dispatch.anomaly:
        import traceback
        node._trace = traceback.format_stack()[:-2]


def _wrap_multi(node, cls, args, params, outs, dev, record):
    results = []
    recorded = False
    metas = []
    for i, out in enumerate(outs):
        if out.__class__ is not _ndarray and isinstance(out, _generic):
            out = np.asarray(out)
        t = _make(out, dev)
        metas.append((out.shape, t._dtype, dev))
        if record and (t._dtype.is_floating_point or t._dtype.is_complex):
            if not recorded:
                _record(node, cls, args)
                recorded = True
            t._requires_grad = True
            t._grad_fn = node
            t._output_nr = i
        if cls.is_view:
            _link_view(t, args[0], cls, params, i)
        results.append(t)
    if recorded:
        node._out_meta = tuple(metas)
        node.num_outputs = len(outs)
    return tuple(results)


def _link_view(t, src, cls, params, idx) -> None:
    base = src._base
    t._base = src if base is None else base
    t._vcnt = src._vc()
    t._view_src = (src, cls, params, idx)


def replay_view(view: Tensor, new_base: Tensor) -> Tensor:
    """Re-apply the chain of view ops that made ``view`` from its base to ``new_base``."""
    src, cls, params, idx = view._view_src
    parent = new_base if src._base is None else replay_view(src, new_base)
    out = apply(cls, parent, **params)
    return out if idx is None else out[idx]


# --- in-place ---------------------------------------------------------------------------

def _check_inplace(self: Tensor) -> None:
    if _Mode.grad_enabled and self._requires_grad:
        vs = self._view_src
        if vs is not None and vs[3] is not None and self._grad_fn is not None:
            raise RuntimeError(
                f"Output {vs[3]} of {self._grad_fn._bw_name} is a view and is being modified "
                "inplace. This view is the output of a function that returns multiple views. "
                "Such functions do not allow the output views to be modified inplace. You "
                "should replace the inplace operation by an out-of-place one.")
        if self._grad_fn is None and self._base is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        base = self._base
        if base is not None and base._grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
    if not self._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")


def apply_inplace(cls, self: Tensor, *args, **params) -> Tensor:
    """Run op ``cls`` on ``(self, *args)`` and write the result into ``self``."""
    _check_inplace(self)
    if _Mode.grad_enabled and (self._requires_grad or _any_requires_grad(args)):
        if cls._saves_self:
            from .creation import clone_tensor
            r = apply(cls, clone_tensor(self), *args, **params)
        else:
            r = apply(cls, self, *args, **params)
        _write(self, r._data, r._dtype)
        _rebase_history(self, r)
        return self
    if _Dispatch.hook is not None:
        r = apply(cls, self, *args, **params)
        _write(self, r._data, r._dtype)
        return self
    node = _new(cls)
    arrays = [self._data]
    dev = self._device
    for a in args:
        if isinstance(a, Tensor):
            if a._device is not dev:
                _device_error(cls, (self,) + args)
            arrays.append(a._data)
        else:
            arrays.append(a)
    half = None
    if cls.promote is not None:
        arrays = cls.promote((self,) + args, arrays)
        if arrays.__class__ is tuple:
            arrays, half = arrays
    try:
        out = node.forward(*arrays, **params)
    except ValueError as e:
        raise _broadcast_error(e, arrays) from None
    if half is not None and out.dtype == np.float32:
        out = out.astype(half)
    out_dt = _BY_NP[out.dtype] if hasattr(out, "dtype") else self._dtype
    _write(self, out, out_dt)
    return self


def _any_requires_grad(args) -> bool:
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            return True
    return False


def _write(self: Tensor, arr, dt) -> None:
    if dt is not self._dtype and not _dt.can_cast(dt, self._dtype):
        raise RuntimeError(f"result type {_type_name(dt)} can't be cast to the desired output "
                           f"type {_type_name(self._dtype)}")
    wh = _Dispatch.write_hook
    if wh is not None:
        wh(self, arr)
    dst = self._data
    if arr is not dst:
        if arr.shape != dst.shape:
            try:
                arr = np.broadcast_to(arr, dst.shape)
            except ValueError:
                raise RuntimeError(
                    f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                    f"{list(arr.shape)}") from None
        dst[...] = arr
    self._bump()


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
               "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
               "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def _type_name(dt) -> str:
    return _TYPE_NAMES[dt.name]


class CopySlices(Op):
    """grad_fn of a base whose view was modified in place (NOTE [in-place ops and views])."""

    _bw_name = "CopySlices"

    def backward(self, grad):
        from .creation import clone_tensor
        view = self.view
        g_base = clone_tensor(grad)
        region = replay_view(view, g_base)
        from .elementwise import zero_
        zero_(region)
        return g_base, replay_view(view, grad)


def _rebase_history(self: Tensor, r: Tensor) -> None:
    base = self._base
    if base is None:
        self._grad_fn = r._grad_fn
        self._output_nr = r._output_nr
        self._requires_grad = r._requires_grad
        _retarget_saved_output(r, self)
        return
    node = _new(CopySlices)
    node.view = _ViewSpec(self._view_src, base)
    _record(node, CopySlices, (base, r))
    base._grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    prev = _Mode.grad_enabled
    _Mode.grad_enabled = True
    try:
        nv = replay_view(self, base)
    finally:
        _Mode.grad_enabled = prev
    self._grad_fn = nv._grad_fn
    self._output_nr = nv._output_nr
    self._requires_grad = True


def _retarget_saved_output(r: Tensor, self: Tensor) -> None:
    """An op that saved its output saved ``r``; the live output is now ``self``."""
    node = r._grad_fn
    if node is not None and node._saved:
        saved = list(node._saved)
        for i, e in enumerate(saved):
            if e is not None and len(e) == 5 and e[0] is r._data:
                saved[i] = (self._data, self._vc(), self._vcnt.v, e[3], e[4])
        node._saved = tuple(saved)


class _ViewSpec:
    """Enough of a view to replay it on another base (used by CopySlices)."""

    __slots__ = ("_view_src", "_base")

    def __init__(self, view_src, base) -> None:
        self._view_src = view_src
        self._base = base


# --- promotion functions (Op.promote) ------------------------------------------------------

def _result_dtype(args):
    dims = []
    zeros = []
    scalars = []
    for a in args:
        if isinstance(a, Tensor):
            (dims if a._data.ndim else zeros).append(a._dtype)
        elif a is not None:
            scalars.append(_dt.scalar_dtype_fast(a))
    return _dt.result_type_of(dims, zeros, scalars)


def _cast_to(args, arrays, rt):
    npdt = rt.np
    return [arr.astype(npdt) if isinstance(a, Tensor) and arr.dtype != npdt else arr
            for a, arr in zip(args, arrays)]


def promote_same(args, arrays):
    """All tensor inputs cast to torch's result type (arithmetic, where, lerp...)."""
    first = None
    same = True
    for a in args:
        if isinstance(a, Tensor):
            if first is None:
                first = a._dtype
            elif a._dtype is not first:
                same = False
                break
        elif a is not None:
            t = type(a)
            if t is float and (first is None or first._kind < 2):
                same = False
                break
            if t is int and first is not None and first._kind == 0:
                same = False
                break
            if t is not int and t is not float and t is not bool:
                same = False
                break
    if same and first is not None:
        # scalars of a lower-or-equal category never change a tensor's type
        for a in args:
            if not isinstance(a, Tensor) and a is not None:
                sd = _dt.scalar_dtype_fast(a)
                if sd._kind > first._kind:
                    same = False
                    break
        if same:
            if first._kind == 2 and first.itemsize == 2:
                return _half_with_scalar(args, arrays, first)
            return arrays
    rt = _result_dtype(args)
    return _cast_to(args, arrays, rt)


def _half_with_scalar(args, arrays, half):
    """torch computes half/bfloat16 tensor-scalar ops in float32 with the scalar unrounded,
    then rounds once; NumPy would round the scalar to half first (or upcast bfloat16)."""
    for a in args:
        if a.__class__ is float or a.__class__ is int:
            f32 = np.float32
            return ([arr.astype(f32) if isinstance(x, Tensor) else arr
                     for x, arr in zip(args, arrays)], half.np)
    return arrays


def promote_same_scalar_t(args, arrays):
    """As ``promote_same``; but a Python scalar meeting a float16/bfloat16 tensor is taken
    as that dtype (rounded first), as torch's add/sub/rsub/remainder/fmod kernels do
    (mul/div keep it unrounded), then computed in float32 and rounded once."""
    out = promote_same(args, arrays)
    if out.__class__ is tuple:  # (float32 arrays, half dtype): a half tensor and a scalar
        arrs, half = out
        return ([np.float32(half.type(x)) if x.__class__ is float or x.__class__ is int
                 else x for x in arrs], half)
    if out is arrays:  # nothing was cast: no scalar met a half tensor (the hot path)
        return out
    # the scalar first (``scalar % tensor``): the arrays were cast to the half dtype
    half = next((x.dtype for x in out if isinstance(x, _ndarray) and x.dtype in _dt.HALF_NP),
                None)
    if half is None:
        return out
    return [half.type(x) if x.__class__ is float or x.__class__ is int else x for x in out]


def promote_float(args, arrays):
    """As ``promote_same``, then integers and bools go to the default float dtype."""
    rt = _result_dtype(args)
    if rt._kind < 2:
        rt = _dt.get_default_dtype()
    for a, arr in zip(args, arrays):
        if isinstance(a, Tensor) and arr.dtype != rt.np:
            return _cast_to(args, arrays, rt)
    if rt.itemsize == 2 and rt._kind == 2:
        return _half_with_scalar(args, arrays, rt)
    return arrays


def promote_compare(args, arrays):
    """Comparison inputs cast to their common type; the op returns bool."""
    return promote_same(args, arrays)
