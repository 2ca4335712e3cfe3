"""ember.save/ember.load against real torch: both directions, all dtypes, views, state dicts."""

import io
import os
import subprocess
import sys
import zlib
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.serialization as S

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DTYPES = [("bool", np.bool_), ("uint8", np.uint8), ("int8", np.int8), ("int16", np.int16),
          ("int32", np.int32), ("int64", np.int64), ("float16", np.float16),
          ("bfloat16", None), ("float32", np.float32), ("float64", np.float64),
          ("complex64", np.complex64), ("complex128", np.complex128)]


def _np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            return t.view(torch.int16).numpy()
        return t.numpy()
    if t.dtype is ember.bfloat16:
        return t.detach()._data.view(np.int16)
    return t.detach()._data


def _sample(name, shape=(3, 5)):
    rng = np.random.default_rng(zlib.crc32(name.encode()) % 1000)
    x = rng.standard_normal(shape) * 10
    if name == "bool":
        return ember.tensor(x > 0)
    if name.startswith("complex"):
        return ember.tensor(x + 1j * x[::-1], dtype=getattr(ember, name))
    return ember.tensor(x, dtype=getattr(ember, name))


@pytest.mark.parametrize("name", [d[0] for d in DTYPES])
def test_ember_to_torch_dtype(tmp_path, name):
    t = _sample(name)
    p = tmp_path / "t.pt"
    ember.save({"t": t, "v": t[1:, 2:], "T": t.t()}, p)
    r = torch.load(p, weights_only=True)
    assert r["t"].dtype == getattr(torch, name)
    np.testing.assert_array_equal(_np(r["t"]), _np(t))
    np.testing.assert_array_equal(_np(r["v"]), _np(t[1:, 2:]))
    np.testing.assert_array_equal(_np(r["T"]), _np(t.t()))
    assert r["t"].untyped_storage().data_ptr() == r["v"].untyped_storage().data_ptr()
    assert r["T"].stride() == (1, 5)


@pytest.mark.parametrize("name", [d[0] for d in DTYPES])
def test_torch_to_ember_dtype(tmp_path, name):
    t = torch.from_numpy(_np(_sample(name)).copy())
    if name == "bfloat16":
        t = t.view(torch.bfloat16)
    p = tmp_path / "t.pt"
    torch.save({"t": t, "v": t[1:, ::2], "T": t.t()}, p)
    r = ember.load(p)
    assert r["t"].dtype is getattr(ember, name)
    np.testing.assert_array_equal(_np(r["t"]), _np(t))
    np.testing.assert_array_equal(_np(r["v"]), _np(t[1:, ::2]))
    np.testing.assert_array_equal(_np(r["T"]), _np(t.t()))
    assert np.shares_memory(r["t"]._data, r["v"]._data)
    assert np.shares_memory(r["t"]._data, r["T"]._data)


def _assert_same(a, b):
    if isinstance(a, torch.Tensor):
        assert isinstance(b, ember.Tensor)
        assert str(a.dtype).split(".")[1] == b.dtype.name
        assert tuple(a.shape) == tuple(b.shape)
        assert a.requires_grad == b.requires_grad
        assert isinstance(a, torch.nn.Parameter) == isinstance(b, ember.nn.Parameter)
        np.testing.assert_array_equal(_np(a), _np(b))
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) or (isinstance(a, torch.Size) and isinstance(b, ember.Size))
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, torch.dtype):
        assert b is getattr(ember, str(a).split(".")[1])
    elif isinstance(a, torch.device):
        assert str(a) == str(b)
    else:
        assert a == b


def _torch_model_ckpt():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    for _ in range(2):
        loss = m(torch.randn(2, 1, 6, 6)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return {"model": m.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
            "epoch": 3, "params": list(m.parameters())[:2], "size": torch.Size([2, 3]),
            "dev": torch.device("cpu"), "dt": torch.float16, "misc": ("s", 1.5, None, True),
            "od": OrderedDict(a=1), "set": {1, 2}, "bytes": b"\x00\xff", "cx": 1 + 2j}


@pytest.mark.parametrize("legacy", [False, True])
def test_torch_state_dicts_to_ember(tmp_path, legacy):
    ck = _torch_model_ckpt()
    p = tmp_path / "ck.pt"
    torch.save(ck, p, _use_new_zipfile_serialization=not legacy)
    r = ember.load(p)
    _assert_same(ck, r)
    # and back: ember's re-save loads in torch identically
    p2 = tmp_path / "ck2.pt"
    ember.save(r, p2)
    _assert_same(ck, ember.load(p2))
    back = torch.load(p2, weights_only=True)
    for k in ck["model"]:
        assert torch.equal(back["model"][k], ck["model"][k])
    assert back["optim"]["param_groups"] == ck["optim"]["param_groups"]
    assert back["optim"]["state"][0]["step"].dtype == torch.float32


def test_ember_state_dicts_to_torch(tmp_path):
    ember.manual_seed(0)
    m = ember.nn.Sequential(ember.nn.Conv2d(1, 4, 3), ember.nn.BatchNorm2d(4),
                            ember.nn.Flatten(), ember.nn.Linear(64, 3))
    opt = ember.optim.Adam(m.parameters(), lr=1e-3)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    m(ember.randn(2, 1, 6, 6)).sum().backward()
    opt.step()
    sched.step()
    ck = {"model": m.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
          "param": m[0].weight, "rng": ember.get_rng_state()}
    p = tmp_path / "e.pt"
    ember.save(ck, p)
    r = torch.load(p, weights_only=True)
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                             torch.nn.Flatten(), torch.nn.Linear(64, 3))
    tm.load_state_dict(r["model"])
    topt = torch.optim.Adam(tm.parameters(), lr=1e-3)
    topt.load_state_dict(r["optim"])
    assert isinstance(r["param"], torch.nn.Parameter) and r["param"].requires_grad
    assert r["sched"] == sched.state_dict()
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(r["model"][k].numpy(), v.numpy())
    e = ember.load(p)
    m.load_state_dict(e["model"])
    opt.load_state_dict(e["optim"])


def test_containers_scalars_roundtrip():
    obj = {"l": [1, [2, (3, "x")]], "t": (), "n": None, "f": -1.5e300, "big": 2 ** 70,
           "neg": -5, "s": "ünï", "od": OrderedDict(b=2, a=1), "size": ember.Size([1, 2]),
           "dev": ember.device("cuda", 1), "dts": [getattr(ember, d) for d, _ in DTYPES],
           "cx": 2j}
    b = io.BytesIO()
    ember.save(obj, b)
    b.seek(0)
    r = ember.load(b, map_location="cpu")
    assert r == obj
    assert type(r["size"]) is ember.Size and type(r["od"]) is OrderedDict
    b.seek(0)
    rt = torch.load(b, weights_only=True)
    assert rt["size"] == torch.Size([1, 2]) and rt["dev"] == torch.device("cuda", 1)
    assert rt["dts"][7] is torch.bfloat16
    b = io.BytesIO()
    ember.save({"fs": frozenset({1})}, b)  # torch's allow list lacks frozenset; ember's has it
    b.seek(0)
    assert ember.load(b) == {"fs": frozenset({1})}


def test_shared_storage_saved_once_and_restored(tmp_path):
    base = ember.arange(1000, dtype=ember.float32)
    views = {"base": base, "a": base[10:20], "b": base.view(10, 100)[:, 3],
             "p": ember.nn.Parameter(base.view(10, 100))}
    p = tmp_path / "s.pt"
    ember.save(views, p)
    import zipfile
    names = [n for n in zipfile.ZipFile(p).namelist() if "/data/" in n]
    assert len(names) == 1
    r = ember.load(p)
    for k in views:
        np.testing.assert_array_equal(r[k]._data, views[k]._data)
        assert np.shares_memory(r[k]._data, r["base"]._data)
    r["base"][10] = -1.0
    assert r["a"][0].item() == -1.0
    t = torch.load(p, weights_only=True)
    t["base"][10] = -1.0
    assert t["a"][0].item() == -1.0 and t["p"][0, 10].item() == -1.0


def test_zip_layout_alignment(tmp_path):
    import zipfile
    p = tmp_path / "model.pt"
    ember.save({"x": ember.ones(7), "y": ember.zeros(3, dtype=ember.int8)}, p)
    z = zipfile.ZipFile(p)
    names = z.namelist()
    assert names[0] == "model/data.pkl"
    for n in ["model/byteorder", "model/version", "model/.data/serialization_id",
              "model/data/0", "model/data/1", "model/.format_version"]:
        assert n in names
    raw = p.read_bytes()
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
            int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        assert (info.header_offset + 30 + n + e) % 64 == 0
    assert z.read("model/byteorder") == b"little"
    assert z.testzip() is None
    import pickletools
    ops = {(op.name, arg) for op, arg, _ in pickletools.genops(z.read("model/data.pkl"))}
    assert ("GLOBAL", "torch._utils _rebuild_tensor_v2") in ops
    assert ("GLOBAL", "torch FloatStorage") in ops and ("GLOBAL", "torch CharStorage") in ops


@pytest.mark.parametrize("mmap", [False, True])
def test_map_location_and_mmap(tmp_path, mmap):
    p = tmp_path / "m.pt"
    x = torch.randn(4, 4)
    torch.save({"x": x, "y": x[1]}, p)
    for ml in [None, "cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s,
               lambda s, loc: None]:
        r = ember.load(p, map_location=ml, mmap=mmap)
        np.testing.assert_array_equal(r["x"].numpy(), x.numpy())
        assert np.shares_memory(r["x"]._data, r["y"]._data)
    if mmap:
        r = ember.load(p, mmap=True)
        r["x"][0, 0] = 123.0  # copy-on-write: the file is not modified
        assert ember.load(p)["x"][0, 0].item() == x[0, 0].item()
        with open(p, "rb") as f:
            assert ember.load(f, mmap=True)["x"].shape == (4, 4)


def _cuda_checkpoint():
    """An ember checkpoint whose storage location is rewritten to cuda:0."""
    import zipfile
    b = io.BytesIO()
    ember.save({"x": ember.ones(2)}, b)
    src = zipfile.ZipFile(b)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for n in src.namelist():
            data = src.read(n)
            if n.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            z.writestr(n, data)
    return out.getvalue()


def test_cuda_location_without_gpu():
    if ember.cuda.is_available():
        pytest.skip("GPU present")
    data = _cuda_checkpoint()
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        ember.load(io.BytesIO(data))
    for ml in ["cpu", {"cuda:0": "cpu"}, ember.device("cpu")]:
        r = ember.load(io.BytesIO(data), map_location=ml)
        assert r["x"].device.type == "cpu" and r["x"].tolist() == [1.0, 1.0]


def test_weights_only_false_and_safe_globals(tmp_path):
    p = tmp_path / "n.pt"
    state = np.random.get_state()
    ember.save({"np": state, "arr": np.arange(3)}, p)
    with pytest.raises(S.UnpicklingError, match="add_safe_globals"):
        ember.load(p)
    r = ember.load(p, weights_only=False)
    assert r["np"][0] == "MT19937" and np.array_equal(r["np"][1], state[1])
    S.clear_safe_globals()
    import numpy.core.multiarray as ma  # noqa: F401

    recon = np.core.multiarray._reconstruct
    allowed = [(recon, "numpy.core.multiarray._reconstruct"),
               (recon, "numpy._core.multiarray._reconstruct"), np.ndarray, np.dtype,
               (np.dtype, "numpy.dtype"), type(np.dtype(np.uint32)), type(np.dtype(np.int64))]
    with S.safe_globals(allowed):
        assert len(S.get_safe_globals()) >= 3
        r = ember.load(p)
        assert np.array_equal(r["arr"], np.arange(3))
    assert S.get_safe_globals() == []
    S.add_safe_globals([OrderedDict])
    assert S.get_safe_globals() == [OrderedDict]
    S.clear_safe_globals()


def test_load_without_torch_in_process(tmp_path):
    ck = _torch_model_ckpt()
    torch.save(ck, tmp_path / "z.pt")
    torch.save(ck, tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    torch.save({"v": torch.arange(10)[2:5], "b": torch.ones(2, dtype=torch.bfloat16)},
               tmp_path / "v.pt")
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked")
sys.meta_path.insert(0, Block())
sys.path.insert(0, {ROOT!r})
import ember
for f in ["z.pt", "l.pt"]:
    ck = ember.load({str(tmp_path)!r} + "/" + f)
    assert ck["model"]["0.weight"].shape == (4, 1, 3, 3), f
    assert ck["optim"]["state"][0]["step"].dtype is ember.float32
    assert ck["size"] == ember.Size([2, 3]) and ck["dt"] is ember.float16
    assert isinstance(ck["params"][0], ember.nn.Parameter)
v = ember.load({str(tmp_path)!r} + "/v.pt", mmap=True)
assert v["v"].tolist() == [2, 3, 4] and v["b"].dtype is ember.bfloat16
assert "torch" not in sys.modules
print("OK")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout


def test_plain_pickle_still_works():
    import pickle
    t = ember.arange(4.0)
    r = pickle.loads(pickle.dumps({"t": t, "p": ember.nn.Parameter(t)}))
    assert r["t"].tolist() == [0, 1, 2, 3] and isinstance(r["p"], ember.nn.Parameter)


def test_rewrite_is_exact_when_user_data_contains_global_text(tmp_path):
    tricky = "cember.serialization\n_rebuild_tensor_v2\n"
    b = io.BytesIO()
    ember.save({"s": tricky, "s2": tricky, "t": ember.ones(2)}, b)
    b.seek(0)
    r = ember.load(b)
    assert r["s"] == tricky and r["t"].tolist() == [1.0, 1.0]
    b.seek(0)
    assert torch.load(b, weights_only=True)["s2"] == tricky
