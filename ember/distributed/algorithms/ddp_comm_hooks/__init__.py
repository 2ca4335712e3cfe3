"""Built-in DDP communication hooks (``default_hooks``)."""

from . import default_hooks

__all__ = ["default_hooks"]
