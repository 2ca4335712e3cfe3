"""``Optimizer``: the base of every optimizer (``torch.optim.Optimizer``).

Parameter groups, per-parameter state, ``state_dict``/``load_state_dict`` with torch's
layout (parameters replaced by integer ids, ``step`` kept as a 0-d float tensor), step and
state-dict hooks.  Subclasses update parameters in place on their backend arrays (groups with
``differentiable=True`` go through ``_differentiable``, in ember autograd ops): the
state holds ember Tensors (so checkpoints look like torch's) whose arrays the update
loops modify directly, with torch's operation order and float32 math for float32
parameters (Python float scalars combine with float32 arrays as float32, NEP 50).
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.graph import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]

_make = Tensor._make
_global_optimizer_pre_hooks: OrderedDict = OrderedDict()
_global_optimizer_post_hooks: OrderedDict = OrderedDict()


class _RequiredParameter:
    """Marks a hyper-parameter that has no default (``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """Registers ``hook(optimizer, args, kwargs)`` to run before every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """Registers ``hook(optimizer, args, kwargs)`` to run after every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        try:
            return obj.type()
        except Exception:  # noqa: BLE001 - a name for an error message only
            return "ember.Tensor"
    module = getattr(type(obj), "__module__", None)
    name = type(obj).__qualname__
    if module in (None, "builtins"):
        return name
    return f"{module}.{name}"


def _to_scalar(x):
    """A hyper-parameter as a Python number (1-element tensors are read out)."""
    if isinstance(x, Tensor):
        return float(x.item())
    return x


def _get_value(x):
    return x.item() if isinstance(x, Tensor) else x


def _scalar_np_dtype(is_fused=None):
    """dtype of ``step`` and other scalar state (torch's ``_get_scalar_dtype``)."""
    if is_fused:
        return np.float32
    return np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32


def _scalar_tensor(value: float, is_fused=None) -> Tensor:
    return _make(np.array(value, dtype=_scalar_np_dtype(is_fused)))


def _zeros_like(p: Tensor) -> Tensor:
    return _make(np.zeros_like(p._data), p._device)


def _full_like(p: Tensor, value) -> Tensor:
    return _make(np.full_like(p._data, value), p._device)


def _real(a):
    """A complex array viewed as real pairs (torch's ``view_as_real``); others unchanged."""
    if a.dtype.kind == "c":
        return a.view(a.real.dtype)
    return a


def _check_capturable(group, params) -> None:
    if group.get("capturable"):
        for p in params:
            if p._device.type not in ("cuda",):
                raise AssertionError(
                    "If capturable=True, params and state_steps must be on supported devices: "
                    "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")


def _hook_step(func):
    """Wraps a subclass's ``step`` so step pre/post hooks run around it."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if not (_global_optimizer_pre_hooks or self._optimizer_step_pre_hooks
                or _global_optimizer_post_hooks or self._optimizer_step_post_hooks):
            return func(self, *args, **kwargs)
        for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                              self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{func} must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
        out = func(self, *args, **kwargs)
        self._optimizer_step_code()
        for post_hook in chain(self._optimizer_step_post_hooks.values(),
                               _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


class Optimizer:
    """Base class for all optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (groups).
        defaults: default hyper-parameter values for groups that do not set them.
    """

    # per optimizer: group keys ``__setstate__`` fills in, ``_steps_to_tensors`` arguments
    # (None: no scalar state to convert) and the scalar state entries stored as tensors
    _group_defaults: dict = {}
    _step_tensor_args: dict | None = None
    _scalar_state_keys: tuple = ("step",)

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _hook_step(step)

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._warned_capturable_if_run_uncaptured = True

    # --- pickling / repr ----------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)
        # options added to torch's optimizers over time: old checkpoints lack them
        for group in self.param_groups:
            for key, value in self._group_defaults.items():
                group.setdefault(key, value)
        if self._step_tensor_args is not None:
            self._steps_to_tensors(**self._step_tensor_args)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n"
            s += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        s += ")"
        return s

    # --- hooks -----------------------------------------------------------------------
    def _optimizer_step_code(self) -> None:
        """Entry point for profilers after a step (no-op)."""

    def _patch_step_function(self) -> None:  # torch compatibility; step is hooked per class
        pass

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook) -> RemovableHandle:
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, hooks: OrderedDict, hook, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # --- state dict --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state: ``{"state": {id: {...}}, "param_groups": [{..., "params":
        [ids]}]}`` with parameters numbered in group order (torch's layout)."""
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                if id(p) not in param_mappings:
                    param_mappings[id(p)] = i
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups,
                                                 key=None):
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return _cast_tensor(value, np.float32, param._device)
            return value
        if param.is_floating_point():
            return _cast_tensor(value, param._dtype.np, param._device)
        return _cast_tensor(value, None, param._device)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a ``state_dict()`` (ours or torch's layout): state tensors are cast to
        their parameter's dtype and device (``step`` kept as is)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def _cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, param_groups, key)
            if isinstance(value, dict):
                return {k: _cast(param, v, param_id=param_id, param_groups=param_groups, key=k)
                        for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, str):
                return type(value)(_cast(param, v, param_id=param_id,
                                         param_groups=param_groups) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, param_id=k,
                                     param_groups=state_dict["param_groups"])
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # --- gradients ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all optimized tensors (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if g._grad_fn is not None:
                            g.detach_()
                        else:
                            g._requires_grad = False
                        g._data[...] = 0
                        g._bump()

    def step(self, closure=None):
        """Performs a single optimization step (parameter update)."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a parameter group (a dict with ``params`` and optional hyper-parameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        param_set: set[int] = set()
        for group in self.param_groups:
            param_set.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not param_set.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # --- helpers for subclasses ----------------------------------------------------------
    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _with_grads(self, group, init, *, l2: bool = True):
        """The common prologue of the per-parameter updates.

        For each parameter of ``group`` that has a gradient: create its state on first
        use (``step`` plus the entries ``init(p)`` returns), count the step, and yield
        ``(p, state, param array, grad array, step)`` with the gradient negated under
        ``maximize`` and, when ``l2``, torch's L2 weight decay ``g + wd * p`` added. The
        caller updates the parameter array in place and calls ``p._bump()``."""
        state = self.state
        maximize = group["maximize"]
        wd = group["weight_decay"] if l2 else 0
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            st = state[p]
            if len(st) == 0:
                st["step"] = _scalar_tensor(0.0)
                st.update(init(p))
            step_a = st["step"]._data
            step_a += 1
            pa = _real(p._data)
            g = _real(gt._data)
            if maximize:
                g = -g
            if wd != 0:
                g = g + pa * wd
            yield p, st, pa, g, float(step_a)

    def _steps_to_tensors(self, capturable_key: str | None = "capturable",
                          fused_key: str | None = None) -> None:
        """``__setstate__`` helper: float scalar state (old checkpoints) becomes 0-d tensors."""
        for group in self.param_groups:
            fused = group.get(fused_key) if fused_key else None
            for p in group["params"]:
                st = self.state.get(p, [])
                for key in self._scalar_state_keys if len(st) != 0 else ():
                    if key in st and not isinstance(st[key], Tensor):
                        st[key] = _scalar_tensor(float(st[key]), is_fused=fused)


def _cast_tensor(value: Tensor, npdt, device) -> Tensor:
    out = value
    if npdt is not None and value._data.dtype != npdt:
        out = _make(value._data.astype(npdt), value._device)
    if device is not None and out._device != device:
        out = out.to(device=device)
    return out
