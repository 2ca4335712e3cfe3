"""Reductions: ``sum``, ``mean``, ``prod``, ``max`` ... with ``dim`` (int or tuple) and
``keepdim``; scans (``cumsum``...), order statistics (``sort``, ``topk``, ``median``...).

Forward kernels run on arrays; every backward is written with ember ops (plus the small
private gather/scatter ops below) so double backward works.  Half types accumulate in
float32 and round once, as torch's CPU kernels do.
"""

from __future__ import annotations

import builtins
import collections
import math

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from .complex_ops import holomorphic_backward
from .elementwise import _out
from .registry import Op, apply, apply_inplace, promote_same
from .shape import expand

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax",
    "argmin", "aminmax", "var", "std", "var_mean", "std_mean", "norm", "logsumexp",
    "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "all", "any", "count_nonzero",
    "median", "nanmedian", "mode", "topk", "kthvalue", "sort", "argsort", "msort", "unique",
    "unique_consecutive", "quantile", "nanquantile", "return_types",
]

_LOW = _dt.HALF_NP
_pysum = builtins.sum
_pymax = builtins.max
_pymin = builtins.min
_pyall = builtins.all
_pyany = builtins.any


def _acc(dt):
    """The dtype a kernel accumulates in (float32 for half types)."""
    return np.float32 if dt in _LOW else dt


def _const(arr, like: Tensor) -> Tensor:
    """Wrap a helper array (mask, index) as a constant tensor on ``like``'s device."""
    return Tensor._make(np.asarray(arr), like._device)


def _tname(dt) -> str:
    from .registry import _type_name
    return _type_name(_dt._BY_NP[np.dtype(dt)])


# --- return types ---------------------------------------------------------------------------

class _ReturnTypes:
    """Named result tuples (``torch.return_types``)."""

    def __init__(self) -> None:
        specs = {
            "max": ("values", "indices"), "min": ("values", "indices"),
            "sort": ("values", "indices"), "topk": ("values", "indices"),
            "kthvalue": ("values", "indices"), "mode": ("values", "indices"),
            "median": ("values", "indices"), "nanmedian": ("values", "indices"),
            "cummax": ("values", "indices"), "cummin": ("values", "indices"),
            "aminmax": ("min", "max"),
            "slogdet": ("sign", "logabsdet"), "linalg_slogdet": ("sign", "logabsdet"),
            "qr": ("Q", "R"), "linalg_qr": ("Q", "R"),
            "svd": ("U", "S", "V"), "linalg_svd": ("U", "S", "Vh"),
            "linalg_eigh": ("eigenvalues", "eigenvectors"),
            "linalg_cholesky_ex": ("L", "info"), "linalg_inv_ex": ("inverse", "info"),
            "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
        }
        for name, fields in specs.items():
            nt = collections.namedtuple(name, fields)
            nt.__module__ = "ember.return_types"
            nt.__repr__ = _rt_repr
            setattr(self, name, nt)


def _rt_repr(self) -> str:
    body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
    return f"ember.return_types.{type(self).__name__}(\n{body})"


return_types = _ReturnTypes()


# --- dims -----------------------------------------------------------------------------------

def _dims(dim, ndim):
    """Normalise ``dim`` to a sorted tuple of non-negative axes (None/() = all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),) if ndim else (_wrap_dim(int(dim), 0) * 0,)[:0]
    dim = tuple(dim)
    out = tuple(sorted({_wrap_dim(int(d), ndim) for d in dim}))
    if len(out) != len(dim):
        seen = set()
        for d in dim:
            w = _wrap_dim(int(d), ndim)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    if ndim == 0:
        return ()
    return out if out else tuple(range(ndim))


def _dim1(dim, ndim) -> int:
    """One wrapped dim (0-d tensors accept 0 and -1); returns -1 for a 0-d tensor."""
    d = _wrap_dim(int(dim), ndim)
    return d if ndim else -1


def _grad_shape(in_shape, axes, keepdim):
    """What ``_keep`` needs to re-insert the reduced axes (None with keepdim)."""
    return None if keepdim else (in_shape, axes)


def _keep(node, g):
    """``g`` with the reduced axes re-inserted (size 1)."""
    ks = node.keep_shape
    if ks is not None:
        in_shape, axes = ks
        g = g.reshape(tuple(1 if i in axes else s for i, s in enumerate(in_shape)))
    return g


def _expand_back(node, g):
    return expand(_keep(node, g), node._in_meta[0][0])


def _numel(shape, axes) -> int:
    n = 1
    for ax in axes:
        n *= shape[ax]
    return n


def _check_nonempty(name, a, axes):
    for ax in axes:
        if a.shape[ax] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {ax} to have non-zero size.")


# --- private gather / scatter (differentiable pair) -------------------------------------------

def _full_index(idx, dim):
    """Index tuple addressing ``arr[..., idx, ...]`` along ``dim`` (for np.add.at)."""
    grids = np.indices(idx.shape, sparse=True)
    grids = list(grids)
    grids[dim] = idx
    return tuple(grids)


class _TakeAlong(Op):
    """``take_along_dim(a, idx, dim)`` with a constant index array."""

    _bw_name = "GatherBackward0"

    def forward(self, a, idx, dim):
        self.idx, self.dim = idx, dim
        return np.take_along_axis(a, idx, dim)

    def backward(self, g):
        return apply(_ScatterAdd, g, idx=self.idx, dim=self.dim,
                     shape=self._in_meta[0][0]), None


class _ScatterAdd(Op):
    """zeros(shape).scatter_add_(dim, idx, g)."""

    _bw_name = "ScatterAddBackward0"

    def forward(self, g, idx, dim, shape):
        self.idx, self.dim = idx, dim
        out = np.zeros(shape, dtype=g.dtype)
        if idx.size:
            np.add.at(out, _full_index(idx, dim), g)
        return out

    def backward(self, gg):
        return (apply(_TakeAlong, gg, self.idx, dim=self.dim),)


def _take(a: Tensor, idx, dim) -> Tensor:
    return apply(_TakeAlong, a, idx, dim=dim)


def _scatter(g: Tensor, idx, dim, shape) -> Tensor:
    return apply(_ScatterAdd, g, idx=idx, dim=dim, shape=tuple(shape))


# --- private elementwise helpers used by backward formulas ------------------------------------

class _Abs(Op):
    _bw_name = "AbsBackward0"
    save = (0,)

    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        (a,) = self._unpack()
        return (g * _const(np.sign(a._data), g),)


class _PowS(Op):
    """``a ** p`` for a Python scalar ``p``."""

    _bw_name = "PowBackward0"
    save = (0,)

    def forward(self, a, p):
        self.p = p
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(a, a.dtype.type(p)) if _dt.np_is_floating(a.dtype) else np.power(a, p)

    def backward(self, g):
        (a,) = self._unpack()
        p = self.p
        if p == 0:
            return (g * 0.0,)
        if p == 1:
            return (g,)
        return (g * (_pow(a, p - 1) * p),)


class _Log(Op):
    _bw_name = "LogBackward0"
    save = (0,)

    def forward(self, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    def backward(self, g):
        (a,) = self._unpack()
        return (g / a,)


def _abs(a):
    return apply(_Abs, a)


def _pow(a, p):
    return apply(_PowS, a, p=p)


def _log(a):
    return apply(_Log, a)


def _sqrt(a):
    return apply(_PowS, a, p=0.5)


# --- sum / mean / nansum / nanmean ----------------------------------------------------------

def _int_out(a, dtype):
    if dtype is not None:
        return dtype.np
    if a.dtype.kind in "biu":
        return np.dtype(np.int64)
    return a.dtype


class Sum(Op):
    name = "sum"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        if dim is None and dtype is None and a.dtype.kind == "f" and a.dtype not in _LOW:
            self.keep_shape = None if keepdim else (a.shape, tuple(range(a.ndim)))
            return np.add.reduce(a, axis=None, keepdims=keepdim)
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        out_dt = _int_out(a, dtype)
        acc = _acc(out_dt)
        if a.dtype != acc and _dt.np_is_inexact(a.dtype):
            a = a.astype(acc)
        return np.asarray(a.sum(axis=axes, keepdims=keepdim, dtype=acc)).astype(out_dt,
                                                                                copy=False)

    def backward(self, g):
        return (_expand_back(self, g),)


class NanSum(Op):
    name = "nansum"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        out_dt = _int_out(a, dtype)
        acc = _acc(out_dt)
        if _dt.np_is_inexact(a.dtype):
            self.mask = ~np.isnan(a)
            return np.asarray(np.nansum(a.astype(acc, copy=False), axis=axes, keepdims=keepdim)
                              ).astype(out_dt, copy=False)
        self.mask = None
        return np.asarray(a.sum(axis=axes, keepdims=keepdim, dtype=acc)).astype(out_dt)

    def backward(self, g):
        ge = _expand_back(self, g)
        return (ge * _const(self.mask, g) if self.mask is not None else ge,)


class Mean(Op):
    name = "mean"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        if dtype is None and a.dtype.kind in "biu":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_tname(a.dtype)}")
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        self.n = _numel(a.shape, axes)
        out_dt = dtype.np if dtype is not None else a.dtype
        acc = _acc(out_dt)
        if self.n == 0:
            r = np.full(np.sum(a, axis=axes, keepdims=keepdim).shape, np.nan, acc)
        else:
            r = np.true_divide(np.add.reduce(a, axis=axes, keepdims=keepdim, dtype=acc),
                               acc.type(self.n) if hasattr(acc, "type") else self.n)
        return np.asarray(r).astype(out_dt, copy=False)

    def backward(self, g):
        return (_expand_back(self, g) / self.n,)


class NanMean(Op):
    name = "nanmean"

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        if not _dt.np_is_inexact(a.dtype):
            raise RuntimeError(
                "nanmean(): expected input to have floating point or complex dtype but got "
                f"{_tname(a.dtype)}")
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        out_dt = dtype.np if dtype is not None else a.dtype
        acc = _acc(out_dt)
        self.mask = ~np.isnan(a)
        cnt = self.mask.sum(axis=axes, keepdims=True)
        self.cnt = cnt.astype(acc)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.nansum(a.astype(acc, copy=False), axis=axes, keepdims=True) / cnt
        if not keepdim:
            s = s.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))
        return np.asarray(s).astype(out_dt, copy=False)

    def backward(self, g):
        ge = _expand_back(self, g)
        return (ge * _const(self.mask, g) / _const(self.cnt.astype(g._data.dtype), g),)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    return _out(apply(Sum, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(apply(NanSum, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(apply(Mean, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(apply(NanMean, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


# --- prod -----------------------------------------------------------------------------------

class Prod(Op):
    name = "prod"
    save = (0,)
    save_out = True

    def forward(self, a, dim=None, keepdim=False, dtype=None):
        axes = _dims(dim, a.ndim)
        self.axes = axes
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        out_dt = _int_out(a, dtype)
        acc = _acc(out_dt)
        self.has_zero = _dt.np_is_inexact(a.dtype) and bool((a == 0).any())
        return np.asarray(np.prod(a.astype(acc, copy=False), axis=axes, keepdims=keepdim)
                          ).astype(out_dt, copy=False)

    def backward(self, g):
        a, out = self._unpack()
        ge = _expand_back(self, g)
        if not self.has_zero:
            return (ge * expand(_keep(self, out), a.shape) / a,)
        return (ge * apply(_ProdOthers, a, axes=self.axes),)


class _ProdOthers(Op):
    """For each element, the product of the other elements of its reduction group."""

    def forward(self, a, axes):
        nd = a.ndim
        rest = [i for i in range(nd) if i not in axes]
        perm = rest + list(axes)
        t = a.transpose(perm)
        lead = t.shape[:len(rest)]
        flat = t.reshape(lead + (-1,))
        n = flat.shape[-1]
        one = np.ones(lead + (1,), a.dtype)
        left = np.cumprod(np.concatenate([one, flat[..., :n - 1]], -1), -1)
        right = np.cumprod(np.concatenate([one, flat[..., :0:-1]], -1), -1)[..., ::-1]
        res = (left * right).reshape(t.shape)
        return np.ascontiguousarray(res.transpose(np.argsort(perm)))

    def backward(self, g):
        raise RuntimeError("ember: double backward of prod() through a zero input is not "
                           "implemented")


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    return _out(apply(Prod, input, dim=dim, keepdim=keepdim, dtype=dtype), out)


# --- max / min / amax / amin / argmax / argmin / aminmax ------------------------------------

class _AExtreme(Op):
    """``amax``/``amin`` (and full ``max``/``min``): gradient split evenly among ties."""

    save = (0,)
    save_out = True

    def forward(self, a, dim=None, keepdim=False, largest=True, fname="amax"):
        if a.dtype.kind == "c":  # no order on complex numbers (NumPy's is lexicographic)
            kern = {"max": "max_all", "min": "min_all", "amax": "max_values_cpu",
                    "amin": "min_values_cpu", "aminmax": "aminmax_cpu"}.get(fname, fname)
            raise NotImplementedError(
                f'"{kern}" not implemented for '
                f"'{'ComplexDouble' if a.dtype.itemsize == 16 else 'ComplexFloat'}'")
        if dim is None and a.size == 0:
            raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        axes = _dims(dim, a.ndim)
        _check_nonempty(fname, a, axes)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        self.axes = axes
        f = np.max if largest else np.min
        return np.asarray(f(a, axis=axes, keepdims=keepdim))

    def backward(self, g):
        a, out = self._unpack()
        ok = _keep(self, out)._data
        mask = a._data == ok
        cnt = mask.sum(axis=self.axes, keepdims=True)
        w = (mask / np.maximum(cnt, 1)).astype(a._data.dtype)
        return (_expand_back(self, g) * _const(w, g),)


class AMax(_AExtreme):
    name = "amax"


class AMin(_AExtreme):
    name = "amin"


class _MaxFull(_AExtreme):
    _bw_name = "MaxBackward1"


class _MinFull(_AExtreme):
    _bw_name = "MinBackward1"


class _ExtremeDim(Op):
    """``max(dim)``/``min(dim)``: (values, indices); gradient to the returned index."""
    num_outputs = 2  # the registry does not set it for multi-output ops

    def forward(self, a, dim, keepdim=False, largest=True, fname="max"):
        if a.dtype.kind == "c":
            raise RuntimeError(f"{fname}(): does not support complex input")
        nd = a.ndim
        d = _dim1(dim, nd)
        if nd == 0:
            self.idx = None
            return a.copy(), np.zeros((), np.int64)
        _check_nonempty(fname, a, (d,))
        self.dim, self.keepdim = d, keepdim
        if a.shape[d] == 0 or a.size == 0:
            shp = list(a.shape)
            shp[d] = 1
            idx = np.zeros(shp, np.int64)
            vals = np.zeros(shp, a.dtype)
        else:
            if a.dtype == np.bool_:
                a2 = a.view(np.uint8)
            else:
                a2 = a
            idx = (np.argmax if largest else np.argmin)(a2, axis=d, keepdims=True)
            vals = np.take_along_axis(a, idx, d)
        self.idx = idx
        if not keepdim:
            vals = vals.squeeze(d)
            idx = idx.squeeze(d)
        return vals, idx.astype(np.int64)

    def backward(self, g, _gi=None):
        if self.idx is None:
            return (g,)
        if not self.keepdim:
            g = g.reshape(self.idx.shape)
        return (_scatter(g, self.idx, self.dim, self._in_meta[0][0]),)


class _MaxDim(_ExtremeDim):
    _bw_name = "MaxBackward0"


class _MinDim(_ExtremeDim):
    _bw_name = "MinBackward0"


class _Maximum(Op):
    """Binary ``max(a, b)`` (torch.maximum): ties split the gradient."""

    save = (0, 1)

    def forward(self, a, b, largest=True):
        self.largest = largest
        return np.maximum(a, b) if largest else np.minimum(a, b)

    def backward(self, g):
        a, b = self._unpack()
        ad, bd = a._data, b._data
        win = (ad > bd) if self.largest else (ad < bd)
        tie = ad == bd
        dt = g._data.dtype
        wa = win.astype(dt) + tie.astype(dt) * 0.5
        wb = (~win & ~tie).astype(dt) + tie.astype(dt) * 0.5
        return g * _const(wa, g), g * _const(wb, g)


class _MaximumP(_Maximum):
    _bw_name = "MaximumBackward0"
    promote = staticmethod(promote_same)


class _MinimumP(_Maximum):
    _bw_name = "MinimumBackward0"
    promote = staticmethod(promote_same)


def _binary_extreme(input, other, largest):
    return apply(_MaximumP if largest else _MinimumP, input, other, largest=largest)


def _reduce_named(input, dim, keepdim, largest, out, fname):
    if isinstance(dim, Tensor):
        return _binary_extreme(input, dim, largest)
    if dim is None:
        if keepdim:
            raise TypeError(f"{fname}() received an invalid combination of arguments")
        cls = _MaxFull if largest else _MinFull
        return apply(cls, input, dim=None, keepdim=False, largest=largest, fname=fname)
    cls = _MaxDim if largest else _MinDim
    v, i = apply(cls, input, dim=dim, keepdim=keepdim, largest=largest, fname=fname)
    res = getattr(return_types, fname)(v, i)
    if out is not None:
        _out(v, out[0])
        _out(i, out[1])
        return getattr(return_types, fname)(out[0], out[1])
    return res


def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return _reduce_named(input, dim, keepdim, True, out, "max")


def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return _reduce_named(input, dim, keepdim, False, out, "min")


def amax(input, dim=(), keepdim=False, *, out=None):
    return _out(apply(AMax, input, dim=dim if dim != () else None, keepdim=keepdim,
                      largest=True, fname="amax"), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    return _out(apply(AMin, input, dim=dim if dim != () else None, keepdim=keepdim,
                      largest=False, fname="amin"), out)


def _arg_extreme(input, dim, keepdim, largest, fname):
    a = input._data
    if a.dtype.kind in "bc":
        kind = "bool" if a.dtype.kind == "b" else "complex"
        raise RuntimeError(f"{fname}(): does not support {kind} input")
    f = np.argmax if largest else np.argmin
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{fname}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        r = np.asarray(f(a.reshape(-1)))
        if keepdim:
            r = r.reshape((1,) * a.ndim)
    else:
        d = _dim1(dim, a.ndim)
        if a.ndim == 0:
            r = np.zeros((), np.int64)
        else:
            _check_nonempty(fname, a, (d,))
            r = f(a, axis=d, keepdims=keepdim)
    return _const(np.asarray(r).astype(np.int64), input)


def argmax(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, True, "argmax")


def argmin(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, False, "argmin")


def aminmax(input, *, dim=None, keepdim=False):
    a = input._data
    axes = _dims(dim, a.ndim) if dim is not None else tuple(range(a.ndim))
    if a.size == 0 and (dim is None or _pyany(a.shape[x] == 0 for x in axes)):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if dim is None and keepdim:
        kd = True
        dd = None
    else:
        kd, dd = keepdim, dim
    mn = apply(AMin, input, dim=dd, keepdim=kd, largest=False, fname="aminmax")
    mx = apply(AMax, input, dim=dd, keepdim=kd, largest=True, fname="aminmax")
    return return_types.aminmax(mn, mx)


# --- var / std ------------------------------------------------------------------------------

class _VarStd(Op):
    save = (0,)
    save_out = True

    def forward(self, a, dim=None, correction=1, keepdim=False, take_sqrt=False):
        cplx = False
        if a.dtype.kind != "f":
            if not _dt.np_is_inexact(a.dtype):
                raise RuntimeError("std and var only support floating point and complex "
                                   "dtypes")
            cplx = a.dtype.kind == "c"
        axes = _dims(dim, a.ndim)
        self.axes = axes
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        n = _numel(a.shape, axes)
        self.dof = _pymax(0, n - correction)
        self.take_sqrt = take_sqrt
        x = a.astype(_acc(a.dtype), copy=False)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = x.mean(axis=axes, keepdims=True) if n else np.full(
                np.sum(x, axis=axes, keepdims=True).shape, np.nan, x.dtype)
            d = x - m
            if cplx:  # |d|^2, real: torch's var/std of complex is real
                d = np.abs(d)
            v = np.sum(d * d, axis=axes, keepdims=keepdim) / d.dtype.type(self.dof)
            if take_sqrt:
                v = np.sqrt(v)
        return np.asarray(v).astype(d.dtype if cplx else a.dtype, copy=False)

    def backward(self, g):
        a, out = self._unpack()
        d = a - mean(a, dim=self.axes, keepdim=True)
        ge = _keep(self, g)
        if self.take_sqrt:
            return (ge * d / (_keep(self, out) * self.dof),)
        return (ge * d * (2.0 / self.dof if self.dof else math.inf),)


class Var(_VarStd):
    name = "var"


class Std(_VarStd):
    name = "std"


def _var_args(dim, unbiased, correction, keepdim):
    if isinstance(dim, builtins.bool):  # var(input, unbiased)
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if (unbiased is None or unbiased) else 0
    elif unbiased is not None:
        raise RuntimeError("var(): cannot pass both unbiased and correction")
    return dim, correction, keepdim


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dim, c, keepdim = _var_args(dim, unbiased, correction, keepdim)
    return _out(apply(Var, input, dim=dim, correction=c, keepdim=keepdim), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dim, c, keepdim = _var_args(dim, unbiased, correction, keepdim)
    return _out(apply(Std, input, dim=dim, correction=c, keepdim=keepdim, take_sqrt=True), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, c, keepdim = _var_args(dim, unbiased, correction, keepdim)
    return (apply(Var, input, dim=dim, correction=c, keepdim=keepdim),
            mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, c, keepdim = _var_args(dim, unbiased, correction, keepdim)
    return (apply(Std, input, dim=dim, correction=c, keepdim=keepdim, take_sqrt=True),
            mean(input, dim, keepdim))


# --- norms ----------------------------------------------------------------------------------

class VectorNorm(Op):
    name = "linalg_vector_norm"
    _bw_name = "LinalgVectorNormBackward0"
    save = (0,)
    save_out = True

    def forward(self, a, ord=2, dim=None, keepdim=False, dtype=None):  # noqa: A002
        if not _dt.np_is_inexact(a.dtype):
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex "
                               f"tensor as input. Got {_tname(a.dtype)}")
        axes = _dims(dim, a.ndim)
        self.axes = axes
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        self.ord = ord = float(ord)
        out_dt = dtype.np if dtype is not None else a.dtype
        if out_dt.kind == "c":
            out_dt = np.dtype(np.float64 if out_dt == np.complex128 else np.float32)
            a = np.abs(a)
        x = np.abs(a.astype(_acc(np.dtype(out_dt)), copy=False))
        if a.size == 0 or _pyany(a.shape[ax] == 0 for ax in axes):
            if ord < 0 or math.isinf(ord):
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an "
                                   "empty tensor because the operation does not have an "
                                   "identity")
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if ord == 2:
                r = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
            elif ord == 1:
                r = np.sum(x, axis=axes, keepdims=keepdim)
            elif ord == math.inf:
                r = np.max(x, axis=axes, keepdims=keepdim)
            elif ord == -math.inf:
                r = np.min(x, axis=axes, keepdims=keepdim)
            elif ord == 0:
                r = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
            else:
                r = np.power(np.sum(np.power(x, ord), axis=axes, keepdims=keepdim), 1.0 / ord)
        return np.asarray(r).astype(out_dt, copy=False)

    def backward(self, g):
        a, out = self._unpack()
        p = self.ord
        ge = _keep(self, g)
        n = _keep(self, out)
        if p == 0:
            return (a * 0.0,)
        if p == 1:
            return (ge * _const(np.sign(a._data), g),)
        if math.isinf(p):
            mask = np.abs(a._data) == n._data
            cnt = np.maximum(mask.sum(axis=self.axes, keepdims=True), 1)
            w = (np.sign(a._data) * mask / cnt).astype(a._data.dtype)
            return (ge * _const(w, g),)
        nz = _const((n._data == 0).astype(n._data.dtype), g)
        if p == 2:
            return (ge * a / (n + nz),)
        # g * x * |x|^(p-2) / norm^(p-1)
        return (ge * a * _pow(_abs(a), p - 2) / (_pow(n, p - 1) + nz),)


def _vector_norm(x, ord=2, dim=None, keepdim=False, dtype=None):  # noqa: A002
    if isinstance(dim, list):
        dim = tuple(dim)
    return apply(VectorNorm, x, ord=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    from .. import linalg as L
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            r = _vector_norm(input, 2, dim, keepdim, dtype)
        elif p == "nuc":
            r = L.matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim,
                              dtype=dtype)
        else:
            raise RuntimeError(f"norm(): unsupported norm type {p}")
    else:
        r = _vector_norm(input, 2 if p is None else p, dim, keepdim, dtype)
    return _out(r, out)


# --- logsumexp ------------------------------------------------------------------------------

class LogSumExp(Op):
    name = "logsumexp"
    save = (0,)
    save_out = True

    def forward(self, a, dim=None, keepdim=False):
        axes = _dims(dim, a.ndim)
        self.keep_shape = _grad_shape(a.shape, axes, keepdim)
        x = a.astype(_acc(a.dtype), copy=False)
        if a.size == 0:
            with np.errstate(divide="ignore"):
                r = np.log(np.sum(np.exp(x), axis=axes, keepdims=keepdim))
        else:
            m = np.max(x, axis=axes, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
            with np.errstate(divide="ignore"):
                r = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
            if not keepdim:
                r = r.reshape(tuple(s for i, s in enumerate(a.shape) if i not in axes))
        return np.asarray(r).astype(a.dtype, copy=False)

    def backward(self, g):
        from .elementwise import exp
        a, out = self._unpack()
        return (_keep(self, g) * exp(a - _keep(self, out)),)


def logsumexp(input, dim, keepdim=False, *, out=None):
    if input._data.dtype.kind in "biu":
        input = Tensor._make(input._data.astype(_dt.get_default_dtype().np), input._device)
    return _out(apply(LogSumExp, input, dim=dim, keepdim=keepdim), out)


# --- scans ----------------------------------------------------------------------------------

def _flip_cumsum(a, d):
    return np.flip(np.cumsum(np.flip(a, d), axis=d), d)


class CumSum(Op):
    name = "cumsum"

    def forward(self, a, dim, dtype=None, reverse=False):
        d = _dim1(dim, a.ndim)
        out_dt = _int_out(a, dtype)
        if a.ndim == 0:
            self.dim = None
            return a.astype(out_dt)
        self.dim, self.reverse = d, reverse
        x = a.astype(_acc(out_dt), copy=False)
        r = _flip_cumsum(x, d) if reverse else np.cumsum(x, axis=d)
        return r.astype(out_dt, copy=False)

    def backward(self, g):
        if self.dim is None:
            return (g,)
        return (apply(CumSum, g, dim=self.dim, reverse=not self.reverse),)


class CumProd(Op):
    name = "cumprod"
    save = (0,)
    save_out = True

    def forward(self, a, dim, dtype=None):
        d = _dim1(dim, a.ndim)
        out_dt = _int_out(a, dtype)
        if a.ndim == 0:
            self.dim = None
            return a.astype(out_dt)
        self.dim = d
        self.has_zero = _dt.np_is_inexact(a.dtype) and bool((a == 0).any())
        return np.cumprod(a.astype(_acc(out_dt), copy=False), axis=d).astype(out_dt,
                                                                            copy=False)

    def backward(self, g):
        if self.dim is None:
            return (g,)
        a, out = self._unpack()
        if not self.has_zero:
            return (apply(CumSum, g * out, dim=self.dim, reverse=True) / a,)
        return (apply(_CumProdGradZeros, g, a, dim=self.dim),)


for _c in (Prod, CumProd):  # holomorphic: complex grads are conjugated around the formula
    _c.backward = holomorphic_backward(_c.backward)


class _CumProdGradZeros(Op):
    """First-order cumprod gradient for inputs with zeros (torch's cumprod_backward)."""

    def forward(self, g, a, dim):
        x = np.moveaxis(a, dim, -1)
        gg = np.moveaxis(g, dim, -1)
        n = x.shape[-1]
        xf = x.reshape(-1, n)
        gf = gg.reshape(-1, n)
        res = np.zeros_like(xf)
        for r in range(xf.shape[0]):  # only rows with zeros take the slow path
            row, grow = xf[r], gf[r]
            zs = np.nonzero(row == 0)[0]
            out = np.cumprod(row)
            if zs.size == 0:
                res[r] = _flip_cumsum(grow * out, 0) / row
                continue
            z = zs[0]
            if z > 0:
                o = out[:z]
                res[r, :z] = _flip_cumsum(grow[:z] * o, 0) / row[:z]
            prev = out[z - 1] if z > 0 else 1.0
            tail = np.cumprod(np.concatenate([[1.0], row[z + 1:]])).astype(row.dtype)
            res[r, z] = prev * np.sum(grow[z:] * tail)
        return np.moveaxis(res.reshape(x.shape), -1, dim)

    def backward(self, gg):
        raise RuntimeError("ember: double backward of cumprod() through a zero input is not "
                           "implemented")


def cumsum(input, dim, *, dtype=None, out=None):
    return _out(apply(CumSum, input, dim=dim, dtype=dtype), out)


def cumprod(input, dim, *, dtype=None, out=None):
    return _out(apply(CumProd, input, dim=dim, dtype=dtype), out)


class _CumExtreme(Op):
    num_outputs = 2  # the registry does not set it for multi-output ops
    def forward(self, a, dim, largest=True):
        d = _dim1(dim, a.ndim)
        if a.ndim == 0:
            self.idx = None
            return a.copy(), np.zeros((), np.int64)
        self.dim = d
        x = a.view(np.uint8) if a.dtype == np.bool_ else a
        acc = (np.maximum if largest else np.minimum).accumulate(x, axis=d)
        shp = [1] * a.ndim
        shp[d] = a.shape[d]
        ar = np.arange(a.shape[d]).reshape(shp)
        hit = x == acc
        if _dt.np_is_floating(x.dtype):
            hit |= np.isnan(x)
            nanseen = np.logical_or.accumulate(np.isnan(x), axis=d)
            acc = np.where(nanseen, np.nan, acc).astype(x.dtype)
        idx = np.maximum.accumulate(np.where(hit, ar, -1), axis=d).astype(np.int64)
        if _dt.np_is_floating(x.dtype) and np.isnan(x).any():
            first_nan = np.where(np.isnan(x), ar, a.shape[d])
            fn = np.minimum.accumulate(first_nan, axis=d)
            idx = np.where(nanseen, fn, idx)
        self.idx = idx
        vals = acc.view(np.bool_) if a.dtype == np.bool_ else acc
        return vals, idx

    def backward(self, g, _gi=None):
        if self.idx is None:
            return (g,)
        return (_scatter(g, self.idx, self.dim, self._in_meta[0][0]),)


class _CumMax(_CumExtreme):
    _bw_name = "CummaxBackward0"


class _CumMin(_CumExtreme):
    _bw_name = "CumminBackward0"


def cummax(input, dim, *, out=None):
    v, i = apply(_CumMax, input, dim=dim, largest=True)
    return return_types.cummax(v, i)


def cummin(input, dim, *, out=None):
    v, i = apply(_CumMin, input, dim=dim, largest=False)
    return return_types.cummin(v, i)


class LogCumSumExp(Op):
    name = "logcumsumexp"
    save = (0,)
    save_out = True

    def forward(self, a, dim):
        d = _dim1(dim, a.ndim)
        if a.ndim == 0:
            self.dim = None
            return a.copy()
        self.dim = d
        x = a.astype(_acc(a.dtype), copy=False)
        return np.logaddexp.accumulate(x, axis=d).astype(a.dtype, copy=False)

    def backward(self, g):
        if self.dim is None:
            return (g,)
        from .elementwise import exp
        a, out = self._unpack()
        m = np.max(a._data, axis=self.dim, keepdims=True) if a._data.size else 0.0
        m = _const(np.where(np.isfinite(m), m, 0).astype(a._data.dtype), g)
        inner = apply(CumSum, g * exp(m - out), dim=self.dim, reverse=True)
        return (exp(a - m) * inner,)


def logcumsumexp(input, dim, *, out=None):
    if input._data.dtype.kind in "biu":
        input = Tensor._make(input._data.astype(_dt.get_default_dtype().np), input._device)
    return _out(apply(LogCumSumExp, input, dim=dim), out)


# --- all / any / count_nonzero --------------------------------------------------------------

def _logical_reduce(input, dim, keepdim, f):
    a = input._data
    axes = _dims(dim, a.ndim)
    r = np.asarray(f(a, axis=axes, keepdims=keepdim))
    if a.dtype == np.uint8:
        r = r.astype(np.uint8)
    return _const(r, input)


def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return _out(_logical_reduce(input, dim, keepdim, np.all), out)


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return _out(_logical_reduce(input, dim, keepdim, np.any), out)


def count_nonzero(input, dim=None):
    a = input._data
    axes = _dims(dim, a.ndim)
    return _const(np.asarray(np.count_nonzero(a, axis=axes)).astype(np.int64), input)


# --- sorting and order statistics -----------------------------------------------------------

def _sort_key(x, descending):
    """An array whose ascending stable argsort gives ``x``'s order (NaN as largest)."""
    if x.dtype.kind in "bc":
        if x.dtype.kind == "c":
            raise RuntimeError("Sort does not support complex dtypes on CPU")
        x = x.view(np.uint8)
    elif x.dtype == _dt.BF16_NP:  # ml_dtypes' sort does not put NaN last; float32 is exact
        x = x.astype(np.float32)
    if not descending:
        return x
    if x.dtype.kind in "iu":
        return ~x
    if x.dtype in _LOW:
        x = x.astype(np.float32)
    k = -x
    if np.isnan(x).any():
        k = np.where(np.isnan(x), -np.inf, k)
    return k


def _argsort(x, axis, descending, stable=True):
    key = _sort_key(x, descending)
    if descending and _dt.np_is_floating(x.dtype) and np.isnan(x).any():
        # NaN first, then descending values; stable among ties
        nan = ~np.isnan(x)
        order1 = np.argsort(key, axis=axis, kind="stable")
        nn = np.take_along_axis(nan, order1, axis)
        order2 = np.argsort(nn, axis=axis, kind="stable")
        return np.take_along_axis(order1, order2, axis)
    return np.argsort(key, axis=axis, kind="stable")


class _IndexSelectRed(Op):
    """Values picked along ``dim`` by precomputed indices (sort/topk/kthvalue/median/mode);
    forward returns (values, indices); gradient scattered back to the indices."""
    num_outputs = 2  # the registry does not set it for multi-output ops

    def forward(self, a, idx, dim, squeeze=False):
        self.dim = dim
        self.idx = idx
        vals = np.take_along_axis(a, idx, dim) if a.ndim else a.copy()
        self.squeeze = squeeze
        out_i = idx
        if squeeze:
            vals = vals.squeeze(dim)
            out_i = idx.squeeze(dim)
        return vals, out_i.astype(np.int64)

    def backward(self, g, _gi=None):
        if self._in_meta[0][0] == ():
            return g, None
        if self.squeeze:
            g = g.reshape(self.idx.shape)
        return _scatter(g, self.idx, self.dim, self._in_meta[0][0]), None


def _make_sel(bw_name):
    return type(f"_{bw_name}", (_IndexSelectRed,), {"_bw_name": bw_name})


_SortSel = _make_sel("SortBackward0")
_TopkSel = _make_sel("TopkBackward0")
_KthSel = _make_sel("KthvalueBackward0")
_MedianSel = _make_sel("MedianBackward1")
_NanMedianSel = _make_sel("NanmedianBackward1")
_ModeSel = _make_sel("ModeBackward0")


def _select(cls, input, idx, dim, squeeze, rt):
    v, i = apply(cls, input, idx, dim=dim, squeeze=squeeze)
    return getattr(return_types, rt)(v, i)


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    a = input._data
    d = _dim1(dim, a.ndim)
    if a.ndim == 0:
        return _select(_SortSel, input, np.zeros((), np.int64), 0, False, "sort")
    idx = _argsort(a, d, descending)
    return _select(_SortSel, input, idx, d, False, "sort")


def argsort(input, dim=-1, descending=False, stable=False):
    a = input._data
    d = _dim1(dim, a.ndim)
    if a.ndim == 0:
        return _const(np.zeros((), np.int64), input)
    return _const(_argsort(a, d, descending).astype(np.int64), input)


def msort(input, *, out=None):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    a = input._data
    d = _dim1(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    if a.ndim == 0:
        return _select(_TopkSel, input, np.zeros((), np.int64), 0, False, "topk")
    if 0 < k and 4 * k < n and not (_dt.np_is_floating(a.dtype) and np.isnan(a).any()):
        key = _sort_key(a, largest)
        part = np.argpartition(key, k - 1, axis=d)
        part = np.take(part, np.arange(k), axis=d)
        sub = np.take_along_axis(key, part, d)
        # order the k candidates (stable on original index for ties)
        o = _stable_by(sub, part, d)
        idx = np.take_along_axis(part, o, d)
    else:
        idx = np.take(_argsort(a, d, largest), np.arange(k), axis=d)
    return _select(_TopkSel, input, idx, d, False, "topk")


def _stable_by(key, tie, d):
    o1 = np.argsort(tie, axis=d, kind="stable")
    k1 = np.take_along_axis(key, o1, d)
    o2 = np.argsort(k1, axis=d, kind="stable")
    return np.take_along_axis(o1, o2, d)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    a = input._data
    d = _dim1(dim, a.ndim)
    if a.ndim:
        _check_nonempty("kthvalue", a, (d,))
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if a.ndim == 0:
        return _select(_KthSel, input, np.zeros((), np.int64), 0, False, "kthvalue")
    idx = np.take(_argsort(a, d, False), [k - 1], axis=d)
    return _select(_KthSel, input, idx, d, not keepdim, "kthvalue")


def _median_idx(a, d, ignore_nan):
    order = _argsort(a, d, False)
    n = a.shape[d]
    if _dt.np_is_floating(a.dtype):
        isn = np.isnan(a)
        cnt_nan = isn.sum(axis=d, keepdims=True)
    else:
        isn = None
        cnt_nan = np.zeros([1] * a.ndim, np.int64)
    if ignore_nan:
        m = n - cnt_nan
        k = np.maximum((m - 1) // 2, 0)
        return np.take_along_axis(order, k, d)
    kk = np.broadcast_to((n - 1) // 2, tuple(1 if i == d else s
                                             for i, s in enumerate(a.shape)))
    idx = np.take_along_axis(order, np.ascontiguousarray(kk), d)
    if isn is not None and cnt_nan.any():
        first_nan = np.argmax(isn, axis=d, keepdims=True)
        idx = np.where(cnt_nan > 0, first_nan, idx)
    return idx


class _MedianFull(Op):
    """Full median (lower median); gradient split evenly among ties (torch)."""

    save = (0,)
    save_out = True
    _bw_name = "MedianBackward0"

    def forward(self, a, ignore_nan=False):
        flat = a.reshape(-1)
        if flat.size == 0:
            return (np.asarray(np.nan, dtype=a.dtype) if _dt.np_is_floating(a.dtype) else
                    np.zeros((), a.dtype))
        i = _median_idx(flat, 0, ignore_nan)
        return np.asarray(flat[i[0]])

    def backward(self, g):
        a, out = self._unpack()
        mask = (a._data == out._data) | (np.isnan(a._data) & np.isnan(out._data))
        w = (mask / np.maximum(mask.sum(), 1)).astype(a._data.dtype)
        return (g * _const(w, g),)


def _median(input, dim, keepdim, ignore_nan, rt):
    a = input._data
    if dim is None:
        return apply(_MedianFull, input, ignore_nan=ignore_nan)
    d = _dim1(dim, a.ndim)
    if a.ndim == 0:
        return _select(_MedianSel, input, np.zeros((), np.int64), 0, False, rt)
    _check_nonempty(rt, a, (d,))
    idx = _median_idx(a, d, ignore_nan)
    return _select(_NanMedianSel if ignore_nan else _MedianSel, input, idx, d, not keepdim,
                   rt)


def median(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, True, "nanmedian")


def mode(input, dim=-1, keepdim=False, *, out=None):
    a = input._data
    d = _dim1(dim, a.ndim)
    if a.ndim == 0:
        return _select(_ModeSel, input, np.zeros((), np.int64), 0, False, "mode")
    _check_nonempty("mode", a, (d,))
    x = np.moveaxis(a, d, -1)
    n = x.shape[-1]
    s = np.sort(x, axis=-1)
    start = np.ones(s.shape, bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    ar = np.arange(n)
    run_start = np.maximum.accumulate(np.where(start, ar, 0), axis=-1)
    length = ar - run_start + 1
    best = np.argmax(length, axis=-1)[..., None]
    val = np.take_along_axis(s, best, -1)
    last = np.max(np.where(x == val, ar, -1), axis=-1, keepdims=True)
    idx = np.moveaxis(last, -1, d)
    return _select(_ModeSel, input, idx, d, not keepdim, "mode")


# --- unique ---------------------------------------------------------------------------------

def _uniq_result(input, vals, inv, counts, return_inverse, return_counts):
    res = [_const(vals, input)]
    if return_inverse:
        res.append(_const(inv.astype(np.int64), input))
    if return_counts:
        res.append(_const(counts.astype(np.int64), input))
    return res[0] if len(res) == 1 else tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    a = input._data
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(a.shape)
    else:
        d = _wrap_dim(dim, a.ndim)
        if a.shape[d] == 0 and a.size == 0:
            vals, inv, counts = a, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
            inv = inv.reshape(-1)
    return _uniq_result(input, vals, inv, counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        if flat.size == 0:
            return _uniq_result(input, flat, np.zeros(a.shape, np.int64), np.zeros(0, np.int64),
                                return_inverse, return_counts)
        start = np.ones(flat.size, bool)
        start[1:] = flat[1:] != flat[:-1]
        vals = flat[start]
        inv = (np.cumsum(start) - 1).reshape(a.shape)
        pos = np.nonzero(start)[0]
        counts = np.diff(np.append(pos, flat.size))
        return _uniq_result(input, vals, inv, counts, return_inverse, return_counts)
    d = _wrap_dim(dim, a.ndim)
    x = np.moveaxis(a, d, 0)
    n = x.shape[0]
    if n == 0:
        return _uniq_result(input, a, np.zeros(0, np.int64), np.zeros(0, np.int64),
                            return_inverse, return_counts)
    flat = x.reshape(n, -1)
    start = np.ones(n, bool)
    start[1:] = (flat[1:] != flat[:-1]).any(axis=1)
    vals = np.moveaxis(x[start], 0, d)
    inv = np.cumsum(start) - 1
    pos = np.nonzero(start)[0]
    counts = np.diff(np.append(pos, n))
    return _uniq_result(input, vals, inv, counts, return_inverse, return_counts)


# --- quantile -------------------------------------------------------------------------------

_QMODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(input: Tensor, q) -> tuple[np.ndarray, bool]:
    """q as a 1-D array of the input's dtype, and whether it was a scalar."""
    if not isinstance(q, Tensor):
        q = float(q)
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        return np.asarray([q], dtype=input._data.dtype), True
    if q.dim() > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if q._dtype is not input._dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    qa = q._data.reshape(-1)
    if not np.all((qa >= 0) & (qa <= 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    return qa, q.dim() == 0


def _quantile_ranks(sd: np.ndarray, qa: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """Fractional ranks (..., Q) into the sorted last axis of ``sd`` (NaNs sorted last).

    quantile: a slice holding a NaN takes the last rank, so its result is NaN;
    nanquantile: ranks over the non-NaN count, rank 0 when all are NaN."""
    nan = np.isnan(sd)
    n = sd.shape[-1]
    if ignore_nan:
        cnt = (n - nan.sum(-1, keepdims=True)).astype(sd.dtype)
        ranks = qa * (cnt - 1)
        ranks[ranks < 0] = 0
        return ranks
    ranks = np.broadcast_to(qa * sd.dtype.type(n - 1), sd.shape[:-1] + qa.shape).copy()
    ranks[np.broadcast_to(nan.any(-1, keepdims=True), ranks.shape)] = n - 1
    return ranks


def _quantile_weight_q(sd: np.ndarray, q: Tensor, ranks: np.ndarray, ignore_nan: bool):
    """The linear weights as a function of ``q`` (torch differentiates quantile in q):
    ranks where they were not overridden are q times the slice's last index."""
    n = sd.shape[-1]
    nan = np.isnan(sd)
    if ignore_nan:
        scale = (n - nan.sum(-1, keepdims=True) - 1).astype(sd.dtype)
    else:
        scale = np.full(sd.shape[:-1] + (1,), n - 1, sd.dtype)
    free = (q._data.reshape(-1) * scale) == ranks  # False where a rank was overridden
    from .math import where
    # where(), not a product with a 0/1 mask: an overridden rank's (NaN) lerp slope must not
    # reach q's gradient
    r = where(_const(free, q), q.reshape(-1) * _const(scale, q), _const(ranks, q))
    return r - _const(np.floor(ranks), q)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, out):
    qa, scalar_q = _quantile_q(input, q) if not isinstance(q, Tensor) else (None, False)
    if interpolation not in _QMODES:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if not input._dtype.is_floating_point or input._data.dtype in _LOW:
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qa is None:
        qa, scalar_q = _quantile_q(input, q)
    if input._data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    nd = input.dim()
    if dim is None:
        x = input.reshape(-1)
    else:
        d = _wrap_dim(dim, nd)
        x = input.movedim(d, -1) if nd else input.reshape(1)
    s = sort(x, -1).values
    ranks = _quantile_ranks(s._data, qa, ignore_nan)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as torch.round
    below = ranks.astype(np.int64)
    r = _take(s, below, -1)
    if interpolation in ("linear", "midpoint"):
        from .math import lerp
        if interpolation == "midpoint":
            w = _const(np.full_like(ranks, 0.5), input)
        elif isinstance(q, Tensor) and q._requires_grad:
            w = _quantile_weight_q(s._data, q, ranks, ignore_nan)
        else:
            w = _const(ranks - np.floor(ranks), input)
        above = _take(s, np.ceil(ranks).astype(np.int64), -1)
        r = lerp(r, above, w)
    r = r.movedim(-1, 0)
    if keepdim and nd:
        if dim is None:
            r = r.reshape(r.shape[0], *([1] * nd))
        else:
            r = r.unsqueeze(d + 1)
    if scalar_q:
        r = r.reshape(r.shape[1:])
    return _out(r, out)


@autocast_composite("quantile")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles of ``input`` along ``dim`` (all elements when None), with
    torch's interpolation modes; a NaN in a slice makes its result NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, out)


@autocast_composite("nanquantile")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """As ``quantile``, ignoring NaNs (an all-NaN slice gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, out)


# --- Tensor methods -------------------------------------------------------------------------

def _bind() -> None:
    for n in ("sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin",
              "argmax", "argmin", "aminmax", "var", "std", "norm", "logsumexp", "cumsum",
              "cumprod", "cummax", "cummin", "logcumsumexp", "all", "any", "count_nonzero",
              "median", "nanmedian", "mode", "topk", "kthvalue", "sort", "argsort", "msort",
              "unique", "unique_consecutive", "quantile", "nanquantile"):
        setattr(Tensor, n, globals()[n])
    Tensor.cumsum_ = lambda self, dim, *, dtype=None: apply_inplace(CumSum, self, dim=dim,
                                                                    dtype=dtype)
    Tensor.cumprod_ = lambda self, dim, *, dtype=None: apply_inplace(CumProd, self, dim=dim,
                                                                     dtype=dtype)


_bind()
