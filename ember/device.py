"""``ember.device``: where a tensor lives (``cpu`` or ``cuda:N``)."""

from __future__ import annotations

_VALID = ("cpu", "cuda")


class device:
    """A device, as ``torch.device``: ``device('cpu')``, ``device('cuda', 0)``, ``'cuda:1'``."""

    __slots__ = ("type", "index")

    def __new__(cls, type, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            return type
        if isinstance(type, int) and index is None:
            type, index = "cuda", type  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string or device, got {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            type, _, idx = type.partition(":")  # noqa: A001
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in _VALID:
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}")
        key = (type, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        obj = object.__new__(cls)
        object.__setattr__(obj, "type", type)
        object.__setattr__(obj, "index", index)
        _CACHE[key] = obj
        return obj

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


_CACHE: dict = {}
CPU = device("cpu")
