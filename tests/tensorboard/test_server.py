"""The real TensorBoard server reads an ember-written log dir; scalars come back over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

import ember

pytest.importorskip("tensorboard")
from ember.utils.tensorboard import SummaryWriter  # noqa: E402


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read().decode())


@pytest.mark.slow
def test_tensorboard_server_serves_ember_scalars(tmp_path):
    with SummaryWriter(str(tmp_path / "main")) as w:
        for step in range(5):
            w.add_scalar("train/loss", ember.tensor(1.0 / (step + 1)), step)
        w.add_scalars("cmp", {"a": 1.5, "b": 2.5}, 0)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path), "--host",
         "127.0.0.1", "--port", str(port), "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        tags = {}
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("tensorboard exited: " + proc.stderr.read().decode()[-2000:])
            try:
                tags = _get(port, "/data/plugin/scalars/tags")
                if "main" in tags and "main/cmp_a" in tags:
                    break
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                pass
            time.sleep(0.5)
        assert "train/loss" in tags.get("main", {}), tags
        runs = _get(port, "/data/runs")
        assert {"main", "main/cmp_a", "main/cmp_b"} <= set(runs)
        q = urllib.parse.urlencode({"run": "main", "tag": "train/loss"})
        series = _get(port, f"/data/plugin/scalars/scalars?{q}")
        assert [s[1] for s in series] == [0, 1, 2, 3, 4]
        assert [s[2] for s in series] == pytest.approx([1.0 / (i + 1) for i in range(5)])
        q = urllib.parse.urlencode({"run": "main/cmp_b", "tag": "cmp"})
        assert _get(port, f"/data/plugin/scalars/scalars?{q}")[0][2] == 2.5
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
