"""Recurrent layers under CPU autocast against torch's (torch's CPU GRU/LSTM cells are
decomposed: the projections run in the low dtype, the state mix keeps the state's float32;
RNN_TANH/RELU stay low).  torch's oneDNN LSTM has no bfloat16 kernel on every CPU, so
torch runs with oneDNN off here (its decomposed path, which ember follows)."""

import numpy as np
import pytest
import torch

import ember

MODS = {
    "GRU": lambda nn: nn.GRU(4, 5, num_layers=2), "LSTM": lambda nn: nn.LSTM(4, 5),
    "RNN": lambda nn: nn.RNN(4, 5), "GRUCell": lambda nn: nn.GRUCell(4, 5),
    "LSTMCell": lambda nn: nn.LSTMCell(4, 5), "RNNCell": lambda nn: nn.RNNCell(4, 5),
}
LOW = {"bfloat16": (torch.bfloat16, ember.bfloat16, 2e-2),
       "float16": (torch.float16, ember.float16, 2e-3)}


def _flat(o):
    if isinstance(o, (tuple, list)):
        return [t for x in o for t in _flat(x)]
    return [o]


@pytest.mark.parametrize("low", list(LOW))
@pytest.mark.parametrize("name", list(MODS))
def test_rnn_under_autocast_matches_torch(name, low, monkeypatch):
    monkeypatch.setattr(torch.backends.mkldnn, "enabled", False)
    tdt, edt, tol = LOW[low]
    torch.manual_seed(0)  # the same weights whatever ran before in this worker
    tm = MODS[name](torch.nn)
    em = MODS[name](ember.nn)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.RandomState(0).randn(3, 2, 4).astype(np.float32)
    if "Cell" in name:
        x = x[0]
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    with torch.autocast("cpu", dtype=tdt):
        to = _flat(tm(tx))
    with ember.autocast("cpu", dtype=edt):
        eo = _flat(em(ex))
    assert [str(e.dtype) for e in eo] == [str(t.dtype).replace("torch", "ember") for t in to]
    for e, t in zip(eo, to):
        np.testing.assert_allclose(e.float().detach().numpy(), t.float().detach().numpy(),
                                   rtol=tol, atol=tol)
    sum(t.float().sum() for t in to).backward()
    sum(e.float().sum() for e in eo).backward()
    assert ex.grad.dtype == ember.float32
    # gradients sum over 3 time steps of low-precision roundings in both libraries (torch
    # rounds every elementwise gate op, ember only the projections): twice the tolerance,
    # absolute part relative to the gradient's scale (sums with cancellation), as in
    # test_autocast_training.py
    gtol = 2 * tol
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=gtol,
                               atol=gtol * max(1.0, float(tx.grad.abs().max())))
    for (k, tp), ep in zip(tm.named_parameters(), em.parameters()):
        assert ep.grad.dtype == ember.float32, k
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=gtol,
                                   atol=gtol * max(1.0, float(tp.grad.abs().max())),
                                   err_msg=k)
