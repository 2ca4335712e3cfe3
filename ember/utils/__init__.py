"""``ember.utils``: data loading utilities (``ember.utils.data``).

Submodules that may be added later (``tensorboard``) are imported lazily on first
attribute access so that ``import ember.utils`` never imports what does not exist.
"""

import importlib

from . import data

__all__ = ["data"]


def __getattr__(name):
    if name in ("tensorboard", "checkpoint", "hooks"):
        try:
            mod = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            raise AttributeError(f"module 'ember.utils' has no attribute '{name}'") from e
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
