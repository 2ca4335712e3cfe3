"""``ember.safetensors``: the safetensors format (interchangeable with the ``safetensors``
package's files), without the package.

Layout: 8-byte little-endian header length N, N bytes of JSON (an object mapping tensor
names to ``{"dtype", "shape", "data_offsets": [begin, end]}`` plus an optional
``"__metadata__"`` str->str map; padded with spaces to a multiple of 8), then the data
buffer.  Reading validates strictly: header size <= 100 MB, JSON object, known dtypes,
non-negative integer shapes, offsets sorted with no overlaps or holes and covering the
whole buffer exactly, and byte length == numel * itemsize.  Invalid files raise
:class:`SafetensorError`.

API (as ``safetensors.torch``): ``save``, ``save_file``, ``load``, ``load_file``,
``safe_open`` (lazy per-tensor reads: ``keys``, ``get_tensor``, ``get_slice``,
``metadata``), and ``save_model``/``load_model`` for state dicts with shared (tied)
tensors, which ``save_file`` refuses like the safetensors library does.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model",
           "SafetensorError"]

MAX_HEADER_SIZE = 100_000_000


class SafetensorError(ValueError):
    """An invalid safetensors file or an unsupported request."""


_TO_ST = {
    _dt.bool_: "BOOL", _dt.uint8: "U8", _dt.int8: "I8", _dt.int16: "I16", _dt.int32: "I32",
    _dt.int64: "I64", _dt.float16: "F16", _dt.bfloat16: "BF16", _dt.float32: "F32",
    _dt.float64: "F64", _dt.complex64: "C64",
}
_FROM_ST = {v: k.np for k, v in _TO_ST.items()}
# dtypes the format knows that ember has no tensor type for (numpy framework only)
_FROM_ST.update({"U16": np.dtype(np.uint16), "U32": np.dtype(np.uint32),
                 "U64": np.dtype(np.uint64)})
_ALIGN_ORDER = {d: i for i, d in enumerate(["F64", "I64", "U64", "C64", "F32", "I32", "U32",
                                            "F16", "BF16", "I16", "U16", "I8", "U8", "BOOL"])}


def _as_array(name, t) -> tuple[np.ndarray, str]:
    if isinstance(t, Tensor):
        if t._device.type != "cpu":
            t = t.cpu()
        arr = t._data
        dt = t._dtype
    elif isinstance(t, np.ndarray):
        arr = t
        dt = _dt._BY_NP.get(arr.dtype)
        if dt is None:
            for k, v in _FROM_ST.items():
                if v == arr.dtype:
                    return arr, k
            raise SafetensorError(f"tensor {name!r}: dtype {arr.dtype} is not supported")
    else:
        raise SafetensorError(f"value of {name!r} is a {type(t).__name__}, not a tensor")
    code = _TO_ST.get(dt)
    if code is None:
        raise SafetensorError(f"tensor {name!r}: dtype {dt} is not supported by safetensors")
    return arr, code


def _root(arr: np.ndarray) -> np.ndarray:
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _shared_groups(tensors: dict) -> list[set]:
    """Groups of names whose tensors overlap in memory (as safetensors' check)."""
    by_root: dict[int, list] = {}
    for name, t in tensors.items():
        arr = t._data if isinstance(t, Tensor) else t
        if not isinstance(arr, np.ndarray) or arr.size == 0:
            continue
        by_root.setdefault(id(_root(arr)), []).append((name, arr))
    groups = []
    for items in by_root.values():
        if len(items) < 2:
            continue
        spans = []
        for name, arr in items:
            lo, hi = np.lib.array_utils.byte_bounds(arr) if hasattr(np.lib, "array_utils") \
                else np.byte_bounds(arr)
            spans.append((lo, hi, name))
        spans.sort()
        cur, end = {spans[0][2]}, spans[0][1]
        for lo, hi, name in spans[1:]:
            if lo < end:
                cur.add(name)
                end = max(end, hi)
            else:
                if len(cur) > 1:
                    groups.append(cur)
                cur, end = {name}, hi
        if len(cur) > 1:
            groups.append(cur)
    return groups


def _prepare(tensors: dict, metadata):
    if not isinstance(tensors, dict):
        raise SafetensorError("tensors must be a dict of name -> tensor")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorError("metadata must be a dict of str -> str")
    shared = _shared_groups(tensors)
    if shared:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {[sorted(g) for g in shared]}.\n"
            "A potential way to correctly save your model is to use "
            "`ember.safetensors.save_model` (and `load_model`).")
    entries = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise SafetensorError(f"tensor names must be str, got {name!r}")
        if name == "__metadata__":
            raise SafetensorError("'__metadata__' is reserved and cannot be a tensor name")
        arr, code = _as_array(name, t)
        if not arr.flags.c_contiguous:
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not "
                "allowed. It either means you are trying to save tensors which are reference "
                "of each other in which case it's recommended to save only the full tensors, "
                "and reslice at load time, or simply call `.contiguous()` on your tensor to "
                "pack it before saving.")
        entries.append((name, arr, code))
    entries.sort(key=lambda e: (_ALIGN_ORDER[e[2]], e[0]))
    header: dict = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    off = 0
    for name, arr, code in entries:
        header[name] = {"dtype": code, "shape": list(arr.shape),
                        "data_offsets": [off, off + arr.nbytes]}
        off += arr.nbytes
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    return struct.pack("<Q", len(hb)) + hb, [arr for _, arr, _ in entries]


def _buf(arr: np.ndarray):
    return memoryview(arr.reshape(-1).view(np.uint8))


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors encoding of ``tensors`` (name -> tensor) as bytes."""
    head, arrays = _prepare(tensors, metadata)
    return b"".join([head] + [bytes(_buf(a)) for a in arrays if a.size])


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Writes ``tensors`` to ``filename`` (atomically: temp file, fsync, rename)."""
    head, arrays = _prepare(tensors, metadata)
    path = os.fspath(filename)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            f.write(head)
            for a in arrays:
                if a.size:
                    f.write(_buf(a))
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            from .serialization import _umask
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _parse_header(head_len_bytes: bytes, read, total: int):
    """Validates the header; returns (metadata, {name: (dtype str, shape, begin, end)},
    data start)."""
    if len(head_len_bytes) < 8:
        raise SafetensorError("file too small: header length missing (truncated)")
    (n,) = struct.unpack("<Q", head_len_bytes[:8])
    if n > MAX_HEADER_SIZE:
        raise SafetensorError(f"header too large ({n} bytes > {MAX_HEADER_SIZE})")
    if 8 + n > total:
        raise SafetensorError("header length is larger than the file (truncated)")
    raw = read(8, n)
    if len(raw) != n:
        raise SafetensorError("header truncated")
    if not raw.startswith(b"{"):
        raise SafetensorError("header must be a JSON object")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"invalid header JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError("header must be a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(v, str) for v in metadata.values())):
        raise SafetensorError("__metadata__ must be a map of str -> str")
    infos = {}
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorError(f"invalid entry for tensor {name!r}")
        code, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _FROM_ST:
            raise SafetensorError(f"tensor {name!r}: unknown dtype {code!r}")
        if not isinstance(shape, list) or any(type(s) is not int or s < 0 for s in shape):
            raise SafetensorError(f"tensor {name!r}: invalid shape {shape!r}")
        if not isinstance(offs, list) or len(offs) != 2 or any(
                type(o) is not int or o < 0 for o in offs) or offs[0] > offs[1]:
            raise SafetensorError(f"tensor {name!r}: invalid data_offsets {offs!r}")
        numel = 1
        for s in shape:
            numel *= s
        if numel * _FROM_ST[code].itemsize != offs[1] - offs[0]:
            raise SafetensorError(f"tensor {name!r}: data_offsets span {offs[1] - offs[0]} "
                                  f"bytes but shape {shape} of {code} needs "
                                  f"{numel * _FROM_ST[code].itemsize}")
        infos[name] = (code, tuple(shape), offs[0], offs[1])
    spans = sorted((b, e, nm) for nm, (_, _, b, e) in infos.items())
    pos = 0
    for b, e, nm in spans:
        if b != pos:
            raise SafetensorError(f"tensor {nm!r}: data_offsets overlap or leave a hole "
                                  f"(starts at {b}, expected {pos})")
        pos = e
    start = 8 + n
    if start + pos != total:
        raise SafetensorError(f"data buffer is {total - start} bytes but the header describes "
                              f"{pos} (truncated or trailing data)")
    return metadata, infos, start


def _to_framework(arr: np.ndarray, framework: str, device):
    if framework in ("np", "numpy"):
        return arr
    if arr.dtype not in _dt._BY_NP:
        raise SafetensorError(f"dtype {arr.dtype} has no ember tensor type; use "
                              "framework='np'")
    t = Tensor._make(arr)
    dev = str(device)
    if dev != "cpu":
        t = t.to(dev)
    return t


def load(data: bytes, device="cpu") -> dict:
    """Decodes safetensors bytes into a dict of ember tensors."""
    mv = memoryview(data)
    total = len(mv)
    _, infos, start = _parse_header(bytes(mv[:8]), lambda o, n: bytes(mv[o:o + n]), total)
    out = {}
    for name, (code, shape, b, e) in infos.items():
        arr = np.frombuffer(mv, np.uint8, e - b, start + b).view(_FROM_ST[code]).copy() \
            if e > b else np.empty(0, _FROM_ST[code])
        out[name] = _to_framework(arr.reshape(shape), "pt", device)
    return out


class _Slice:
    """Lazy slice of one tensor (``safe_open(...).get_slice(name)``)."""

    def __init__(self, owner, name) -> None:
        self._owner = owner
        self._name = name
        self._code, self._shape, _, _ = owner._infos[name]

    def get_shape(self) -> list:
        return list(self._shape)

    def get_dtype(self) -> str:
        return self._code

    def __getitem__(self, idx):
        arr = self._owner._mapped(self._name)[idx]
        return _to_framework(np.array(arr, copy=True), self._owner._framework,
                             self._owner._device)


class safe_open:
    """Opens a safetensors file for lazy, per-tensor reads (``with safe_open(...) as f``)."""

    def __init__(self, filename, framework: str = "pt", device="cpu") -> None:
        if framework not in ("pt", "np", "numpy", "ember"):
            raise SafetensorError(f"framework {framework!r} is not supported (pt, np, ember)")
        self._framework = framework
        self._device = device
        self._path = os.fspath(filename)
        self._f = open(self._path, "rb")  # noqa: SIM115
        try:
            total = os.fstat(self._f.fileno()).st_size
            fd = self._f.fileno()
            self._metadata, self._infos, self._start = _parse_header(
                os.pread(fd, 8, 0), lambda o, n: os.pread(fd, n, o), total)
        except SafetensorError as e:
            self._f.close()
            raise SafetensorError(f"{self._path}: {e}") from None
        except BaseException:
            self._f.close()
            raise
        self._mm = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._mm = None
        self._f.close()

    def keys(self) -> list:
        return sorted(self._infos)

    def offset_keys(self) -> list:
        return [nm for _, nm in sorted((v[2], k) for k, v in self._infos.items())]

    def metadata(self):
        return self._metadata

    def _mapped(self, name) -> np.ndarray:
        code, shape, b, e = self._infos[name]
        if e == b:
            return np.empty(shape, _FROM_ST[code])
        if self._mm is None:
            self._mm = np.memmap(self._path, np.uint8, mode="r")
        return self._mm[self._start + b:self._start + e].view(_FROM_ST[code]).reshape(shape)

    def get_tensor(self, name):
        if name not in self._infos:
            raise SafetensorError(f"File does not contain tensor {name}")
        code, shape, b, e = self._infos[name]
        arr = np.empty(e - b, np.uint8)
        if e > b:
            got = os.preadv(self._f.fileno(), [memoryview(arr)], self._start + b)
            if got != e - b:
                raise SafetensorError(f"{self._path}: tensor {name!r} data truncated")
        return _to_framework(arr.view(_FROM_ST[code]).reshape(shape), self._framework,
                             self._device)

    def get_slice(self, name):
        if name not in self._infos:
            raise SafetensorError(f"File does not contain tensor {name}")
        return _Slice(self, name)


def load_file(filename, device="cpu") -> dict:
    """Loads every tensor of a safetensors file."""
    with safe_open(filename, framework="pt", device=device) as f:
        return {k: f.get_tensor(k) for k in f.offset_keys()}


def _remove_duplicate_names(state_dict: dict) -> dict[str, list[str]]:
    """{kept name: [names removed because they share its memory]}."""
    to_remove: dict[str, list[str]] = {}
    for group in _shared_groups(state_dict):
        # keep the tensor covering the whole shared area, else the first name
        arrays = {n: state_dict[n]._data for n in group}
        full = [n for n in sorted(group) if arrays[n].nbytes == max(
            a.nbytes for a in arrays.values())]
        keep = full[0]
        to_remove[keep] = sorted(n for n in group if n != keep)
    return to_remove


def save_model(model, filename, metadata: dict | None = None,
               force_contiguous: bool = False) -> None:
    """Saves ``model.state_dict()``, storing tied (shared) tensors once; the dropped names
    are recorded in the metadata and restored by :func:`load_model`."""
    sd = model.state_dict()
    for kept, removed in _remove_duplicate_names(sd).items():
        for name in removed:
            if metadata is None:
                metadata = {}
            metadata.setdefault(name, kept)
            del sd[name]
    if force_contiguous:
        sd = {k: v.contiguous() for k, v in sd.items()}
    save_file(sd, filename, metadata=metadata)


def load_model(model, filename, strict: bool = True, device="cpu"):
    """Loads a file written by :func:`save_model` into ``model``; returns
    ``(missing, unexpected)`` key lists (raises on either when ``strict``)."""
    sd = load_file(filename, device=device)
    model_sd = model.state_dict()
    tied = set()
    for removed in _remove_duplicate_names(model_sd).values():
        tied.update(removed)
    result = model.load_state_dict(sd, strict=False)
    missing = [k for k in getattr(result, "missing_keys", result[0]) if k not in tied]
    unexpected = list(getattr(result, "unexpected_keys", result[1]))
    if strict and (missing or unexpected):
        msg = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            msg += "\n    Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing)
        if unexpected:
            msg += "\n    Unexpected key(s) in state_dict: " + ", ".join(
                f'"{k}"' for k in unexpected)
        raise RuntimeError(msg)
    return missing, unexpected
