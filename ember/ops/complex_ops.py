"""Complex-number ops (torch's names and semantics): ``real``/``imag`` (views),
``conj``/``conj_physical``/``resolve_conj``/``is_conj``, ``angle``, ``polar``,
``complex``, ``view_as_real``/``view_as_complex``, ``adjoint``.

Gradients follow torch's convention (the conjugate Wirtinger derivative: for a real loss
``L`` of ``z = x + iy``, ``z.grad = dL/dx + i dL/dy``). Holomorphic ops keep their real
backward formula and conjugate it (``holomorphic_backward``); the others here have their
own formulas.

``conj()`` returns a conjugated copy flagged ``is_conj()`` (torch's lazy conjugate bit is
not modelled: writes through ``z.conj()`` do not reach ``z``).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..amp.autocast_mode import autocast_composite
from .registry import Op, apply, promote_float

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj",
           "angle", "polar", "complex", "view_as_real", "view_as_complex", "adjoint"]

def conj_if_complex(t):
    """``t.conj()`` for a complex tensor, ``t`` otherwise (used by backward formulas)."""
    if t is not None and t._dtype.is_complex:
        return apply(ConjPhysical, t)
    return t


def holomorphic_backward(bwd):
    """Wrap ``backward(self, *grads)`` of a holomorphic op written for real inputs:
    with complex grads torch's result is ``conj(bwd(conj(g)))`` (linear in ``g``)."""
    def backward(self, *grads):
        g0 = grads[0]
        if not g0._dtype.is_complex:
            return bwd(self, *grads)
        out = bwd(self, *[conj_if_complex(g) for g in grads])
        if out.__class__ is not tuple:
            out = (out,)
        # a real input promoted to complex gets the real part (torch's handle_r_to_c)
        meta = self._in_meta
        return tuple(None if o is None else apply(Real, o)
                     if m is not None and not m[1].is_complex and o._dtype.is_complex
                     else conj_if_complex(o) for o, m in zip(out, meta))
    backward.__wrapped__ = bwd
    return backward


class Real(Op):
    name = "real"
    is_view = True

    def forward(self, a):
        return a.real

    def backward(self, g):
        return (g,)  # the engine casts to the complex input: imaginary part 0


class Imag(Op):
    name = "imag"
    is_view = True

    def forward(self, a):
        return a.imag

    def backward(self, g):
        return (g * 1j,)


class ConjPhysical(Op):
    name = "conj_physical"

    def forward(self, a):
        return np.conjugate(a)

    def backward(self, g):
        return (conj_if_complex(g),)


class Angle(Op):
    name = "angle"
    promote = staticmethod(promote_float)
    save = (0,)

    def forward(self, a):
        if a.dtype.kind == "c":
            return np.angle(a).astype(a.real.dtype, copy=False)
        out = np.where(a < 0, np.asarray(np.pi, a.dtype), np.zeros((), a.dtype))
        return np.where(np.isnan(a), a, out)

    def backward(self, g):
        (z,) = self._unpack()
        if not z._dtype.is_complex:
            from .creation import zeros_like
            return (zeros_like(g),)
        from .math import where
        a2 = z.real * z.real + z.imag * z.imag
        safe = where(a2 == 0, 1.0, a2)
        return (where(a2 == 0, 0.0, g * z / safe * 1j),)


class Sgn(Op):
    name = "sgn"
    save = (0,)
    save_out = True

    def forward(self, a):
        if a.dtype.kind != "c":
            return a.copy() if a.dtype == np.bool_ else np.sign(a)
        ab = np.abs(a)
        return np.divide(a, ab, out=np.zeros_like(a), where=ab != 0)

    def backward(self, g):
        z, s = self._unpack()
        from .creation import zeros_like
        if not z._dtype.is_complex:
            return (zeros_like(g),)
        from .math import where
        ab = z.abs()
        safe = where(ab == 0, 1.0, ab)
        r = (g - s * real(conj_if_complex(s) * g)) / safe
        return (where(ab == 0, 0.0, r),)


class Complex(Op):
    name = "complex"

    def forward(self, re, im):
        shape = np.broadcast_shapes(re.shape, im.shape)
        cd = np.complex128 if re.dtype == np.float64 else np.complex64
        out = np.empty(shape, cd)
        out.real = re
        out.imag = im
        return out

    def backward(self, g):
        return real(g), imag(g)


class ViewAsReal(Op):
    name = "view_as_real"
    is_view = True

    def forward(self, a):
        return a[..., None].view(a.real.dtype)

    def backward(self, g):
        return (complex(g[..., 0], g[..., 1]),)


class ViewAsComplex(Op):
    name = "view_as_complex"
    is_view = True

    def forward(self, a):
        cd = np.complex128 if a.dtype == np.float64 else np.complex64
        return a.view(cd)[..., 0]

    def backward(self, g):
        return (view_as_real(g),)


def real(input):
    if not input._dtype.is_complex:
        return input
    return apply(Real, input)


def imag(input):
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(Imag, input)


def conj(input):
    if not input._dtype.is_complex:
        return input
    out = apply(ConjPhysical, input)
    if not input.__dict__.get("_conj"):
        out._conj = True
    return out


def conj_physical(input, *, out=None):
    if not input._dtype.is_complex and out is None:
        from .creation import clone_tensor
        return clone_tensor(input)
    from .elementwise import _out
    return _out(apply(ConjPhysical, input), out)


def resolve_conj(input):
    if input.__dict__.get("_conj"):
        from .creation import clone_tensor
        return clone_tensor(input)
    return input


def resolve_neg(input):
    return input


def is_conj(input) -> bool:
    return bool(input.__dict__.get("_conj"))


def angle(input, *, out=None):
    from .elementwise import _out
    return _out(apply(Angle, input), out)


def _check_real_pair(a, b, what):
    for t in (a, b):
        if t._dtype not in (_dt.float16, _dt.float32, _dt.float64):
            raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                               f"{_tn(a)} and {_tn(b)}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {_tn(a)} but got scalar type "
                           f"{_tn(b)} for second argument")


def _tn(t):
    from .registry import _type_name
    return _type_name(t._dtype)


def complex(real, imag, *, out=None):  # noqa: A001
    _check_real_pair(real, imag, "complex")
    from .elementwise import _out
    return _out(apply(Complex, real, imag), out)


@autocast_composite("polar")
def polar(abs, angle, *, out=None):  # noqa: A002
    _check_real_pair(abs, angle, "polar")
    from .elementwise import _out
    from .math import cos, sin
    return _out(complex(abs * cos(angle), abs * sin(angle)), out)


def view_as_real(input):
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if input.__dict__.get("_conj"):
        raise RuntimeError(
            "view_as_real doesn't work on unresolved conjugated tensors.  To resolve the "
            "conjugate tensor so you can view it as real, use self.resolve_conj(); however, "
            "be warned that the resulting tensor will NOT alias the original.")
    return apply(ViewAsReal, input)


@autocast_composite("view_as_complex")
def view_as_complex(input):
    d = input._dtype
    if d not in (_dt.float32, _dt.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_tn(input)}")
    a = input._data
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if a.strides[-1] != a.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * a.itemsize) for s in a.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return apply(ViewAsComplex, input)


def adjoint(input):
    from .shape import transpose
    if input._data.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input._data.ndim}-D tensor.")
    return conj(transpose(input, -2, -1))


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


Tensor.real = property(real, _set_real)
Tensor.imag = property(imag, _set_imag)
Tensor.conj = conj
Tensor.conj_physical = conj_physical
Tensor.conj_physical_ = lambda self: _inplace_conj(self)
Tensor.resolve_conj = resolve_conj
Tensor.resolve_neg = resolve_neg
Tensor.is_conj = is_conj
Tensor.is_neg = lambda self: False
Tensor.angle = angle
Tensor.adjoint = adjoint


def _inplace_conj(self):
    from .registry import apply_inplace
    if not self._dtype.is_complex:
        return self
    return apply_inplace(ConjPhysical, self)
