"""Tensor attributes, conversions, dtype info and devices, checked against torch."""

import numpy as np
import pytest
import torch

import ember

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64", "complex128"]
CASTS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool"]


def E(dt):
    return getattr(ember, dt)


def T(dt):
    return getattr(torch, dt)


def _both(arr, requires_grad=False):
    return (ember.tensor(arr, requires_grad=requires_grad),
            torch.tensor(arr, requires_grad=requires_grad))


def _same(e, t):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    te = t.detach()
    if te.dtype == torch.bfloat16:
        te = te.float()
    ee = e.detach()
    if ee.dtype == ember.bfloat16:
        ee = ee.float()
    np.testing.assert_array_equal(ee.numpy(), te.numpy())


# --- attributes ----------------------------------------------------------------------------

def test_basic_attributes():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    e, t = _both(a)
    assert e.shape == t.shape and isinstance(e.shape, tuple)
    assert e.size() == ember.Size([2, 3, 4]) and e.size(1) == 3 and e.size(-1) == 4
    assert e.dim() == 3 and e.ndim == 3 and e.numel() == 24
    assert e.dtype is ember.float32 and e.device == ember.device("cpu")
    assert not e.requires_grad and e.grad is None and e.grad_fn is None and e.is_leaf
    assert len(e) == 2
    assert repr(e.shape) == "ember.Size([2, 3, 4])"
    with pytest.raises(IndexError):
        e.size(3)


def test_T_and_mT():
    a = np.random.randn(3, 4).astype(np.float32)
    e, t = _both(a)
    _same(e.T, t.T)
    b = np.random.randn(2, 3, 4).astype(np.float32)
    e, t = _both(b)
    _same(e.mT, t.mT)


def test_data_shares_memory_and_detaches():
    e = ember.tensor([1., 2.], requires_grad=True)
    d = e.data
    assert not d.requires_grad and d.is_leaf
    d._data[1] = 7.0
    assert e._data[1] == 7.0


def test_item_tolist_numpy():
    e, t = _both([[1.5, 2.0], [3.0, 4.0]])
    assert e.tolist() == t.tolist()
    assert ember.tensor(3.5).item() == 3.5 and isinstance(ember.tensor(3).item(), int)
    assert isinstance(ember.tensor(True).item(), bool)
    assert ember.tensor([2.5]).item() == 2.5
    with pytest.raises(RuntimeError):
        e.item()
    with pytest.raises(RuntimeError):
        t.item()
    n = e.numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    n[0, 0] = 9.0  # numpy() shares memory
    assert e.tolist()[0][0] == 9.0
    g = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        g.numpy()
    with pytest.raises(RuntimeError):
        torch.tensor([1.0], requires_grad=True).numpy()
    assert g.detach().numpy().tolist() == [1.0]
    assert ember.tensor([1, 2], dtype=ember.int32).tolist() == [1, 2]
    assert ember.tensor([1.5], dtype=ember.bfloat16).tolist() == [1.5]
    assert ember.tensor(2.0, dtype=ember.float16).item() == 2.0


def test_python_number_protocols():
    assert float(ember.tensor(2.5)) == 2.5 and int(ember.tensor(3.7)) == 3
    assert float(ember.tensor([2.5])) == 2.5
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert np.arange(5)[ember.tensor(2)] == 2
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]
    with pytest.raises(TypeError):
        [1, 2][torch.tensor(1.0)]
    assert bool(ember.tensor([1])) is True and bool(ember.tensor(0.0)) is False
    for x in ([1, 2], []):
        with pytest.raises(RuntimeError):
            bool(ember.tensor(x))
        with pytest.raises(RuntimeError):
            bool(torch.tensor(x))
    arr = np.asarray(ember.tensor([[1, 2], [3, 4]]))
    assert arr.dtype == np.int64 and arr.tolist() == [[1, 2], [3, 4]]
    assert np.asarray(ember.tensor([1, 2]), dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_iter():
    e, t = _both([[1., 2.], [3., 4.], [5., 6.]])
    rows_e, rows_t = list(e), list(t)
    assert len(rows_e) == 3
    for re_, rt in zip(rows_e, rows_t):
        _same(re_, rt)
    with pytest.raises(TypeError):
        iter(ember.tensor(1.0))


# --- conversions ---------------------------------------------------------------------------

@pytest.mark.parametrize("src", ["float32", "float64", "int64", "int32", "uint8", "bool",
                                 "float16", "bfloat16"])
@pytest.mark.parametrize("method", CASTS)
def test_dtype_shorthands(src, method):
    a = np.array([[-2.7, 0.0, 1.5], [3.0, 100.25, -0.5]])
    t = torch.tensor(a).to(T(src))
    e = ember.tensor(a).to(E(src))
    _same(e, t)
    re_, rt = getattr(e, method)(), getattr(t, method)()
    _same(re_, rt)
    assert (re_ is e) == (rt is t)


def test_to_forms():
    e = ember.tensor([1.5, 2.5])
    assert e.to(ember.float32) is e
    assert e.to("cpu") is e and e.to(ember.device("cpu")) is e and e.to(device="cpu") is e
    assert e.to(e) is e and e.to(dtype=ember.float32) is e
    assert e.to("cpu", ember.float32) is e
    c = e.to(ember.float32, copy=True)
    assert c is not e and c._data is not e._data
    assert e.to(ember.float32, False, True) is not e
    assert e.to(ember.float64).dtype is ember.float64
    assert e.to("cpu", ember.int32).dtype is ember.int32
    assert e.to(device="cpu", dtype=ember.float16).dtype is ember.float16
    assert e.to(ember.float64, non_blocking=True).dtype is ember.float64
    assert e.to(ember.tensor([1], dtype=ember.int8)).dtype is ember.int8
    assert e.to(ember.float64)._data is not e._data
    _same(e.to(ember.int64), torch.tensor([1.5, 2.5]).to(torch.int64))
    with pytest.raises(TypeError):
        e.to(bogus=1)


def test_to_autograd():
    x = ember.tensor([1., 2., 3.], requires_grad=True)
    tx = torch.tensor([1., 2., 3.], requires_grad=True)
    y, ty = x.double(), tx.double()
    assert y.grad_fn.name() == ty.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.dtype is ember.float32
    _same(x.grad, tx.grad)
    # to int drops the graph
    assert not x.long().requires_grad and not tx.long().requires_grad
    # same dtype: self, no new node
    assert x.float() is x


def test_to_gradgrad():
    x = ember.tensor([1., 2.], dtype=ember.float64, requires_grad=True)
    y = x.float()
    (g,) = ember.autograd.grad((y * y * y).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [6., 12.])
    assert g.dtype is ember.float64


def test_type_strings():
    for dt in DTYPES:
        e, t = ember.zeros(2, dtype=E(dt)), torch.zeros(2, dtype=T(dt))
        assert e.type() == t.type().replace("torch.", "ember.")
    e = ember.tensor([1.5, 2.5])
    assert e.type(ember.float32) is e
    assert e.type(ember.float64).dtype is ember.float64
    assert e.type("ember.IntTensor").dtype is ember.int32
    assert e.type("torch.LongTensor").dtype is ember.int64
    with pytest.raises(ValueError):
        e.type("ember.NoSuchTensor")


def test_type_as():
    a, b = ember.tensor([1.5, 2.5]), ember.tensor([1], dtype=ember.int16)
    ta, tb = torch.tensor([1.5, 2.5]), torch.tensor([1], dtype=torch.int16)
    _same(a.type_as(b), ta.type_as(tb))
    _same(b.type_as(a), tb.type_as(ta))
    assert a.type_as(a) is a


def test_contiguous():
    base = ember.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    assert base.is_contiguous() and base.contiguous() is base
    v = base.t()
    tb = torch.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    tv = tb.t()
    assert not v.is_contiguous() and not tv.is_contiguous()
    c, tc = v.contiguous(), tv.contiguous()
    assert c.is_contiguous() and c.grad_fn.name() == tc.grad_fn.name() == "CloneBackward0"
    assert c.stride() == tc.stride()
    _same(c, tc)
    (c * ember.tensor(np.arange(12.).reshape(4, 3).astype(np.float32))).sum().backward()
    (tc * torch.tensor(np.arange(12.).reshape(4, 3).astype(np.float32))).sum().backward()
    _same(base.grad, tb.grad)


def test_cpu_and_cuda():
    e = ember.tensor([1.0])
    assert e.cpu() is e
    assert not ember.cuda.is_available()
    with pytest.raises(RuntimeError):
        e.cuda()
    with pytest.raises(RuntimeError):
        e.to("cuda")
    with pytest.raises(RuntimeError):
        ember.zeros(2, device="cuda")
    with pytest.raises(RuntimeError):
        ember.tensor([1.0], device="cuda:0")
    assert not e.is_cuda and e.is_cpu and e.get_device() == -1


def test_pin_and_share():
    e = ember.tensor([1.0])
    assert e.is_pinned() is False
    assert e.pin_memory() is e
    assert e.share_memory_() is e


def test_clone_detach():
    x = ember.tensor([1., 2.], requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0" and c._data is not x._data
    d = x.detach()
    assert not d.requires_grad and d._data is x._data
    d.add_(1)
    assert x._version == d._version == 1
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad
    r = ember.tensor([1., 2.]).requires_grad_()
    assert r.requires_grad
    with pytest.raises(RuntimeError):
        ember.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        (x * 2).requires_grad_(False)


# --- copy_ -----------------------------------------------------------------------------------

def test_copy_broadcast_and_cast():
    e, t = ember.zeros(2, 3, dtype=ember.int64), torch.zeros(2, 3, dtype=torch.int64)
    src = [1.7, 2.2, -3.9]
    r = e.copy_(ember.tensor(src))
    t.copy_(torch.tensor(src))
    assert r is e and e._version == 1
    _same(e, t)
    with pytest.raises(RuntimeError):
        ember.zeros(2, 3).copy_(ember.zeros(4))
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3).copy_(torch.zeros(4))
    with pytest.raises(TypeError):
        ember.zeros(2).copy_([1, 2])
    e = ember.zeros(3)
    e.copy_(ember.tensor([True, False, True]))
    assert e.tolist() == [1.0, 0.0, 1.0]


def test_copy_autograd():
    src = ember.tensor([1., 2., 3.], dtype=ember.float64, requires_grad=True)
    tsrc = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
    w = ember.tensor([1., 2.], requires_grad=True)
    tw = torch.tensor([1., 2.], requires_grad=True)
    dst = (w * 1).reshape(2, 1) * ember.ones(2, 3)
    tdst = (tw * 1).reshape(2, 1) * torch.ones(2, 3)
    dst.copy_(src)
    tdst.copy_(tsrc)
    assert dst.grad_fn.name() == "CopyBackwards"
    (dst * ember.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
    (tdst * torch.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
    _same(src.grad, tsrc.grad)
    _same(w.grad, tw.grad)


def test_copy_into_leaf_no_grad_and_errors():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.copy_(ember.ones(3))
    with ember.no_grad():
        w.copy_(ember.ones(3))
    assert w.tolist() == [1., 1., 1.] and w.requires_grad and w.is_leaf


def test_copy_into_view():
    base = ember.zeros(2, 3)
    v = base.t()
    v.copy_(ember.tensor([[1., 2.], [3., 4.], [5., 6.]]))
    tb = torch.zeros(2, 3)
    tb.t().copy_(torch.tensor([[1., 2.], [3., 4.], [5., 6.]]))
    _same(base, tb)


# --- new_* -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", ["float64", "int32", "bool", "float16"])
def test_new_factories(dt):
    e, t = ember.zeros(2, dtype=E(dt)), torch.zeros(2, dtype=T(dt))
    _same(e.new_zeros(2, 3), t.new_zeros(2, 3))
    _same(e.new_zeros((2, 3)), t.new_zeros((2, 3)))
    _same(e.new_ones([4]), t.new_ones([4]))
    _same(e.new_full((2, 2), 1), t.new_full((2, 2), 1))
    assert e.new_empty(3, 1).shape == (3, 1) and e.new_empty(3, 1).dtype is E(dt)
    _same(e.new_tensor([1, 0, 1]), t.new_tensor([1, 0, 1]))
    _same(e.new_zeros(2, dtype=ember.int8), t.new_zeros(2, dtype=torch.int8))
    assert e.new_ones(2).device == e.device
    if dt == "float64":
        assert e.new_ones(2, requires_grad=True).requires_grad


# --- dtypes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_finfo(dt):
    fe, ft = ember.finfo(E(dt)), torch.finfo(T(dt))
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"]:
        assert getattr(fe, attr) == getattr(ft, attr), attr


def test_finfo_default():
    assert ember.finfo().eps == torch.finfo().eps
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo(dt):
    ie, it = ember.iinfo(E(dt)), torch.iinfo(T(dt))
    assert (ie.bits, ie.max, ie.min) == (it.bits, it.max, it.min)
    with pytest.raises(TypeError):
        ember.iinfo(ember.float32)


@pytest.mark.parametrize("dt", DTYPES)
def test_dtype_properties(dt):
    de, d_t = E(dt), T(dt)
    assert de.is_floating_point == d_t.is_floating_point
    assert de.is_complex == d_t.is_complex
    assert de.is_signed == d_t.is_signed
    assert de.itemsize == d_t.itemsize
    assert repr(de) == repr(d_t).replace("torch.", "ember.")
    assert ember.zeros(1, dtype=de).element_size() == torch.zeros(1, dtype=d_t).element_size()


def test_dtype_aliases():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16


def test_default_dtype_affects_factories():
    assert ember.get_default_dtype() is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.get_default_dtype() is ember.float64
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert ember.ones(2).dtype is ember.float64
        assert ember.rand(2).dtype is ember.float64
        assert ember.randn(2).dtype is ember.float64
        assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float64
        assert ember.linspace(0, 1, 3).dtype is ember.float64
        assert ember.full((2,), 1.5).dtype is ember.float64
        assert ember.tensor([1]).dtype is ember.int64
        assert ember.tensor([1j]).dtype is ember.complex128
        assert (ember.tensor([1, 2]) * 1.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.5]).dtype is ember.float32
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


# --- devices --------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:1", "cuda:0"])
def test_device_parsing(spec):
    de, dt = ember.device(spec), torch.device(spec)
    assert de.type == dt.type and de.index == dt.index
    assert str(de) == str(dt)
    assert repr(de) == repr(dt)
    assert de == ember.device(spec) and de == spec
    assert hash(de) == hash(ember.device(spec))


def test_device_forms():
    assert ember.device("cuda", 1) == ember.device("cuda:1")
    assert ember.device("cuda:1") != ember.device("cuda:0")
    assert ember.device("cuda") != ember.device("cuda:0")
    assert ember.device(ember.device("cpu")) == ember.device("cpu")
    for bad in ["gpu", "cuda:x"]:
        with pytest.raises(RuntimeError):
            ember.device(bad)
        with pytest.raises(RuntimeError):
            torch.device(bad)


def test_cuda_unavailable():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    with pytest.raises(RuntimeError):
        ember.ones(2, device="cuda")
    with pytest.raises(RuntimeError):
        ember.ones(2, device=ember.device("cuda", 0))
