"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck``.

The numerical Jacobian uses central differences on the inputs' arrays; the
analytical one is built row by row with ``autograd.grad`` (one vector-Jacobian
product per output element).  Inputs should be float64, as in torch.
"""

from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (tuple(x) if isinstance(x, list) else (x,))


def _diff_outputs(func, inputs):
    from .._tensor import Tensor
    out = _as_tuple(func(*inputs))
    return [o for o in out if isinstance(o, Tensor) and
            (o._dtype.is_floating_point or o._dtype.is_complex)]


def _numerical_jacobian(func, inputs, targets, eps):
    # func runs with grad mode on: gradgradcheck's func differentiates internally
    base = [o._np().astype(np.float64).copy() for o in _diff_outputs(func, inputs)]
    jac = []  # per input: array (n_in, n_out_total)
    n_out = sum(b.size for b in base)
    for x in targets:
        arr = x._data
        J = np.zeros((arr.size, n_out))
        for j, idx in enumerate(np.ndindex(arr.shape)):
            orig = arr[idx].copy()
            arr[idx] = orig + eps
            plus = [o._np().astype(np.float64).copy() for o in _diff_outputs(func, inputs)]
            arr[idx] = orig - eps
            minus = [o._np().astype(np.float64).copy() for o in _diff_outputs(func, inputs)]
            arr[idx] = orig
            J[j] = np.concatenate([((p - m) / (2 * eps)).ravel() for p, m in zip(plus, minus)]) \
                if n_out else J[j]
        jac.append(J)
    return jac


def _analytical_jacobian(func, inputs, targets):
    from .._tensor import Tensor
    from . import grad as autograd_grad
    outs = _diff_outputs(func, inputs)
    n_out = sum(o.numel() for o in outs)
    jac = [np.zeros((x.numel(), n_out)) for x in targets]
    col = 0
    for o in outs:
        for k in range(o.numel()):
            go = np.zeros(o._data.shape, dtype=o._data.dtype)
            go.reshape(-1)[k] = 1
            if not o.requires_grad:
                col += 1
                continue
            grads = autograd_grad([o], targets, [Tensor._make(go, o._device)],
                                  retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jac[i][:, col] = g._np().astype(np.float64).ravel()
            col += 1
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked=None) -> bool:
    """Checks analytical gradients of ``func`` against finite differences."""
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    targets = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not targets:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for k, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and \
                x._dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn(f"Input #{k} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          stacklevel=2)
    num = _numerical_jacobian(func, inputs, targets, eps)
    ana = _analytical_jacobian(func, inputs, targets)
    for i, (n, a) in enumerate(zip(num, ana)):
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Checks second derivatives: gradcheck of the vector-Jacobian product of ``func``."""
    from .._tensor import Tensor
    from . import grad as autograd_grad
    inputs = _as_tuple(inputs)
    outs = _diff_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype),
                                     o._device).requires_grad_(True) for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)
    targets_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def new_func(*args):
        ins, gos = args[:n_in], args[n_in:]
        outputs = [o for o in _diff_outputs(func, ins) if o.requires_grad]
        targets = [ins[i] for i in targets_idx]
        gos = [g for g, o in zip(gos, _diff_outputs(func, ins)) if o.requires_grad]
        grads = autograd_grad(outputs, targets, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
