import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet_torch_quantization_deprecations():
    # torch 2.13 warns on every quantized-tensor creation and torch.ao.quantization call
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantiz.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield
