r"""Pruning methods (``torch.nn.utils.prune``).

Pruning ``module.<name>`` moves the parameter to ``<name>_orig``, registers the binary
mask as the buffer ``<name>_mask`` and a forward pre-hook (the pruning method itself)
that recomputes ``<name> = <name>_mask * <name>_orig`` before every forward, so
gradients reach ``<name>_orig`` through the mask. Pruning the same tensor again wraps
the methods in a :class:`PruningContainer` that prunes only what is still unpruned;
:func:`remove` makes the pruning permanent.

NOTE [topk ties]
The deterministic methods pick what to prune with ``torch.topk``, whose CPU kernel runs
``std::nth_element`` (or ``std::partial_sort`` when ``64 * k <= n``) from libstdc++ on
(value, index) pairs compared by value only. Among equal values at the selection
boundary the chosen indices are therefore those algorithms' choice, not the lowest
indices. ``_topk_indices`` selects with NumPy when the boundary has no tie, and
otherwise replays the two libstdc++ algorithms step by step, so masks are bit-identical
to torch's, ties included.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor

__all__ = [
    "BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
    "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask", "identity",
    "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
    "global_unstructured", "custom_from_mask", "remove", "is_pruned",
]


class BasePruningMethod(ABC):
    r"""Abstract base of pruning techniques: subclasses define :meth:`compute_mask` (and
    ``PRUNING_TYPE``: ``'unstructured'``, ``'structured'`` or ``'global'``)."""

    _tensor_name: str

    def __call__(self, module, inputs) -> None:
        """The forward pre-hook: ``module.<name> = <name>_mask * <name>_orig``."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        r"""The mask for the importance scores ``t``, on top of ``default_mask`` (the mask of
        earlier pruning, ones at first), of the same shape as ``t``."""

    def apply_mask(self, module) -> Tensor:
        r"""The pruned tensor: the module's ``<name>_mask`` times its ``<name>_orig``."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name: str, *args, importance_scores=None, **kwargs):
        r"""Prune ``module.<name>`` with ``cls(*args, **kwargs)``: reparameterize it as
        ``<name>_orig`` and ``<name>_mask`` and add the forward pre-hook; a tensor pruned
        before gets the new method appended to its :class:`PruningContainer`.

        Args:
            module (nn.Module): module holding the tensor to prune.
            name (str): the parameter's name in ``module``.
            importance_scores (Tensor): scores of the parameter's shape that decide what
                to prune; ``None`` uses the parameter itself.
        """
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if importance_scores.shape != orig.shape:
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of "
                    f"{module}, got {importance_scores.shape} vs {orig.shape}")
        else:
            importance_scores = orig
        from ...ops.creation import ones_like
        if not isinstance(method, PruningContainer):
            # first pruning of this tensor: the parameter moves to <name>_orig
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            # roll the reparameterization back so a failed pruning leaves no trace
            if not isinstance(method, PruningContainer):
                orig = getattr(module, name + "_orig")
                module.register_parameter(name, orig)
                del module._parameters[name + "_orig"]
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        r"""The pruned version of ``t`` (``t`` times :meth:`compute_mask` of
        ``importance_scores``, or of ``t`` itself)."""
        if importance_scores is not None:
            if importance_scores.shape != t.shape:
                raise AssertionError("importance_scores should have the same shape as tensor "
                                     f"t, got {importance_scores.shape} vs {t.shape}")
        else:
            importance_scores = t
        if default_mask is None:
            from ...ops.creation import ones_like
            default_mask = ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module) -> None:
        r"""Make the pruning permanent: ``<name>`` becomes a parameter holding the pruned
        values; ``<name>_orig`` and ``<name>_mask`` are removed (the pruning stays)."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 "removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.data = weight.data
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


def _composite_method(cls, module, name, *args, **kwargs):
    """A new ``cls`` method for ``module.<name>``, combined with the pruning hook already
    there (taken off the module) into a :class:`PruningContainer`."""
    old_keys = [k for k, hook in module._forward_pre_hooks.items()
                if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    if len(old_keys) > 1:
        raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} "
                             f"of module {module}. Use a PruningContainer.")
    old_method = module._forward_pre_hooks[old_keys[0]] if old_keys else None
    for k in old_keys:
        del module._forward_pre_hooks[k]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if isinstance(old_method, PruningContainer):
        old_method.add_pruning_method(method)
        method = old_method
    elif old_method is not None:
        container = PruningContainer(old_method)
        container.add_pruning_method(method)
        method = container
    return method


class PruningContainer(BasePruningMethod):
    """The sequence of pruning methods applied to one tensor (iterative pruning); each new
    method prunes only the entries (or channels) the earlier ones left.

    Accepts one :class:`BasePruningMethod` or several."""

    def __init__(self, *args) -> None:
        self._pruning_methods: tuple = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        r"""Append ``method`` (a :class:`BasePruningMethod` acting on the same tensor)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError("Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        r"""``default_mask`` with the latest method's mask computed on the part of ``t`` it
        leaves: the unpruned entries (unstructured), the channels not entirely pruned
        (structured) or everything (global)."""
        method = self._pruning_methods[-1]
        mask = default_mask
        new_mask = mask.to(dtype=t.dtype)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            slc = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to '
                                     "have the attribute `dim` defined.")
            n_dims = t.dim()
            dim = method.dim + n_dims if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep_channel = mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
            slc = [slice(None)] * n_dims
            slc[dim] = keep_channel
            slc = tuple(slc)
        elif kind == "global":
            slc = tuple([slice(None)] * len(t.shape))
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        partial_mask = method.compute_mask(t[slc], default_mask=mask[slc])
        new_mask[slc] = partial_mask.to(dtype=new_mask.dtype)
        return new_mask


class Identity(BasePruningMethod):
    r"""Prunes nothing: the reparameterization with a mask of ones."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module, name: str):  # type: ignore[override]
        r"""Add the identity pruning reparameterization of ``module.<name>``."""
        return super().apply(module, name)


def _unstructured_mask(amount, t: Tensor, default_mask: Tensor, scores, largest: bool):
    """``default_mask`` with the ``amount`` entries of ``t`` that rank first by ``scores()``
    (largest or smallest first) set to 0; ``scores`` is only called when some are pruned."""
    size = t.nelement()
    k = _compute_nparams_toprune(amount, size)
    _validate_pruning_amount(k, size)
    mask = default_mask.clone()
    if k != 0:
        mask.view(-1)[_topk_indices(scores().view(-1), k, largest=largest)] = 0
    return mask


class _Unstructured(BasePruningMethod):
    """Base of the unstructured methods that prune ``amount`` entries."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount


class RandomUnstructured(_Unstructured):
    r"""Prune (currently unpruned) entries at random.

    Args:
        amount (int or float): a fraction in ``[0, 1]`` of the entries, or a number of
            entries, to prune.
    """

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        from ...ops.creation import rand_like
        return _unstructured_mask(self.amount, t, default_mask, lambda: rand_like(t), True)

    @classmethod
    def apply(cls, module, name: str, amount):  # type: ignore[override]
        r"""Prune ``amount`` random entries of ``module.<name>``."""
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    r"""Prune the (currently unpruned) entries of smallest absolute value.

    Args:
        amount (int or float): a fraction in ``[0, 1]`` of the entries, or a number of
            entries, to prune.
    """

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return _unstructured_mask(self.amount, t, default_mask, t.abs, False)

    @classmethod
    def apply(cls, module, name: str, amount, importance_scores=None):  # type: ignore[override]
        r"""Prune the ``amount`` entries of ``module.<name>`` (or of ``importance_scores``)
        of smallest absolute value."""
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _channel_mask(t: Tensor, dim: int, index) -> Tensor:
    """Zeros like ``t`` with ones in the channels ``index`` (indices or booleans) of ``dim``."""
    from ...ops.creation import zeros_like
    mask = zeros_like(t)
    slc = [slice(None)] * len(t.shape)
    slc[dim] = index
    mask[tuple(slc)] = 1
    return mask


class RandomStructured(BasePruningMethod):
    r"""Prune entire (currently unpruned) channels at random.

    Args:
        amount (int or float): a fraction in ``[0, 1]`` of the channels, or a number of
            channels, to prune.
        dim (int, optional): the dimension whose slices are the channels. Default: -1.
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        from ...ops.creation import rand
        from ...ops.reduction import kthvalue
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        size = t.shape[self.dim]
        k = _compute_nparams_toprune(self.amount, size)
        _validate_pruning_amount(k, size)
        if k == 0:
            return default_mask
        prob = rand(size)
        threshold = kthvalue(prob, k=k).values
        mask = _channel_mask(t, self.dim, prob > threshold)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name: str, amount, dim: int = -1):  # type: ignore[override]
        r"""Prune ``amount`` random channels along ``dim`` of ``module.<name>``."""
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    r"""Prune entire (currently unpruned) channels of smallest L\ ``n``-norm.

    Args:
        amount (int or float): a fraction in ``[0, 1]`` of the channels, or a number of
            channels, to prune.
        n (int, float, inf, -inf, 'fro', 'nuc'): the norm order (``p`` of ``norm``).
        dim (int, optional): the dimension whose slices are the channels. Default: -1.
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        size = t.shape[self.dim]
        k = _compute_nparams_toprune(self.amount, size)
        _validate_pruning_amount(k, size)
        norm = _compute_norm(t, self.n, self.dim)
        keep = _topk_indices(norm, size - k, largest=True)
        if k == 0:
            return default_mask
        mask = _channel_mask(t, self.dim, keep)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name: str, amount, n, dim: int,  # type: ignore[override]
              importance_scores=None):
        r"""Prune the ``amount`` channels along ``dim`` of ``module.<name>`` (or of
        ``importance_scores``) of smallest L\ ``n``-norm."""
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    r"""Prune with a precomputed ``mask`` (on top of any earlier mask)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if default_mask.shape != self.mask.shape:
            raise AssertionError(f"default_mask shape {default_mask.shape} must match "
                                 f"self.mask shape {self.mask.shape}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name: str, mask: Tensor):  # type: ignore[override]
        r"""Prune ``module.<name>`` with ``mask``."""
        return super().apply(module, name, mask=mask)


# --- functional interface -------------------------------------------------------------------

def identity(module, name: str):
    r"""Add the pruning reparameterization of ``module.<name>`` without pruning anything
    (``<name>_mask`` is all ones). Returns ``module``."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name: str, amount):
    r"""Prune ``amount`` (a fraction or a number) of the unpruned entries of
    ``module.<name>`` at random. Returns ``module``."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name: str, amount, importance_scores=None):
    r"""Prune ``amount`` (a fraction or a number) of the unpruned entries of
    ``module.<name>`` with the smallest absolute value (of ``importance_scores`` when
    given). Returns ``module``.

    Example::

        >>> m = prune.l1_unstructured(nn.Linear(2, 3), "weight", amount=0.2)
        >>> m.state_dict().keys()
        odict_keys(['bias', 'weight_orig', 'weight_mask'])
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name: str, amount, dim: int):
    r"""Prune ``amount`` (a fraction or a number) of the unpruned channels along ``dim`` of
    ``module.<name>`` at random. Returns ``module``."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name: str, amount, n, dim: int, importance_scores=None):
    r"""Prune ``amount`` (a fraction or a number) of the unpruned channels along ``dim`` of
    ``module.<name>`` with the smallest L\ ``n``-norm (of ``importance_scores`` when given).
    Returns ``module``."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs) -> None:
    r"""Prune the ``(module, name)`` tensors of ``parameters`` together: ``pruning_method``
    (an ``'unstructured'`` method class, with ``kwargs`` such as ``amount``) decides on all
    their entries at once, and each tensor gets its share as a :class:`CustomFromMask`.

    Args:
        parameters (Iterable of (module, name) tuples): the tensors to prune.
        pruning_method (type): e.g. :class:`L1Unstructured`.
        importance_scores (dict): ``{(module, name): scores}``; missing tensors score
            themselves.

    Raises:
        TypeError: if ``pruning_method.PRUNING_TYPE != 'unstructured'``.
    """
    from ...ops.creation import ones_like
    from .convert_parameters import parameters_to_vector
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((module, name), getattr(module, name))
                                   for (module, name) in parameters])
    default_mask = parameters_to_vector([
        getattr(module, name + "_mask", ones_like(getattr(module, name)))
        for (module, name) in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        num = param.numel()
        custom_from_mask(module, name, mask=final_mask[pointer:pointer + num].view_as(param))
        pointer += num


def custom_from_mask(module, name: str, mask: Tensor):
    r"""Prune ``module.<name>`` with the precomputed ``mask``. Returns ``module``."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name: str):
    r"""Make the pruning of ``module.<name>`` permanent and drop its reparameterization and
    hook (the pruned entries stay zero). Returns ``module``."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module) -> bool:
    r"""Whether ``module`` or a submodule carries a pruning forward pre-hook."""
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


# --- validation helpers ---------------------------------------------------------------------

def _validate_pruning_amount_init(amount) -> None:
    """``amount`` must be a float in [0, 1] or a non-negative integer."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    integral = isinstance(amount, numbers.Integral)
    if (integral and amount < 0) or (not integral and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _validate_pruning_amount(amount, tensor_size: int) -> None:
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to "
                         f"prune={tensor_size}")


def _validate_structured_pruning(t: Tensor) -> None:
    shape = t.shape
    if len(shape) <= 1:
        raise ValueError("Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {shape} with {len(shape)} dims")


def _compute_nparams_toprune(amount, tensor_size: int) -> int:
    if isinstance(amount, numbers.Integral):
        return amount
    return round(amount * tensor_size)


def _validate_pruning_dim(t: Tensor, dim: int) -> None:
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _compute_norm(t: Tensor, n, dim: int) -> Tensor:
    """The L``n``-norm of each channel along ``dim`` (over all other dimensions)."""
    from ...ops.reduction import norm
    dims = list(range(t.dim()))
    if dim < 0:
        dim = dims[dim]
    dims.remove(dim)
    return norm(t, p=n, dim=dims)


# --- torch.topk's selection, ties included (NOTE [topk ties]) -------------------------------

def _topk_indices(values: Tensor, k: int, largest: bool) -> Tensor:
    """The indices of the 1-D ``values`` that ``torch.topk(values, k, largest)`` returns
    (as a set; their order is not torch's)."""
    from ...dtypes import int64
    from ...ops.creation import tensor
    v = np.asarray(values.detach().cpu().numpy()).astype(np.float64)
    keys = _order_keys(v, largest)
    if k == 0:
        chosen = np.zeros(0, np.int64)
    else:
        kth = np.partition(keys, k - 1)[k - 1]
        below = keys < kth
        if int(below.sum()) + int((keys == kth).sum()) == k:
            chosen = np.flatnonzero(keys <= kth)
        else:
            chosen = np.asarray(_libstdcxx_select(keys.tolist(), k), np.int64)
    return tensor(chosen, dtype=int64, device=values.device)


def _order_keys(v: np.ndarray, largest: bool) -> np.ndarray:
    """Integer keys whose ``<`` is topk's comparator: ascending with NaN last (smallest),
    descending with NaN first (largest); equal values share a key."""
    nan = np.isnan(v)
    ranks = np.zeros(v.size, np.int64)
    uniq, inv = np.unique(v[~nan], return_inverse=True)
    ranks[~nan] = inv if not largest else uniq.size - 1 - inv
    ranks[nan] = uniq.size if not largest else -1
    return ranks


def _libstdcxx_select(keys: list, k: int) -> list:
    """The first ``k`` indices after topk's ``std::partial_sort`` (``64 k <= n``) or
    ``std::nth_element`` at ``k - 1`` on (key, index) pairs, as libstdc++ runs them."""
    a = [(key, i) for i, key in enumerate(keys)]
    n = len(a)
    if k * 64 <= n:
        _heap_select(a, 0, k, n)
    else:
        _introselect(a, 0, k - 1, n, 2 * (n.bit_length() - 1))
    return [p[1] for p in a[:k]]


def _adjust_heap(a: list, first: int, hole: int, length: int, value) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if a[first + child][0] < a[first + child - 1][0]:
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and a[first + parent][0] < value[0]:
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _heap_select(a: list, first: int, middle: int, last: int) -> None:
    length = middle - first
    if length >= 2:  # make_heap
        parent = (length - 2) // 2
        while True:
            _adjust_heap(a, first, parent, length, a[first + parent])
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if a[i][0] < a[first][0]:  # pop_heap into i
            value = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, length, value)


def _introselect(a: list, first: int, nth: int, last: int, depth: int) -> None:
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def _partition_pivot(a: list, first: int, last: int) -> int:
    mid = first + (last - first) // 2
    x, y, z = first + 1, mid, last - 1
    kx, ky, kz = a[x][0], a[y][0], a[z][0]
    if kx < ky:
        pick = y if ky < kz else (z if kx < kz else x)
    else:
        pick = x if kx < kz else (z if ky < kz else y)
    a[first], a[pick] = a[pick], a[first]
    pivot = a[first][0]
    lo, hi = first + 1, last
    while True:
        while a[lo][0] < pivot:
            lo += 1
        hi -= 1
        while pivot < a[hi][0]:
            hi -= 1
        if not lo < hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _insertion_sort(a: list, first: int, last: int) -> None:
    for i in range(first + 1, last):
        value = a[i]
        if value[0] < a[first][0]:
            a[first + 1:i + 1] = a[first:i]
            a[first] = value
        else:
            j = i
            while value[0] < a[j - 1][0]:
                a[j] = a[j - 1]
                j -= 1
            a[j] = value
