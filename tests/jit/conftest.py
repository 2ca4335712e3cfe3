import warnings

import pytest
import torch as real_torch


@pytest.fixture(autouse=True)
def _quiet_torch_jit():
    # torch 2.x marks torch.jit.trace/script deprecated; the oracle's warning is noise here
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        real_torch.manual_seed(0)
        yield
