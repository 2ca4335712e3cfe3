"""``ScriptModule`` / ``TracedModule`` / ``ScriptFunction``: what trace and script return.

A traced or scripted module is a *shell*: an ``nn.Module`` tree mirroring the original
(same child names, the very same ``Parameter`` and buffer objects), so ``state_dict``,
``parameters()``, ``train()/eval()`` and optimizers behave as on the original.
"""

from __future__ import annotations

import os

from .. import nn
from . import _ir

__all__ = ["ScriptModule", "TracedModule", "ScriptFunction", "make_shell"]

_MODULE_KEYS = {
    "training", "_parameters", "_buffers", "_non_persistent_buffers_set",
    "_backward_pre_hooks", "_backward_hooks", "_is_full_backward_hook", "_forward_hooks",
    "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs", "_state_dict_hooks", "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks", "_modules",
}


def qualified_type(cls) -> str:
    """torch's ``__torch__.<module>.<Class>`` type name of a module class."""
    mod = cls.__module__
    if mod.startswith("ember."):
        mod = "torch." + mod[len("ember."):]
    elif mod == "__main__":
        return f"__torch__.{cls.__qualname__}"
    return f"__torch__.{mod}.{cls.__qualname__}"


class ScriptModule(nn.Module):
    """Base class of traced and scripted modules (``torch.jit.ScriptModule``)."""

    original_name: str = "ScriptModule"

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"

    def _get_name(self) -> str:
        return self.original_name

    def save(self, f, _extra_files=None) -> None:
        """``m.save(path)``: same as ``ember.jit.save(m, path)``."""
        from ._serialize import save
        save(self, f, _extra_files=_extra_files)

    @property
    def graph(self):
        raise RuntimeError(f"'{self.original_name}' (a submodule) has no graph of its own in "
                           "ember; read the graph of the module that was traced or scripted")

    @property
    def inlined_graph(self):
        return self.graph

    @property
    def code(self) -> str:
        raise RuntimeError(f"'{self.original_name}' (a submodule) has no code of its own in "
                           "ember; read the code of the module that was traced or scripted")


class TracedModule(ScriptModule):
    """A module whose ``forward`` replays a traced graph (``torch.jit.TracedModule``).

    Control flow is frozen as it ran while tracing; parameters are shared with the traced
    module.  A submodule shell of a traced module runs the original submodule's Python
    ``forward`` on the shared parameters when called directly (after ``ember.jit.load``
    no Python class exists, and calling a submodule raises)."""

    _jit_graph: _ir.Graph | None = None

    def forward(self, *args, **kwargs):
        g = self.__dict__.get("_jit_graph")
        if g is None:
            orig = self.__dict__.get("_jit_orig")
            if orig is None:
                raise RuntimeError(
                    f"submodule '{self.original_name}' of a loaded traced module has no "
                    "forward of its own; call the root module")
            return type(orig).forward(self, *args, **kwargs)
        if kwargs:
            raise RuntimeError("a traced module takes its inputs positionally (the traced "
                               f"forward got keyword arguments {sorted(kwargs)})")
        from ._trace import flatten_inputs
        flat = flatten_inputs(args, g.in_spec, self.original_name)
        return _ir.run_graph(g, self, flat)

    @property
    def graph(self) -> _ir.Graph:
        g = self.__dict__.get("_jit_graph")
        if g is None:
            return super().graph
        return g

    @property
    def inlined_graph(self) -> _ir.Graph:
        # ember records one flat graph: submodule calls are already inlined
        return self.graph

    @property
    def code(self) -> str:
        g = self.__dict__.get("_jit_graph")
        if g is None:
            return super().code
        return _ir.format_code(g)


class ScriptFunction:
    """A traced (or scripted) plain function (``torch.jit.ScriptFunction``)."""

    def __init__(self, fn, graph: _ir.Graph | None, name: str, code: str | None = None,
                 scripted: bool = False) -> None:
        self._fn = fn
        self._graph = graph
        self.name = self.__name__ = self.__qualname__ = name
        self._code = code
        self._scripted = scripted
        self.__doc__ = getattr(fn, "__doc__", None) if fn is not None else None

    def __call__(self, *args, **kwargs):
        if self._scripted:
            from ._script import _scripting
            with _scripting(True):
                return self._fn(*args, **kwargs)
        if kwargs:
            raise RuntimeError("a traced function takes its inputs positionally")
        from ._trace import flatten_inputs
        flat = flatten_inputs(args, self._graph.in_spec, self.name)
        return _ir.run_graph(self._graph, None, flat)

    @property
    def graph(self):
        if self._graph is None:
            from ._script import structural_graph
            return structural_graph(self._fn, None)
        return self._graph

    inlined_graph = graph

    @property
    def code(self) -> str:
        if self._code is not None:
            return self._code
        return _ir.format_code(self._graph, self.name)

    def save(self, f, _extra_files=None) -> None:
        from ._serialize import save
        save(self, f, _extra_files=_extra_files)

    def __repr__(self) -> str:
        return f"<ember.jit.ScriptFunction object {self.name}>"


def make_shell(orig: nn.Module, cls: type, memo: dict | None = None, copy_attrs=False):
    """A ``cls`` instance mirroring ``orig``: same children (as shells), parameters and
    buffers (the same objects), training flag and non-persistent buffer set."""
    if memo is None:
        memo = {}
    if id(orig) in memo:
        return memo[id(orig)]
    shell = object.__new__(cls)
    nn.Module.__init__(shell)
    memo[id(orig)] = shell
    d = shell.__dict__
    d["training"] = orig.training
    d["_parameters"] = dict(orig._parameters)
    d["_buffers"] = dict(orig._buffers)
    d["_non_persistent_buffers_set"] = set(orig._non_persistent_buffers_set)
    d["original_name"] = type(orig).__name__
    d["_jit_orig"] = orig
    for name, child in orig._modules.items():
        d["_modules"][name] = None if child is None else make_shell(child, cls, memo,
                                                                    copy_attrs)
    return shell


def path_of(f) -> str | None:
    return os.fspath(f) if isinstance(f, (str, os.PathLike)) else None
