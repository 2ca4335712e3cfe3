"""Exceptions of ``ember.compile`` (torch's ``torch._dynamo.exc`` names)."""

from __future__ import annotations


class TorchDynamoException(RuntimeError):
    """Base of the compile errors."""


class Unsupported(TorchDynamoException):
    """``fullgraph=True`` and the function cannot be captured as one graph."""


class InvalidBackend(TorchDynamoException):
    def __init__(self, name) -> None:
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for "
                         "available backends.")


class FailOnRecompileLimitHit(Exception):
    """``fullgraph=True`` and the recompile limit was reached."""
