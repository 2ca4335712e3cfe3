"""Autograd graph nodes: ``Node`` (every grad_fn), ``AccumulateGrad``, saved tensors.

NOTE [saved tensors]
A node saves its *input* tensors as the Tensor objects themselves (no cycle: an
input never points at the node that consumes it).  A saved *output* would form a
cycle (output -> grad_fn -> output), so it is stored as its array plus its version
counter and rebuilt on unpack with ``grad_fn`` set to the node, as torch's
SavedVariable does.  Each entry remembers the version at save time; unpacking
after an in-place change raises torch's error, and unpacking after the graph was
freed raises torch's "backward through the graph a second time" error.
"""

from __future__ import annotations

import itertools

_seq = itertools.count()

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class DeferredSaved:
    """A node's saved state that will be recomputed on demand (activation checkpointing).

    NOTE [deferred saved state]
    ``ember.utils.checkpoint`` runs a region with the graph recorded, then replaces each
    region node's ``_saved`` with one of these (and drops the node's op buffers with
    ``_release``), so no activation of the region stays alive.  Before such a node's
    saved state is used (the engine running it, or ``_unpack``), ``materialize`` asks
    the region's frame to re-run the region and copy the recomputed node's saved state
    and buffers into it.  With ``retain_graph=True`` the engine puts the marker back
    after the node ran, so a second backward recomputes again."""

    __slots__ = ("frame", "index")

    def __init__(self, frame, index: int) -> None:
        self.frame = frame
        self.index = index

    @staticmethod
    def materialize(node) -> None:
        # a recomputed state may itself be deferred (a checkpoint nested in a checkpoint)
        saved = node._saved
        while saved.__class__ is DeferredSaved:
            saved.frame.restore(node, saved.index)
            saved = node._saved


class VersionCounter:
    __slots__ = ("v",)

    def __init__(self) -> None:
        self.v = 0


class RemovableHandle:
    """Handle returned by ``register_*hook``; ``remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks_dict: dict) -> None:
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Node:
    """Base of every ``grad_fn``.  Subclasses implement ``backward(*grads)``."""

    # _saved: None (nothing saved), a tuple of saved entries, or False once freed.
    __slots__ = ("next_functions", "_saved", "_seq", "_in_meta", "__dict__", "__weakref__")
    num_outputs = 1
    _bw_name = "Node"
    # rarely set; class defaults keep node creation to four slot stores
    _pre_hooks = None
    _post_hooks = None
    _retain = None
    _trace = None
    _out_meta = None  # ((shape, dtype), ...) for multi-output nodes

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        if "_bw_name" not in cls.__dict__:
            cls._bw_name = cls.__name__ + "Backward0"

    def name(self) -> str:
        return self._bw_name

    def __repr__(self) -> str:
        return f"<{self._bw_name} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        return self.__dict__.setdefault("_metadata", {})

    # --- saved tensors ----------------------------------------------------------------
    def _unpack(self):
        saved = self._saved
        if saved.__class__ is DeferredSaved:
            DeferredSaved.materialize(self)
            saved = self._saved
        if saved is False:
            raise RuntimeError(FREED_MSG)
        if saved is None:
            return ()
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
                continue
            n = len(entry)
            if n == 2:  # an input tensor: (tensor, version at save)
                t = entry[0]
                vc = t._vcnt
                now = vc.v if vc is not None else 0
                if now != entry[1]:
                    raise RuntimeError(_modified_msg(self, t.shape, now, entry[1]))
                out.append(t)
            elif n == 1:  # a non-tensor argument
                out.append(entry[0])
            else:  # an output: (array, version counter, version, device, output_nr)
                if entry[1].v != entry[2]:
                    raise RuntimeError(_modified_msg(self, entry[0].shape, entry[1].v,
                                                     entry[2]))
                out.append(_rebuild_output(self, entry))
        return tuple(out)

    @property
    def saved_tensors(self):
        return self._unpack()

    def _free(self) -> None:
        if self._saved is not None:
            self._saved = False
        self._release()

    def _release(self) -> None:
        """Drop op-specific buffers (override in ops that keep arrays)."""

    # --- hooks ------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node computed its gradients."""
        hooks = self._post_hooks
        if hooks is None:
            hooks = self._post_hooks = {}
        h = RemovableHandle(hooks)
        hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node computes; may return new grads."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, output_nr: int, fn):
        hooks = self._pre_hooks
        if hooks is None:
            hooks = self._pre_hooks = {}
        h = RemovableHandle(hooks)
        hooks[h.id] = (output_nr, fn)
        return h

    def _materialize(self, grads):
        """Zeros for the outputs that received no gradient (multi-output nodes)."""
        from ..ops.creation import zeros
        out = list(grads)
        for i, g in enumerate(out):
            if g is None:
                shape, dt, dev = self._out_meta[i]
                out[i] = zeros(shape, dtype=dt, device=dev)
        return out

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self._bw_name} has no backward")


def _rebuild_output(node: Node, entry):
    from .._tensor import Tensor
    arr, ver, _saved_version, dev, output_nr = entry
    t = Tensor._make(arr, dev)
    t._vcnt = ver
    t._requires_grad = True
    t._grad_fn = node
    t._output_nr = output_nr
    return t


def _modified_msg(node, shape, now, expected) -> str:
    shape = list(shape)
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [ember.Tensor {shape}], which is saved by {node._bw_name}, is "
        f"at version {now}; expected version {expected} instead. Hint: enable anomaly "
        "detection to find the operation that failed to compute its gradient, with "
        "ember.autograd.set_detect_anomaly(True).")


class AccumulateGrad(Node):
    """Sink node of a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    _bw_name = "AccumulateGrad"

    def __init__(self, variable) -> None:
        self.variable = variable
        self.next_functions = ()
        self._saved = None
        self._seq = -1  # sinks run last among ready nodes

    def accumulate(self, grad, owned: bool) -> None:
        """Adds ``grad`` into ``variable.grad``.  ``owned`` says no one else holds ``grad``
        (the engine made it in this pass and gave it to no other sink), so it may be
        adopted as ``.grad`` without a copy, as torch steals unshared buffers."""
        from .grad_mode import _Mode
        var = self.variable
        old = var.grad
        if old is None:
            if _Mode.grad_enabled:
                var.grad = grad  # create_graph=True: .grad keeps its own graph
            elif owned and grad._base is None and grad._data.flags.writeable \
                    and grad._data.flags.c_contiguous:
                var.grad = grad
            else:
                var.grad = grad.detach().clone()
        elif _Mode.grad_enabled:
            var.grad = old + grad
        elif old._data.flags.writeable and old._data.dtype == grad._data.dtype \
                and old._data.shape == grad._data.shape:
            old._data += grad._data
            old._bump()
        else:
            var.grad = old + grad
        hooks = var._post_acc_hooks
        if hooks:
            for fn in list(hooks.values()):
                fn(var)


def next_seq() -> int:
    return next(_seq)
