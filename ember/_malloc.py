"""Host-memory tuning: keep freed array memory for reuse (a caching allocator on CPU).

NOTE [host allocator]
A training step allocates and frees the same large arrays (activations, im2col
buffers, gradients) every iteration.  glibc serves blocks above its mmap threshold
with fresh ``mmap`` calls and returns them with ``munmap`` on free, so every step pays
the kernel's page faults again: on the spec's CNN that doubled the step time.  Like
PyTorch's caching allocators, ember keeps the memory instead: at import it raises
glibc's mmap and trim thresholds (``mallopt``), so large blocks come from the heap and
are reused.  RSS then stays near the peak of the workload instead of shrinking between
steps.  Set ``EMBER_HOST_CACHING=0`` to keep glibc's defaults.  Other C libraries and
platforms are left alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

applied = False


def tune() -> bool:
    """Apply the allocator settings once; True when they took effect."""
    global applied
    if applied or os.environ.get("EMBER_HOST_CACHING", "1") == "0":
        return applied
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    ok = (mallopt(_M_MMAP_THRESHOLD, 1 << 30) == 1
          and mallopt(_M_TRIM_THRESHOLD, 1 << 30) == 1
          and mallopt(_M_TOP_PAD, 64 << 20) == 1)
    applied = ok
    return ok
