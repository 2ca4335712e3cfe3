"""``ember.cuda``: GPU availability and device queries (CuPy backend)."""

from __future__ import annotations

_checked = False
_cupy = None


def _probe():
    global _checked, _cupy
    if _checked:
        return _cupy
    _checked = True
    try:
        import cupy  # type: ignore[import-not-found]
        if cupy.cuda.runtime.getDeviceCount() > 0:
            _cupy = cupy
    except Exception:  # noqa: BLE001 - any failure means "no usable GPU"
        _cupy = None
    return _cupy


def is_available() -> bool:
    """True when CuPy is installed and can see at least one NVIDIA GPU."""
    return _probe() is not None


def device_count() -> int:
    cp = _probe()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def _lazy_init() -> None:
    if _probe() is None:
        raise RuntimeError(
            "ember was asked for a 'cuda' device, but CUDA is not available: install CuPy "
            "(pip install cupy-cuda12x) on a machine with an NVIDIA GPU, or use device='cpu'.")
    raise NotImplementedError("the CuPy backend is not built yet; use device='cpu'")


def manual_seed(seed: int) -> None:
    """Seeds the GPU generators (no-op without a GPU, as torch)."""


def manual_seed_all(seed: int) -> None:
    """Seeds all GPU generators (no-op without a GPU, as torch)."""


def synchronize(device=None) -> None:
    """Waits for GPU work (no-op without a GPU)."""


def __getattr__(name):
    # ``ember.cuda.amp``: torch's deprecated aliases, imported lazily (ember.amp imports ember)
    if name == "amp":
        from .amp import cuda_compat
        return cuda_compat
    raise AttributeError(f"module 'ember.cuda' has no attribute '{name}'")
