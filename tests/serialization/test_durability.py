"""Atomic saves (SIGKILL at random points, exceptions while pickling) and truncated or
corrupt files (only documented exceptions, naming the file)."""

import io
import multiprocessing as mp
import os
import random
import signal
import time

import numpy as np
import pytest
import torch

import ember
from ember.serialization import CheckpointError, UnpicklingError


def _obj(k: int):
    return {"w": ember.full((512, 1024), float(k)), "b": ember.full((1000,), k,
                                                                    dtype=ember.int64),
            "step": k, "name": f"v{k}"}


def _check(path, k_min: int) -> int:
    r = ember.load(path)
    k = r["step"]
    assert k >= k_min and r["name"] == f"v{k}"
    assert np.array_equal(r["w"]._data, np.full((512, 1024), float(k), np.float32))
    assert np.array_equal(r["b"]._data, np.full((1000,), k, np.int64))
    return k


def _saver(path, start):
    k = start
    while True:
        k += 1
        ember.save(_obj(k), path)


@pytest.mark.slow
def test_sigkill_never_loses_the_previous_checkpoint(tmp_path):
    path = str(tmp_path / "ckpt.pt")
    ember.save(_obj(0), path)
    ctx = mp.get_context("fork")
    rng = random.Random(1234)
    k = 0
    trials = 40
    t0 = time.time()
    for _ in range(trials):
        p = ctx.Process(target=_saver, args=(path, k * 1000 + 1000))
        p.start()
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        k = _check(path, k)  # the file is always a complete checkpoint
        k //= 1000
    assert time.time() - t0 < 30
    # only a killed save can leave its temporary file behind; a good save cleans up
    ember.save(_obj(5), path)
    for f in os.listdir(tmp_path):
        if f != "ckpt.pt":
            os.unlink(tmp_path / f)
    ember.save(_obj(6), path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert trials >= 30


class _Boom:
    def __reduce__(self):
        raise RuntimeError("boom while pickling")


def test_exception_while_pickling_keeps_previous_file(tmp_path):
    path = tmp_path / "c.pt"
    ember.save(_obj(1), path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        ember.save({"a": ember.ones(3), "bad": _Boom()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.pt"]
    _check(path, 1)
    ember.save(_obj(2), path)
    assert os.listdir(tmp_path) == ["c.pt"]
    _check(path, 2)


def test_save_preserves_mode_and_overwrites(tmp_path):
    path = tmp_path / "m.pt"
    ember.save(_obj(1), path)
    os.chmod(path, 0o640)
    ember.save(_obj(2), path)
    assert (os.stat(path).st_mode & 0o777) == 0o640 and _check(path, 2) == 2


def _valid_files(tmp_path):
    ck = {"a": ember.randn(64, 33), "b": ember.arange(100)[10:50], "c": [1, "x", (2.5,)],
          "p": ember.nn.Parameter(ember.ones(7)), "s": ember.Size([3])}
    z = tmp_path / "z.pt"
    ember.save(ck, z)
    leg = tmp_path / "l.pt"
    torch.save({"a": torch.randn(64, 33), "b": torch.arange(100)[10:50], "c": [1, "x"]}, leg,
               _use_new_zipfile_serialization=False)
    return [z, leg]


def test_truncated_files_raise_checkpoint_error(tmp_path):
    rng = random.Random(0)
    for src in _valid_files(tmp_path):
        data = src.read_bytes()
        lengths = sorted({0, 1, 8, len(data) - 1} | {rng.randrange(len(data))
                                                       for _ in range(60)})[:64]
        if src.name == "z.pt":
            assert len(lengths) == 64
        p = tmp_path / f"trunc_{src.name}"
        for n in lengths:
            p.write_bytes(data[:n])
            with pytest.raises(CheckpointError, match=r"trunc_.*(truncated|corrupt)"):
                ember.load(p)
            with pytest.raises(CheckpointError, match="truncated|corrupt"):
                ember.load(io.BytesIO(data[:n]))


@pytest.mark.parametrize("verify_crc", [False, True])
def test_random_byte_flips_only_documented_errors(tmp_path, verify_crc):
    rng = random.Random(7 + verify_crc)
    outcomes = {"ok": 0, "err": 0}
    for src in _valid_files(tmp_path):
        data = src.read_bytes()
        p = tmp_path / f"flip_{src.name}"
        for _ in range(150):
            b = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            p.write_bytes(bytes(b))
            try:
                ember.load(p, verify_crc=verify_crc)
                outcomes["ok"] += 1
            except (CheckpointError, UnpicklingError) as e:
                assert str(p) in str(e)
                outcomes["err"] += 1
    assert outcomes["err"] > 0


def test_crc_verification_catches_storage_corruption(tmp_path):
    import zipfile
    p = tmp_path / "x.pt"
    ember.save({"x": ember.zeros(1000)}, p)
    info = zipfile.ZipFile(p).getinfo("x/data/0")
    b = bytearray(p.read_bytes())
    b[info.header_offset + 30 + len(info.filename) + len(info.extra) + 100] ^= 0xFF
    p.write_bytes(bytes(b))
    ember.load(p)  # like torch, storage CRCs are not checked by default
    with pytest.raises(CheckpointError, match="CRC mismatch"):
        ember.load(p, verify_crc=True)
