"""In-place random fills: ``uniform_``, ``normal_``, ``bernoulli_``, ``random_``...

Each fill is an op run through ``apply_inplace``: its forward draws fresh samples of the
tensor's shape from an ``ember.random`` generator (the default one unless
``generator=`` is given, so ``manual_seed`` makes them reproducible), the dispatcher
writes them into the tensor's memory and bumps its version.  Under ``no_grad`` they work
on leaves that require grad (``nn.init``); with grad enabled, a non-leaf gets torch's
``<Name>Backward0`` node whose gradient is zero (the values no longer depend on the
input), and a leaf that requires grad raises, as torch.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..random import _gen
from . import creation as _C
from .registry import Op, apply_inplace

__all__: list[str] = []

_TORCH_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half",
               "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
               "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def _std_floats(g, shape, npdt, draw: str):
    """Uniform [0, 1) (``draw='random'``) or standard normal samples in ``npdt``."""
    fn = getattr(g, draw)
    if npdt == np.float32 or npdt == np.float64:
        return fn(shape, dtype=npdt)
    return fn(shape, dtype=np.float64)


class _RandomFill(Op):
    """Base of the fills: the gradient through the old values is zero."""

    differentiable = True

    def backward(self, g):
        return (_C.zeros_like(g),)


def _need_float(t: Tensor, kernel: str) -> None:
    if not t._dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_TORCH_TYPE[t._dtype.name]}'")


class Uniform(_RandomFill):
    name = "uniform_"

    def forward(self, x, low=0.0, high=1.0, generator=None):
        u = _std_floats(_gen(generator), x.shape, x.dtype, "random")
        if low != 0.0 or high != 1.0:
            u = u * (high - low) + low
        return u.astype(x.dtype, copy=False)


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw) -> Tensor:
    """Fills with samples from U[from, to)."""
    from_ = kw.pop("from", from_)
    if kw:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kw))}'")
    _need_float(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(from_)} > to={_num(to)}")
    return apply_inplace(Uniform, self, low=float(from_), high=float(to), generator=generator)


class Normal(_RandomFill):
    name = "normal_"

    def forward(self, x, mean=0.0, std=1.0, generator=None):
        z = _std_floats(_gen(generator), x.shape, x.dtype, "standard_normal")
        if std != 1.0:
            z = z * std
        if mean != 0.0:
            z = z + mean
        return z.astype(x.dtype, copy=False)


def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fills with samples from N(mean, std**2)."""
    _need_float(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    return apply_inplace(Normal, self, mean=float(mean), std=float(std), generator=generator)


class Bernoulli(_RandomFill):
    name = "bernoulli_"
    _bw_name = "BernoulliBackward2"

    def forward(self, x, p=0.5, generator=None):
        u = _gen(generator).random(x.shape)
        return (u < p).astype(x.dtype)


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fills with 1 with probability ``p`` (a float or a broadcastable tensor), else 0."""
    if isinstance(p, Tensor):
        pa = p._data
        if ((pa < 0) | (pa > 1)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        try:
            pa = np.broadcast_to(pa, self._data.shape)
        except ValueError:
            raise RuntimeError(f"expand: the shape of p {list(p.shape)} can't be expanded to "
                               f"{list(self.shape)}") from None
        return apply_inplace(Bernoulli, self, p=pa.astype(np.float64), generator=generator)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    return apply_inplace(Bernoulli, self, p=float(p), generator=generator)


class Random(_RandomFill):
    name = "random_"
    _bw_name = "RandomBackward2"

    def forward(self, x, low=0, high=None, generator=None):
        v = _gen(generator).integers(low, high, size=x.shape, dtype=np.int64, endpoint=True)
        return v.astype(x.dtype)


class _RandomTo(Random):
    _bw_name = "RandomBackward1"  # random_(to)


class _RandomFromTo(Random):
    _bw_name = "RandomBackward0"  # random_(from, to)


_MANTISSA = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _dtype_max(dt) -> int:
    if dt.is_floating_point:
        return 1 << _MANTISSA[dt.name]
    if dt is _dt.bool_:
        return 1
    return int(np.iinfo(dt.np).max)


def _dtype_min(dt) -> int:
    if dt.is_floating_point:
        return -(1 << _MANTISSA[dt.name])
    if dt is _dt.bool_:
        return 0
    return int(np.iinfo(dt.np).min)


_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short",
            "int32": "int", "int64": "long", "bool": "bool"}


def random_(self, *args, generator=None, **kw) -> Tensor:
    """``random_()``: integers in [0, 2**mantissa] (floats) or [0, max]; ``random_(to)``:
    [0, to); ``random_(from, to)``: [from, to) (``to=None``: up to the dtype's max)."""
    from_kw = "from" in kw
    has_from = from_kw or len(args) == 2 or (len(args) == 1 and "to" in kw)
    if has_from:
        cls = _RandomFromTo
    else:
        cls = _RandomTo if args or "to" in kw else Random
    if from_kw:
        args = (kw.pop("from"),) + args
    to_given = "to" in kw
    to = kw.pop("to", None)
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    dt = self._dtype
    if len(args) > 2:
        raise TypeError("random_() takes at most 2 positional arguments")
    if len(args) == 2:
        lo, to = args
        to_given = True
    elif len(args) == 1 and not to_given and not from_kw:
        lo, to, to_given = 0, args[0], True
    elif len(args) == 1:
        lo = args[0]
    else:
        lo = 0
    lo = int(lo)
    if to_given and to is not None:
        to = int(to)
        if lo >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={to}")
        hi = to - 1
        if not dt.is_floating_point:
            if lo < _dtype_min(dt):
                raise RuntimeError(f"from is out of bounds for {_C_NAMES[dt.name]}")
            if hi > _dtype_max(dt):
                raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[dt.name]}")
    else:
        hi = _dtype_max(dt)
        if lo > hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
    return apply_inplace(cls, self, low=lo, high=hi, generator=generator)


class Exponential(_RandomFill):
    name = "exponential_"

    def forward(self, x, lambd=1.0, generator=None):
        return (_gen(generator).standard_exponential(x.shape) / lambd).astype(x.dtype)


def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    """Fills with samples of density ``lambd * exp(-lambd * x)``."""
    if not self._dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_TORCH_TYPE[self._dtype.name]}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    return apply_inplace(Exponential, self, lambd=float(lambd), generator=generator)


class Geometric(_RandomFill):
    name = "geometric_"

    def forward(self, x, p=0.5, generator=None):
        return _gen(generator).geometric(p, size=x.shape).astype(x.dtype)


def geometric_(self, p, *, generator=None) -> Tensor:
    """Fills with the number of Bernoulli(p) trials up to the first success (>= 1)."""
    if self._dtype is _dt.bool_:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    return apply_inplace(Geometric, self, p=float(p), generator=generator)


class LogNormal(_RandomFill):
    name = "log_normal_"

    def forward(self, x, mean=1.0, std=2.0, generator=None):
        z = _gen(generator).standard_normal(x.shape)
        return np.exp(z * std + mean).astype(x.dtype)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fills with ``exp(N(mean, std**2))`` samples."""
    _need_float(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    return apply_inplace(LogNormal, self, mean=float(mean), std=float(std), generator=generator)


class Cauchy(_RandomFill):
    name = "cauchy_"

    def forward(self, x, median=0.0, sigma=1.0, generator=None):
        u = _gen(generator).random(x.shape)
        return (median + sigma * np.tan(math.pi * (u - 0.5))).astype(x.dtype)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fills with Cauchy(median, sigma) samples."""
    if not self._dtype.is_floating_point:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_C_NAMES[self._dtype.name]}"
                           f"{' int' if self._dtype is _dt.int64 else ''}")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    return apply_inplace(Cauchy, self, median=float(median), sigma=float(sigma),
                         generator=generator)


def _num(v) -> str:
    """A number as torch prints it in messages (``2`` for 2.0)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _bernoulli_method(self, p=None, *, generator=None) -> Tensor:
    return _C.bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None) -> Tensor:
    return _C.multinomial(self, num_samples, replacement, generator=generator)


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.exponential_ = exponential_
Tensor.geometric_ = geometric_
Tensor.log_normal_ = log_normal_
Tensor.cauchy_ = cauchy_
Tensor.bernoulli = _bernoulli_method
Tensor.multinomial = _multinomial_method
