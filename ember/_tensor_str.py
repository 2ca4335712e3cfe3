"""Printing tensors in torch's format.

``repr(t)`` follows torch's rules (``torch/_tensor_str.py``), with ``ember.`` in place of
``torch.`` in dtype names:

* floats: one formatter per tensor chooses among integer mode (``1.``), fixed point with
  ``precision`` digits and scientific notation, from the nonzero finite values (sci when
  max/min > 1e3, max > 1e8 or min < 1e-4, unless ``sci_mode`` forces it); every element
  is right-aligned to the widest;
* more than ``threshold`` elements print ``edgeitems`` per end of every dimension with
  ``...`` between; 1-d runs wrap at ``linewidth``;
* suffixes: ``device=``, ``size=`` (empty tensors), ``dtype=`` (when not a default
  dtype), ``grad_fn=<...>`` or ``requires_grad=True``, moved to a new line when the last
  line would pass ``linewidth``.

All formatting works on NumPy copies of the values (float64 for real floating types,
exact for float16/bfloat16/float32), so it never touches autograd.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from . import dtypes as _dt


class _PrinterOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Sets printing options (``torch.set_printoptions``).

    ``profile`` is one of ``'default'``, ``'short'``, ``'full'``; explicit arguments
    override it.  ``sci_mode=None`` (the default) lets the formatter decide.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current options, as keyword arguments for ``set_printoptions``."""
    return {k: getattr(PRINT_OPTS, k) for k in _PrinterOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily changes the print options (``torch._tensor_str.printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# --- element formatting ------------------------------------------------------------------

class _Formatter:
    """Chooses one layout for all elements of a (real) array and pads to a common width."""

    def __init__(self, arr: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if not floating:
            if flat.size:
                self.max_width = max(1, max(len(str(v)) for v in flat.tolist()))
            return
        vals = flat.astype(np.float64)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals)
        vmin = float(absv.min())
        vmax = float(absv.max())
        self.int_mode = bool((vals == np.ceil(vals)).all())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        items = vals.tolist()
        if self.sci_mode:
            fmt = f"{{:.{p}e}}".format
            self.max_width = max(self.max_width, max(len(fmt(v)) for v in items))
        elif self.int_mode:
            self.max_width = max(self.max_width, max(len(f"{v:.0f}") for v in items) + 1)
        else:
            fmt = f"{{:.{p}f}}".format
            self.max_width = max(self.max_width, max(len(fmt(v)) for v in items))

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _values(arr: np.ndarray):
    """Python values of ``arr`` (floats exact as float64; complex as complex)."""
    k = arr.dtype.kind
    if k == "c":
        return arr.astype(np.complex128).tolist()
    if k == "f" or arr.dtype == _dt.bfloat16.np:
        return arr.astype(np.float64).tolist()
    return arr.tolist()


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The elements that a summarized print shows (torch's get_summarized_data)."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        n = arr.shape[0]
        return np.concatenate((arr[:e], arr[n - e:])) if n > 2 * e else arr
    if not e:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    for ax in range(arr.ndim):
        n = arr.shape[ax]
        if n > 2 * e:
            idx = np.r_[0:e, n - e:n]
            arr = np.take(arr, idx, axis=ax)
    return arr


class _Fmt:
    """One formatter, or a (real, imag) pair for complex tensors."""

    __slots__ = ("f1", "f2")

    def __init__(self, f1, f2=None) -> None:
        self.f1 = f1
        self.f2 = f2

    def width(self) -> int:
        w = self.f1.width() + 2
        if self.f2 is not None:
            w += self.f2.width() + 1
        return w

    def __call__(self, v) -> str:
        if self.f2 is None:
            return self.f1.format(v)
        real = self.f1.format(v.real)
        imag = (self.f2.format(v.imag) + "j").lstrip()
        if imag[0] in "+-":
            return real + imag
        return real + "+" + imag


def _vector_str(arr, indent, summarize, fmt: _Fmt) -> str:
    opts = PRINT_OPTS
    per_line = max(1, math.floor((opts.linewidth - indent) / fmt.width()))
    e = opts.edgeitems
    n = arr.shape[0]
    if summarize and not e:
        data = ["..."]
    elif summarize and n > 2 * e:
        data = ([fmt(v) for v in _values(arr[:e])] + [" ..."]
                + [fmt(v) for v in _values(arr[n - e:])])
    else:
        data = [fmt(v) for v in _values(arr)]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(arr, indent, summarize, fmt: _Fmt) -> str:
    dim = arr.ndim
    if dim == 0:
        return fmt(_values(arr))
    if dim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        slices = ([_array_str(arr[i], indent + 1, summarize, fmt) for i in range(e)]
                  + ["..."]
                  + [_array_str(arr[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        slices = [_array_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(arr: np.ndarray, dt, indent: int) -> str:
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    src = _summarized(arr) if summarize else arr
    if dt.is_complex:
        fmt = _Fmt(_Formatter(src.real, True), _Formatter(src.imag, True))
    else:
        fmt = _Fmt(_Formatter(src, dt.is_floating_point))
    return _array_str(arr, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes, indent: int) -> str:
    parts = [text]
    last_len = len(text) - text.rfind("\n") + 1
    width = PRINT_OPTS.linewidth
    for s in suffixes:
        if last_len + len(s) + 2 > width:
            parts.append(",\n" + " " * indent + s)
            last_len = indent + len(s)
        else:
            parts.append(", " + s)
            last_len += len(s) + 2
    parts.append(")")
    return "".join(parts)


def _is_plain(cls) -> bool:
    from ._tensor import Tensor
    return cls is Tensor or (cls._is_param and cls.__name__ == "Parameter")


def tensor_repr(t, tensor_contents=None) -> str:
    """``repr(tensor)`` in torch's format."""
    cls = type(t)
    prefix = "tensor(" if _is_plain(cls) else f"{cls.__name__}("
    indent = len(prefix)
    suffixes = []
    dev = t._device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dt = t._dtype
    default = _dt.get_default_dtype()
    default_complex = _dt.complex128 if default is _dt.float64 else _dt.complex64
    arr = t._np()
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(arr.shape)))
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(arr.shape)))
        if dt not in (default, default_complex, _dt.int64, _dt.bool_):
            suffixes.append(f"dtype={dt!r}")
        body = _tensor_str(arr, dt, indent)
    if tensor_contents is not None:
        body = tensor_contents
    fn = t._grad_fn
    if fn is not None:
        suffixes.append(f"grad_fn=<{fn._bw_name}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def tensor_str(t) -> str:
    return tensor_repr(t)
