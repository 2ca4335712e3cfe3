"""Padding modules (torch.nn.modules.padding): constant/zero, reflection, replication and
circular padding over the last 1, 2 or 3 dims, all through ``F.pad``."""

from __future__ import annotations

from ...ops.padding import pad
from .module import Module

__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
    "ZeroPad3d",
]


def _ntuple(n, x):
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,) * n


def _dim_check(name_dims):
    lo, hi = name_dims

    def check(self, input):
        if input.dim() != lo and input.dim() != hi:
            raise ValueError(f"expected {lo}D or {hi}D input (got {input.dim()}D input)")
    return check


class _CircularPadNd(Module):
    __constants__ = ["padding"]

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        return pad(input, self.padding, "circular")

    def extra_repr(self) -> str:
        return f"{self.padding}"


class CircularPad1d(_CircularPadNd):
    _check_input_dim = _dim_check((2, 3))

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2, padding)


class CircularPad2d(_CircularPadNd):
    _check_input_dim = _dim_check((3, 4))

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(4, padding)


class CircularPad3d(_CircularPadNd):
    _check_input_dim = _dim_check((4, 5))

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(6, padding)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]

    def __init__(self, value) -> None:
        super().__init__()
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    def __init__(self, padding, value) -> None:
        super().__init__(value)
        self.padding = _ntuple(2, padding)


class ConstantPad2d(_ConstantPadNd):
    def __init__(self, padding, value) -> None:
        super().__init__(value)
        self.padding = _ntuple(4, padding)


class ConstantPad3d(_ConstantPadNd):
    def __init__(self, padding, value) -> None:
        super().__init__(value)
        self.padding = _ntuple(6, padding)


class _ReflectionPadNd(Module):
    __constants__ = ["padding"]

    def forward(self, input):
        return pad(input, self.padding, "reflect")

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2, padding)


class ReflectionPad2d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(4, padding)


class ReflectionPad3d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(6, padding)


class _ReplicationPadNd(Module):
    __constants__ = ["padding"]

    def forward(self, input):
        return pad(input, self.padding, "replicate")

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReplicationPad1d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2, padding)


class ReplicationPad2d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(4, padding)


class ReplicationPad3d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(6, padding)


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
