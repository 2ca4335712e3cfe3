"""Progress bars stay quiet off a terminal (CI logs) and pass items through."""

import io
import sys

from ember.utils import _progress


def test_quiet_without_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = _progress.progress(range(3), total=3, desc="x")
    assert list(bar) == [0, 1, 2]
    bar.update(1)
    bar.set_postfix(loss=1.0)
    bar.close()
    assert sys.stderr.getvalue() == ""
