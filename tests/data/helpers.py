import numpy as np
import torch

import ember


def to_torch_like(x):
    """ember structure -> comparable plain structure (arrays with dtype names)."""
    if isinstance(x, ember.Tensor):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.numpy().tolist())
    if isinstance(x, torch.Tensor):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.numpy().tolist())
    if isinstance(x, np.ndarray):
        return ("A", x.dtype.str, x.tolist())
    if isinstance(x, dict):
        return {k: to_torch_like(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(to_torch_like(v) for v in x)
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch_like(v) for v in x)
    return x


def e2t_data(x):
    """Deep-convert numpy-only sample definitions are shared; nothing to do."""
    return x
