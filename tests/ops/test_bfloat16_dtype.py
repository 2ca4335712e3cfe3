"""bfloat16 inputs keep their dtype through composite functions, as in torch (NumPy calls
bfloat16's dtype kind 'V', so a ``kind == 'f'`` test would wrongly upcast it).  The
registry harness cannot hand bfloat16 arrays to torch, so these go through float32."""

import numpy as np
import pytest
import torch

import ember

CASES = {
    "cosine_similarity": lambda L, a, b: L.nn.functional.cosine_similarity(a, b),
    "pairwise_distance": lambda L, a, b: L.nn.functional.pairwise_distance(a, b),
    "pairwise_distance_p1": lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p=1.0),
    "vector_norm": lambda L, a, b: L.linalg.vector_norm(a - b, dim=1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bfloat16_keeps_dtype_and_values(name):
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-2, 2, (3, 4)).astype(np.float32) for _ in range(2))
    fn = CASES[name]
    t = fn(torch, torch.tensor(a).bfloat16(), torch.tensor(b).bfloat16())
    e = fn(ember, ember.tensor(a).bfloat16(), ember.tensor(b).bfloat16())
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=1e-2, atol=1e-2)


SCALAR_CASES = {
    "sub": lambda a, s: a - s,
    "rsub": lambda a, s: s - a,
    "sub_alpha": lambda a, s: a.sub(s, alpha=2),
    "add": lambda a, s: a + s,
    "add_alpha": lambda a, s: a.add(s, alpha=2),
}


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32", "float64"])
@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_tensor_scalar_add_sub_bitwise(name, dtype):
    """torch's sub/rsub (and add with alpha) take a Python scalar as the tensor's dtype:
    rounded first for half types, then computed in float32; plain add keeps it unrounded.
    Also: a scalar ``other`` with ``alpha`` (ember used to dispatch scalar * alpha)."""
    vals = [0.7001, 1.3, -2.7, 100.3, 3.14159, 1e-3, -0.0, 65.0]
    fn = SCALAR_CASES[name]
    for s in (0.7001, 3, 1e-4, 2.5, -1.1):
        t = fn(torch.tensor(vals).to(getattr(torch, dtype)), s)
        e = fn(ember.tensor(vals).to(getattr(ember, dtype)), s)
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
        np.testing.assert_array_equal(e.double().numpy(), t.double().numpy(), err_msg=str(s))
