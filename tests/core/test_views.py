"""View semantics against torch: memory sharing, shared version counters, strides and
offsets, in-place through views (CopySlices) and the leaf-view error."""

import numpy as np
import pytest
import torch

import ember

VIEWS = {
    "getitem_int": lambda x: x[1],
    "getitem_slice": lambda x: x[:, 1:3],
    "getitem_step": lambda x: x[::2, None, 1:],
    "getitem_ell": lambda x: x[..., 2],
    "view": lambda x: x.view(4, 6),
    "reshape": lambda x: x.reshape(24),
    "flatten": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(2, 3),
    "unfold": lambda x: x.unfold(2, 2, 1),
    "as_strided": lambda x: x.as_strided((2, 2), (5, 1), 3),
    "diagonal": lambda x: x.diagonal(0, 1, 2),
    "movedim": lambda x: x.movedim(0, 2),
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 2)[1],
    "tensor_split": lambda x: x.tensor_split(3, 1)[2],
    "unbind": lambda x: x.unbind(1)[2],
    "expand": lambda x: x[:, :1].expand(2, 3, 4),
    "T": lambda x: x[0].T,
    "mT": lambda x: x.mT,
    "view_as": lambda x: x.view_as(torch.empty(6, 4)) if isinstance(x, torch.Tensor)
    else x.view_as(ember.empty(6, 4)),
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(2, 0, 1),
}

# unfold's windows overlap: elementwise writes through it are order-dependent in torch
WRITABLE = [k for k in VIEWS if k not in ("expand", "unfold")]
# torch refuses in-place on outputs of multi-output view functions when grad is recorded;
# ember's split/chunk are narrow() views and _check_inplace has no multi-output flag yet
MULTI = ("split", "chunk", "tensor_split", "unbind")


@pytest.mark.parametrize("name", ["expand"])
def test_overlapping_view_write_raises(name):
    for lib in (ember, torch):
        x = lib.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
        with pytest.raises(RuntimeError):
            VIEWS[name](x).mul_(2)


def _pair():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    return ember.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("name", list(VIEWS))
def test_geometry_matches_torch(name):
    e, t = _pair()
    ve, vt = VIEWS[name](e), VIEWS[name](t)
    assert tuple(ve.shape) == tuple(vt.shape)
    np.testing.assert_array_equal(ve.numpy(), vt.numpy())
    assert ve.stride() == vt.stride(), (ve.stride(), vt.stride())
    assert ve.storage_offset() == vt.storage_offset()
    assert ve.is_contiguous() == vt.is_contiguous()
    assert ve._base is e and vt._base is t


@pytest.mark.parametrize("name", WRITABLE)
def test_write_through_view_changes_base(name):
    e, t = _pair()
    ve, vt = VIEWS[name](e), VIEWS[name](t)
    v0 = e._version
    ve.mul_(-1)
    vt.mul_(-1)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert e._version == ve._version and e._version > v0
    assert t._version == vt._version


@pytest.mark.parametrize("name", [k for k in WRITABLE if k not in MULTI])
def test_inplace_on_view_of_nonleaf_grads(name):
    grads = []
    for lib in (ember, torch):
        a = lib.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4),
                       requires_grad=True)
        b = a * 2
        v = VIEWS[name](b)
        v.mul_(v.detach() + 3)
        (b * b).sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["getitem_int", "narrow", "diagonal", "unbind"])
def test_inplace_on_view_of_leaf_raises(name):
    for lib in (ember, torch):
        a = lib.ones(2, 3, 4, requires_grad=True)
        with pytest.raises(RuntimeError):
            VIEWS[name](a).add_(1)


def test_setitem_on_leaf_requiring_grad_raises():
    for lib in (ember, torch):
        a = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError):
            a[0] = 2.0


def test_setitem_on_view_of_nonleaf_grads():
    grads = []
    for lib in (ember, torch):
        a = lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        w = lib.tensor(np.ones(2, dtype=np.float32) * 3, requires_grad=True)
        b = a * 1
        b[1][1:3] = w * a[0, :2]
        (b ** 2).sum().backward()
        grads.append((a.grad.numpy(), w.grad.numpy()))
    for ge, gt in zip(*grads):
        np.testing.assert_allclose(ge, gt, rtol=1e-6)


def test_advanced_index_is_copy():
    for lib in (ember, torch):
        a = lib.zeros(4)
        c = a[[0, 1]]
        c += 1
        assert float(a.sum()) == 0.0
        assert c._base is None


def test_version_counter_shared_by_chain():
    e = ember.zeros(3, 4)
    v = e[1:][:, 2]
    v.add_(1)
    assert e._version == v._version == e[0]._version
