"""Anomaly detection: record forward tracebacks and fail on NaN gradients."""

from __future__ import annotations

from .engine import _Anomaly


def _set(enabled: bool, check_nan: bool = True) -> None:
    from ..ops.registry import _Dispatch
    _Anomaly.enabled = enabled
    _Anomaly.check_nan = check_nan
    _Dispatch.anomaly = enabled


class detect_anomaly:
    """Context manager/decorator: names the backward node that produced NaN and shows
    the forward traceback that created it (``torch.autograd.detect_anomaly``)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (False, True)

    def __enter__(self):
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)
        self.prev = (_Anomaly.enabled, _Anomaly.check_nan)
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> None:
        _set(*self.prev)

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*a, **k):
            with self.__class__(self.check_nan):
                return func(*a, **k)
        return wrapper


class set_detect_anomaly:
    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_Anomaly.enabled, _Anomaly.check_nan)
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        _set(*self.prev)


def is_anomaly_enabled() -> bool:
    return _Anomaly.enabled
