"""The MNIST demo (`make demo`) trains for real on the shipped sample."""

from __future__ import annotations

import re

import pytest

from ember.examples.mnist import main


@pytest.mark.slow
def test_demo_short_budget_learns(tmp_path, capsys):
    save = tmp_path / "cnn.pth"
    acc = main(["--epochs", "2", "--limit", "1500", "--workers", "0", "--logdir", "",
                "--save", str(save), "--progress", "off"])
    out = capsys.readouterr().out
    losses = [float(m) for m in re.findall(r"train loss ([0-9.]+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert acc > 0.6  # chance is 0.1
    assert save.exists() and save.stat().st_size > 100_000
