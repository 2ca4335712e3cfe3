"""Sequential / ModuleList / ModuleDict / ParameterList / ParameterDict against torch."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember


def _both(fn):
    return fn(ember), fn(torch)


def _norm(s):
    return s.replace("torch.", "ember.")


def _seq(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 4), nn.Flatten())


def test_sequential_ops_and_repr():
    e, t = _both(_seq)
    assert repr(e) == repr(t)
    assert len(e) == 4 and repr(e[1:3]) == repr(t[1:3]) and isinstance(e[1:3], ember.nn.Sequential)
    assert repr(e[-1]) == repr(t[-1]) and repr(e[::2]) == repr(t[::2])
    with pytest.raises(IndexError):
        e[4]
    for m in (e, t):
        m.append(type(m[1])())
        m.insert(0, type(m[1])())
        m.insert(-1, type(m[3])(3, 3))
        m.extend([type(m[0])()])
        del m[2]
        m.pop(1)
        m[0] = type(m[0])()
    assert repr(e) == repr(t)
    assert repr(e + e[:1]) == repr(t + t[:1])
    assert repr(e * 2) == repr(t * 2)
    with pytest.raises(ValueError):
        e + 1
    assert [type(m).__name__ for m in e] == [type(m).__name__ for m in t]
    assert "0" not in dir(e)


def test_sequential_ordered_dict_and_forward():
    def mk(lib):
        torch.manual_seed(0)
        return lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(3, 2)),
                                              ("id", lib.nn.Identity())]))
    e, t = _both(mk)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert e.fc is e[0]
    s = ember.nn.Sequential()
    s += e
    assert len(s) == 2


def test_module_list():
    def mk(lib):
        nn = lib.nn
        return nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Identity(), nn.Linear(2, 2)])
    e, t = _both(mk)
    assert repr(e) == repr(t)
    assert repr(e[1:]) == repr(t[1:]) and isinstance(e[1:], ember.nn.ModuleList)
    for m in (e, t):
        m.append(type(m[2])())
        m.extend([type(m[2])(), type(m[2])()])
        m.insert(1, type(m[2])())
        del m[0]
        m.pop(-1)
        m[0] = type(m[0])()
        m += [type(m[0])()]
    assert repr(e) == repr(t) and len(e) == len(t)
    assert repr(e + e) == repr(t + t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    with pytest.raises(IndexError):
        e[100]
    with pytest.raises(TypeError):
        e.extend(3)
    assert repr(ember.nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_dict():
    def mk(lib):
        nn = lib.nn
        return nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
    e, t = _both(mk)
    assert repr(e) == repr(t) and list(e) == list(t) == ["b", "a"]
    for m in (e, t):
        m["c"] = type(m["a"])()
        m.update([("d", type(m["a"])())])
        m.pop("b")
        del m["a"]
    assert repr(e) == repr(t) and list(e.keys()) == list(t.keys())
    assert "c" in e and len(e) == 2
    assert [type(v).__name__ for v in e.values()] == ["Identity", "Identity"]
    assert [k for k, _ in e.items()] == ["c", "d"]
    with pytest.raises(ValueError):
        e.update([("x",)])
    e.clear()
    assert len(e) == 0


def test_parameter_list():
    def mk(lib):
        return lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(4), 3])
    e, t = _both(mk)
    assert _norm(repr(e)) == _norm(repr(t))
    assert isinstance(e[1], ember.nn.Parameter) and e[2] == 3
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    e.append(ember.ones(1))
    e.extend([ember.ones(1)])
    assert len(e) == 5 and len(e[1:4]) == 3
    assert sum(p.numel() for p in e.parameters()) == 6 + 4 + 2
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        e()
    with pytest.raises(TypeError):
        e.extend(ember.ones(2))


def test_parameter_dict():
    def mk(lib):
        return lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2)), "a": lib.zeros(3, 1)})
    e, t = _both(mk)
    assert _norm(repr(e)) == _norm(repr(t))
    assert list(e) == list(t) and isinstance(e["a"], ember.nn.Parameter)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    for m in (e, t):
        m["z"] = type(m["a"])(m["a"].detach() * 0)
        m.update(OrderedDict([("y", m["w"])]))
        m.pop("a")
        m.setdefault("q", None)
    assert list(e.keys()) == list(t.keys())
    assert _norm(repr(e)) == _norm(repr(t))
    assert e.get("missing", 5) == 5 and "w" in e
    k, v = e.popitem()
    assert k == "q"
    assert list((e | e.copy()).keys()) == list(e.keys())
    e.clear()
    assert len(e) == 0
    with pytest.raises(TypeError):
        e[1] = ember.ones(1)
