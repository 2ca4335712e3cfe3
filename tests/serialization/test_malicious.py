"""A corpus of malicious and malformed checkpoints, built opcode by opcode.

Every file must be rejected by ``ember.load`` (weights_only=True, the default) with one of
the documented exceptions (``ember.serialization.UnpicklingError`` for content the allow
list refuses, ``ember.serialization.CheckpointError`` for malformed archives), and the
payload's side effect (creating a sentinel file) must never happen.
"""

import functools
import io
import struct
import warnings
import zipfile
import zlib

import pytest

import ember
from ember.serialization import CheckpointError, UnpicklingError


def _u(s: str) -> bytes:  # BINUNICODE
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _g(mod: str, name: str) -> bytes:  # GLOBAL
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def _call(func: bytes, *args: bytes) -> bytes:  # func(*args) via REDUCE
    return func + b"(" + b"".join(args) + b"tR"


def _pkl(body: bytes, proto: int = 2) -> bytes:
    return b"\x80" + bytes([proto]) + body + b"."


def _pid(key="0", numel=2, stype="FloatStorage") -> bytes:
    return b"(" + _u("storage") + _g("torch", stype) + _u(key) + _u("cpu") + \
        b"J" + struct.pack("<i", numel) + b"tQ"


def _tensor(key="0", numel=2, size=2) -> bytes:
    return _call(_g("torch._utils", "_rebuild_tensor_v2"), _pid(key, numel), b"K\x00",
                 b"K" + bytes([size]) + b"\x85", b"K\x01\x85", b"\x89",
                 _call(_g("collections", "OrderedDict")))


def _zip(pkl: bytes, records=None, prefix="archive", method=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", method) as z:
        warnings.simplefilter("ignore")  # duplicate names are one of the cases
        z.writestr(f"{prefix}/data.pkl", pkl)
        z.writestr(f"{prefix}/byteorder", "little")
        for k, v in (records or {"data/0": b"\x00" * 8}).items():
            z.writestr(f"{prefix}/{k}", v)
    return out.getvalue()


def _legacy(main_pkl: bytes, keys=b"]q\x00(X\x01\x00\x00\x000q\x01a.", data=b"") -> bytes:
    import pickle
    head = b"".join(pickle.dumps(x, protocol=2) for x in (
        0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}))
    return head + main_pkl + b"\x80\x02" + keys + data


def _cases(sentinel: str):
    cmd = _u(f"touch {sentinel}")
    py = _u(f"open({sentinel!r}, 'w').close()")
    U, C = UnpicklingError, CheckpointError
    cases = {
        "os.system": (U, _zip(_pkl(_call(_g("os", "system"), cmd)))),
        "posix.system": (U, _zip(_pkl(_call(_g("posix", "system"), cmd)))),
        "nt.system": (U, _zip(_pkl(_call(_g("nt", "system"), cmd)))),
        "builtins.eval": (U, _zip(_pkl(_call(_g("builtins", "eval"), py)))),
        "builtins.exec": (U, _zip(_pkl(_call(_g("builtins", "exec"), py)))),
        "__builtin__.eval (py2 name)": (U, _zip(_pkl(_call(_g("__builtin__", "eval"), py)))),
        "subprocess.Popen": (U, _zip(_pkl(_call(_g("subprocess", "Popen"),
                                                b"(" + _u("touch") + _u(sentinel) + b"l")))),
        "builtins.getattr chain": (U, _zip(_pkl(_call(
            _call(_g("builtins", "getattr"), _call(_g("builtins", "__import__"), _u("os")),
                  _u("system")), cmd)))),
        "torch._utils.__builtins__": (U, _zip(_pkl(_call(
            _g("torch._utils", "__builtins__.eval"), py)))),
        "torch._utils attribute path": (U, _zip(_pkl(_g("torch._utils", "__builtins__")))),
        "OrderedDict.__init__.__globals__": (U, _zip(_pkl(
            _g("collections", "OrderedDict.__init__.__globals__")))),
        "_rebuild_tensor_v2.__globals__": (U, _zip(_pkl(
            _g("torch._utils", "_rebuild_tensor_v2.__globals__")))),
        "torch.Size.__class__": (U, _zip(_pkl(_g("torch", "Size.__class__")))),
        "ember internals": (U, _zip(_pkl(_call(_g("ember.serialization", "load"), _u("x"))))),
        "numpy.load": (U, _zip(_pkl(_call(_g("numpy", "load"), _u(sentinel))))),
        "STACK_GLOBAL": (U, _zip(_pkl(b"\x8c\x02os\x8c\x06system\x93" + cmd + b"\x85R", 4))),
        "INST": (U, _zip(_pkl(b"(" + cmd + b"ios\nsystem\n"))),
        "OBJ": (U, _zip(_pkl(b"(" + _g("collections", "OrderedDict") + b"o"))),
        "NEWOBJ_EX": (U, _zip(_pkl(_g("collections", "OrderedDict") + b")}\x92", 4))),
        "EXT1": (U, _zip(_pkl(b"\x82\x01"))),
        "PERSID text": (U, _zip(_pkl(b"Pstorage\n"))),
        "NEWOBJ of a function": (U, _zip(_pkl(
            _g("torch._utils", "_rebuild_tensor_v2") + b")\x81"))),
        "REDUCE of a string": (U, _zip(_pkl(_u("os.system") + b"(" + cmd + b"tR"))),
        "BUILD on list": (U, _zip(_pkl(b"]}" + _u("append") + _u("x") + b"sb"))),
        "BUILD on dict": (U, _zip(_pkl(b"}}" + _u("k") + _u("v") + b"sb"))),
        "BUILD on tensor": (U, _zip(_pkl(_tensor() + b"}" + _u("_data") + _u("x") + b"sb"))),
        "SETITEM on list": (U, _zip(_pkl(b"]K\x00" + _u("x") + b"s"))),
        "SETITEMS on tensor": (U, _zip(_pkl(_tensor() + b"(" + _u("k") + _u("v") + b"u"))),
        "APPEND on dict": (U, _zip(_pkl(b"}" + _u("x") + b"a"))),
        "APPENDS on tuple": (U, _zip(_pkl(b")(" + _u("x") + b"e"))),
        "ADDITEMS on list": (U, _zip(_pkl(b"](" + _u("x") + b"\x90", 4))),
        "persistent id not a tuple": (U, _zip(_pkl(_u("storage") + b"Q"))),
        "persistent id not a storage": (U, _zip(_pkl(b"(" + _u("module") + _u("os") + b"tQ"))),
        "persistent id with non-storage type": (U, _zip(_pkl(
            b"(" + _u("storage") + _g("collections", "OrderedDict") + _u("0") + _u("cpu") +
            b"K\x02tQ"))),
        "_codecs.encode zlib": (U, _zip(_pkl(_call(_g("_codecs", "encode"), _u("x"),
                                                   _u("zlib"))))),
        "_rebuild_from_type_v2 with OrderedDict": (U, _zip(_pkl(_call(
            _g("torch._tensor", "_rebuild_from_type_v2"), _g("collections", "OrderedDict"),
            _g("torch", "Tensor"), b")", b"}")))),
        "parameter state __class__": (U, _zip(_pkl(_call(
            _g("torch._utils", "_rebuild_parameter_with_state"), _tensor(), b"\x88", b"}",
            b"}" + _u("__class__") + _g("collections", "OrderedDict") + b"s")))),
        "storage larger than its bytes": (C, _zip(_pkl(_tensor(numel=1000, size=2)))),
        "storage record missing": (C, _zip(_pkl(_tensor(key="7")))),
        "view outside its storage": (C, _zip(_pkl(_tensor(numel=2, size=200)))),
        "zip entry ../ name": (C, _zip(_pkl(b"N"), {"../evil": b"x"})),
        "zip entry absolute name": (C, _zip(_pkl(b"N"), {"/abs": b"x"}, prefix="")),
        "zip duplicate names": (C, _zip(_pkl(b"N"), {"data.pkl": _pkl(b"N")})),
        "zip two top-level folders": (C, _zip(_pkl(b"N")) and _two_folders()),
        "compressed zip bomb": (C, _bomb()),
        "bad CRC": (C, _bad_crc(_zip(_pkl(_tensor())))),
        "no data.pkl": (C, _no_pkl()),
        "legacy os.system": (U, _legacy(_pkl(_call(_g("os", "system"), cmd)))),
        "legacy storage data short": (C, _legacy(_pkl(b"(" + _tensor(numel=4, size=4) + b"l"),
                                                 data=struct.pack("<q", 4) + b"\x00" * 8)),
        "not a checkpoint": (C, b"garbage" * 10),
    }
    return cases


@functools.cache
def _bomb():
    """data.pkl plus a storage record that inflates 1000x (deflate)."""
    return _zip(_pkl(_tensor(numel=(16 << 20) // 4, size=2)),
                {"data/0": b"\x00" * (16 << 20)}, method=zipfile.ZIP_DEFLATED)


def _two_folders():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a/data.pkl", _pkl(b"N"))
        z.writestr("b/data.pkl", _pkl(b"N"))
    return out.getvalue()


def _no_pkl():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/version", "3")
    return out.getvalue()


def _bad_crc(data: bytes) -> bytes:
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("archive/data.pkl")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    b = bytearray(data)
    b[start + 3] ^= 0x01  # flip a bit inside data.pkl; the stored CRC no longer matches
    assert zlib.crc32(bytes(b[start:start + info.file_size])) != info.CRC
    return bytes(b)


_NAMES = sorted(_cases("/nonexistent"))


def test_corpus_size():
    assert len(_NAMES) >= 30


@pytest.mark.parametrize("name", _NAMES)
def test_rejected_without_side_effects(tmp_path, name):
    sentinel = tmp_path / "PWNED"
    exc, data = _cases(str(sentinel))[name]
    p = tmp_path / "evil.pt"
    p.write_bytes(data)
    with pytest.raises(exc) as info:
        ember.load(p)
    assert str(p) in str(info.value)
    with pytest.raises(exc):
        ember.load(io.BytesIO(data))
    assert not sentinel.exists()


def test_messages_name_the_global_and_the_fix(tmp_path):
    p = tmp_path / "e.pt"
    p.write_bytes(_zip(_pkl(_call(_g("os", "system"), _u("true")))))
    with pytest.raises(UnpicklingError, match=r"GLOBAL os\.system.*add_safe_globals"):
        ember.load(p)
    p.write_bytes(_zip(_pkl(b"(" + _u("x") + b"ios\nsystem\n")))
    with pytest.raises(UnpicklingError, match="INST"):
        ember.load(p)


def test_valid_handmade_file_loads():
    data = _zip(_pkl(_tensor()))
    assert ember.load(io.BytesIO(data)).tolist() == [0.0, 0.0]
