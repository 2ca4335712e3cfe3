"""``vmap``: map a function over a batch dimension of its inputs (``torch.func.vmap``).

NOTE [vmap by looping]
ember has no batching rules: ``vmap`` slices the inputs along their ``in_dims``,
calls the function once per batch element, and stacks each output along its
``out_dim``.  The function therefore sees unbatched tensors exactly as under torch's
vmap (``x.shape`` has no batch dim), results and gradients are the same, and
nested ``vmap`` and ``vmap(grad(f))`` (per-sample gradients) compose; the cost is one
Python call per element.  What a loop cannot reproduce: a function that branches on
data (``if x.sum() > 0``) or calls ``.item()`` works here where torch raises, and
in-place writes into an unbatched input from a batched one are not rejected.  An
``out_dims`` entry of None is checked as torch checks it: during the first call a
dispatch hook follows which tensors derive from the mapped inputs (by memory root,
so views and ``detach`` count), and such an output raises.
``chunk_size`` is validated and otherwise has no effect (every chunk is one
element).  Randomness follows torch's three modes on the default generator:
``"error"`` raises if the function drew random numbers, ``"same"`` rewinds the
generator before every element (every element sees the same draw), ``"different"``
lets each element draw its own numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .._tensor import Tensor
from ._pytree import broadcast_prefix, tree_flatten, tree_unflatten

__all__ = ["vmap"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either "
                 "use the 'same' or 'different' randomness flags on vmap or perform the "
                 "randomness operation out of vmap")


def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _name(func) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Returns ``func`` mapped over dimension ``in_dims`` of its inputs, its outputs
    stacked along ``out_dims`` (NOTE [vmap by looping]).

    Args:
        func: a function of Tensors (and pytrees of them) returning Tensors.
        in_dims: int, None, or a (nested) tuple matching the positional inputs.
        out_dims: int, None, or a (nested) tuple matching the outputs.
        randomness: ``"error"``, ``"different"`` or ``"same"``.
        chunk_size: None or a positive int.
    """
    _check_randomness(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        _check_out_dims(out_dims, func)
        return _vmap_call(func, in_dims, out_dims, randomness, args, kwargs)

    return wrapped


def _check_out_dims(out_dims, func) -> None:
    leaves, _ = tree_flatten(out_dims)
    for d in leaves:
        if d is not None and not isinstance(d, int):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must "
                             "be an int, None or a python collection of ints representing "
                             "where in the outputs the vmapped dimension should appear.")


def _flat_in_dims(func, in_dims, args):
    name = _name(func)
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` "
                         "to be int or a (potentially nested) tuple matching the structure of "
                         f"inputs, got: {type(in_dims)}.")
    if len(args) == 0:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. "
                         "The latter is unsupported.")
    flat_args, args_spec = tree_flatten(args)
    flat_dims = broadcast_prefix(in_dims, args_spec)
    if flat_dims is None:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                         "compatible with the structure of `inputs`. in_dims has structure "
                         f"{tree_flatten(in_dims)[1]} but inputs has structure {args_spec}.")
    norm = []
    for arg, d in zip(flat_args, flat_dims):
        if d is None:
            norm.append(None)
            continue
        if not isinstance(d, int):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             "for an input but in_dim must be either an integer dimension or "
                             "None.")
        if not isinstance(arg, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             f"for an input but the input is of type {type(arg)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the "
                             "respective in_dim")
        nd = arg.dim()
        if not -nd <= d < nd:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             f"for some input, but that input is a Tensor of dimensionality "
                             f"{nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}.")
        norm.append(d % nd)
    sizes = [a.size(d) for a, d in zip(flat_args, norm) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return flat_args, args_spec, norm, sizes[0]


def _root(arr):
    while getattr(arr, "base", None) is not None:
        arr = arr.base
    return arr


class _Taint:
    """Which tensors of one call derive from the batched inputs (a dispatch hook that
    follows every op; memory roots so that ``detach`` and views stay tainted).  Used
    only when an ``out_dims`` entry is None, to reject a batched output as torch does."""

    def __init__(self, tensors) -> None:
        self.roots: dict[int, object] = {}
        for t in tensors:
            self._add(t)

    def _add(self, t) -> None:
        r = _root(t._data)
        self.roots[id(r)] = r

    def has(self, t) -> bool:
        return isinstance(t, Tensor) and id(_root(t._data)) in self.roots

    def _any(self, args) -> bool:
        for a in args:
            if isinstance(a, (list, tuple)):
                if self._any(a):
                    return True
            elif self.has(a):
                return True
        return False

    def hook(self, cls, args, params, call_next):
        out = call_next(cls, args, params)
        if self._any(args):
            for o in (out if isinstance(out, tuple) else (out,)):
                if isinstance(o, Tensor):
                    self._add(o)
        return out


def _rng_state():
    from .. import random
    return random.default_generator.get_state()


def _vmap_call(func, in_dims, out_dims, randomness, args, kwargs):
    from .. import random
    from ..ops.registry import pop_hook, push_hook
    flat_args, args_spec, dims, batch = _flat_in_dims(func, in_dims, args)
    start_state = _rng_state() if randomness != "different" else None
    taint = None
    results = []
    out_spec = None
    for b in range(batch):
        if randomness == "same":
            random.default_generator.set_state(start_state)
        sliced = [a if d is None else a.select(d, b) for a, d in zip(flat_args, dims)]
        if b == 0 and _may_be_none(out_dims):
            taint = _Taint([s for s, d in zip(sliced, dims) if d is not None])
            push_hook(taint.hook)
            try:
                out = func(*tree_unflatten(sliced, args_spec), **kwargs)
            finally:
                pop_hook(taint.hook)
        else:
            out = func(*tree_unflatten(sliced, args_spec), **kwargs)
        if randomness == "error":
            now = _rng_state()
            if not bool((now == start_state).all()):
                raise RuntimeError(_RANDOM_ERROR)
        leaves, spec = tree_flatten(out)
        if out_spec is None:
            out_spec = spec
        results.append(leaves)
    if batch == 0:
        raise ValueError("vmap: ember's looping vmap needs a non-empty batch dimension "
                         "(got a mapped dimension of size 0)")
    return _stack_outputs(func, out_dims, results, out_spec, results[0], taint)


def _may_be_none(out_dims) -> bool:
    if out_dims is None:
        return True
    if isinstance(out_dims, dict):
        return any(_may_be_none(v) for v in out_dims.values())
    if isinstance(out_dims, (tuple, list)):
        return any(_may_be_none(v) for v in out_dims)
    return False


def _stack_outputs(func, out_dims, results, out_spec, first, taint):
    from ..ops.indexing import stack
    name = _name(func)
    if len(first) == 1 and out_spec.kind == "leaf":
        if isinstance(out_dims, int) or out_dims is None:
            flat_out_dims = [out_dims]
        elif isinstance(out_dims, tuple) and len(out_dims) == 1:
            flat_out_dims = list(out_dims)
        else:
            flat_out_dims = None
    else:
        flat_out_dims = broadcast_prefix(out_dims, out_spec)
    if flat_out_dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         "compatible with the structure of `outputs`. out_dims has structure "
                         f"{tree_flatten(out_dims)[1]} but outputs has structure {out_spec}.")
    outs = []
    for i, d in enumerate(flat_out_dims):
        if d is None:
            if taint is not None and taint.has(first[i]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
            outs.append(first[i])
            continue
        if not isinstance(first[i], Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(first[i])}. Did you mean to set out_dims= to None for "
                             "output?")
        outs.append(stack([r[i] for r in results], d))
    return tree_unflatten(outs, out_spec)
