"""Shared-memory transport for DataLoader workers.

A worker writes each large array into its own file under ``/dev/shm`` (named
``ember_dl_<main pid>_<loader token>_w<worker>_<n>``), maps it, and sends only a
descriptor ``(name, length, offset, shape, strides, dtype)``.  The main process maps
the file (zero-copy: the received ``ndarray``'s base is the ``mmap``) and unlinks it at
once, so the memory lives exactly as long as the received arrays.  Segments that are
never received (a killed worker, batches still queued when the loop is abandoned) are
removed by :func:`cleanup` with the loader's prefix once its workers are gone.

Pickling: :func:`install_reducers` (called in each worker, never in the main process)
registers ``ForkingPickler`` reducers for ``ember.Tensor`` and ``numpy.ndarray``, so
tensors nested anywhere in a batch travel through shared memory.
"""

from __future__ import annotations

import atexit
import mmap
import os
import tempfile
import threading
import weakref

import numpy as np

THRESHOLD = 4096  # arrays smaller than this (bytes) are pickled inline

SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
    else tempfile.gettempdir()


class _Segment(mmap.mmap):
    """An ``mmap`` of a shared-memory file that remembers its name and address."""


_state = {"prefix": None, "counter": 0}
_lock = threading.Lock()


def set_prefix(prefix: str | None) -> None:
    _state["prefix"] = prefix
    _state["counter"] = 0


def _segment_address(seg: _Segment) -> int:
    return np.frombuffer(seg, dtype=np.uint8, count=1).ctypes.data


def new_array(shape, dtype) -> np.ndarray:
    """An uninitialised array backed by a fresh shared-memory file (worker side)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    prefix = _state["prefix"]
    if prefix is None or nbytes == 0:
        return np.empty(shape, dtype)
    with _lock:
        n = _state["counter"]
        _state["counter"] = n + 1
    name = f"{prefix}{n}"
    fd = os.open(os.path.join(SHM_DIR, name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, nbytes)
        seg = _Segment(fd, nbytes)
    finally:
        os.close(fd)
    seg.shm_name = name
    seg.sent = False
    seg.addr = _segment_address(seg)
    return np.ndarray(shape, dtype, buffer=seg)


def _find_segment(arr: np.ndarray):
    b = arr.base
    while isinstance(b, np.ndarray):
        b = b.base
    if isinstance(b, _Segment) and getattr(b, "shm_name", None) is not None:
        return b
    return None


def _descriptor(arr: np.ndarray):
    """Descriptor of ``arr`` in shared memory (copying it there if needed), or None when
    it should be pickled inline."""
    if arr.dtype.hasobject or arr.nbytes < THRESHOLD or _state["prefix"] is None:
        return None
    seg = _find_segment(arr)
    if seg is None or seg.sent:
        # not in shared memory yet (or already handed over, hence unlinked): copy
        new = new_array(arr.shape, arr.dtype)
        np.copyto(new, arr)
        arr = new
        seg = _find_segment(arr)
    seg.sent = True
    offset = arr.ctypes.data - seg.addr
    return (seg.shm_name, len(seg), offset, arr.shape, arr.strides, arr.dtype)


# --- main-process side --------------------------------------------------------------
_attached: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _attach(name: str, length: int) -> _Segment:
    seg = _attached.get(name)
    if seg is not None:
        return seg
    path = os.path.join(SHM_DIR, name)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        raise RuntimeError(
            f"DataLoader: shared-memory segment {name} is gone; a worker sent an array it "
            "had already handed over and the receiving copy was freed") from None
    try:
        seg = _Segment(fd, length)
    finally:
        os.close(fd)
        os.unlink(path)  # the mapping keeps the memory alive; the name is not needed
    seg.shm_name = None
    _attached[name] = seg
    return seg


def rebuild_array(desc) -> np.ndarray:
    name, length, offset, shape, strides, dtype = desc
    seg = _attach(name, length)
    return np.ndarray(shape, dtype, buffer=seg, offset=offset, strides=strides)


def rebuild_tensor(desc, requires_grad, cls):
    from ..._tensor import Tensor
    t = Tensor._make(rebuild_array(desc))
    if cls is not Tensor:
        try:
            t2 = cls.__new__(cls)
            Tensor._init(t2, t._data, t._device)
            t = t2
        except Exception:
            pass
    if requires_grad:
        t.requires_grad_(True)
    return t


# --- worker-side reducers -----------------------------------------------------------
def _reduce_ndarray(arr: np.ndarray):
    desc = _descriptor(arr)
    if desc is None:
        return arr.__reduce_ex__(4)
    return (rebuild_array, (desc,))


def _reduce_tensor(t):
    arr = t._data
    if t._device.type == "cpu" and isinstance(arr, np.ndarray) and t._grad_fn is None:
        desc = _descriptor(arr)
        if desc is not None:
            return (rebuild_tensor, (desc, t._requires_grad, type(t)))
    return t.__reduce_ex__(4)


def install_reducers(ctx_reduction=None) -> None:
    """Registers the shared-memory reducers with ``ForkingPickler`` (worker processes)."""
    from multiprocessing.reduction import ForkingPickler

    from ..._tensor import Tensor
    picklers = {ForkingPickler}
    if ctx_reduction is not None:
        picklers.add(ctx_reduction.ForkingPickler)
    classes = [Tensor]
    try:
        from ...nn.parameter import Parameter
        classes.append(Parameter)
    except ImportError:  # pragma: no cover
        pass
    for p in picklers:
        p.register(np.ndarray, _reduce_ndarray)
        for c in classes:
            p.register(c, _reduce_tensor)


# --- cleanup ------------------------------------------------------------------------
_live_prefixes: set[str] = set()


def register_prefix(prefix: str) -> None:
    _live_prefixes.add(prefix)


def cleanup(prefix: str) -> int:
    """Unlinks every segment whose name starts with ``prefix``; returns how many."""
    _live_prefixes.discard(prefix)
    n = 0
    try:
        names = os.listdir(SHM_DIR)
    except OSError:  # pragma: no cover
        return 0
    for name in names:
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(SHM_DIR, name))
                n += 1
            except OSError:
                pass
    return n


@atexit.register
def _cleanup_all() -> None:
    if _state["prefix"] is not None:  # a worker: the main process owns cleanup
        return
    for p in list(_live_prefixes):
        cleanup(p)
