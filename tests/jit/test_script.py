"""ember.jit.script against torch.jit.script: same source, same accept/reject decision and
error message, same results; control flow preserved; ignore / unused / export."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch as real_torch

import ember

from . import script_cases
from .helpers import close, inputs, pair
from .models import build_cnn, build_helpers

_REJECT = [n for n, _ in inspect.getmembers(script_cases, inspect.isfunction)
           if n.startswith("rej_")]
_ACCEPT = [n for n, _ in inspect.getmembers(script_cases, inspect.isfunction)
           if n.startswith("acc_")]


# torch's frontend fails on unary plus with an AttributeError from its own builder
# (``expr.range()`` on an ``ast`` node); ember raises the NotSupportedError torch means
# and it fails on ``while ... else`` with a TypeError building its error report
_TORCH_BUG = {"rej_uadd": "unsupported unary operator: UAdd",
              "rej_while_else": "else branches of while loops aren't supported"}


def _first_line(e: BaseException) -> str:
    return str(e).split("\n")[0].rstrip(":")


@pytest.mark.parametrize("name", _REJECT)
def test_rejections_match_torch(name):
    fn = getattr(script_cases, name)
    with pytest.raises(Exception) as t_err:
        real_torch.jit.script(fn)
    with pytest.raises(Exception) as e_err:
        ember.jit.script(fn)
    if name in _TORCH_BUG:
        assert _TORCH_BUG[name] in str(e_err.value)
        return
    assert type(e_err.value).__name__ == type(t_err.value).__name__
    assert _first_line(e_err.value) == _first_line(t_err.value)
    if isinstance(t_err.value, real_torch.jit.frontend.FrontendError):
        assert isinstance(e_err.value, ember.jit.frontend.FrontendError)


@pytest.mark.parametrize("name", _ACCEPT)
def test_accepted_functions_run_like_torch(name):
    fn = getattr(script_cases, name)
    t_fn = real_torch.jit.script(fn)
    e_fn = ember.jit.script(fn)
    ex, tx = inputs(3, 3)
    args = (2,) if "n" in inspect.signature(fn).parameters else ()
    close(e_fn(ex, *args), t_fn(tx, *args))
    assert isinstance(e_fn, ember.jit.ScriptFunction)
    assert e_fn.code.startswith(f"def {name}(")


def test_scripted_cnn_matches_torch_and_keeps_structure():
    em, tm = pair(build_cnn)
    e_sc, t_sc = ember.jit.script(em), real_torch.jit.script(tm)
    ex, tx = inputs(3, 3, 28, 28)
    close(e_sc(ex), t_sc(tx))
    assert isinstance(e_sc, ember.jit.RecursiveScriptModule)
    assert isinstance(e_sc.conv1, ember.jit.RecursiveScriptModule)
    assert type(e_sc).__name__ == type(t_sc).__name__ == "RecursiveScriptModule"
    assert e_sc.original_name == t_sc.original_name == "CNN"
    assert list(e_sc.state_dict()) == list(t_sc.state_dict())
    assert all(a is b for a, b in zip(e_sc.parameters(), em.parameters()))
    assert "def forward(self, x):" in e_sc.code
    g = str(e_sc.graph)
    assert g.startswith("graph(%self : __torch__.") and "%x : Tensor" in g
    ex.requires_grad_(True)
    tx.requires_grad_(True)
    e_sc(ex).sum().backward()
    t_sc(tx).sum().backward()
    close(ex.grad, tx.grad, 1e-4)


def test_ignore_unused_export_and_is_scripting():
    em, tm = pair(build_helpers)
    e_sc, t_sc = ember.jit.script(em), real_torch.jit.script(tm)
    ex, tx = inputs(2, 3)
    close(e_sc(ex), t_sc(tx))                    # is_scripting() branch taken in both
    close(em(ex), tm(tx))                        # and not taken eagerly
    assert not np.allclose(e_sc(ex).detach().numpy(), em(ex).detach().numpy())
    close(e_sc.extra(ex), t_sc.extra(tx))        # @export: compiled though forward skips it
    for sc in (e_sc, t_sc):
        with pytest.raises(AttributeError):
            _ = sc.never_called                  # not reachable: not compiled, not exposed
    assert not ember.jit.is_scripting()


def test_unused_method_raises_when_called_from_scripted_code():
    class M(ember.nn.Module):
        def forward(self, x):
            return self.gone(x)

        @ember.jit.unused
        def gone(self, x):
            return x
    with pytest.raises(RuntimeError, match="Cannot call @unused methods"):
        ember.jit.script(M())(ember.ones(1))


def test_scripted_module_rejects_bad_forward_like_torch():
    for lib in (ember, real_torch):
        class Bad(lib.nn.Module):
            def forward(self, *xs):
                return xs[0]
        with pytest.raises(lib.jit.frontend.NotSupportedError,
                           match="Compiled functions can't take variable number"):
            lib.jit.script(Bad())


def test_annotate_final_and_script_of_scripted():
    assert ember.jit.annotate(list, [1]) == [1]
    assert ember.jit.Final[int] is not None
    em, _ = pair(build_cnn)
    sc = ember.jit.script(em)
    assert ember.jit.script(sc) is sc


def test_scripted_containers_iterate():
    seq = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU())
    sc = ember.jit.script(seq)
    x = ember.ones(1, 2)
    close(sc(x), seq(x))
    assert len(sc) == 2 and isinstance(sc[0], ember.jit.RecursiveScriptModule)
