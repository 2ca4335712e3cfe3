"""The Module system against torch on the same model definitions."""
# ruff: noqa: B023  (hooks close over the per-library call log on purpose)

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import copy_params, to_ember_state


def _norm(s: str) -> str:
    return s.replace("torch.", "ember.")


def make_net(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.register_buffer("steps", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)
            self.scale = nn.Parameter(lib.ones(4))

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(3, 4), Block(), nn.Identity())
            self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 2)])
            self.extra = nn.ModuleDict({"b": nn.Linear(2, 1), "a": nn.Flatten()})
            self.tied = self.heads[0]  # shared submodule
            self.alpha = nn.Parameter(lib.tensor([0.5]))

        def forward(self, x):
            h = self.features(x)
            return self.extra["b"](self.heads[0](h) + self.heads[1](h)) * self.alpha

    return Net()


@pytest.fixture
def nets():
    torch.manual_seed(0)
    t = make_net(torch)
    e = make_net(ember)
    copy_params(e, t)
    return e, t


def test_named_members_match_torch(nets):
    e, t = nets
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert ([n for n, _ in e.named_parameters(remove_duplicate=False)]
            == [n for n, _ in t.named_parameters(remove_duplicate=False)])
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert ([n for n, _ in e.named_modules(remove_duplicate=False)]
            == [n for n, _ in t.named_modules(remove_duplicate=False)])
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert ([n for n, _ in e.named_parameters(prefix="m", recurse=False)]
            == [n for n, _ in t.named_parameters(prefix="m", recurse=False)])
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.children())) == len(list(t.children()))
    assert len(list(e.buffers())) == len(list(t.buffers()))


def test_state_dict_keys_values(nets):
    e, t = nets
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        np.testing.assert_array_equal(es[k].numpy(), ts[k].numpy())
        assert not es[k].requires_grad
    assert list(es._metadata) == list(ts._metadata)
    kv = e.state_dict(keep_vars=True)
    assert kv["alpha"] is e.alpha
    assert list(e.state_dict(prefix="p.")) == list(t.state_dict(prefix="p."))


def test_load_state_dict_in_place_and_errors(nets):
    e, t = nets
    w = e.features[0].weight
    sd = to_ember_state(t)
    sd["features.0.weight"] = ember.tensor(np.full((4, 3), 2.0))  # float64 -> cast
    res = e.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == repr(t.load_state_dict(t.state_dict()))
    assert e.features[0].weight is w and w.dtype == ember.float32
    assert float(w[0, 0]) == 2.0 and w.requires_grad

    def both(e_sd, t_sd, **kw):
        with pytest.raises(RuntimeError) as te:
            t.load_state_dict(t_sd, **kw)
        with pytest.raises(RuntimeError) as ee:
            e.load_state_dict(e_sd, **kw)
        assert _norm(str(ee.value)) == _norm(str(te.value))

    tsd = t.state_dict()
    # missing + unexpected
    t_bad = OrderedDict(tsd)
    del t_bad["alpha"]
    t_bad["bogus"] = torch.zeros(1)
    t_bad["heads.0.nope"] = torch.zeros(1)
    e_bad = OrderedDict((k, ember.tensor(v.numpy())) for k, v in t_bad.items())
    both(e_bad, t_bad)
    # size mismatch
    t_bad = OrderedDict(tsd)
    t_bad["features.0.bias"] = torch.zeros(7)
    e_bad = OrderedDict((k, ember.tensor(v.numpy())) for k, v in t_bad.items())
    both(e_bad, t_bad)
    # strict=False returns the key lists
    t_part = OrderedDict(tsd)
    del t_part["alpha"]
    t_part["zzz"] = torch.zeros(1)
    e_part = OrderedDict((k, ember.tensor(v.numpy())) for k, v in t_part.items())
    assert tuple(e.load_state_dict(e_part, strict=False)) == \
        tuple(t.load_state_dict(t_part, strict=False))
    with pytest.raises(TypeError):
        e.load_state_dict([1, 2])


def test_load_state_dict_assign(nets):
    e, _ = nets
    sd = e.state_dict()
    new = {k: v.clone() * 0 + 3 for k, v in sd.items()}
    e.load_state_dict(new, assign=True)
    assert isinstance(e.alpha, ember.nn.Parameter) and e.alpha.requires_grad
    assert float(e.alpha) == 3.0


def test_load_state_dict_hooks():
    lin = ember.nn.Linear(2, 2)
    seen = []
    lin.register_load_state_dict_post_hook(lambda m, keys: seen.append(list(keys.missing_keys)))
    lin._register_load_state_dict_pre_hook(lambda sd, prefix, *a: seen.append(prefix))
    lin.load_state_dict({"weight": ember.zeros(2, 2)}, strict=False)
    assert seen == ["", ["bias"]]


def test_forward_and_backward_match(nets):
    e, t = nets
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    eo, to = e(ember.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    tp = dict(t.named_parameters())
    for n, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-4, atol=1e-5)
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())


def test_zero_grad_set_to_none_false(nets):
    e, _ = nets
    e(ember.randn(2, 3)).sum().backward()
    e.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in e.parameters())


def test_repr_nested_matches_torch(nets):
    e, t = nets
    assert repr(e) == repr(t)
    mods = []
    for lib in (ember, torch):
        nn = lib.nn
        mods.append(nn.Sequential(OrderedDict([
            ("conv", nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(3, 2))),
            ("list", nn.ModuleList([nn.Identity(), nn.Identity(), nn.Flatten()])),
            ("empty", nn.ModuleList()), ("bil", nn.Bilinear(2, 3, 4, bias=False)),
            ("unf", nn.Unflatten(1, (2, 2)))])))
    assert repr(mods[0]) == repr(mods[1])


def test_train_eval_propagation(nets):
    e, t = nets
    for m in (e, t):
        m.eval()
    assert [m.training for m in e.modules()] == [m.training for m in t.modules()]
    assert not any(m.training for m in e.modules())
    e.features.train()
    t.features.train()
    assert [m.training for m in e.modules()] == [m.training for m in t.modules()]
    with pytest.raises(ValueError):
        e.train("yes")


def test_requires_grad_and_apply(nets):
    e, _ = nets
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_()
    names = []
    e.apply(lambda m: names.append(type(m).__name__))
    assert names[-1] == "Net" and names[0] == "Linear"


def test_to_dtype_and_casts(nets):
    e, t = nets
    p = e.alpha
    e.to(ember.float64)
    t.to(torch.float64)
    assert e.alpha is p and e.alpha.dtype == ember.float64
    assert [str(v.dtype).split(".")[1] for v in e.state_dict().values()] == \
        [str(v.dtype).split(".")[1] for v in t.state_dict().values()]
    e.float()
    assert all(v.dtype == ember.float32 for v in e.state_dict().values())
    e.half()
    assert e.alpha.dtype == ember.float16
    e.to(dtype=ember.bfloat16)
    assert e.alpha.dtype == ember.bfloat16
    e.double()
    e.to(ember.zeros(1, dtype=ember.float32))
    assert e.alpha.dtype == ember.float32
    e.cpu()
    assert e.alpha.device.type == "cpu"
    e.type(ember.float64)
    assert e.alpha.dtype == ember.float64
    with pytest.raises(TypeError):
        e.to(ember.int64)
    m = ember.nn.Module()
    m.register_buffer("idx", ember.arange(3))
    m.w = ember.nn.Parameter(ember.ones(2))
    m.to(ember.float64)
    assert m.idx.dtype == ember.int64 and m.w.dtype == ember.float64


def test_to_moves_grads():
    lin = ember.nn.Linear(2, 2)
    lin(ember.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype == ember.float64


class PickleNet(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Linear(4, 2))
        self.tied = self.body[1]
        self.register_buffer("steps", ember.arange(3))
        self.register_buffer("scratch", ember.ones(1), persistent=False)
        self.alpha = ember.nn.Parameter(ember.tensor([0.5]))

    def forward(self, x):
        return self.tied(self.body[0](x)) * self.alpha


def test_pickle_and_deepcopy_roundtrip(nets):
    e = PickleNet()
    e.register_forward_hook(_module_level_hook)
    x = ember.randn(2, 3)
    ref = e(x).detach().numpy()
    for e2 in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e)):
        np.testing.assert_allclose(e2(x).detach().numpy(), ref)
        np.testing.assert_allclose(e2.forward(x).detach().numpy() + 1, ref, rtol=1e-6)
        assert type(e2.alpha) is ember.nn.Parameter and e2.alpha.requires_grad
        assert e2.tied is e2.body[1]  # sharing preserved
        assert e2.alpha is not e.alpha
        assert list(e2.state_dict()) == list(e.state_dict())
        assert "scratch" in e2._buffers and "scratch" not in e2.state_dict()
    # deep-copied parameters are independent
    e3 = copy.deepcopy(e)
    with ember.no_grad():
        e3.alpha.fill_(2.0)
    assert float(e.alpha) == 0.5
    # the copy's graph works
    e3(x).sum().backward()
    assert e3.alpha.grad is not None and e.alpha.grad is None
    # deepcopy of a copied-then-copied deep chain keeps Parameter type
    assert isinstance(copy.deepcopy(e3.alpha), ember.nn.Parameter)


def _module_level_hook(m, a, o):
    return o + 1


def test_shared_parameter_dedup():
    for lib in (ember, torch):
        nn = lib.nn
        a = nn.Linear(3, 3)
        b = nn.Linear(3, 3)
        b.weight = a.weight
        s = nn.Sequential(a, b)
        names = [n for n, _ in s.named_parameters()]
        all_names = [n for n, _ in s.named_parameters(remove_duplicate=False)]
        if lib is ember:
            e_names, e_all = names, all_names
    assert e_names == names and e_all == all_names
    assert len(e_names) == 3 and len(e_all) == 4


def test_setattr_registration_rules():
    nn = ember.nn
    m = nn.Module()
    m.p = nn.Parameter(ember.ones(2))
    assert "p" in m._parameters
    with pytest.raises(TypeError):
        m.p = ember.ones(2)  # plain tensor onto a parameter slot
    m.p = None
    assert m._parameters["p"] is None and m.p is None
    m.register_buffer("b", ember.zeros(1))
    m.b = ember.ones(1)  # plain tensor onto a buffer slot stays a buffer
    assert float(m._buffers["b"]) == 1.0
    with pytest.raises(TypeError):
        m.b = 3
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError):
        m.sub = 3
    m.sub = None
    assert m._modules["sub"] is None
    m.buf = nn.Buffer(ember.ones(1), persistent=False)
    assert "buf" in m._buffers and "buf" not in m.state_dict()
    m.x = 5
    assert m.x == 5 and "x" in m.__dict__
    del m.p, m.b, m.sub, m.x, m.buf
    assert not m._parameters and not m._buffers and not m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError):
        m.register_buffer("", None)
    m.y = 1
    with pytest.raises(KeyError):
        m.register_buffer("y", None)
    with pytest.raises(TypeError):
        m.register_parameter("q", ember.ones(1))
    with pytest.raises(TypeError):
        m.add_module("z", 3)
    nonleaf = ember.nn.Parameter(ember.ones(1)) * 2
    with pytest.raises(TypeError):
        m.register_parameter("nl", nonleaf)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    assert "sub2" not in dir(m)
    m.sub2 = nn.Linear(1, 1)
    assert "sub2" in dir(m) and "forward" in dir(m)


def test_get_submodule_parameter_buffer(nets):
    e, t = nets
    assert e.get_submodule("features.1.fc") is e.features[1].fc
    assert e.get_parameter("features.1.scale") is e.features[1].scale
    assert e.get_buffer("features.1.steps") is e.features[1].steps
    for m in (e, t):
        with pytest.raises(AttributeError) as ex:
            m.get_submodule("features.9")
        msg = str(ex.value)
        with pytest.raises(AttributeError):
            m.get_parameter("features.1.steps")
        with pytest.raises(AttributeError):
            m.get_buffer("features.1.scale")
    assert msg == "Sequential has no attribute `9`"
    e.set_submodule("features.2", ember.nn.Flatten())
    assert isinstance(e.features[2], ember.nn.Flatten)


def test_forward_hooks_order_and_semantics():
    log = {}
    for lib in (ember, torch):
        calls = []
        lin = lib.nn.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda m, a: calls.append("pre1"))
        lin.register_forward_pre_hook(lambda m, a: (calls.append("pre0"), None)[1], prepend=True)
        lin.register_forward_pre_hook(lambda m, a, k: (calls.append("prekw"), (a, k))[1],
                                      with_kwargs=True)
        lin.register_forward_pre_hook(lambda m, a: a[0] * 0)  # replaces the input
        lin.register_forward_hook(lambda m, a, o: calls.append("post"))
        lin.register_forward_hook(lambda m, a, k, o: o + 1, with_kwargs=True)
        lin.register_forward_hook(lambda m, a, o: (calls.append("first"), None)[1], prepend=True)
        out = lin(lib.ones(1, 2))
        expect = (lin.bias + 1).detach()
        assert np.allclose(out.detach().numpy(), expect.numpy())
        h1.remove()
        lin(lib.ones(1, 2))
        log[lib] = calls
    assert log[ember] == log[torch]


def test_forward_hook_always_call():
    logs = []
    for lib in (ember, torch):
        calls = []
        m = lib.nn.Linear(2, 2)
        m.register_forward_hook(lambda m, a, o: calls.append("always"), always_call=True)
        m.register_forward_hook(lambda m, a, o: calls.append("normal"))
        with pytest.raises(RuntimeError):
            m(lib.ones(1, 3))
        logs.append(calls)
    assert logs[0] == logs[1] == [["always"]][0]


def test_full_backward_hooks():
    res = {}
    for lib in (ember, torch):
        torch.manual_seed(0)
        calls = []
        t_lin = torch.nn.Linear(3, 2)
        lin = lib.nn.Linear(3, 2)
        if lib is ember:
            copy_params(lin, t_lin)
        else:
            lin = t_lin

        def bhook(m, gi, go):
            calls.append(("bw", [None if g is None else tuple(g.shape) for g in gi],
                          [tuple(g.shape) for g in go]))
            return None if gi[0] is None else (gi[0] * 2,)

        def bpre(m, go):
            calls.append(("pre", [tuple(g.shape) for g in go]))
            return (go[0] * 3,)

        lin.register_full_backward_hook(bhook)
        lin.register_full_backward_pre_hook(bpre)
        x = lib.ones(4, 3, requires_grad=True)
        lin(x).sum().backward()
        res[lib] = (calls, x.grad.numpy().copy(), lin.weight.grad.numpy().copy())
        # input without grad: hook still called with grad_input None
        calls.clear()
        lin(lib.ones(4, 3)).sum().backward()
        res[lib] = res[lib] + (list(calls),)
    e, t = res[ember], res[torch]
    assert e[0] == t[0] and e[3] == t[3]
    np.testing.assert_allclose(e[1], t[1], rtol=1e-5)
    np.testing.assert_allclose(e[2], t[2], rtol=1e-5)


def test_state_dict_hooks():
    lin = ember.nn.Linear(2, 2)
    seen = []
    lin.register_state_dict_pre_hook(lambda m, prefix, kv: seen.append(prefix))
    lin.register_state_dict_post_hook(lambda m, sd, prefix, md: seen.append(list(sd)))
    ember.nn.Sequential(lin).state_dict()
    assert seen == ["0.", ["0.weight", "0.bias"]]


def test_extra_state():
    class M(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.v = 1

        def get_extra_state(self):
            return {"v": self.v}

        def set_extra_state(self, state):
            self.v = state["v"]

    m = M()
    sd = m.state_dict()
    assert sd["_extra_state"] == {"v": 1}
    m2 = M()
    m2.v = 5
    m2.load_state_dict(sd)
    assert m2.v == 1


def test_unimplemented_forward_and_share_memory():
    with pytest.raises(NotImplementedError, match="missing the required \"forward\""):
        ember.nn.Module()(1)
    lin = ember.nn.Linear(2, 2)
    assert lin.share_memory() is lin


# --- module path in errors (NOTE [module path in errors]) ----------------------------------

def _cnn(lib, n_in):
    nn = lib.nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(10, 8), nn.Identity(), nn.Flatten())
            self.fc1 = nn.Linear(n_in, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            return self.fc2(self.fc1(self.features(x).flatten(1)))

    return CNN()


def test_error_names_module_path_linear():
    x = np.zeros((64, 5, 10), np.float32)  # features -> (64, 5*8=40) but fc1 expects 1568
    with pytest.raises(RuntimeError) as te:
        _cnn(torch, 1568)(torch.tensor(x))
    with pytest.raises(te.type) as ee:
        _cnn(ember, 1568)(ember.tensor(x))
    msg = str(ee.value)
    assert msg.startswith("fc1 (Linear(in_features=1568, out_features=128, bias=True)): ")
    assert "40" in msg and "1568" in msg and "(64, 40)" in msg


def test_error_names_module_path_nested_sequential():
    for lib in (torch, ember):
        model = lib.nn.Sequential(lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Linear(4, 2)))
        with pytest.raises(RuntimeError) as ex:
            model(lib.zeros(2, 4))
    msg = str(ex.value)
    assert msg.startswith("0.1 (Linear(in_features=4, out_features=2, bias=True)): input has 3")
    assert "expected 4" in msg and "(2, 3)" in msg


def test_error_direct_call_and_dtype():
    lin = ember.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"^Linear\(in_features=3, out_features=2, "
                       r"bias=True\): input has 5 features"):
        lin(ember.zeros(2, 5))
    model = ember.nn.Sequential(ember.nn.Identity(), lin)
    with pytest.raises(RuntimeError) as ex:
        model(ember.zeros(2, 3, dtype=ember.float64))
    assert str(ex.value).startswith("1 (Linear(")
    assert "float64" in str(ex.value) and "float32" in str(ex.value)
    with pytest.raises(RuntimeError):
        torch.nn.Linear(3, 2)(torch.zeros(2, 3, dtype=torch.float64))


def test_error_other_exception_types_keep_type():
    class Bad(ember.nn.Module):
        def forward(self, x):
            raise ValueError("bad value")

    model = ember.nn.Sequential(ember.nn.Sequential(ember.nn.Identity(), Bad()))
    with pytest.raises(ValueError, match=r"^0\.1 \(Bad\(\)\): bad value$"):
        model(1)


def test_error_names_module_path_cnn():
    def cnn(lib):
        nn = lib.nn
        return nn.Sequential(OrderedDict([
            ("features", nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                                       nn.MaxPool2d(2), nn.Flatten())),
            ("fc1", nn.Linear(1568, 128)), ("fc2", nn.Linear(128, 10))]))

    x = np.zeros((4, 1, 20, 20), np.float32)  # 8 * 10 * 10 = 800 features, fc1 expects 1568
    with pytest.raises(RuntimeError) as te:
        cnn(torch)(torch.tensor(x))
    with pytest.raises(te.type) as ee:
        cnn(ember)(ember.tensor(x))
    msg = str(ee.value)
    assert msg.startswith("fc1 (Linear(in_features=1568, out_features=128, bias=True)): "
                          "input has 800 features in its last dimension, expected 1568; got "
                          "input of shape (4, 800)")
    # a wrong channel count fails inside the conv: path of the conv
    with pytest.raises(RuntimeError) as te:
        cnn(torch)(torch.zeros(4, 3, 28, 28))
    with pytest.raises(te.type) as ee:
        cnn(ember)(ember.zeros(4, 3, 28, 28))
    assert str(ee.value).startswith("features.0 (Conv2d(")
