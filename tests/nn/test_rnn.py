"""RNN/LSTM/GRU modules, cells and packed-sequence utilities against torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import _np, assert_close

warnings.filterwarnings("ignore", message=".*LSTM with projections.*")

_RNG = np.random.default_rng(0)


def arr(*shape):
    return _RNG.standard_normal(shape).astype(np.float32)


def _lib(m):
    return torch if isinstance(m, torch.nn.Module) else ember


RNN_CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "batch_first": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3}),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"bias": False, "num_layers": 2}),
]


def _ids(cases):
    return [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for c, kw in cases]


@pytest.mark.parametrize("cls,kw", RNN_CASES, ids=_ids(RNN_CASES))
@pytest.mark.parametrize("train", [True, False])
def test_rnn_modules(cls, kw, train):
    bf = kw.get("batch_first", False)
    x = arr(3, 5, 4) if bf else arr(5, 3, 4)
    check_module(lambda lib: getattr(lib.nn, cls)(4, 6, **kw), [x], train=train)


@pytest.mark.parametrize("cls,kw", [("GRU", {"num_layers": 2}), ("RNN", {"bidirectional": True}),
                                    ("LSTM", {"num_layers": 2, "bidirectional": True}),
                                    ("LSTM", {"proj_size": 3, "bidirectional": True})])
def test_rnn_initial_state(cls, kw):
    nd = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1) * nd
    P = kw.get("proj_size", 0) or 6
    x = arr(5, 3, 4)
    if cls == "LSTM":
        check_module(lambda lib: lib.nn.LSTM(4, 6, **kw), [x, arr(L, 3, P), arr(L, 3, 6)],
                     call=lambda m, x, h, c: m(x, (h, c)))
    else:
        check_module(lambda lib: getattr(lib.nn, cls)(4, 6, **kw), [x, arr(L, 3, 6)])


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_rnn_unbatched(cls):
    x = arr(5, 4)
    check_module(lambda lib: getattr(lib.nn, cls)(4, 6, num_layers=2), [x])
    if cls == "LSTM":
        check_module(lambda lib: lib.nn.LSTM(4, 6, batch_first=True), [x, arr(1, 6), arr(1, 6)],
                     call=lambda m, x, h, c: m(x, (h, c)))
    else:
        check_module(lambda lib: getattr(lib.nn, cls)(4, 6, batch_first=True), [x, arr(1, 6)])


def test_lstm_float64():
    x = arr(4, 2, 3).astype(np.float64)
    check_module(lambda lib: lib.nn.LSTM(3, 5, num_layers=2, dtype=lib.float64), [x])


PACKED_CASES = [("RNN", {}), ("GRU", {"bidirectional": True}),
                ("LSTM", {"num_layers": 2, "bidirectional": True}),
                ("LSTM", {"proj_size": 2, "batch_first": True})]


@pytest.mark.parametrize("cls,kw", PACKED_CASES, ids=_ids(PACKED_CASES))
@pytest.mark.parametrize("sorted_", [True, False])
def test_rnn_packed(cls, kw, sorted_):
    lengths = [5, 4, 4, 2] if sorted_ else [2, 5, 1, 4]
    bf = kw.get("batch_first", False)
    x = arr(4, 5, 3) if bf else arr(5, 4, 3)

    def call(m, x):
        lib = _lib(m)
        U = lib.nn.utils.rnn
        p = U.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=sorted_)
        out, h = m(p)
        padded, lens = U.pad_packed_sequence(out, batch_first=bf, total_length=6)
        return padded, lens, out.data, out.batch_sizes, h

    check_module(lambda lib: getattr(lib.nn, cls)(3, 4, **kw), [x], call=call)


def test_rnn_packed_with_initial_state():
    lengths = [2, 5, 3]
    x = arr(5, 3, 3)

    def call(m, x, h, c):
        U = _lib(m).nn.utils.rnn
        out, (hn, cn) = m(U.pack_padded_sequence(x, lengths, enforce_sorted=False), (h, c))
        return out.data, hn, cn

    check_module(lambda lib: lib.nn.LSTM(3, 4, bidirectional=True), [x, arr(2, 3, 4),
                                                                     arr(2, 3, 4)], call=call)


CELL_CASES = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
              ("GRUCell", {}), ("GRUCell", {"bias": False}), ("LSTMCell", {})]


@pytest.mark.parametrize("cls,kw", CELL_CASES, ids=_ids(CELL_CASES))
def test_cells(cls, kw):
    make = lambda lib: getattr(lib.nn, cls)(4, 5, **kw)  # noqa: E731
    check_module(make, [arr(3, 4)])
    check_module(make, [arr(4)])
    if cls == "LSTMCell":
        check_module(make, [arr(3, 4), arr(3, 5), arr(3, 5)],
                     call=lambda m, x, h, c: m(x, (h, c)))
        check_module(make, [arr(4), arr(5), arr(5)], call=lambda m, x, h, c: m(x, (h, c)))
    else:
        check_module(make, [arr(3, 4), arr(3, 5)])


def test_parameter_names_and_shapes():
    for cls, kw in RNN_CASES:
        t = getattr(torch.nn, cls)(4, 6, **kw)
        e = getattr(ember.nn, cls)(4, 6, **kw)
        ts = {k: tuple(v.shape) for k, v in t.state_dict().items()}
        es = {k: tuple(v.shape) for k, v in e.state_dict().items()}
        assert list(ts) == list(es)
        assert ts == es
        assert [[n for n in ws] for ws in t._all_weights] == e._all_weights


def test_default_init_statistics():
    ember.manual_seed(0)
    m = ember.nn.LSTM(50, 400, proj_size=100)
    bound = 1 / math.sqrt(400)
    for name, p in m.named_parameters():
        a = _np(p)
        assert a.min() >= -bound and a.max() <= bound, name
        assert abs(a.mean()) < 0.05 * bound, name
        assert abs(a.std() - bound / math.sqrt(3)) < 0.05 * bound, name


def test_rnn_errors():
    m = ember.nn.LSTM(4, 6)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        m(ember.zeros(5, 3, 3))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size"):
        m(ember.zeros(5, 3, 4), (ember.zeros(1, 2, 6), ember.zeros(1, 3, 6)))
    with pytest.raises(ValueError):
        ember.nn.LSTM(4, 6, proj_size=6)
    with pytest.raises(ValueError):
        ember.nn.GRU(4, 6, proj_size=2)
    with pytest.raises(ValueError):
        ember.nn.RNN(4, 6, nonlinearity="gelu")
    with pytest.raises(ValueError):
        ember.nn.GRU(4, 6)(ember.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        ember.nn.GRU(4, 6)(ember.zeros(2, 3, 4, dtype=ember.float64))


def test_rnn_dropout_between_layers():
    ember.manual_seed(0)
    m = ember.nn.LSTM(4, 6, num_layers=3, dropout=0.5)
    x = ember.randn(5, 2, 4)
    m.train()
    a, _ = m(x)
    b, _ = m(x)
    assert not np.allclose(_np(a), _np(b))
    m.eval()
    a, _ = m(x)
    b, _ = m(x)
    np.testing.assert_array_equal(_np(a), _np(b))


def test_rnn_gradcheck_float64():
    ember.manual_seed(0)
    for cls, kw in [("LSTM", {"proj_size": 2, "bidirectional": True}), ("GRU", {}),
                    ("RNN", {"nonlinearity": "tanh"})]:
        m = getattr(ember.nn, cls)(3, 4, dtype=ember.float64, **kw)
        x = ember.randn(3, 2, 3, dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradcheck(lambda x, m=m: m(x)[0], [x], eps=1e-6, atol=1e-5)
        assert ember.autograd.gradgradcheck(lambda x, m=m: m(x)[0], [x], eps=1e-6, atol=1e-4)


def test_rnn_gradgrad_packed_and_weights():
    ember.manual_seed(0)
    U = ember.nn.utils.rnn
    m = ember.nn.GRU(3, 4, dtype=ember.float64, bidirectional=True)
    x = ember.randn(4, 3, 3, dtype=ember.float64, requires_grad=True)

    def f(x):
        return m(U.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))[0].data
    assert ember.autograd.gradgradcheck(f, [x], eps=1e-6, atol=1e-4)
    lstm = ember.nn.LSTM(3, 4, dtype=ember.float64)
    assert ember.autograd.gradgradcheck(lambda w: lstm(x)[1][1], [lstm.weight_hh_l0],
                                        eps=1e-6, atol=1e-4)


# --- packing utilities ----------------------------------------------------------------------

def _both(fn):
    return fn(ember), fn(torch)


def _cmp(e, t):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _cmp(a, b)
    elif t is None:
        assert e is None
    else:
        assert_close(e, t)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_pad_roundtrip(batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = arr(4, 5, 2) if batch_first else arr(5, 4, 2)
    g_out = arr(4, 7, 2) if batch_first else arr(7, 4, 2)
    res = {}
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        U = lib.nn.utils.rnn
        p = U.pack_padded_sequence(xt, lib.tensor(lengths), batch_first=batch_first,
                                   enforce_sorted=enforce_sorted)
        padded, lens = U.pad_packed_sequence(p, batch_first=batch_first, padding_value=-1.0,
                                             total_length=7)
        padded.backward(lib.tensor(g_out))
        res[lib] = (tuple(p), padded, lens, xt.grad)
    _cmp(res[ember], res[torch])
    assert type(res[ember][0]).__name__ == "tuple"


def test_pad_sequence_and_friends():
    seqs = [arr(2, 3), arr(5, 3), arr(4, 3)]

    def run(lib):
        U = lib.nn.utils.rnn
        ts = [lib.tensor(s, requires_grad=True) for s in seqs]
        out = []
        for bf in (False, True):
            for side in ("right", "left"):
                out.append(U.pad_sequence(ts, batch_first=bf, padding_value=2.5,
                                          padding_side=side))
        sum(o.sum() * (i + 1) for i, o in enumerate(out)).backward()
        p = U.pack_sequence(ts, enforce_sorted=False)
        un = U.unpack_sequence(p)
        up = U.unpad_sequence(U.pad_sequence(ts), lib.tensor([2, 5, 4]))
        return out, [t.grad for t in ts], tuple(p), un, up

    e, t = _both(run)
    _cmp(e, t)
    with pytest.raises(RuntimeError):
        ember.nn.utils.rnn.pack_sequence([ember.zeros(2, 1), ember.zeros(3, 1)])


def test_packed_sequence_class():
    U = ember.nn.utils.rnn
    p = U.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    assert isinstance(p, U.PackedSequence) and isinstance(p, tuple)
    assert p.sorted_indices is None and p.unsorted_indices is None
    q = p.double()
    assert q.data.dtype == ember.float64 and q.batch_sizes is p.batch_sizes
    data, bs, si, ui = p
    assert bs.dtype == ember.int64 and bs.tolist() == [2, 2, 1]
    r = U.PackedSequence(data, bs, ember.tensor([1, 0]))
    assert r.unsorted_indices.tolist() == [1, 0]
    with pytest.raises(ValueError):
        U.pad_packed_sequence(p, total_length=2)
