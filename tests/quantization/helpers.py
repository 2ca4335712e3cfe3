"""Shared pieces for the quantization tests (torch is the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

import ember

warnings.filterwarnings("ignore", message=".*quantiz.*", category=UserWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

QDTYPES = [(ember.qint8, torch.qint8), (ember.quint8, torch.quint8),
           (ember.qint32, torch.qint32)]


def et(a) -> ember.Tensor:
    return ember.tensor(np.asarray(a))


def tt(a) -> torch.Tensor:
    return torch.from_numpy(np.array(a))


def torch_qdynamic(tmod, spec=None, dtype=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            tmod, spec if spec is not None else {torch.nn.Linear},
            dtype=dtype or torch.qint8)


def copy_linears(emod, tmod) -> None:
    """Load torch's float parameters into the ember module (same structure)."""
    emod.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in tmod.state_dict().items()})


def assert_same_bits(e, t) -> None:
    a = e.numpy() if isinstance(e, ember.Tensor) else np.asarray(e)
    b = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
