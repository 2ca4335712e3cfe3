"""nn-level training steps (the nn/optim issue's benchmarks), written once against the
torch API and run on both libraries.  Each factory ``f(lib)`` builds the model, data and
optimizer (not timed) and returns one training step (timed)."""

from __future__ import annotations

import numpy as np


def _t(lib, arr):
    return lib.tensor(np.ascontiguousarray(arr))


def _same_init(lib, model, seed):
    """Deterministic identical weights in both libraries (independent of their RNGs)."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            bound = 1.0 / np.sqrt(max(1, p[0].numel() if p.dim() > 1 else p.numel()))
            p.copy_(_t(lib, rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))


def _step(lib, model, opt, loss_fn, x, y):
    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return run


def spec_cnn(nn):
    """The spec's CNN with ReLUs and one input channel (MNIST-sized), as a Sequential."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn_adam(lib, batch: int = 64):
    """The spec's CNN with ReLUs and one input channel, batch 64, Adam: one step."""
    nn = lib.nn
    model = spec_cnn(nn)
    _same_init(lib, model, 0)
    rng = np.random.default_rng(1)
    x = _t(lib, rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = _t(lib, rng.integers(0, 10, batch))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _step(lib, model, opt, nn.CrossEntropyLoss(), x, y)


def resnet_block_sgd(lib, batch: int = 32, ch: int = 64, hw: int = 32, blocks: int = 2):
    """A stack of ResNet basic blocks (Conv-BN-ReLU x2 + identity), SGD with momentum."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(ch)
            self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(ch)
            self.relu = nn.ReLU()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + x)

    model = nn.Sequential(*[Block() for _ in range(blocks)])
    _same_init(lib, model, 2)
    rng = np.random.default_rng(3)
    x = _t(lib, rng.standard_normal((batch, ch, hw, hw)).astype(np.float32))
    target = _t(lib, rng.standard_normal((batch, ch, hw, hw)).astype(np.float32))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _step(lib, model, opt, nn.MSELoss(), x, target)


def transformer_layer_adamw(lib, d_model: int = 256, nhead: int = 4, seq: int = 64,
                            batch: int = 16):
    """One TransformerEncoderLayer (batch_first, dropout 0.1), AdamW: one step."""
    nn = lib.nn
    model = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=1024, dropout=0.1,
                                       batch_first=True)
    _same_init(lib, model, 4)
    rng = np.random.default_rng(5)
    x = _t(lib, rng.standard_normal((batch, seq, d_model)).astype(np.float32))
    target = _t(lib, rng.standard_normal((batch, seq, d_model)).astype(np.float32))
    opt = lib.optim.AdamW(model.parameters(), lr=1e-4)
    return _step(lib, model, opt, nn.MSELoss(), x, target)


def lstm_lm(lib, vocab: int = 10000, emb: int = 200, hidden: int = 200, layers: int = 2,
            seq: int = 35, batch: int = 20):
    """A 2-layer LSTM language model (PTB-small shape): embedding, LSTM, decoder, SGD."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, emb)
            self.rnn = nn.LSTM(emb, hidden, layers)
            self.dec = nn.Linear(hidden, vocab)

        def forward(self, tokens):
            out, _ = self.rnn(self.emb(tokens))
            return self.dec(out).view(-1, vocab)

    model = LM()
    _same_init(lib, model, 6)
    rng = np.random.default_rng(7)
    x = _t(lib, rng.integers(0, vocab, (seq, batch)))
    y = _t(lib, rng.integers(0, vocab, seq * batch))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
        return loss
    return run


NN_WORKLOADS = {
    "cnn_adam": (cnn_adam, 2.0),
    "resnet_block_sgd": (resnet_block_sgd, 2.0),
    "transformer_layer_adamw": (transformer_layer_adamw, 1.5),
    "lstm_lm": (lstm_lm, 2.0),
}
