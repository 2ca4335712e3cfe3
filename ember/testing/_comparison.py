"""``assert_close`` and its comparison machinery (``torch.testing._comparison``).

NOTE [closeness on arrays]
The values are compared on the backend arrays with torch's ``isclose`` arithmetic step
by step, so a pair that torch calls close (or not) is called the same here, and the
mismatch statistics print the same numbers:

- ``|actual - expected| <= atol + |rtol * expected|``, each term in the tensors' dtype;
  float16/bfloat16 multiply with ``rtol`` kept in float32 then round, but add ``atol``
  rounded to the half type first (torch's CPU scalar paths differ between mul and add);
- integer and bool tensors are compared in the default float dtype (no integer wrap);
- the message's relative difference of integer tensors is in the default float dtype,
  and the greatest difference is the first of equal maxima (NaN first), as ``torch.max``.

Complex magnitudes are rounded from a wider ``hypot`` (``_abs``), as torch's SIMD
kernel computes them; torch's complex128 ``abs`` (SLEEF, 0.5 ulp) still differs in the
last bit in about 2 of 10^4 values, so a complex128 pair within an ulp of the tolerance
boundary may rarely be judged differently.
"""

from __future__ import annotations

import abc
import cmath
import collections.abc
import contextlib
import warnings
from collections.abc import Callable, Collection, Sequence
from typing import Any, NoReturn

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]


class ErrorMeta(Exception):
    """Internal carrier of an error type, message and item id; ``to_error`` makes the
    user-facing exception."""

    def __init__(self, type: type[Exception], msg: str, *, id: tuple = ()) -> None:  # noqa: A002
        super().__init__("internal comparison error; raise ErrorMeta.to_error() instead")
        self.type = type
        self.msg = msg
        self.id = id

    def to_error(self, msg: str | Callable[[str], str] | None = None) -> Exception:
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                where = "".join(str([item]) for item in self.id)
                generated += f"\n\nThe failure occurred for item {where}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


# {dtype: (rtol, atol)}; quantized dtypes compare dequantized, so they take float32's
_DTYPE_PRECISIONS: dict = {
    _dt.float16: (0.001, 1e-5),
    _dt.bfloat16: (0.016, 1e-5),
    _dt.float32: (1.3e-6, 1e-5),
    _dt.float64: (1e-7, 1e-7),
    _dt.complex64: (1.3e-6, 1e-5),
    _dt.complex128: (1e-7, 1e-7),
}
for _name in ("complex32",):
    if hasattr(_dt, _name):
        _DTYPE_PRECISIONS[getattr(_dt, _name)] = (0.001, 1e-5)
for _name in ("quint8", "quint2x4", "quint4x2", "qint8", "qint32"):
    if hasattr(_dt, _name):
        _DTYPE_PRECISIONS[getattr(_dt, _name)] = _DTYPE_PRECISIONS[_dt.float32]


def default_tolerances(*inputs, dtype_precisions: dict | None = None) -> tuple[float, float]:
    """The loosest default ``(rtol, atol)`` over the dtypes of ``inputs`` (tensors or
    dtypes); dtypes outside the table (integers, bool) get ``(0.0, 0.0)``."""
    dtypes = []
    for inp in inputs:
        if isinstance(inp, Tensor):
            dtypes.append(inp.dtype)
        elif isinstance(inp, _dt.dtype):
            dtypes.append(inp)
        else:
            raise TypeError(f"Expected a torch.Tensor or a torch.dtype, but got {type(inp)} "
                            "instead.")
    table = dtype_precisions or _DTYPE_PRECISIONS
    rtols, atols = zip(*[table.get(d, (0.0, 0.0)) for d in dtypes], strict=True)
    return max(rtols), max(atols)


def get_tolerances(*inputs, rtol: float | None, atol: float | None,
                   id: tuple = ()) -> tuple[float, float]:  # noqa: A002
    """``(rtol, atol)`` as given, or the defaults; giving only one of them is an error."""
    if (rtol is None) ^ (atol is None):
        # one tolerance alone would surprise: atol=0 still passes through rtol > 0
        missing = "rtol" if rtol is None else "atol"
        raise ErrorMeta(ValueError, "Both 'rtol' and 'atol' must be either specified or "
                        f"omitted, but got no {missing}.", id=id)
    if rtol is not None and atol is not None:
        return rtol, atol
    return default_tolerances(*inputs)


def _identifier(default: str, identifier) -> str:
    if identifier is None:
        return default
    return identifier(default) if callable(identifier) else identifier


def _make_mismatch_msg(*, default_identifier: str, identifier=None, extra: str | None = None,
                       abs_diff, abs_diff_idx=None, atol: float, rel_diff, rel_diff_idx=None,
                       rtol: float) -> str:
    equality = rtol == 0 and atol == 0

    def diff_line(kind: str, diff, idx, tol) -> str:
        line = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        return line + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = (f"{_identifier(default_identifier, identifier)} are not "
           f"{'equal' if equality else 'close'}!\n\n")
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_line("absolute", abs_diff, abs_diff_idx, atol)
    msg += diff_line("relative", rel_diff, rel_diff_idx, rtol)
    return msg.strip()


def make_scalar_mismatch_msg(actual, expected, *, rtol: float, atol: float,
                             identifier=None) -> str:
    """The mismatch message of two scalars (also used for 0-dim tensors)."""
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _make_mismatch_msg(default_identifier="Scalars", identifier=identifier,
                              extra=f"Expected {expected} but got {actual}.",
                              abs_diff=abs_diff, atol=atol, rel_diff=rel_diff, rtol=rtol)


def _first_max(a: np.ndarray) -> int:
    # torch.max(dim): the first NaN if any, else the first of equal maxima
    nan = np.isnan(a)
    return int(np.argmax(nan)) if nan.any() else int(np.argmax(a))


def make_tensor_mismatch_msg(actual: Tensor, expected: Tensor, matches: np.ndarray, *,
                             rtol: float, atol: float, identifier=None) -> str:
    """The mismatch message of two tensors of equal shape and dtype; ``matches`` is the
    boolean closeness array (see NOTE [closeness on arrays])."""
    shape = tuple(matches.shape)

    def unravel(flat: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()

    numel = matches.size
    mismatches = numel - int(matches.sum())
    extra = f"Mismatched elements: {mismatches} / {numel} ({mismatches / numel:.1%})"
    a = _array(actual).reshape(-1)
    e = _array(expected).reshape(-1)
    m = matches.reshape(-1)
    exact = not (actual.dtype.is_floating_point or actual.dtype.is_complex)
    if exact:
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = _abs(a - e)
        abs_diff[m] = 0
        abs_e = _abs(e)
        if exact:  # true division of integers gives the default float dtype
            real = _dt.get_default_dtype().np
            rel_diff = abs_diff.astype(real) / abs_e.astype(real)
        else:
            rel_diff = abs_diff / abs_e
    rel_diff[m] = 0
    i_abs, i_rel = _first_max(abs_diff), _first_max(rel_diff)
    return _make_mismatch_msg(default_identifier="Tensor-likes", identifier=identifier,
                              extra=extra, abs_diff=abs_diff[i_abs].item(),
                              abs_diff_idx=unravel(i_abs), atol=atol,
                              rel_diff=rel_diff[i_rel].item(), rel_diff_idx=unravel(i_rel),
                              rtol=rtol)


def _array(t: Tensor) -> np.ndarray:
    """The values of ``t`` as a NumPy array on the host."""
    return np.asarray(t.detach().cpu().numpy())


_HALF = _dt.HALF_NP
_WIDE = np.longdouble if np.finfo(np.longdouble).nmant > 52 else None


def _abs(x: np.ndarray) -> np.ndarray:
    """``torch.abs``: complex magnitudes rounded from a wider hypot, as torch's SIMD kernel
    gives them (NumPy's complex ``abs`` is off by an ulp in about a third of the cases)."""
    if x.dtype == np.complex64:
        return np.hypot(x.real.astype(np.float64), x.imag.astype(np.float64)).astype(np.float32)
    if x.dtype == np.complex128 and _WIDE is not None:
        re, im = x.real.astype(_WIDE), x.imag.astype(_WIDE)
        return np.sqrt(re * re + im * im).astype(np.float64)
    return np.abs(x)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
             equal_nan: bool) -> np.ndarray:
    """``torch.isclose`` on same-dtype arrays, in torch's dtypes (NOTE [closeness on arrays])."""
    inexact = _dt.np_is_inexact(a.dtype)
    close = a == e
    if equal_nan and inexact:
        close |= np.isnan(a) & np.isnan(e)
    if rtol == 0 and atol == 0:
        return close
    if not inexact:  # integer and bool values compare in the default float dtype
        a = a.astype(_dt.get_default_dtype().np)
        e = e.astype(a.dtype)
    with np.errstate(all="ignore"):
        if a.dtype in _HALF:
            f32 = np.float32
            scaled = (f32(rtol) * e.astype(f32)).astype(a.dtype)
            allowed = (np.asarray(atol, a.dtype).astype(f32) + _abs(scaled).astype(f32))
            allowed = allowed.astype(a.dtype)
        else:
            allowed = atol + _abs(rtol * e)
        actual_error = _abs(a - e)
        close |= np.isfinite(actual_error) & (actual_error <= allowed)
    return close


class UnsupportedInputs(Exception):  # noqa: N818 - torch's name
    """Raised by a :class:`Pair` constructor that cannot handle its inputs."""


class Pair(abc.ABC):
    """A pair of inputs to compare; a constructor raising :class:`UnsupportedInputs` hands
    the inputs to the next pair type, every other failure is an :class:`ErrorMeta`."""

    def __init__(self, actual: Any, expected: Any, *, id: tuple = (),  # noqa: A002
                 **unknown_parameters: Any) -> None:
        self.actual = actual
        self.expected = expected
        self.id = id
        self._unknown_parameters = unknown_parameters

    @staticmethod
    def _inputs_not_supported() -> NoReturn:
        raise UnsupportedInputs

    @staticmethod
    def _check_inputs_isinstance(*inputs: Any, cls) -> None:
        if not all(isinstance(inp, cls) for inp in inputs):
            Pair._inputs_not_supported()

    def _fail(self, type: type[Exception], msg: str, *, id: tuple = ()) -> NoReturn:  # noqa: A002
        raise ErrorMeta(type, msg, id=self.id if not id and hasattr(self, "id") else id)

    @abc.abstractmethod
    def compare(self) -> None:
        """Compare the inputs; raise an :class:`ErrorMeta` on mismatch."""

    def extra_repr(self) -> Sequence:
        return []

    def __repr__(self) -> str:
        fields = [("id", self.id), ("actual", self.actual), ("expected", self.expected)]
        fields += [(x, getattr(self, x)) if isinstance(x, str) else x for x in self.extra_repr()]
        body = [f"    {name}={value!s}," for name, value in fields]
        return "\n".join((f"{type(self).__name__}(", *body, ")"))


class ObjectPair(Pair):
    """Fallback pair for any inputs, compared with ``==``."""

    def compare(self) -> None:
        try:
            equal = self.actual == self.expected
        except Exception as error:
            raise ErrorMeta(ValueError, f"{self.actual} == {self.expected} failed with:\n"
                            f"{error}.", id=self.id) from error
        if not equal:
            self._fail(AssertionError, f"{self.actual} != {self.expected}")


class NonePair(Pair):
    """Pair for ``None`` inputs."""

    def __init__(self, actual: Any, expected: Any, **other_parameters: Any) -> None:
        if not (actual is None or expected is None):
            self._inputs_not_supported()
        super().__init__(actual, expected, **other_parameters)

    def compare(self) -> None:
        if not (self.actual is None and self.expected is None):
            self._fail(AssertionError, f"None mismatch: {self.actual} is not {self.expected}")


class BooleanPair(Pair):
    """Pair for ``bool`` (and ``numpy.bool_``) inputs."""

    def __init__(self, actual: Any, expected: Any, *, id: tuple,  # noqa: A002
                 **other_parameters: Any) -> None:
        self._check_inputs_isinstance(actual, expected, cls=(bool, np.bool_))
        actual, expected = (bool(x) for x in (actual, expected))
        super().__init__(actual, expected, **other_parameters)

    def compare(self) -> None:
        if self.actual is not self.expected:
            self._fail(AssertionError, f"Booleans mismatch: {self.actual} is not {self.expected}")


class NumberPair(Pair):
    """Pair for Python (and NumPy) numbers; ``int``/``float``/``complex`` take the default
    tolerances of int64/float64/complex128."""

    _TYPE_TO_DTYPE = {int: _dt.int64, float: _dt.float64, complex: _dt.complex128}
    _NUMBER_TYPES = tuple(_TYPE_TO_DTYPE)

    def __init__(self, actual: Any, expected: Any, *, id: tuple = (),  # noqa: A002
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_dtype: bool = False,
                 **other_parameters: Any) -> None:
        self._check_inputs_isinstance(actual, expected, cls=(*self._NUMBER_TYPES, np.number))
        actual, expected = (x.item() if isinstance(x, np.number) else x
                            for x in (actual, expected))
        super().__init__(actual, expected, id=id, **other_parameters)
        self.rtol, self.atol = get_tolerances(
            *[self._TYPE_TO_DTYPE[type(x)] for x in (actual, expected)],
            rtol=rtol, atol=atol, id=id)
        self.equal_nan = equal_nan
        self.check_dtype = check_dtype

    def compare(self) -> None:
        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            self._fail(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
        if a == e:
            return
        if self.equal_nan and cmath.isnan(a) and cmath.isnan(e):
            return
        abs_diff = abs(a - e)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(e):
            return
        self._fail(AssertionError, make_scalar_mismatch_msg(a, e, rtol=self.rtol, atol=self.atol))

    def extra_repr(self) -> Sequence[str]:
        return ("rtol", "atol", "equal_nan", "check_dtype")


class TensorLikePair(Pair):
    """Pair for tensors and tensor-likes (anything ``as_tensor`` accepts, e.g. NumPy arrays)
    of directly related types."""

    def __init__(self, actual: Any, expected: Any, *, id: tuple = (),  # noqa: A002
                 allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, **other_parameters: Any) -> None:
        related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
        if not related or (not allow_subclasses and type(actual) is not type(expected)):
            self._inputs_not_supported()
        actual, expected = (self._to_tensor(x) for x in (actual, expected))
        super().__init__(actual, expected, id=id, **other_parameters)
        self.rtol, self.atol = get_tolerances(actual, expected, rtol=rtol, atol=atol, id=self.id)
        self.equal_nan = equal_nan
        self.check_device = check_device
        self.check_dtype = check_dtype
        self.check_layout = check_layout
        self.check_stride = check_stride

    def _to_tensor(self, tensor_like: Any) -> Tensor:
        if isinstance(tensor_like, Tensor):
            return tensor_like
        from ..ops.creation import as_tensor
        try:
            return as_tensor(tensor_like)
        except Exception:
            self._inputs_not_supported()

    def compare(self) -> None:
        actual, expected = self.actual, self.expected
        self._compare_attributes(actual, expected)
        if any(t.device.type == "meta" for t in (actual, expected)):
            return
        actual, expected = self._equalize_attributes(actual, expected)
        self._compare_values(actual, expected)

    def _compare_attributes(self, actual: Tensor, expected: Tensor) -> None:
        def mismatch(attribute: str, a: Any, e: Any) -> NoReturn:
            self._fail(AssertionError,
                       f"The values for attribute '{attribute}' do not match: {a} != {e}.")

        if actual.shape != expected.shape:
            mismatch("shape", actual.shape, expected.shape)
        if actual.is_quantized != expected.is_quantized:
            mismatch("is_quantized", actual.is_quantized, expected.is_quantized)
        elif actual.is_quantized and actual.qscheme() != expected.qscheme():
            mismatch("qscheme()", actual.qscheme(), expected.qscheme())
        if actual.layout != expected.layout:
            if self.check_layout:
                mismatch("layout", actual.layout, expected.layout)
        elif self.check_stride and actual.stride() != expected.stride():
            mismatch("stride()", actual.stride(), expected.stride())
        if self.check_device and actual.device != expected.device:
            mismatch("device", actual.device, expected.device)
        if self.check_dtype and actual.dtype != expected.dtype:
            mismatch("dtype", actual.dtype, expected.dtype)

    def _equalize_attributes(self, actual: Tensor, expected: Tensor) -> tuple[Tensor, Tensor]:
        """Move to the CPU when the devices differ, promote to a common dtype when the
        dtypes differ (the check being off)."""
        if actual.device != expected.device:
            actual, expected = actual.cpu(), expected.cpu()
        if actual.dtype != expected.dtype and not (actual.is_quantized or expected.is_quantized):
            dtype = _dt.promote_types(actual.dtype, expected.dtype)
            actual, expected = actual.to(dtype), expected.to(dtype)
        return actual, expected

    def _compare_values(self, actual: Tensor, expected: Tensor) -> None:
        identifier = None
        if actual.is_quantized:
            # quantized tensors are close when their dequantized values are
            actual, expected = actual.dequantize(), expected.dequantize()
            identifier = _quantized_identifier
        self._compare_regular_values_close(actual, expected, rtol=self.rtol, atol=self.atol,
                                           equal_nan=self.equal_nan, identifier=identifier)

    def _compare_regular_values_equal(self, actual: Tensor, expected: Tensor, *,
                                      equal_nan: bool = False, identifier=None) -> None:
        self._compare_regular_values_close(actual, expected, rtol=0, atol=0,
                                           equal_nan=equal_nan, identifier=identifier)

    def _compare_regular_values_close(self, actual: Tensor, expected: Tensor, *, rtol: float,
                                      atol: float, equal_nan: bool, identifier=None) -> None:
        if rtol < 0:
            raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
        if atol < 0:
            raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
        matches = _isclose(_array(actual), _array(expected), rtol, atol, equal_nan)
        if matches.all():
            return
        if actual.shape == ():
            msg = make_scalar_mismatch_msg(actual.item(), expected.item(), rtol=rtol,
                                           atol=atol, identifier=identifier)
        else:
            msg = make_tensor_mismatch_msg(actual, expected, matches, rtol=rtol, atol=atol,
                                           identifier=identifier)
        self._fail(AssertionError, msg)

    def extra_repr(self) -> Sequence[str]:
        return ("rtol", "atol", "equal_nan", "check_device", "check_dtype", "check_layout",
                "check_stride")


def _quantized_identifier(default: str) -> str:
    return f"Quantized {default.lower()}"


def _item_path(id: tuple) -> str:  # noqa: A002
    return "".join(str([item]) for item in id)


def originate_pairs(actual: Any, expected: Any, *, pair_types: Sequence[type[Pair]],
                    sequence_types: tuple = (collections.abc.Sequence,),
                    mapping_types: tuple = (collections.abc.Mapping,),
                    id: tuple = (), **options: Any) -> list[Pair]:  # noqa: A002
    """The pairs of ``actual``/``expected``, recursing through (nested) sequences and
    mappings; the first pair type that accepts a leaf pair is used."""
    # strings are sequences of themselves ("a"[0] == "a"): never recurse into them
    if (isinstance(actual, sequence_types) and not isinstance(actual, str)
            and isinstance(expected, sequence_types) and not isinstance(expected, str)):
        n_a, n_e = len(actual), len(expected)
        if n_a != n_e:
            raise ErrorMeta(AssertionError,
                            f"The length of the sequences mismatch: {n_a} != {n_e}", id=id)
        pairs = []
        for i in range(n_a):
            pairs.extend(originate_pairs(actual[i], expected[i], pair_types=pair_types,
                                         sequence_types=sequence_types,
                                         mapping_types=mapping_types, id=(*id, i), **options))
        return pairs
    if isinstance(actual, mapping_types) and isinstance(expected, mapping_types):
        keys_a, keys_e = set(actual.keys()), set(expected.keys())
        if keys_a != keys_e:
            raise ErrorMeta(AssertionError,
                            "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(keys_e - keys_a)}\n"
                            f"Additional keys in the actual mapping: {sorted(keys_a - keys_e)}",
                            id=id)
        keys: Collection = keys_a
        with contextlib.suppress(Exception):  # a deterministic order where keys sort
            keys = sorted(keys)
        pairs = []
        for key in keys:
            pairs.extend(originate_pairs(actual[key], expected[key], pair_types=pair_types,
                                         sequence_types=sequence_types,
                                         mapping_types=mapping_types, id=(*id, key), **options))
        return pairs
    for pair_type in pair_types:
        try:
            return [pair_type(actual, expected, id=id, **options)]
        except UnsupportedInputs:
            continue
        except ErrorMeta:
            raise
        except Exception as error:
            raise RuntimeError(
                f"Originating a {pair_type.__name__}() at item {_item_path(id)} with\n\n"
                f"{type(actual).__name__}(): {actual}\n\nand\n\n"
                f"{type(expected).__name__}(): {expected}\n\n"
                "resulted in the unexpected exception above.") from error
    raise ErrorMeta(TypeError, "No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", id=id)


def not_close_error_metas(actual: Any, expected: Any, *,
                          pair_types: Sequence[type[Pair]] = (ObjectPair,),
                          sequence_types: tuple = (collections.abc.Sequence,),
                          mapping_types: tuple = (collections.abc.Mapping,),
                          **options: Any) -> list[ErrorMeta]:
    """The :class:`ErrorMeta` of every pair of ``actual``/``expected`` that is not close;
    errors while building the pairs are raised directly."""
    __tracebackhide__ = True
    try:
        pairs = originate_pairs(actual, expected, pair_types=pair_types,
                                sequence_types=sequence_types, mapping_types=mapping_types,
                                **options)
    except ErrorMeta as error_meta:
        raise error_meta.to_error() from None
    metas: list[ErrorMeta] = []
    for pair in pairs:
        try:
            pair.compare()
        except ErrorMeta as error_meta:
            metas.append(error_meta)
        except Exception as error:
            raise RuntimeError(f"Comparing\n\n{pair}\n\nresulted in the unexpected exception "
                               "above.") from error
    return metas


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    r"""Asserts that ``actual`` and ``expected`` are close.

    Tensors (and tensor-likes such as NumPy arrays) are close when they have the same
    shape (and device, dtype, layout, stride as the ``check_*`` flags ask) and
    :math:`|actual - expected| \le atol + rtol \cdot |expected|` elementwise; infinities
    must be equal and NaNs match only with ``equal_nan=True``. Python scalars, ``None``
    and booleans compare as such; sequences and mappings are compared item by item.

    Args:
        actual (Any): Actual input.
        expected (Any): Expected input.
        allow_subclasses (bool): allow inputs of directly related types (default), else
            require equal types.
        rtol (Optional[float]): relative tolerance; requires ``atol``. Default per dtype:
            float16 ``1e-3``, bfloat16 ``1.6e-2``, float32 ``1.3e-6``, float64 ``1e-7``,
            complex64 ``1.3e-6``, complex128 ``1e-7``, quantized ``1.3e-6``, else ``0``.
        atol (Optional[float]): absolute tolerance; requires ``rtol``. Default per dtype:
            float16/bfloat16/float32/complex64/quantized ``1e-5``, float64/complex128
            ``1e-7``, else ``0``.
        equal_nan (bool): consider two NaNs equal.
        check_device (bool): require the same device (else compare on the CPU).
        check_dtype (bool): require the same dtype (else promote to a common one).
        check_layout (bool): require the same layout.
        check_stride (bool): require the same strides.
        msg (Optional[Union[str, Callable[[str], str]]]): message replacing the generated
            one, or a callable receiving the generated message and returning the new one.

    Raises:
        ValueError: if only one of ``rtol``/``atol`` is given.
        TypeError: if no comparison handles the input types.
        AssertionError: on a length, key, shape, attribute or value mismatch.

    Example::

        >>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0]))
    """
    __tracebackhide__ = True
    metas = not_close_error_metas(
        actual, expected, pair_types=(NonePair, BooleanPair, NumberPair, TensorLikePair),
        allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
        check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
        check_stride=check_stride, msg=msg)
    if metas:
        raise metas[0].to_error(msg)


_ALLCLOSE_PRECISIONS = {_dt.float16: (1e-3, 1e-3), _dt.float32: (1e-4, 1e-5),
                        _dt.float64: (1e-5, 1e-8)}


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:
    """Deprecated (since torch 1.12): use :func:`assert_close`.

    Compares like ``assert_close`` with ``check_dtype=False``, ``equal_nan=True`` by default
    and looser default tolerances (float16 ``1e-3/1e-3``, float32 ``1e-4/1e-5``, float64
    ``1e-5/1e-8``)."""
    warnings.warn(
        "`ember.testing.assert_allclose()` is deprecated (as torch's is since 1.12) and will be "
        "removed in a future release. Please use `ember.testing.assert_close()` instead.",
        FutureWarning, stacklevel=2)
    from ..ops.creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = default_tolerances(actual, expected,
                                        dtype_precisions=_ALLCLOSE_PRECISIONS)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)
