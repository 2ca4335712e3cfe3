"""``ember.compiler``: torch's ``torch.compiler`` helpers for ``ember.compile``."""

from ._dynamo.eval_frame import compile, disable, is_compiling, list_backends, reset

__all__ = ["compile", "disable", "is_compiling", "is_dynamo_compiling", "list_backends",
           "reset"]


def is_dynamo_compiling() -> bool:
    """Same as ``is_compiling`` (ember has no export path)."""
    return is_compiling()
