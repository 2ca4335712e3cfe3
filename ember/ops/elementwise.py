"""Elementwise arithmetic: forward on arrays, backward in ember ops, side by side.

Broadcasting gradients need no code here: the engine sums each gradient down to its
input's shape (``_check_grad``), as torch's validate_outputs does.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from .registry import Op, apply, apply_inplace, promote_float, promote_same, promote_same_scalar_t


class Add(Op):
    name = "add"
    promote = staticmethod(promote_same_scalar_t)

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Op):
    name = "sub"
    promote = staticmethod(promote_same_scalar_t)

    def forward(self, a, b):
        if a.dtype == np.bool_ and getattr(b, "dtype", None) == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        return a - b

    def backward(self, g):
        return g, -g


class RSub(Op):
    """``scalar - tensor`` (torch's rsub)."""

    name = "rsub"
    _bw_name = "RsubBackward1"
    promote = staticmethod(promote_same_scalar_t)

    def forward(self, a, b):
        return b - a

    def backward(self, g):
        return -g, g


class Mul(Op):
    name = "mul"
    promote = staticmethod(promote_same)
    save = ((0, 1), (1, 0))  # as torch: each operand only if the other needs its grad

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self._unpack()
        return (g * b if self.next_functions[0][0] is not None else None,
                g * a if self.next_functions[1][0] is not None else None)


class Div(Op):
    name = "div"
    promote = staticmethod(promote_float)
    save = ((0, 1), 1)

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self._unpack()
        ga = g / b if self.next_functions[0][0] is not None else None
        gb = -g * a / (b * b) if self.next_functions[1][0] is not None else None
        return ga, gb


class Neg(Op):
    name = "neg"

    def forward(self, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Op):
    name = "exp"
    promote = staticmethod(promote_float)
    save_out = True

    def forward(self, a):
        return np.exp(a)

    def backward(self, g):
        (out,) = self._unpack()
        return (g * out,)


class Fill(Op):
    """``fill_``/``zero_`` (used in place)."""

    name = "fill"
    differentiable = True

    def forward(self, a, value):
        v = value if not isinstance(value, np.ndarray) else value.reshape(())
        return np.full_like(a, v)

    def backward(self, g):
        from .creation import zeros_like
        return zeros_like(g), None


# --- public functions ---------------------------------------------------------------------

def _scalar_or_tensor(x):
    if isinstance(x, np.ndarray):
        from .creation import as_tensor
        return as_tensor(x)
    return x


def _times_alpha(input, other, alpha):
    if isinstance(other, Tensor):
        return mul(other, alpha)
    # a Python number.  torch's alpha path converts the scalar and alpha to the tensor's
    # dtype (rounding them for float16/bfloat16) and multiplies in its opmath type
    dt = input._data.dtype if isinstance(input, Tensor) else None
    if dt is not None and _dt.np_is_floating(dt) and isinstance(other, (int, float)) \
            and isinstance(alpha, (int, float)):
        op = np.float64 if dt == np.float64 else np.float32
        return float(op(dt.type(other)) * op(dt.type(alpha)))
    return other * alpha


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    if not isinstance(input, Tensor):  # scalar + tensor
        return _out(apply(Add, other, input), out)
    return _out(apply(Add, input, _scalar_or_tensor(other)), out)


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    if not isinstance(input, Tensor):
        return _out(apply(RSub, other, input), out)
    return _out(apply(Sub, input, _scalar_or_tensor(other)), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    return apply(RSub, input, other)


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return _out(apply(Mul, other, input), out)
    return _out(apply(Mul, input, _scalar_or_tensor(other)), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .math import floor_divide_rm
        return _out(floor_divide_rm(input, other, rounding_mode), out)
    if not isinstance(input, Tensor):
        from .creation import tensor
        input = tensor(input, device=other.device)
    return _out(apply(Div, input, _scalar_or_tensor(other)), out)


divide = true_divide = div


def neg(input, *, out=None):
    return _out(apply(Neg, input), out)


negative = neg


def exp(input, *, out=None):
    return _out(apply(Exp, input), out)


def zero_(input):
    return apply_inplace(Fill, input, 0)


def fill_(input, value):
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
        value = value.item()
    return apply_inplace(Fill, input, value)


def _out(result: Tensor, out):
    """Writes ``result`` into ``out=`` (resizing it if empty), as torch's out= variants."""
    if out is None:
        return result
    from .registry import _write
    if out._requires_grad and out._grad_fn is None:
        from ..autograd.grad_mode import _Mode
        if _Mode.grad_enabled:
            raise RuntimeError("functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, dtype=out._data.dtype)
    _write(out, result._data, result._dtype)
    return out


from .complex_ops import holomorphic_backward as _holo  # noqa: E402

for _c in (Add, Sub, RSub, Mul, Div, Exp):
    _c.backward = _holo(_c.backward)

# complex-number ops are exported through this module (``ember.real``, ``ember.conj``...)
from .complex_ops import *  # noqa: E402, F403
