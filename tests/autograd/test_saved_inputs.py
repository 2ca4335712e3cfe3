"""Ops keep only the inputs their needed gradients use (torch's conditional saving): an
in-place update of a weight after ``x @ w`` is fine when ``x`` needs no gradient, and an
error (torch's) when it does."""

import pytest
import torch

import ember


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (2, 4, 5))])
@pytest.mark.parametrize("x_grad", [False, True])
def test_matmul_inplace_weight_after_use(shapes, x_grad):
    outcomes = []
    for L in (torch, ember):
        L.manual_seed(0)
        x = L.randn(*shapes[0], requires_grad=x_grad)
        w = L.randn(*shapes[1], requires_grad=True)
        y = L.matmul(x, w).sum()
        with L.no_grad():
            w.add_(1.0)
        try:
            y.backward()
            outcomes.append(("ok", tuple(w.grad.shape)))
        except RuntimeError as e:
            outcomes.append(("error", "modified by an inplace operation" in str(e)))
    assert outcomes[0] == outcomes[1]


def test_gradcheck_warns_for_non_double_input_at_its_position():
    """gradcheck names the non-float64 input by position, wherever it is (ember used to
    look it up with list.index, which compares tensors elementwise and crashed)."""
    import warnings
    msgs = []
    for L in (torch, ember):
        a = L.randn(3, dtype=L.float64, requires_grad=True)
        b = L.randn(3, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert L.autograd.gradcheck(lambda x, y: (x * y.double()).sum(), (a, b),
                                        eps=1e-3, atol=1e-2, rtol=1e-2)
        msgs.append([str(x.message) for x in w if "double" in str(x.message)])
    assert msgs[0] == msgs[1] and msgs[0][0].startswith("Input #1 requires gradient")


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((2, 3), (3, 2)), ((4, 2, 3), (3, 2)),
                                    ((4, 2, 3), (4, 3, 2)), ((2, 3), (4, 3, 2))])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int64", "float32"),
                                    ("float32", "complex64")])
def test_matmul_mixed_dtypes_raise_as_torch(shapes, dtypes):
    """torch's matmul (function and ``@``) rejects mixed dtypes with a message that
    depends on which kernel the shapes select."""
    msgs = []
    for L in (torch, ember):
        a = L.ones(shapes[0], dtype=getattr(L, dtypes[0]))
        b = L.ones(shapes[1], dtype=getattr(L, dtypes[1]))
        for f in (lambda x, y, lib: x @ y, lambda x, y, lib: lib.matmul(x, y)):
            with pytest.raises(RuntimeError) as ei:
                f(a, b, L)
            msgs.append(str(ei.value))
    assert msgs[:2] == msgs[2:]
