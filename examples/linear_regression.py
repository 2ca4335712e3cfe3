"""Linear regression with raw tensors and autograd, torch style, on ember.

    .venv/bin/python examples/linear_regression.py            # on ember
    .venv/bin/python examples/linear_regression.py --torch    # the same code on PyTorch

Synthetic data ``y = X @ w_true + b_true + noise`` (n=256 samples, d=8 features);
learn ``w`` and ``b`` by gradient descent on the mean squared error.  ``ember.nn``
does not exist yet, so the model is two leaf tensors and the update is written out
under ``no_grad``, exactly as one would in PyTorch without ``nn``/``optim``.
"""

import os
import sys
import time

if "--torch" in sys.argv[1:]:
    import torch
else:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import ember as torch

N, D = 256, 8
STEPS, LR, PRINT_EVERY = 300, 0.02, 30
NOISE = 0.01


def square(t):
    """``t ** 2``; falls back to ``t * t`` while ember has no ``pow`` operator."""
    return t ** 2 if hasattr(torch.Tensor, "__pow__") else t * t


def main() -> float:
    start = time.perf_counter()
    torch.manual_seed(0)

    # synthetic data with known parameters
    w_true = torch.randn(D, 1)
    b_true = torch.tensor([0.5])
    X = torch.randn(N, D)
    y = X @ w_true + b_true + NOISE * torch.randn(N, 1)

    # the model: two leaf tensors
    w = torch.zeros(D, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    print(f"{torch.__name__}: fitting y = X @ w + b  (n={N}, d={D}, lr={LR}, steps={STEPS})")
    for step in range(1, STEPS + 1):
        y_pred = X @ w + b
        loss = square(y_pred - y).mean()
        loss.backward()
        with torch.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step == 1 or step % PRINT_EVERY == 0:
            print(f"step {step:4d}  loss {loss.item():.6f}")

    w_err = max(abs(p[0] - q[0]) for p, q in zip(w.detach().tolist(), w_true.tolist()))
    b_err = abs(b.item() - b_true.item())
    print(f"learned b = {b.item():.4f}   true b = {b_true.item():.4f}")
    print(f"max |w - w_true| = {w_err:.5f}   |b - b_true| = {b_err:.5f}")
    print(f"done in {time.perf_counter() - start:.2f} s")
    return max(w_err, b_err)


if __name__ == "__main__":
    err = main()
    # the noise is small, so the fit must recover the parameters closely
    sys.exit(0 if err < 0.05 else 1)
