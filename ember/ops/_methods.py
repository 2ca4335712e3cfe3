"""Binds ember functions as ``Tensor`` methods and operators."""

from __future__ import annotations

from .._tensor import Tensor
from . import creation as C
from . import elementwise as E
from . import linalg as L
from . import reduction as R
from . import shape as S
from .registry import apply, apply_inplace


def _bind(module, names):
    for n in names:
        setattr(Tensor, n, getattr(module, n))


_bind(E, ["add", "sub", "mul", "div", "neg", "exp", "zero_", "fill_", "subtract", "multiply",
          "divide", "true_divide", "negative"])
_bind(S, ["view", "reshape", "expand", "expand_as", "permute", "transpose", "swapaxes",
          "swapdims", "t", "sum_to_size"])
_bind(R, ["sum", "mean"])
_bind(L, ["matmul"])
Tensor.clone = C.clone_tensor


def _binop(cls, reflected_cls=None):
    def op(self, other):
        return apply(cls, self, other)
    return op


Tensor.__add__ = Tensor.__radd__ = _binop(E.Add)
Tensor.__sub__ = _binop(E.Sub)
Tensor.__rsub__ = _binop(E.RSub)
Tensor.__mul__ = Tensor.__rmul__ = _binop(E.Mul)
Tensor.__truediv__ = _binop(E.Div)
Tensor.__rtruediv__ = lambda self, other: E.div(other, self)
Tensor.__neg__ = E.neg
Tensor.__matmul__ = _binop(L.Matmul)
Tensor.__rmatmul__ = lambda self, other: L.matmul(other, self)
Tensor.__iadd__ = lambda self, other: apply_inplace(E.Add, self, other)
Tensor.__isub__ = lambda self, other: apply_inplace(E.Sub, self, other)
Tensor.__imul__ = lambda self, other: apply_inplace(E.Mul, self, other)
Tensor.__itruediv__ = lambda self, other: apply_inplace(E.Div, self, other)
Tensor.add_ = lambda self, other, *, alpha=1: apply_inplace(
    E.Add, self, other if alpha == 1 else E.mul(other, alpha))
Tensor.sub_ = lambda self, other, *, alpha=1: apply_inplace(
    E.Sub, self, other if alpha == 1 else E.mul(other, alpha))
Tensor.mul_ = lambda self, other: apply_inplace(E.Mul, self, other)
Tensor.div_ = lambda self, other: apply_inplace(E.Div, self, other)
Tensor.exp_ = lambda self: apply_inplace(E.Exp, self)
