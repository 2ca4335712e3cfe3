"""``ember._dynamo``: the machinery behind ``ember.compile`` (torch's ``torch._dynamo``
names: ``reset``, ``config``, ``exc``, ``list_backends``, ``disable``)."""

from . import config, exc
from .eval_frame import OptimizedModule, disable, is_compiling, list_backends, reset

__all__ = ["config", "exc", "OptimizedModule", "disable", "is_compiling", "list_backends",
           "reset"]
