"""Shared helpers of ember.linalg: LinAlgError, input checks, constants, named results.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..ops.elementwise import _out
from ..ops.math import _not_impl
from ..ops.reduction import (
    return_types,
)
from ..ops.reduction import sum as _sum
from ..ops.registry import _type_name


class LinAlgError(RuntimeError):
    """Raised for singular matrices / failed factorizations (torch.linalg.LinAlgError)."""


_LOW = _dt.HALF_NP


def _real(dt) -> np.dtype:
    """The real dtype of singular values / Hermitian eigenvalues of a ``dt`` matrix."""
    dt = np.dtype(dt)
    return np.finfo(dt).dtype if dt.kind == "c" else dt


def _const(arr, like) -> Tensor:
    return Tensor._make(np.asarray(arr), like._device)


# torch's CPU kernels without a float16/bfloat16 version raise NotImplementedError naming
# the kernel; the other linalg functions reject low precision with a RuntimeError.
_LOW_KERNEL = {"linalg.det": "lu_cpu", "linalg.solve": "lu_cpu",
               "linalg.cholesky": "cholesky_cpu", "linalg.qr": "geqrf_cpu",
               "linalg.svd": "linalg_svd_cpu", "linalg.svdvals": "linalg_svd_cpu",
               "linalg.eigh": "linalg_eigh_cpu", "linalg.eigvalsh": "linalg_eigh_cpu"}


def _check_float(name, A: Tensor, low_ok=False) -> None:
    from ..amp.autocast_mode import casts
    if casts(name.replace(".", "_"), A):
        return
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(A._dtype)}")
    if A._data.dtype in _LOW and not low_ok:
        if name in _LOW_KERNEL:
            if A._data.size == 0 and name != "linalg.qr":  # torch skips the kernel
                return
            _not_impl(_LOW_KERNEL[name], A._data)
        raise RuntimeError(f"{name}: Low precision dtypes not supported. "
                           f"Got {_type_name(A._dtype)}")


def _check_square(name, A: Tensor, what="A") -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_matrix(name, A: Tensor) -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")


def _eye(n, like: Tensor) -> Tensor:
    return _const(np.eye(n, dtype=like._data.dtype), like)


def _diag(A: Tensor) -> Tensor:
    """The main diagonal of a batch of square matrices (differentiable)."""
    return _sum(A * _eye(A.shape[-1], A), -1)


def _diag_embed(v: Tensor) -> Tensor:
    n = v.shape[-1]
    return v.reshape(*v.shape, 1) * _eye(n, v)


def _unsq(t: Tensor, dim: int) -> Tensor:
    shp = list(t.shape)
    if dim < 0:
        dim += len(shp) + 1
    shp.insert(dim, 1)
    return t.reshape(*shp)


def _save_outputs(outs) -> None:
    """Save a multi-output op's outputs for its backward (rebuilt with ``_unpack``)."""
    node = None
    for t in outs:
        if t._grad_fn is not None:
            node = t._grad_fn
            break
    if node is None:
        return
    entries = []
    for t in outs:
        vc = t._vc()
        entries.append((t._data, vc, vc.v, t._device, t._output_nr))
    node._saved = (node._saved or ()) + tuple(entries)


def _lapack(name, f, *args, msg=None):
    try:
        return f(*args)
    except np.linalg.LinAlgError:
        raise LinAlgError(msg or f"{name}: The factorization could not be completed.") from None


# --- named results added with the solvers below ---------------------------------------------

def _rt(name: str, fields: tuple):
    """``return_types.<name>`` (created once, shared with ember.return_types)."""
    nt = getattr(return_types, name, None)
    if nt is None:
        import collections

        from ..ops.reduction import _rt_repr
        nt = collections.namedtuple(name, fields)
        nt.__module__ = "ember.return_types"
        nt.__repr__ = _rt_repr
        setattr(return_types, name, nt)
    return nt


# registered at import so that ``ember.return_types.<name>`` exists before the first call
for _name, _fields in (
        ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
        ("geqrf", ("a", "tau")), ("linalg_eig", ("eigenvalues", "eigenvectors")),
        ("linalg_ldl_factor", ("LD", "pivots")),
        ("linalg_ldl_factor_ex", ("LD", "pivots", "info")), ("linalg_lu", ("P", "L", "U")),
        ("linalg_lu_factor", ("LU", "pivots")), ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
        ("linalg_solve_ex", ("result", "info")), ("lu_unpack", ("P", "L", "U")),
        ("triangular_solve", ("solution", "cloned_coefficient")),
        ("_lu_with_info", ("LU", "pivots", "info"))):
    _rt(_name, _fields)


def _named_out(name: str, fields: tuple, values, out):
    """A named result, written into the ``out=`` tensors first when given."""
    nt = _rt(name, fields)
    if out is None:
        return nt(*values)
    return nt(*(_out(v, o) for v, o in zip(values, out)))


def _batch_prefix(flat_index: int, batched: bool) -> str:
    return f"(Batch element {flat_index}): " if batched else ""


def _lowp_kernel(kernel: str, *ts: Tensor, skip_empty=False) -> None:
    """torch's LAPACK kernels exist for float/double/complex only (NotImplementedError);
    some are not reached for an empty input (``skip_empty``)."""
    for t in ts:
        dt = t._data.dtype
        if skip_empty and t._data.size == 0:
            continue
        if dt.kind not in "fc" or dt in _LOW:
            _not_impl(kernel, t._data)


def _bcast_batch(A: Tensor, B: Tensor, a_first=False) -> tuple[Tensor, Tensor]:
    """Expand the batch dimensions of A and B (matrices in the last two) to one shape; torch
    names B "tensor a" in the mismatch error (A with ``a_first``, as lstsq)."""
    sa, sb = tuple(A.shape[:-2]), tuple(B.shape[:-2])
    try:
        bs = np.broadcast_shapes(sa, sb)
    except ValueError:
        x, y = (sa, sb) if a_first else (sb, sa)
        n = max(len(x), len(y))
        x, y = (1,) * (n - len(x)) + x, (1,) * (n - len(y)) + y
        i = max(k for k in range(n) if x[k] != y[k] and 1 not in (x[k], y[k]))
        raise RuntimeError(f"The size of tensor a ({x[i]}) must match the size of tensor b "
                           f"({y[i]}) at non-singleton dimension {i}") from None
    if tuple(A.shape[:-2]) != bs:
        A = A.expand(*bs, *A.shape[-2:])
    if tuple(B.shape[:-2]) != bs:
        B = B.expand(*bs, *B.shape[-2:])
    return A, B


def _check_b_A(b, A, name: str, square: bool = True) -> None:  # noqa: N802
    """torch's checks on a solver's (b, A): A square, A's columns matching b's rows, one
    dtype (``name`` is the op as torch's size message spells it)."""
    from ..ops.registry import _type_name
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is "
                           f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if b._dtype is not A._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(b._dtype)} and A of type {_type_name(A._dtype)} "
                           "instead.")
