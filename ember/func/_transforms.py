"""Function transforms built on reverse-mode autograd: ``grad``, ``grad_and_value``,
``vjp``, ``jvp``, ``jacrev``, ``jacfwd`` and ``hessian`` (``torch.func``).

NOTE [transform levels]
torch's functorch wraps tensors per transform level.  ember gets the same results
from the ordinary autograd graph: each call opens a ``_Level`` that makes fresh
differentiable copies of the differentiated arguments (a ``view_as`` that stays
attached to the caller's graph when the caller is recording and the argument
requires grad, else a new leaf), runs the function under ``enable_grad``, and
differentiates it.  A result leaves the level detached unless its graph reaches
something outside the level (a node recorded before the level opened, or a leaf
not made by this level or one nested in it): then ``grad(f)(x)`` at top level gives
a plain tensor, as torch does, while ``grad(grad(f))``, ``vmap(grad(f))``,
``jacfwd(jacrev(f))`` and closures over an outer level's tensors keep their
derivatives.  The derivatives are computed with ``create_graph=True`` only when the
function's output reaches outside (otherwise nobody could differentiate them; this
makes ``vmap(grad(f))`` ~4x faster).  Under an outer ``no_grad`` the transform
still differentiates (grad mode inside ``f`` is on) and the results are always
detached, as torch's "grad ignores the outer no_grad" rule says.

``jvp`` and ``jacfwd`` have no forward-mode AD to use: ``jvp`` is the
double-backward trick (the VJP is linear in its cotangent ``u``; differentiating it
with respect to ``u`` along the tangent gives ``J t``), and ``jacfwd`` computes the
same Jacobian as ``jacrev`` (one VJP per output element).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..autograd.graph import AccumulateGrad, next_seq
from ._pytree import tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"]


class _Level:
    """One transform call (NOTE [transform levels])."""

    def __init__(self) -> None:
        self.outer_grad = is_grad_enabled()
        self.start = next_seq()
        self._keep: dict[int, bool] = {}

    def differentiable(self, x):
        if not isinstance(x, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if self.outer_grad and x.requires_grad:
            return x.view_as(x)
        return self.own_leaf(x.detach().requires_grad_(True))

    def own_leaf(self, t: Tensor) -> Tensor:
        # the level that made a leaf is remembered on it: a leaf made by this level or
        # by one nested inside it (started later) is inside this level
        t._func_level_start = self.start
        return t

    def _inside(self, leaf: Tensor) -> bool:
        st = getattr(leaf, "_func_level_start", None)
        return st is not None and st >= self.start

    def _reaches_outside(self, t: Tensor) -> bool:
        fn = t.grad_fn
        if fn is None:
            return t.requires_grad and not self._inside(t)
        stack = [fn]
        seen = set()
        while stack:
            node = stack.pop()
            key = id(node)
            if key in seen:
                continue
            seen.add(key)
            hit = self._keep.get(key)
            if hit is not None:
                if hit:
                    return True
                continue
            if isinstance(node, AccumulateGrad):
                if not self._inside(node.variable):
                    self._keep[key] = True
                    return True
                continue
            if getattr(node, "_seq", self.start) < self.start:
                return True
            for nxt, _ in node.next_functions:
                if nxt is not None:
                    stack.append(nxt)
        self._keep.update(dict.fromkeys(seen, False))
        return False

    def needs_graph(self, output) -> bool:
        """Whether derivatives of ``output`` must be recorded: only when its graph reaches
        outside the level (the derivatives' graph only involves the output's graph)."""
        return (self.outer_grad and isinstance(output, Tensor) and output.requires_grad
                and self._reaches_outside(output))

    def lift(self, tree, tensors_only: bool = False):
        """Results leave the level: detached unless attached to the outside.  With
        ``tensors_only`` (an ``aux`` output) any other leaf is an error, as in torch."""
        def one(t):
            if not isinstance(t, Tensor):
                if tensors_only:
                    raise RuntimeError(f"Expected tensors, got unsupported type {type(t)}")
                return t
            if not t.requires_grad:
                return t
            if self.outer_grad and self._reaches_outside(t):
                return t
            return t.detach()
        return tree_map(one, tree)


def _grads(outputs, inputs, grad_outputs=None, create_graph=True):
    """``autograd.grad`` over the outputs that have a graph; zeros for unused inputs."""
    from ..autograd import grad as autograd_grad
    from ..ops.creation import zeros_like
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    outs, gouts = [], []
    for o, g in zip(outputs, grad_outputs):
        if o.requires_grad:
            outs.append(o)
            gouts.append(g)
    if outs:
        res = autograd_grad(outs, inputs, gouts, retain_graph=True, create_graph=create_graph,
                            allow_unused=True)
    else:
        res = (None,) * len(inputs)
    return [zeros_like(x) if r is None else r for r, x in zip(res, inputs)]


# --- argnums ---------------------------------------------------------------------------------

def _wrap_argnum(argnum, num_args: int) -> int:
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def _norm_argnums(argnums, num_args: int):
    if isinstance(argnums, int):
        return _wrap_argnum(argnums, num_args)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    res = tuple(_wrap_argnum(a, num_args) for a in argnums)
    if len(res) == 0:
        raise RuntimeError("argnums must be non-empty")
    if len(set(res)) != len(res):
        raise RuntimeError(f"argnums elements must be unique, got {res}")
    return res


def _prepare_args(level: _Level, args: tuple, argnums):
    """Differentiable copies of the selected arguments: ``(new_args, flat, spec)`` where
    ``spec`` describes the selected arguments (a tuple of them for a tuple argnums)."""
    argnums = _norm_argnums(argnums, len(args))
    diff = args[argnums] if isinstance(argnums, int) else tuple(args[i] for i in argnums)
    flat, spec = tree_flatten(diff)
    new_flat = [level.differentiable(x) for x in flat]
    new_diff = tree_unflatten(new_flat, spec)
    new_args = list(args)
    if isinstance(argnums, int):
        new_args[argnums] = new_diff
    else:
        for i, v in zip(argnums, new_diff):
            new_args[i] = v
    return tuple(new_args), new_flat, spec


def _split_aux(output, has_aux: bool, api: str):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return output


# --- grad ------------------------------------------------------------------------------------

def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """Returns a function computing ``(gradient, value)`` of the scalar ``func`` with
    respect to the arguments selected by ``argnums`` (``(gradient, (value, aux))`` with
    ``has_aux``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = _Level()
        with enable_grad():
            args, flat, spec = _prepare_args(level, args, argnums)
            output = func(*args, **kwargs)
            output, aux = _split_aux(output, has_aux, "grad_and_value(f)(*args)")
            if not isinstance(output, Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {output.dim()} dims. Maybe "
                                   "you wanted to use the vjp or jacrev APIs instead?")
            grads = _grads([output], flat, create_graph=level.needs_graph(output))
        result = tree_unflatten(level.lift(grads), spec)
        output = level.lift(output)
        if has_aux:
            return result, (output, level.lift(aux, tensors_only=True))
        return result, output

    return wrapper


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """Returns a function computing the gradient of the scalar ``func`` with respect to
    the arguments selected by ``argnums`` (``(gradient, aux)`` with ``has_aux``)."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapper


# --- vjp / jvp ---------------------------------------------------------------------------------

def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns a tuple with one
    gradient per primal (``(output, vjp_fn, aux)`` with ``has_aux``)."""
    level = _Level()
    with enable_grad():
        flat, spec = tree_flatten(primals)
        new_flat = [level.differentiable(x) for x in flat]
        output = func(*tree_unflatten(new_flat, spec))
        output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
        out_flat, out_spec = tree_flatten(output)
        for o in out_flat:
            if not isinstance(o, Tensor):
                raise RuntimeError("vjp(f, *primals): expected f(*primals) to return only "
                                   f"tensors, got unsupported type {type(o)}")
            if not (o.dtype.is_floating_point or o.dtype.is_complex):
                raise RuntimeError("vjp(f, ...): All outputs of f must be floating-point or "
                                   f"complex Tensors, got Tensor with dtype {o.dtype}")

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        ct_flat, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function. cotangents: "
                               f"{ct_spec}, primal output: {out_spec}")
        for c, o in zip(ct_flat, out_flat):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {c.shape} "
                                   f"and output has a shape of {o.shape}.")
        want = is_grad_enabled() if create_graph is None else create_graph
        record = want and (any(level.needs_graph(o) for o in out_flat)
                           or any(isinstance(c, Tensor) and c.requires_grad for c in ct_flat))
        with enable_grad():
            grads = _grads(out_flat, new_flat, ct_flat, create_graph=record)
        inner = _Level.__new__(_Level)
        inner.__dict__.update(level.__dict__)
        inner.outer_grad = level.outer_grad and is_grad_enabled()
        inner._keep = {}
        return tree_unflatten(inner.lift(grads), spec)

    out = level.lift(output)
    if has_aux:
        return out, vjp_fn, level.lift(aux, tensors_only=True)
    return out, vjp_fn


def jvp(func: Callable, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)``, with the double-backward trick (NOTE
    [transform levels]); ``(output, jvp_out, aux)`` with ``has_aux``."""
    from ..ops.creation import zeros_like
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    flat, spec = tree_flatten(primals)
    t_flat, t_spec = tree_flatten(tangents)
    if spec != t_spec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, "
                           "tangents also must be. Got primals with structure "
                           f"{spec} and tangents with structure {t_spec}")
    for name, seq in (("primals", flat), ("tangents", t_flat)):
        for x in seq:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{api}: Expected {name} to only contain Tensors, got "
                                   f"{type(x)}")
    for p, t in zip(flat, t_flat):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size "
                               "than that of the original Tensor, this is not supported. "
                               f"Tensor is of size {list(p.shape)} while the given forward "
                               f"gradient is of size {list(t.shape)}.")
    level = _Level()
    with enable_grad():
        new_flat = [level.differentiable(x) for x in flat]
        output = func(*tree_unflatten(new_flat, spec))
        output, aux = _split_aux(output, has_aux, api)
        out_flat, out_spec = tree_flatten(output)
        for o in out_flat:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{api}: expected f(*args) to return only tensors, got "
                                   f"unsupported type {type(o)}")
        u = [level.own_leaf(zeros_like(o, requires_grad=True)) for o in out_flat]
        g = _grads(out_flat, new_flat, u, create_graph=True)
        pairs = [(gi, ti) for gi, ti in zip(g, t_flat) if gi.requires_grad]
        if strict and not pairs:
            raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is "
                               "independent of the inputs. This is not allowed with "
                               "strict=True.")
        if pairs:
            jv = _grads([p[0] for p in pairs], u, [p[1] for p in pairs],
                        create_graph=level.outer_grad)
        else:
            jv = [zeros_like(o) for o in out_flat]
    out = tree_unflatten(level.lift(out_flat), out_spec)
    jv = tree_unflatten(level.lift(jv), out_spec)
    if has_aux:
        return out, jv, level.lift(aux, tensors_only=True)
    return out, jv


def linearize(func: Callable, *primals):
    """``(func(*primals), jvp_fn)`` where ``jvp_fn(*tangents)`` is the JVP at ``primals``.
    torch traces the JVP graph once; ember re-runs ``jvp`` on every call (same values)."""
    output = func(*primals)
    flat, spec = tree_flatten(primals)
    metas = [(p.shape, p.device, p.dtype) for p in flat]

    def jvp_fn(*tangents):
        t_flat, t_spec = tree_flatten(tangents)
        if t_spec != spec:
            raise RuntimeError(f"Expected the tangents {t_spec} to have the same argspec as "
                               f"the primals {spec}")
        for idx, (t, meta) in enumerate(zip(t_flat, metas)):
            for what, have, want in zip(("shape", "device", "dtype"),
                                        (t.shape, t.device, t.dtype), meta):
                if have != want:
                    raise RuntimeError(f"tangent:{idx} with {what} {have} in flattened pytree "
                                       f"doesn't match the {what} {want} of the "
                                       "corresponding primal.")
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


# --- Jacobians ----------------------------------------------------------------------------------

def _jacobian_fn(func, argnums, has_aux, api_aux):
    from ..ops.indexing import stack

    def wrapper(*args, **kwargs):
        level = _Level()
        with enable_grad():
            args, flat, spec = _prepare_args(level, args, argnums)
            output = func(*args, **kwargs)
            output, aux = _split_aux(output, has_aux, api_aux)
            out_flat, out_spec = tree_flatten(output)
            per_output = []
            for o in out_flat:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f"{api_aux}: expected f(*primals) to return only "
                                       f"tensors, got unsupported type {type(o)}")
                rows: list[list] = [[] for _ in flat]
                o_flat = o.reshape(-1)
                for j in range(o.numel()):
                    for k, g in enumerate(_grads([o_flat[j]], flat,
                                                 create_graph=level.needs_graph(o))):
                        rows[k].append(g)
                blocks = []
                for k, x in enumerate(flat):
                    shape = tuple(o.shape) + tuple(x.shape)
                    blocks.append(stack(rows[k], 0).reshape(shape) if rows[k]
                                  else x.new_zeros(shape))
                per_output.append(tree_unflatten(level.lift(blocks), spec))
        result = tree_unflatten(per_output, out_spec)
        if has_aux:
            return result, level.lift(aux, tensors_only=True)
        return result

    return wrapper


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """Jacobian of ``func`` with respect to ``argnums`` by reverse mode: for each output
    a tensor shaped ``output.shape + input.shape`` (a tuple for a tuple ``argnums``).
    ``chunk_size`` only bounds memory in torch; ember computes row by row anyway."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return functools.wraps(func)(_jacobian_fn(func, argnums, has_aux, "vjp(f, *primals)"))


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """Jacobian of ``func`` with respect to ``argnums``, laid out as ``jacrev``'s.  ember
    computes it in reverse mode (NOTE [transform levels]); the values are the same."""
    from ._vmap import _check_randomness
    inner = _jacobian_fn(func, argnums, has_aux, "jvp(f, primals, tangents)")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _check_randomness(randomness)
        return inner(*args, **kwargs)

    return wrapper


def hessian(func: Callable, argnums=0) -> Callable:
    """The Hessian of ``func`` with respect to ``argnums``: ``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)
