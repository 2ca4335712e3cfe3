"""``ember.cpu``: CPU-device helpers (``ember.cpu.amp``)."""

from . import amp

__all__ = ["amp", "is_available", "device_count", "synchronize"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def synchronize(device=None) -> None:
    """CPU work is synchronous: nothing to wait for."""
