"""``ember.jit``: tracing, scripting, saving and optimizing models (``torch.jit``).

- ``trace`` / ``trace_module`` record one run through ember's dispatch point as a graph
  (NOTE [how tracing works] in ``_trace.py``, NOTE [the traced graph] in ``_ir.py``);
  the result replays the graph, so control flow is frozen as traced, as in torch.
- ``script`` checks the source against the TorchScript language subset (torch's
  frontend errors) and runs the original Python: control flow is preserved.
- ``save`` / ``load`` write traced graphs and their tensors to ember's own zip archive
  (not torch's TorchScript format); loading executes no code from the file.
- ``freeze`` / ``optimize_for_inference`` inline parameters and run graph passes
  (constant propagation, dead-code elimination, Conv/Linear + BatchNorm folding).
"""

from __future__ import annotations

import typing

from . import frontend
from ._ir import Graph
from ._module import ScriptFunction, ScriptModule, TracedModule
from ._passes import freeze, optimize_for_inference
from ._script import (
    RecursiveScriptModule,
    export,
    ignore,
    is_scripting,
    script,
    unused,
)
from ._serialize import load, save
from ._trace import (
    TracerWarning,
    TracingCheckError,
    is_tracing,
    trace,
    trace_module,
)

__all__ = [
    "trace", "trace_module", "is_tracing", "TracerWarning", "TracingCheckError",
    "script", "ignore", "unused", "export", "is_scripting", "save", "load", "freeze",
    "optimize_for_inference", "ScriptModule", "TracedModule", "RecursiveScriptModule",
    "ScriptFunction", "Graph", "Final", "annotate", "frontend",
]

Final = typing.Final


def annotate(the_type, the_value):
    """``torch.jit.annotate``: a type hint for the compiler; returns ``the_value``."""
    return the_value
