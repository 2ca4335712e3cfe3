"""ember.safetensors against the safetensors package (numpy and torch flavours)."""

import json
import struct

import numpy as np
import pytest
import torch

import ember
import ember.safetensors as est

st_numpy = pytest.importorskip("safetensors.numpy")
st_torch = pytest.importorskip("safetensors.torch")
safetensors = pytest.importorskip("safetensors")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]


def _tensors():
    rng = np.random.default_rng(0)
    out = {}
    for n in NAMES:
        x = rng.standard_normal((3, 4)) * 20
        out[n] = ember.tensor(x > 0) if n == "bool" else ember.tensor(x, dtype=getattr(ember, n))
    out["empty"] = ember.zeros(0, 5)
    out["scalar"] = ember.tensor(3.5)
    return out


def _raw(t):
    return t.detach()._data.reshape(-1).view(np.uint8)


def test_ember_file_read_by_safetensors_torch(tmp_path):
    d = _tensors()
    p = tmp_path / "e.safetensors"
    est.save_file(d, p, metadata={"format": "pt", "k": "v"})
    r = st_torch.load_file(str(p))
    assert set(r) == set(d)
    for k, v in d.items():
        assert str(r[k].dtype) == f"torch.{v.dtype.name}" and tuple(r[k].shape) == v.shape
        if v.dtype is ember.bfloat16:
            assert np.array_equal(r[k].view(torch.int16).numpy(), v._data.view(np.int16))
        else:
            assert np.array_equal(r[k].numpy(), v._data)
    with safetensors.safe_open(str(p), "np") as f:
        assert f.metadata() == {"format": "pt", "k": "v"}
    assert st_numpy.load(est.save({"x": ember.ones(2)}))["x"].tolist() == [1.0, 1.0]


def test_safetensors_files_read_by_ember(tmp_path):
    tt = {"a": torch.randn(5, 3), "b": torch.arange(6, dtype=torch.int16),
          "c": torch.ones(2, dtype=torch.bfloat16), "d": torch.tensor([True, False])}
    p = tmp_path / "t.safetensors"
    st_torch.save_file(tt, str(p), metadata={"m": "1"})
    r = est.load_file(p)
    for k, v in tt.items():
        assert r[k].dtype.name == str(v.dtype).split(".")[1]
        ref = v.view(torch.int16) if v.dtype == torch.bfloat16 else v
        got = r[k]._data.view(np.int16) if v.dtype == torch.bfloat16 else r[k]._data
        assert np.array_equal(got, ref.numpy())
    arrs = {"x": np.arange(12, dtype=np.float64).reshape(3, 4),
            "u": np.arange(3, dtype=np.uint16)}
    data = st_numpy.save(arrs)
    (tmp_path / "n.safetensors").write_bytes(data)
    with est.safe_open(tmp_path / "n.safetensors", framework="np") as f:
        assert f.keys() == ["u", "x"] and f.metadata() is None
        assert f.get_slice("x").get_shape() == [3, 4]
        assert np.array_equal(f.get_slice("x")[1:, ::2], arrs["x"][1:, ::2])
        assert np.array_equal(f.get_tensor("u"), arrs["u"])
    with est.safe_open(tmp_path / "n.safetensors", framework="pt") as f:
        assert f.get_tensor("x").tolist() == arrs["x"].tolist()
        assert f.get_slice("x")[2].tolist() == [8.0, 9.0, 10.0, 11.0]
        with pytest.raises(est.SafetensorError, match="framework='np'"):
            f.get_tensor("u")
    assert est.load(st_numpy.save({"x": arrs["x"]}))["x"].tolist() == arrs["x"].tolist()


def test_bytes_roundtrip_and_layout():
    d = _tensors()
    b = est.save(d, metadata={"a": "b"})
    (n,) = struct.unpack("<Q", b[:8])
    assert n % 8 == 0
    header = json.loads(b[8:8 + n])
    assert header["__metadata__"] == {"a": "b"}
    r = est.load(b)
    for k, v in d.items():
        assert r[k].dtype is v.dtype and np.array_equal(_raw(r[k]), _raw(v))
    assert st_torch.load(b)["int16"].dtype == torch.int16  # numpy lacks bfloat16


def _file(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


BAD = {
    "header too large": struct.pack("<Q", 200_000_000) + b"{}",
    "header past end": struct.pack("<Q", 100) + b"{}",
    "too small": b"\x01\x00",
    "not json": _file(None, raw_header=b"{not json"),
    "json array": _file(None, raw_header=b"[1, 2]"),
    "unknown dtype": _file({"x": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}},
                           b"\x00" * 16),
    "negative shape": _file({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
                            b"\x00" * 4),
    "length mismatch": _file({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}},
                             b"\x00" * 4),
    "offsets out of range": _file({"x": {"dtype": "F32", "shape": [2],
                                         "data_offsets": [0, 8]}}, b"\x00" * 4),
    "overlap": _file({"x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                      "y": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\x00" * 6),
    "hole": _file({"x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                   "y": {"dtype": "U8", "shape": [2], "data_offsets": [4, 6]}}, b"\x00" * 6),
    "trailing data": _file({"x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}},
                           b"\x00" * 5),
    "metadata not str": _file({"__metadata__": {"a": 1}}),
    "extra key": _file({"x": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1], "z": 1}},
                       b"\x00"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_invalid_files_rejected(tmp_path, name):
    p = tmp_path / "bad.safetensors"
    p.write_bytes(BAD[name])
    with pytest.raises(est.SafetensorError):
        est.load_file(p)
    with pytest.raises(est.SafetensorError):
        est.load(BAD[name])


def test_shared_tensors_and_save_model(tmp_path):
    class Tied(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = ember.nn.Embedding(10, 4)
            self.head = ember.nn.Linear(4, 10, bias=False)
            self.head.weight = self.emb.weight

    m = Tied()
    with pytest.raises(RuntimeError, match=r"(?s)share memory.*emb\.weight.*save_model"):
        est.save_file(m.state_dict(), tmp_path / "x.safetensors")
    est.save_model(m, tmp_path / "m.safetensors")
    with est.safe_open(tmp_path / "m.safetensors", "np") as f:
        assert len(f.keys()) == 1
    m2 = Tied()
    missing, unexpected = est.load_model(m2, tmp_path / "m.safetensors")
    assert missing == [] and unexpected == []
    assert np.array_equal(m2.head.weight._data, m.emb.weight._data)
    with pytest.raises(ValueError, match="non contiguous"):
        est.save_file({"t": ember.ones(3, 4).t()}, tmp_path / "nc.safetensors")
