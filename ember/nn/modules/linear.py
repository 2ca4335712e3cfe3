"""``Identity``, ``Linear``, ``Bilinear``, ``LazyLinear`` (torch.nn.modules.linear)."""

from __future__ import annotations

import math

from ... import dtypes as _dt
from ...ops import nn_linear as _F
from ...ops.creation import _dev, empty
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


def _empty(shape, device, dtype):
    return empty(shape, dtype=dtype if dtype is not None else _dt.get_default_dtype(),
                 device=_dev(device) if device is not None else None)


class Identity(Module):
    """Returns its input unchanged (accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x W^T + b`` with ``W`` of shape ``(out_features, in_features)``."""

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in_features), device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # U(-1/sqrt(in), 1/sqrt(in)) for both, as torch (kaiming_uniform_ with a=sqrt(5))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        p = self._parameters  # skips two Module.__getattr__ round trips on the hot path
        if "weight" in p and "bias" in p:
            w, b = p["weight"], p["bias"]
        else:  # reparametrised (weight_norm, parametrize...): attribute / property
            w, b = self.weight, self.bias
        try:
            return _F.linear(input, w, b)
        except RuntimeError:
            self._check_input(input)
            raise

    def _check_input(self, input) -> None:
        """A descriptive error (Module.__call__ prefixes the module's path)."""
        w = self.weight
        if input.dim() >= 1 and input.shape[-1] != w.shape[-1]:
            raise RuntimeError(
                f"input has {input.shape[-1]} features in its last dimension, expected "
                f"{w.shape[-1]}; got input of shape {tuple(input.shape)}")
        if input.dtype is not w.dtype:
            raise RuntimeError(f"input dtype {input.dtype} does not match the weight dtype "
                               f"{w.dtype} (mat1 and mat2 must have the same dtype)")
        b = self.bias
        if b is not None and b.dtype is not w.dtype:
            raise RuntimeError(f"bias dtype {b.dtype} does not match the weight dtype {w.dtype}")

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    pass


class Bilinear(Module):
    """``y = x1^T A x2 + b`` with ``A`` of shape ``(out, in1, in2)``."""

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in1_features, in2_features), device,
                                       dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return _F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is inferred from the first input; it then
    becomes a ``Linear`` (torch's LazyModuleMixin behaviour)."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(**factory_kwargs)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(**factory_kwargs)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            from ...autograd.grad_mode import no_grad
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
