"""ember.nn (the full module system comes with the nn issue)."""

from . import functional  # noqa: F401
