"""Optional progress bars: tqdm when it is installed and stderr is a terminal.

ember's core never depends on tqdm; long user-facing loops (dataset downloads, the
demo's epochs, benchmark runs) wrap their iterables with ``progress`` and stay quiet in
CI logs and pipes.
"""

from __future__ import annotations

import sys


def enabled() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(iterable=None, *, total=None, desc: str = "", unit: str = "it", **kw):
    """``tqdm(iterable, ...)`` on a terminal with tqdm installed; a silent no-op bar else."""
    if enabled():
        try:
            from tqdm import tqdm
            return tqdm(iterable, total=total, desc=desc, unit=unit, dynamic_ncols=True, **kw)
        except ImportError:
            pass
    return _Quiet(iterable)


class _Quiet:
    """The subset of tqdm's API ember uses, doing nothing."""

    def __init__(self, iterable) -> None:
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *a, **k) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass
