"""``ember.save`` / ``ember.load``: PyTorch's checkpoint formats, read and written without torch.

Format (what ``torch.save`` writes): a zip archive ``<name>/`` holding ``data.pkl`` (a
protocol-2 pickle in which every tensor is ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, OrderedDict())`` and every storage a persistent id
``('storage', torch.FloatStorage, key, location, numel)``), the raw little-endian bytes
of each storage as ``data/<key>``, ``byteorder``, ``version``, ``.format_version``,
``.storage_alignment`` and ``.data/serialization_id``.  Records are stored uncompressed
and their data is 64-byte aligned, so ``mmap=True`` maps storages straight from the file.
The legacy (pre-1.6, ``_use_new_zipfile_serialization=False``) stream format is read too.

ember objects are written under torch's global names (``torch.Size``, ``torch.device``,
``torch.float32``, ``torch._utils._rebuild_parameter``...) and mapped back when loading.
Storage sharing is preserved: tensors that view one NumPy array are saved as views of one
storage (the root array, with their offsets and strides) and load back as views of one
array.

Safety: ``load(weights_only=True)`` (the default) interprets the pickle with an opcode
interpreter (``ember/_serialization/_unpickler.py``) that admits only the allow-listed
globals below plus those registered with :func:`add_safe_globals`; rejected files raise
:class:`UnpicklingError`.  Truncated or corrupt files raise :class:`CheckpointError`
(a ``RuntimeError``) naming the file.  ``weights_only=False`` is the explicit, unsafe
opt-in that runs the standard unpickler.

Durability: ``save`` to a path writes a temporary file next to the target, fsyncs it,
``os.replace``s it over the target and fsyncs the directory, so a crash at any point
leaves either the old or the new checkpoint, never a torn one.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import secrets
import struct
import sys
import weakref
import zlib
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes as _dt
from ._serialization._unpickler import RestrictedUnpickler, _Corrupt, _Rejected
from ._serialization._zip import ZipReader, ZipWriter, _ZipError
from ._tensor import Size, Tensor
from .device import device as _device

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "UnpicklingError", "CheckpointError", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_PROTOCOL_VERSION = 1001
_MAX_PICKLE = 1 << 30


class UnpicklingError(pickle.UnpicklingError):
    """A checkpoint was rejected by the ``weights_only`` loader (disallowed global,
    opcode, callable, or a non-storage persistent id).  The message names the offending
    item and how to allow it."""


class CheckpointError(RuntimeError):
    """A checkpoint is truncated, corrupt or malformed (bad zip structure, CRC mismatch,
    storage sizes that do not match their bytes...).  The message names the file."""


# --------------------------------------------------------------------------------------
# torch's globals, as ember objects
# --------------------------------------------------------------------------------------

class _StorageType:
    """Stand-in for ``torch.<X>Storage`` (only used as a tag in persistent ids)."""

    dtype: _dt.dtype


_STORAGE_NAMES = {
    _dt.bool_: "BoolStorage", _dt.uint8: "ByteStorage", _dt.int8: "CharStorage",
    _dt.int16: "ShortStorage", _dt.int32: "IntStorage", _dt.int64: "LongStorage",
    _dt.float16: "HalfStorage", _dt.bfloat16: "BFloat16Storage", _dt.float32: "FloatStorage",
    _dt.float64: "DoubleStorage", _dt.complex64: "ComplexFloatStorage",
    _dt.complex128: "ComplexDoubleStorage",
}
_STORAGE_TYPES: dict[_dt.dtype, type] = {}
for _d, _n in _STORAGE_NAMES.items():
    _cls = type(_n, (_StorageType,), {"dtype": _d, "__module__": __name__})
    globals()[_n] = _cls
    _STORAGE_TYPES[_d] = _cls
del _d, _n, _cls


class _Storage:
    """A loaded storage: a 1-D array of its dtype (views of it rebuild the tensors)."""

    __slots__ = ("array", "device", "key")

    def __init__(self, array, device, key) -> None:
        self.array = array
        self.device = device
        self.key = key


# storages loaded from files: arrays that are roots of storage sharing when re-saved
_ROOTS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

_TENSOR_SLOTS = frozenset(Tensor.__slots__)


def _check_attr(name) -> None:
    if type(name) is not str or name.startswith("__") or name in _TENSOR_SLOTS:
        raise _Rejected(f"refusing to set attribute {name!r} on a loaded tensor")


def _as_index_tuple(x, what):
    if type(x) is Size:
        x = tuple(x)
    if type(x) is not tuple or len(x) > 64 or any(type(v) is not int or v < 0 for v in x):
        raise _Corrupt(f"invalid tensor {what}: {x!r:.80}")
    return x


def _view(storage: _Storage, offset, size, stride) -> np.ndarray:
    if not isinstance(storage, _Storage):
        raise _Corrupt(f"tensor storage is {type(storage).__name__}, not a storage")
    if type(offset) is not int or offset < 0:
        raise _Corrupt(f"invalid storage offset {offset!r:.40}")
    size = _as_index_tuple(size, "size")
    stride = _as_index_tuple(stride, "stride")
    if len(size) != len(stride):
        raise _Corrupt("tensor size and stride have different lengths")
    arr = storage.array
    numel = 1
    for s in size:
        numel *= s
    if numel == 0:
        return np.empty(size, dtype=arr.dtype)
    extent = offset + sum((s - 1) * st for s, st in zip(size, stride))
    if extent >= arr.shape[0]:
        raise _Corrupt(f"tensor of size {size} (offset {offset}, stride {stride}) does not "
                       f"fit in its storage of {arr.shape[0]} elements")
    contig = 1
    ok = True
    for s, st in zip(reversed(size), reversed(stride)):
        if s != 1 and st != contig:
            ok = False
            break
        contig *= s
    if ok:
        return arr[offset:offset + numel].reshape(size)
    isz = arr.dtype.itemsize
    buf = arr if arr.dtype.kind != "V" and arr.dtype.char != "E" else arr.view(np.uint8)
    try:
        return np.ndarray(size, dtype=arr.dtype, buffer=buf, offset=offset * isz,
                          strides=tuple(st * isz for st in stride))
    except TypeError:  # dtype without buffer export (bfloat16)
        return np.ndarray(size, dtype=arr.dtype, buffer=arr.view(np.uint8),
                          offset=offset * isz, strides=tuple(st * isz for st in stride))


def _finish_tensor(data: np.ndarray, storage: _Storage, requires_grad) -> Tensor:
    t = Tensor._make(data)
    if storage.device.type != "cpu":
        t = t.to(storage.device)
    if requires_grad:
        if type(requires_grad) is not bool:
            raise _Corrupt("requires_grad is not a bool")
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _finish_tensor(_view(storage, storage_offset, size, stride), storage, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _finish_tensor(_view(storage, storage_offset, size, stride), storage, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    if not isinstance(data, Tensor):
        raise _Corrupt("parameter data is not a tensor")
    return Parameter(data, bool(requires_grad))


def _set_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise _Corrupt("invalid serialized state")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part:
            if not isinstance(part, dict):
                raise _Corrupt("invalid serialized state")
            for k, v in part.items():
                _check_attr(k)
                setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    from .nn.parameter import Parameter
    if func not in (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter,
                    _rebuild_parameter_with_state):
        raise _Rejected(f"_rebuild_from_type_v2 with function {func!r}, which is not allowed")
    if new_type not in (Tensor, Parameter) or type(args) is not tuple:
        raise _Rejected(f"_rebuild_from_type_v2 to type {new_type!r}, which is not allowed")
    ret = func(*args)
    if new_type is Parameter and not isinstance(ret, Parameter):
        ret = Parameter(ret, ret.requires_grad)
    return _set_state(ret, state)


def _safe_encode(obj, encoding="latin1", errors="strict"):
    """``_codecs.encode`` as protocol 2 uses it for bytes: only text codecs."""
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise _Rejected(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return obj.encode(encoding, errors)


def _dtype_globals() -> dict:
    return {f"torch.{d.name}": d for d in _dt.ALL_DTYPES}


def _torch_globals() -> dict:
    """Names torch writes -> the ember objects they load as (the default allow list)."""
    from .nn.parameter import Parameter
    g = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": _device,
        "_codecs.encode": _safe_encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.complex": complex,
        "builtins.slice": slice,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    g.update(_dtype_globals())
    for d, cls in _STORAGE_TYPES.items():
        g[f"torch.{_STORAGE_NAMES[d]}"] = cls
    return g


_DEFAULT_GLOBALS: dict | None = None


def _default_globals() -> dict:
    global _DEFAULT_GLOBALS
    if _DEFAULT_GLOBALS is None:
        _DEFAULT_GLOBALS = _torch_globals()
    return _DEFAULT_GLOBALS


# --------------------------------------------------------------------------------------
# user allow list
# --------------------------------------------------------------------------------------

_user_globals: dict[str, object] = {}


def _global_name(obj) -> str:
    mod = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if mod is None or name is None:
        raise TypeError(f"cannot determine the global name of {obj!r}; pass (obj, "
                        "'module.name')")
    return f"{mod}.{name}"


def _normalize(globals_list) -> dict:
    out = {}
    for g in globals_list:
        if isinstance(g, tuple):
            if len(g) != 2 or not isinstance(g[1], str):
                raise TypeError("safe global tuples must be (object, 'module.name')")
            out[g[1]] = g[0]
        else:
            out[_global_name(g)] = g
    return out


def add_safe_globals(safe_globals: list) -> None:
    """Allows ``weights_only`` loads to use these globals (objects, or ``(obj, "module.name")``
    tuples when the name in the file differs from the object's own)."""
    _user_globals.update(_normalize(safe_globals))


def get_safe_globals() -> list:
    """The user-added safe globals."""
    return [v if _global_name_or_none(v) == k else (v, k) for k, v in _user_globals.items()]


def _global_name_or_none(v):
    try:
        return _global_name(v)
    except TypeError:
        return None


def clear_safe_globals() -> None:
    """Removes all user-added safe globals."""
    _user_globals.clear()


class safe_globals:
    """Context manager adding safe globals for the duration of a ``with`` block."""

    def __init__(self, safe_globals: list) -> None:
        self._added = _normalize(safe_globals)

    def __enter__(self):
        self._saved = dict(_user_globals)
        _user_globals.update(self._added)
        return self

    def __exit__(self, *exc) -> None:
        _user_globals.clear()
        _user_globals.update(self._saved)


# --------------------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------------------

class _StorageRef:
    __slots__ = ("pid",)

    def __init__(self, pid) -> None:
        self.pid = pid


def _rewrite_table() -> dict[bytes, bytes]:
    """GLOBAL lines ember's pickler emits -> the lines torch writes."""
    t = {}
    for fn in ("_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_parameter_with_state"):
        t[f"c{__name__}\n{fn}\n".encode()] = f"ctorch._utils\n{fn}\n".encode()
    for name in _STORAGE_NAMES.values():
        t[f"c{__name__}\n{name}\n".encode()] = f"ctorch\n{name}\n".encode()
    t[f"c{Size.__module__}\nSize\n".encode()] = b"ctorch\nSize\n"
    t[f"c{_device.__module__}\ndevice\n".encode()] = b"ctorch\ndevice\n"
    for d in _dt.ALL_DTYPES:
        t[f"c{_dt.__name__}\n{d.name}\n".encode()] = f"ctorch\n{d.name}\n".encode()
    return t


_REWRITE: dict[bytes, bytes] | None = None


def _ptr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


class _SaveState:
    def __init__(self) -> None:
        self.storages: list = []          # key -> uint8 buffer
        self.by_root: dict[int, tuple] = {}  # id(root) -> (ref, dtype, root)
        self.used: set[bytes] = set()

    def new_storage(self, buf_u8: np.ndarray, dtype, location: str, numel: int):
        key = str(len(self.storages))
        self.storages.append(buf_u8)
        cls = _STORAGE_TYPES[dtype]
        self.used.add(f"c{__name__}\n{cls.__name__}\n".encode())
        return _StorageRef(("storage", cls, key, location, numel))

    def tensor_args(self, t: Tensor):
        """(storage ref, offset, size, stride) for a tensor, sharing storage by root array."""
        dt = t._dtype
        isz = dt.itemsize
        if t._device.type != "cpu":
            host = np.ascontiguousarray(t._np())
            ref = self.new_storage(host.reshape(-1).view(np.uint8), dt, str(t._device),
                                   host.size)
            return ref, 0, tuple(host.shape), _contig(host.shape)
        arr = t._data
        root = arr
        while _ROOTS.get(id(root)) is not root:
            b = root.base
            if not isinstance(b, np.ndarray):
                break
            root = b
        shape = tuple(arr.shape)
        entry = self.by_root.get(id(root))
        if entry is not None and entry[1] is not dt:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        if arr.size and (root.flags.c_contiguous or root.flags.f_contiguous) \
                and root.nbytes % isz == 0:
            off_b = _ptr(arr) - _ptr(root)
            strides = []
            ok = off_b >= 0 and off_b % isz == 0
            extent = off_b // isz
            if ok:
                for s, st in zip(shape, arr.strides):
                    if s == 1:
                        strides.append(None)
                        continue
                    if st < 0 or st % isz:
                        ok = False
                        break
                    strides.append(st // isz)
                    extent += (s - 1) * (st // isz)
            if ok and extent < root.nbytes // isz:
                stride = _fill_unit_strides(shape, strides)
                if entry is None:
                    buf = np.ravel(root, order="K").view(np.uint8)
                    ref = self.new_storage(buf, dt, "cpu", root.nbytes // isz)
                    self.by_root[id(root)] = (ref, dt, root)
                else:
                    ref = entry[0]
                return ref, off_b // isz, shape, stride
        # not expressible as a view of the root (or empty): save an own contiguous copy
        host = np.ascontiguousarray(arr)
        ref = self.new_storage(host.reshape(-1).view(np.uint8), dt, "cpu", host.size)
        return ref, 0, shape, _contig(shape)


def _contig(shape) -> tuple:
    st = []
    acc = 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


def _fill_unit_strides(shape, strides) -> tuple:
    out = list(strides)
    acc = 1
    for i in range(len(shape) - 1, -1, -1):
        if out[i] is None:
            out[i] = acc
        acc = max(acc, out[i] * shape[i])
    return tuple(out)


def _make_pickler(pickle_module, buf, protocol, state: _SaveState):
    from .nn.parameter import Parameter
    rebuild_v2 = f"c{__name__}\n_rebuild_tensor_v2\n".encode()
    empty_hooks = OrderedDict()

    class _Pickler(pickle_module.Pickler):
        def persistent_id(self, obj):
            if type(obj) is _StorageRef:
                return obj.pid
            return None

        def reducer_override(self, obj):
            if isinstance(obj, Tensor):
                if isinstance(obj, Parameter):
                    plain = Tensor._make(obj._data, obj._device)
                    st = {k: v for k, v in obj.__dict__.items()
                          if k not in ("_is_buffer", "persistent")}
                    if st:
                        fn = "_rebuild_parameter_with_state"
                        args = (plain, obj._requires_grad, empty_hooks, st)
                    else:
                        fn = "_rebuild_parameter"
                        args = (plain, obj._requires_grad, empty_hooks)
                    state.used.add(f"c{__name__}\n{fn}\n".encode())
                    return globals()[fn], args
                ref, off, shape, stride = state.tensor_args(obj)
                state.used.add(rebuild_v2)
                return _rebuild_tensor_v2, (ref, off, shape, stride, obj._requires_grad,
                                            empty_hooks)
            if type(obj) is Size:
                state.used.add(f"c{Size.__module__}\nSize\n".encode())
                return Size, (tuple(obj),)
            if type(obj) is _device:
                state.used.add(f"c{_device.__module__}\ndevice\n".encode())
                return _device, (str(obj),)
            if type(obj) is _dt.dtype:
                state.used.add(f"c{_dt.__name__}\n{obj.name}\n".encode())
                return obj.name
            return NotImplemented

    return _Pickler(buf, protocol=protocol)


def _rewrite_globals(data: bytes, used: set) -> bytes:
    global _REWRITE
    if _REWRITE is None:
        _REWRITE = _rewrite_table()
    fast = True
    present = []
    for pat in _REWRITE:
        n = data.count(pat)
        if n:
            if n > 1 or pat not in used:
                fast = False
                break
            present.append(pat)
    if fast:
        for pat in present:
            data = data.replace(pat, _REWRITE[pat], 1)
        return data
    # a pattern also occurs inside user data: rewrite only real GLOBAL opcodes
    import pickletools
    out = bytearray()
    last = 0
    for op, _arg, pos in pickletools.genops(data):
        if op.name == "GLOBAL":
            end = data.index(b"\n", data.index(b"\n", pos + 1) + 1) + 1
            line = data[pos:end]
            if line in _REWRITE:
                out += data[last:pos]
                out += _REWRITE[line]
                last = end
    out += data[last:]
    return bytes(out)


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        name = os.path.splitext(os.path.basename(os.fsdecode(f)))[0]
        if name and all(c.isalnum() or c in "-_." for c in name) and name not in (".", ".."):
            return name
    return "archive"


def _write_archive(f, obj, archive: str, pickle_module, protocol) -> None:
    state = _SaveState()
    buf = io.BytesIO()
    _make_pickler(pickle_module, buf, protocol, state).dump(obj)
    data = _rewrite_globals(buf.getvalue(), state.used)
    w = ZipWriter(f, archive)
    w.write_record("data.pkl", data)
    w.write_record(".format_version", b"1")
    w.write_record(".storage_alignment", b"64")
    w.write_record("byteorder", sys.byteorder.encode())
    for key, storage in enumerate(state.storages):
        w.write_record(f"data/{key}", storage)
    w.write_record("version", b"3\n")
    w.write_record(".data/serialization_id",
                   str(int.from_bytes(secrets.token_bytes(16), "little")).zfill(40).encode())
    w.finish()


_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False) -> None:
    """Saves ``obj`` in PyTorch's zip checkpoint format (``torch.load`` reads it).

    ``f``: a path (written atomically: temp file in the same directory, fsync,
    ``os.replace``, directory fsync) or a writable binary file object.
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ember.save writes only the zip format; the legacy format "
                                  "can be loaded but not written")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        directory = os.path.dirname(os.path.abspath(path))
        base = os.path.basename(path)
        archive = _archive_name(path)
        import tempfile
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
                _write_archive(fh, obj, archive, pickle_module, pickle_protocol)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                mode = os.stat(path).st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        return
    _write_archive(f, obj, _archive_name(getattr(f, "name", None) or ""), pickle_module,
                   pickle_protocol)


# --------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------

def _location_device(map_location, location: str):
    """The device a storage saved at ``location`` goes to (None: call the callable)."""
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    elif isinstance(map_location, (str, bytes, _device)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
    else:
        target = location
    dev = _device(str(target)) if not isinstance(target, _device) else target
    if dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but ember.cuda.is_available()"
                " is False. If you are running on a CPU-only machine, please use ember.load with"
                " map_location='cpu' (or map_location=ember.device('cpu')) to map your storages"
                " to the CPU.")
    return dev


class _Loader:
    """Shared state of one load: records, storages, map_location."""

    def __init__(self, name: str, map_location, mmap: bool) -> None:
        self.name = name
        self.map_location = map_location
        self.mmap = mmap
        self.storages: dict[str, _Storage] = {}
        self.fetch = None  # key -> uint8 array (zip) ; set by the format reader
        self.sizes = None  # key -> byte size

    def storage(self, pid) -> _Storage:
        if len(pid) not in (5, 6):
            raise _Corrupt(f"malformed storage persistent id {pid!r:.80}")
        stype, key, location, numel = pid[1], pid[2], pid[3], pid[4]
        if len(pid) == 6 and pid[5] is not None:
            raise CheckpointError(f"{self.name}: storage views (legacy view_metadata) are not "
                                  "supported")
        if isinstance(key, bytes):
            key = key.decode("ascii")
        if isinstance(location, bytes):
            location = location.decode("ascii")
        if not (isinstance(stype, type) and issubclass(stype, _StorageType)):
            raise _Rejected(f"persistent id storage type {stype!r:.60} is not a storage type")
        if type(key) is not str or type(location) is not str or type(numel) is not int \
                or numel < 0:
            raise _Corrupt(f"malformed storage persistent id {pid!r:.80}")
        st = self.storages.get(key)
        dt = stype.dtype
        if st is not None:
            if st.array.dtype != dt.np:
                raise _Corrupt(f"storage {key!r} is used with two different dtypes")
            return st
        nbytes = numel * dt.itemsize
        have = self.sizes(key)
        if have is None:
            raise CheckpointError(f"{self.name}: storage {key!r} is missing from the checkpoint")
        if have != nbytes:
            raise CheckpointError(
                f"{self.name}: storage {key!r} declares {numel} elements of {dt.name} "
                f"({nbytes} bytes) but the checkpoint holds {have} bytes (corrupt or malicious)")
        arr = self.fetch(key).view(dt.np)
        _ROOTS[id(arr)] = arr
        dev = _location_device(self.map_location, location) \
            if not callable(self.map_location) or isinstance(self.map_location, _device) \
            else None
        if dev is None:
            res = self.map_location(Tensor._make(arr), location)
            if res is None:
                dev = _location_device(None, location)
            elif isinstance(res, Tensor):
                if res._device.type == "cpu" and res._data is not arr:
                    arr = np.ascontiguousarray(res._data).reshape(-1)
                    _ROOTS[id(arr)] = arr
                dev = res._device
            else:
                dev = _location_device(str(res), location)
        st = _Storage(arr, dev, key)
        self.storages[key] = st
        return st


def _build(inst, cls, state, user):
    """BUILD (inst given) / NEWOBJ (cls given) for the restricted unpickler."""
    from .nn.parameter import Parameter
    if inst is None:
        if cls is Parameter:
            return Parameter(*state)
        return cls.__new__(cls, *state)
    t = type(inst)
    if t is OrderedDict or t is Counter:
        if not isinstance(state, dict):
            raise _Corrupt("invalid OrderedDict state")
        inst.__dict__.update(state)
        return
    if t is Parameter:
        _set_state(inst, state)
        return
    if any(t is v for v in user.values()):
        if hasattr(inst, "__setstate__"):
            inst.__setstate__(state)
            return
        slotstate = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slotstate = state
        if state:
            inst.__dict__.update(state)
        if slotstate:
            for k, v in slotstate.items():
                setattr(inst, k, v)
        return
    raise _Rejected(f"BUILD can only set the state of Parameter, OrderedDict or types "
                    f"allowed via add_safe_globals, but got {t.__module__}.{t.__qualname__}")


def _restricted_load(data, pos, loader: _Loader, encoding="ASCII"):
    user = dict(_user_globals)
    g = dict(_default_globals())
    g.update(user)
    up = RestrictedUnpickler(data, pos, g, loader.storage,
                             lambda inst, cls, state: _build(inst, cls, state, user),
                             encoding=encoding)
    obj = up.load()
    return obj, up.pos


class _FullUnpickler(pickle.Unpickler):
    """``weights_only=False``: the standard unpickler with torch's names mapped to ember."""

    def find_class(self, module, name):
        full = f"{module}.{name}"
        obj = _default_globals().get(full)
        if obj is not None:
            return obj
        if full in _user_globals:
            return _user_globals[full]
        if module == "torch" or module.startswith("torch."):
            raise UnpicklingError(f"{full} is a torch object that ember cannot load")
        return super().find_class(module, name)


def _full_load(stream, loader: _Loader, pickle_module, pickle_load_args):
    if pickle_module is None or pickle_module is pickle:
        base = _FullUnpickler
    else:
        outer = pickle_module.Unpickler

        class base(outer):  # type: ignore[no-redef]
            def find_class(self, module, name):
                return _FullUnpickler.find_class(self, module, name)

            _super_find = outer.find_class

    up = base(stream, **pickle_load_args)
    up.persistent_load = loader.storage
    return up.load()


def _io_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fsdecode(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


class _ZipFetcher:
    """Reads storage records straight into fresh arrays (``preadv`` for real files).

    Storage records' CRCs are checked only with ``verify_crc=True`` (torch never checks
    them; the check costs more than the read itself); metadata records and ``data.pkl``
    are always checked.
    """

    def __init__(self, reader: ZipReader, fh, verify: bool) -> None:
        self.reader = reader
        self.fh = fh
        self.verify = verify
        try:
            self.fd = fh.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            self.fd = None
        self.mem = fh.getbuffer() if isinstance(fh, io.BytesIO) else None

    def get(self, key: str) -> np.ndarray:
        name = f"data/{key}"
        crc, size, off = self.reader.info(name)
        out = np.empty(size, dtype=np.uint8)
        if size:
            if self.mem is not None:
                out[:] = np.frombuffer(self.mem, np.uint8, size, off)
            elif self.fd is not None:
                got = 0
                mv = memoryview(out)
                while got < size:
                    n = os.preadv(self.fd, [mv[got:]], off + got)
                    if n <= 0:
                        raise _ZipError("unexpected end of file (truncated)")
                    got += n
            else:
                self.fh.seek(off)
                if self.fh.readinto(out) != size:
                    raise _ZipError("unexpected end of file (truncated)")
        if self.verify and zlib.crc32(out) != crc:
            raise _ZipError(f"CRC mismatch in record {name!r} (corrupt)")
        return out

    def close(self) -> None:
        if self.mem is not None:
            self.mem.release()


def _load_zip(fh, size, loader: _Loader, weights_only, pickle_module, pickle_load_args,
              path, verify_crc):
    reader = ZipReader(fh, size)
    if not reader.has("data.pkl"):
        raise _ZipError("data.pkl record missing (not a torch checkpoint)")
    if reader.has("byteorder"):
        bo = reader.read("byteorder", 16)
        if bo not in (b"little", b"big"):
            raise _ZipError(f"unknown byteorder {bo!r}")
        if bo.decode() != sys.byteorder:
            raise CheckpointError(f"{loader.name}: checkpoint byte order {bo.decode()} differs "
                                  "from this machine's; not supported")
    data = reader.read("data.pkl", _MAX_PICKLE)

    def sizes(key):
        full = reader.prefix + f"data/{key}"
        rec = reader.records.get(full)
        return None if rec is None else rec[1]

    loader.sizes = sizes
    fetcher = None
    if loader.mmap:
        if path is None:
            raise ValueError("mmap=True requires f to be a file path or a real file")
        mm = np.memmap(path, dtype=np.uint8, mode="c") if size else np.empty(0, np.uint8)

        def fetch(key):
            _, n, off = reader.info(f"data/{key}")
            return mm[off:off + n]
        loader.fetch = fetch
    else:
        fetcher = _ZipFetcher(reader, fh, verify_crc)
        loader.fetch = fetcher.get
    try:
        if weights_only:
            enc = pickle_load_args.get("encoding", "ASCII")
            obj, _ = _restricted_load(data, 0, loader, enc)
        else:
            obj = _full_load(io.BytesIO(data), loader, pickle_module, pickle_load_args)
    finally:
        if fetcher is not None:
            fetcher.close()
    return obj


def _load_legacy(fh, loader: _Loader, weights_only, pickle_module, pickle_load_args):
    fh.seek(0)
    buf = fh.read()
    enc = pickle_load_args.get("encoding", "ASCII")
    pos = 0

    def plain(pos):
        return _restricted_load(buf, pos, loader, enc)

    magic, pos = plain(pos)
    if magic != _MAGIC_NUMBER:
        raise _Corrupt("invalid magic number")
    proto, pos = plain(pos)
    if proto != _PROTOCOL_VERSION:
        raise _Corrupt(f"invalid protocol version {proto!r}")
    _sys_info, pos = plain(pos)
    decls: dict[str, tuple] = {}

    def sizes(key):
        return decls[key][1] if key in decls else None

    pending: dict[str, np.ndarray] = {}

    def fetch(key):
        arr = np.empty(decls[key][1], dtype=np.uint8)
        pending[key] = arr
        return arr

    loader.fetch = fetch
    loader.sizes = sizes
    base_storage = loader.storage

    def storage(pid):
        if type(pid) is tuple and len(pid) == 6 and isinstance(pid[1], type) \
                and issubclass(pid[1], _StorageType) and type(pid[4]) is int and pid[4] >= 0:
            key = pid[2].decode("ascii") if isinstance(pid[2], bytes) else pid[2]
            decls.setdefault(key, (pid[1].dtype, pid[4] * pid[1].dtype.itemsize))
        return base_storage(pid)

    loader.storage = storage
    if weights_only:
        obj, pos = _restricted_load(buf, pos, loader, enc)
    else:
        stream = io.BytesIO(buf)
        stream.seek(pos)
        obj = _full_load(stream, loader, pickle_module, pickle_load_args)
        pos = stream.tell()
    keys, pos = plain(pos)
    if type(keys) is not list or any(type(k) is not str for k in keys):
        raise _Corrupt("invalid storage key list")
    for key in keys:
        if key not in pending:
            raise _Corrupt(f"storage {key!r} listed but never used")
        if pos + 8 > len(buf):
            raise _Corrupt("storage data truncated")
        (numel,) = struct.unpack_from("<q", buf, pos)
        pos += 8
        dt, nbytes = decls[key]
        if numel * dt.itemsize != nbytes:
            raise CheckpointError(f"{loader.name}: storage {key!r} declares {nbytes} bytes but "
                                  f"its data holds {numel} elements")
        if pos + nbytes > len(buf):
            raise _Corrupt("storage data truncated")
        pending[key][:] = np.frombuffer(buf, np.uint8, nbytes, pos)
        pos += nbytes
    return obj


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=False,
         verify_crc=False, **pickle_load_args):
    """Loads a checkpoint written by ``ember.save`` or ``torch.save`` (zip or legacy format).

    ``weights_only=True`` (default) admits only tensors, storages, standard containers,
    ``Size``/``device``/dtypes and :func:`add_safe_globals` entries; rejected files raise
    :class:`UnpicklingError`, truncated/corrupt ones :class:`CheckpointError`.
    ``map_location``: device, string, dict or callable ``(storage, location)`` as in torch.
    ``mmap=True`` maps storages from the file (copy-on-write) instead of reading them.
    ``verify_crc=True`` also checks the CRC-32 of every storage record (ember extension;
    torch never does, and it costs more than reading); ``data.pkl`` and the small
    metadata records are always CRC-checked.
    """
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified; pass weights_only=False to use a custom pickle module")
    if pickle_module is None:
        pickle_module = pickle
    if "encoding" not in pickle_load_args and not weights_only:
        pickle_load_args["encoding"] = "utf-8"
    name = _io_name(f)
    opened = None
    if isinstance(f, (str, os.PathLike)):
        opened = fh = open(f, "rb")  # noqa: SIM115
        path = os.fspath(f)
    else:
        fh = f
        path = None
        if mmap and getattr(f, "name", None) and isinstance(f.name, (str, bytes)):
            try:
                f.fileno()
                path = f.name
            except (AttributeError, OSError, io.UnsupportedOperation):
                path = None
    loader = _Loader(name, map_location, mmap)
    try:
        start = fh.tell()
        fh.seek(0, 2)
        size = fh.seek(0, 2)
        fh.seek(start)
        head = fh.read(4)
        fh.seek(start)
        if start != 0:
            raise CheckpointError(f"{name}: the file position must be at the start")
        if head == b"PK\x03\x04" or (head[:2] == b"PK" and size >= 22):
            return _load_zip(fh, size, loader, weights_only, pickle_module, pickle_load_args,
                             path, verify_crc)
        if head[:2] == b"\x80\x02":
            if mmap:
                raise RuntimeError("mmap can only be used with files saved in the zip format")
            return _load_legacy(fh, loader, weights_only, pickle_module, pickle_load_args)
        if not head:
            raise CheckpointError(f"{name}: checkpoint is empty (truncated)")
        raise CheckpointError(f"{name}: not a checkpoint (unknown format; truncated or "
                              "corrupt?)")
    except (CheckpointError, UnpicklingError):
        raise
    except _Rejected as e:
        raise UnpicklingError(
            f"Weights only load failed for {name}: {e}. Loading with weights_only=False "
            "runs arbitrary code; do it only for files you trust.") from None
    except (_ZipError, _Corrupt, EOFError, struct.error, IndexError, KeyError,
            UnicodeDecodeError, OverflowError, RecursionError, MemoryError, ValueError,
            TypeError, AttributeError, pickle.UnpicklingError) as e:
        if isinstance(e, (ValueError, TypeError, AttributeError)) and not weights_only \
                and not isinstance(e, pickle.UnpicklingError):
            raise
        raise CheckpointError(f"{name}: checkpoint is truncated or corrupt: "
                              f"{type(e).__name__}: {e}") from e
    finally:
        if opened is not None:
            opened.close()


def _rebuild_tensor_pickle(arr: np.ndarray, device: str, requires_grad: bool, cls):
    """Unpickles a tensor written by ``Tensor.__reduce_ex__`` (standard ``pickle``)."""
    t = Tensor._make(np.array(arr, copy=True), _device(device))
    if cls is not Tensor:
        t = cls._from_tensor(t) if hasattr(cls, "_from_tensor") else t
    if requires_grad:
        t.requires_grad_(True)
    return t
