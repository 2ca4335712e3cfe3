"""Activation checkpointing (``torch.utils.checkpoint``): trade compute for memory by
re-running a region in the backward pass instead of keeping its activations.

NOTE [two checkpoint variants]
``use_reentrant=True`` is torch's original design: an autograd ``Function`` runs the
region under ``no_grad`` (nothing is recorded, nothing is saved but the inputs); its
backward re-runs the region with grad enabled on detached inputs and calls
``backward`` inside the backward pass (reentrant), which accumulates the gradients
of parameters used in the region into their ``.grad``.  Hence it cannot serve
``autograd.grad`` or ``backward(inputs=...)``, and if no input requires grad no
gradient reaches the region's parameters.

``use_reentrant=False`` records the region's graph as usual, so the output's
history reaches every tensor the region used (parameters, inputs that do not
require grad, closures), then frees the saved state of every node the region
recorded (NOTE [deferred saved state] in ``ember.autograd.graph``).  When the
backward pass first needs one of them, the frame re-runs the region with the same
RNG state and autocast settings, pairs the recomputed nodes with the original ones
in recording order, checks that the saved tensors agree in shape, dtype and device
(``determinism_check="default"``), and hands each original node its recomputed
state.  This works with ``autograd.grad``, ``create_graph=True`` (the recomputed
tensors carry their own graph to the region's inputs) and nested checkpoints.
torch pairs saved tensors through saved-tensor hooks; ember pairs the nodes that
hold them, which comes to the same thing for a deterministic region.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

from .._tensor import Size, Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..autograd.graph import AccumulateGrad, DeferredSaved, next_seq

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "check_backward_validity", "detach_variable", "noop_context_fn",
           "set_checkpoint_debug_enabled", "set_checkpoint_early_stop"]

_DEFAULT_DETERMINISM_MODE = "default"
_DETERMINISM_MODES = ("default", "none")


class CheckpointError(RuntimeError):
    """The recomputed region saved different tensors than the original forward."""


class _Settings:
    debug: bool | None = None
    early_stop: bool | None = None


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled: bool | None):
    """Override ``debug=`` of every non-reentrant checkpoint inside the block."""
    prev = _Settings.debug
    _Settings.debug = enabled
    try:
        yield
    finally:
        _Settings.debug = prev


@contextlib.contextmanager
def set_checkpoint_early_stop(enable: bool):
    """Accepted for torch compatibility: ember always recomputes the whole region."""
    prev = _Settings.early_stop
    _Settings.early_stop = enable
    try:
        yield
    finally:
        _Settings.early_stop = prev


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Detach every tensor of the tuple ``inputs``, keeping its ``requires_grad``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            d = x.detach()
            d.requires_grad_(x.requires_grad)
            out.append(d)
        else:
            out.append(x)
    return tuple(out)


def check_backward_validity(inputs) -> None:
    if not any(x.requires_grad for x in inputs if isinstance(x, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


# --- replaying the forward's RNG and autocast state --------------------------------------------

class _ForwardState:
    """What the recomputation must reproduce: the CPU RNG state and autocast settings."""

    def __init__(self, preserve_rng_state: bool) -> None:
        from .. import random
        from ..amp import autocast_mode as am
        self.rng = random.get_rng_state() if preserve_rng_state else None
        self.autocast = (am.is_autocast_enabled("cpu"), am.get_autocast_dtype("cpu"),
                         am.is_autocast_cache_enabled())

    @contextlib.contextmanager
    def replay(self):
        from .. import random
        from ..amp import autocast_mode as am
        outer = random.get_rng_state() if self.rng is not None else None
        if self.rng is not None:
            random.set_rng_state(self.rng)
        enabled, dtype, cache = self.autocast
        try:
            with am.autocast("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache):
                yield
        finally:
            if outer is not None:
                random.set_rng_state(outer)


# --- use_reentrant=True --------------------------------------------------------------------------

class CheckpointFunction(Function):
    """The reentrant checkpoint (NOTE [two checkpoint variants])."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.fwd_state = _ForwardState(preserve_rng_state)
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        return run_function(*args)  # Function.apply runs forward under no_grad

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import backward as autograd_backward
        from ..autograd.engine import is_checkpoint_valid
        if not is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() "
                "or passing an `inputs` parameter to .backward(). To resolve this error, you "
                "can either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument.")
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        detached = detach_variable(tuple(inputs))
        with ctx.fwd_state.replay(), enable_grad():
            outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        autograd_backward([p[0] for p in pairs], [p[1] for p in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None
                                    for x in detached)


# --- use_reentrant=False -------------------------------------------------------------------------

# per-node attributes that belong to the original node, never copied from a recomputed one
_NODE_OWN = frozenset({"_pre_hooks", "_post_hooks", "_retain", "_trace", "_metadata"})


def _tensors_in(tree) -> list:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for x in tree for t in _tensors_in(x)]
    if isinstance(tree, dict):
        return [t for x in tree.values() for t in _tensors_in(x)]
    return []  # other objects are not searched (torch saves only top-level tensors)


def _region_nodes(outputs, start: int, end: int) -> list:
    """The nodes recorded between sequence numbers ``start`` and ``end`` that the
    outputs' history reaches, in recording order."""
    stack = [t.grad_fn for t in _tensors_in(outputs) if t.grad_fn is not None]
    seen: set = set()
    found = []
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, AccumulateGrad):
            continue
        seen.add(id(node))
        seq = getattr(node, "_seq", -1)
        if not start <= seq < end:
            continue
        found.append(node)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    found.sort(key=lambda n: n._seq)
    return found


def _saved_meta(node) -> list:
    """``{"shape", "dtype", "device"}`` of each tensor a node saved (torch's metadata)."""
    from .. import dtypes
    saved = node._saved
    if saved.__class__ is DeferredSaved:  # a nested checkpoint: resolved when recomputed
        return []
    out = []
    for entry in saved or ():
        if entry is None or len(entry) == 1:
            continue
        if len(entry) == 2:
            t = entry[0]
            out.append({"shape": t.shape, "dtype": t.dtype, "device": t.device})
        else:
            arr = entry[0]
            out.append({"shape": Size(arr.shape), "dtype": dtypes._BY_NP[arr.dtype],
                        "device": entry[3]})
    return out


_DEBUG_TIP = ("\nTip: To see a more detailed error message, either pass `debug=True` to "
              "`torch.utils.checkpoint.checkpoint(...)` or wrap the code block with `with "
              "torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to enable "
              "checkpoint-debug mode globally.\n")


class _CheckpointInputs:
    """Names the saver of a checkpoint's inputs in the in-place modification error."""

    _bw_name = "checkpoint (an input of the checkpointed function)"


class _Frame:
    """One non-reentrant checkpointed call: what is needed to recompute its region and
    hand the recomputed saved state to the original nodes."""

    def __init__(self, fn, args, kwargs, fwd_state, recompute_ctx, check: bool,
                 debug: bool) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.fwd_state = fwd_state
        self.recompute_ctx = recompute_ctx
        self.check = check
        self.debug = debug
        self.metas: list = []
        self.fwd_ops: list = []
        self.states: list | None = None
        # the inputs are saved tensors of the checkpoint: in-place changes are errors
        self.versions = [(t, t._vc().v) for t in _tensors_in((args, kwargs))]

    def seal(self, nodes: list) -> None:
        """Free the saved state of the region's nodes (called after the forward)."""
        self.metas = [m for n in nodes for m in _saved_meta(n)]
        self.fwd_ops = [n.name() for n in nodes]
        for i, node in enumerate(nodes):
            node._saved = DeferredSaved(self, i)
            node._release()
            if node.__dict__.get("_to_save") is not None:  # a custom Function's ctx
                node._to_save = None

    def restore(self, node, index: int) -> None:
        if self.states is None or self.states[index] is None:
            self._recompute()
        saved, state = self.states[index]
        self.states[index] = None
        node._saved = saved
        node.__dict__.update(state)

    def _recompute(self) -> None:
        from ..autograd.graph import _modified_msg
        for t, v in self.versions:
            if t._vc().v != v:
                raise RuntimeError(_modified_msg(_CheckpointInputs, t.shape, t._vc().v, v))
        with self.fwd_state.replay(), enable_grad(), self.recompute_ctx:
            start = next_seq()
            outputs = self.fn(*self.args, **self.kwargs)
            end = next_seq()
        nodes = _region_nodes(outputs, start, end)
        metas = [m for n in nodes for m in _saved_meta(n)]
        if len(nodes) != len(self.fwd_ops) or (self.check and len(metas) != len(self.metas)):
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\nNumber of tensors saved during forward: "
                f"{len(self.metas)}\nNumber of tensors saved during recomputation: "
                f"{len(metas)}.\n" + self._details(nodes))
        if self.check:
            bad = [(i, a, b) for i, (a, b) in enumerate(zip(self.metas, metas)) if a != b]
            if bad:
                lines = "".join(f"tensor at position {i}:\nsaved metadata: {a}\n"
                                f"recomputed metadata: {b}\n" for i, a, b in bad)
                raise CheckpointError(
                    "torch.utils.checkpoint: Recomputed values for the following tensors have "
                    f"different metadata than during the forward pass.\n{lines}.\n"
                    + self._details(nodes))
        self.states = [(n._saved, {k: v for k, v in n.__dict__.items() if k not in _NODE_OWN})
                       for n in nodes]

    def _details(self, nodes) -> str:
        if not self.debug:
            return _DEBUG_TIP
        return ("\nOperations executed during the original forward:\n\n"
                + "\n".join(self.fwd_ops)
                + "\n\nOperations executed during recomputation:\n\n"
                + "\n".join(n.name() for n in nodes) + "\n")


def _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, debug,
                                  args, kwargs):
    if _Settings.debug if _Settings.debug is not None else debug:
        if context_fn is not noop_context_fn:
            raise ValueError("debug=True is incompatible with non-default context_fn")
        debug = True
    if determinism_check not in _DETERMINISM_MODES:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_MODES)}, but "
                         f"got {determinism_check}")
    forward_ctx, recompute_ctx = context_fn()
    if not is_grad_enabled():
        return function(*args, **kwargs)
    frame = _Frame(function, args, kwargs, _ForwardState(preserve), recompute_ctx,
                   determinism_check == "default", bool(debug))
    start = next_seq()
    suppressed = True
    with forward_ctx:
        out = function(*args, **kwargs)
        suppressed = False
    if suppressed:
        raise RuntimeError("torch.utils.checkpoint: the forward context provided by context_fn "
                           "suppressed an exception raised during the checkpointed forward. "
                           "This is not supported because checkpoint cannot return a value for "
                           "a failed forward.")
    frame.seal(_region_nodes(out, start, next_seq()))
    return out


# --- public entry points -------------------------------------------------------------------------

def checkpoint(function: Callable, *args, use_reentrant: bool | None = None,
               context_fn: Callable = noop_context_fn,
               determinism_check: str = _DEFAULT_DETERMINISM_MODE, debug: bool = False,
               early_stop: bool = True, **kwargs) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its activations; they are
    recomputed in the backward pass (NOTE [two checkpoint variants]).

    Args:
        function: the region to run.
        use_reentrant: pass it explicitly (torch warns when it is omitted and then uses
            ``True``); ``False`` is recommended.
        preserve_rng_state (keyword): replay the forward's RNG state in the
            recomputation so random ops (dropout) draw the same values. Default True.
        context_fn: returns ``(forward_ctx, recompute_ctx)`` context managers
            (``use_reentrant=False`` only).
        determinism_check: ``"default"`` compares the recomputed saved tensors' shapes,
            dtypes and devices with the forward's; ``"none"`` skips that.
        debug: list the operators of both runs in a ``CheckpointError``.
        early_stop: accepted for compatibility (ember recomputes the whole region).
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check,
                                         debug, args, kwargs)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None,
                          **kwargs):
    """Run a sequential model in ``segments`` chunks, checkpointing all but the last.

    Args:
        functions: an ``nn.Sequential`` or a list of modules/functions run in order.
        segments: how many chunks to split ``functions`` into.
        input: the Tensor fed to the first function.
        use_reentrant: as in ``checkpoint`` (pass it explicitly).
        preserve_rng_state (keyword): as in ``checkpoint``.
    """
    from ..nn.modules.container import Sequential
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))

    def run(start: int, end: int):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
