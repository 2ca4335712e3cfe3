"""Recurrent kernels.

A recurrent layer runs as: one GEMM projecting the input of every time step (ember ops,
so autograd handles input/weight_ih/bias), then ONE op (``Recurrence``) that loops over
time in NumPy -- per step one ``h @ W_hh^T`` GEMM plus the gate nonlinearities -- and
saves the gate activations.  Its backward is one op too (``RecurrenceBackward``): BPTT
over the saved gates in NumPy, with the weight gradients of all steps as one GEMM at the
end.  Sequences are described by per-step batch sizes (a ``PackedSequence``'s
``batch_sizes``; a padded batch is ``[B] * T``), so packed and padded inputs share a path.

Also here: the cell functions (``lstm_cell``, ``gru_cell``, ``rnn_tanh_cell``,
``rnn_relu_cell``) and the pack/pad kernels used by ``ember.nn.utils.rnn``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _Mode
from .registry import Op, apply

__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]

_make = Tensor._make


def _sigmoid_(x):
    """In-place logistic function (0.5 * tanh(x / 2) + 0.5: one transcendental pass)."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def _steps(n, batch, batch_sizes, reverse):
    """(start row, batch size) per time step, in processing order."""
    if batch_sizes is None:
        steps = [(t * batch, batch) for t in range(n // batch if batch else 0)]
    else:
        steps = []
        s = 0
        for bs in batch_sizes:
            steps.append((s, bs))
            s += bs
    if reverse:
        steps.reverse()
    return steps


class Recurrence(Op):
    """The time loop of one layer and direction.

    Args: ``xg`` (N, G) input projections (biases included, except GRU's ``b_hn`` part),
    ``h0`` (B, P), ``c0`` (B, H) or None, ``w_hh`` (G, P), ``b_hh`` (GRU only, else None),
    ``w_hr`` (P, H) or None.  Outputs: ``out`` (N, P), ``h_n`` (B, P) [, ``c_n`` (B, H)]."""

    name = "_recurrence"
    save = (0, 1, 2, 3, 4, 5)

    def forward(self, xg, h0, c0, w_hh, b_hh, w_hr, mode="lstm", batch_sizes=None,
                reverse=False):
        dt = xg.dtype
        if mode in ("lstm", "gru") and h0.dtype != dt and h0.dtype.itemsize > dt.itemsize:
            # autocast: half-precision projections, float32 state.  torch's decomposed
            # GRU/LSTM cells mix the state into the gates' result (hy = n + z * (hx - n),
            # cy = f * cx + ...), so they come out in the state's wider dtype
            dt = h0.dtype
        xg = np.ascontiguousarray(xg, dtype=dt)
        n = xg.shape[0]
        B = h0.shape[0]
        steps = _steps(n, B, batch_sizes, reverse)
        self.mode, self.steps = mode, steps
        whhT = w_hh.T
        h = h0.astype(dt, copy=True)
        P = h.shape[1]
        out = np.empty((n, P), dt)
        hprev = np.empty((n, P), dt)
        gates = np.empty(xg.shape, dt)
        self.hprev, self.gates = hprev, gates
        if mode == "lstm":
            H = w_hh.shape[0] // 4
            c = c0.astype(dt, copy=True)
            cprev = np.empty((n, H), dt)
            tanhc = np.empty((n, H), dt)
            hbar = np.empty((n, H), dt) if w_hr is not None else None
            whrT = w_hr.T if w_hr is not None else None
            H2, H3 = 2 * H, 3 * H
            for s, bs in steps:
                e = s + bs
                g = gates[s:e]
                hs = h[:bs]
                np.matmul(hs, whhT, out=g)
                g += xg[s:e]
                _sigmoid_(g[:, :H2])
                np.tanh(g[:, H2:H3], out=g[:, H2:H3])
                _sigmoid_(g[:, H3:])
                hprev[s:e] = hs
                cs = c[:bs]
                cprev[s:e] = cs
                cs *= g[:, H:H2]
                cs += g[:, :H] * g[:, H2:H3]
                tc = tanhc[s:e]
                np.tanh(cs, out=tc)
                if whrT is None:
                    np.multiply(g[:, H3:], tc, out=out[s:e])
                else:
                    hb = hbar[s:e]
                    np.multiply(g[:, H3:], tc, out=hb)
                    np.matmul(hb, whrT, out=out[s:e])
                hs[...] = out[s:e]
            self.cprev, self.tanhc, self.hbar = cprev, tanhc, hbar
            return out, h, c
        if mode == "gru":
            H = w_hh.shape[0] // 3
            H2 = 2 * H
            hn_all = np.empty((n, H), dt)
            hg = np.empty((B, 3 * H), dt)
            for s, bs in steps:
                e = s + bs
                g = gates[s:e]
                hs = h[:bs]
                hgs = hg[:bs]
                np.matmul(hs, whhT, out=hgs)
                if b_hh is not None:
                    hgs += b_hh
                hprev[s:e] = hs
                np.add(xg[s:e, :H2], hgs[:, :H2], out=g[:, :H2])
                _sigmoid_(g[:, :H2])
                hn_all[s:e] = hgs[:, H2:]
                gn = g[:, H2:]
                np.multiply(g[:, :H], hgs[:, H2:], out=gn)
                gn += xg[s:e, H2:]
                np.tanh(gn, out=gn)
                # h' = n + z * (h - n)
                hs -= gn
                hs *= g[:, H:H2]
                hs += gn
                out[s:e] = hs
            self.hn = hn_all
            return out, h
        relu = mode == "rnn_relu"
        for s, bs in steps:
            e = s + bs
            hs = h[:bs]
            hprev[s:e] = hs
            o = out[s:e]
            np.matmul(hs, whhT, out=o)
            o += xg[s:e]
            if relu:
                np.maximum(o, 0, out=o)
            else:
                np.tanh(o, out=o)
            hs[...] = o
        self.gates = out
        return out, h

    def backward(self, g_out, g_hn, g_cn=None):
        saved = self._unpack()
        if _Mode.grad_enabled:
            return _replay_grads(self, saved, (g_out, g_hn, g_cn))
        w_hh, w_hr = saved[3], saved[5]
        need_hr = w_hr is not None and self.next_functions[5][0] is not None
        res = apply(RecurrenceBackward, g_out, g_hn, g_cn, w_hh, w_hr, fwd=self,
                    need_hr=need_hr)
        dxg, dh0, dc0, dwhh, dbhh, dwhr = res
        if self.mode != "lstm":
            dc0 = None
        if self.mode != "gru":
            dbhh = None
        if w_hr is None:
            dwhr = None
        return dxg, dh0, dc0, dwhh, dbhh, dwhr


def _replay(mode, xg, h0, c0, w_hh, b_hh, w_hr, steps):
    """The recurrence in plain ember ops (differentiable to any order)."""
    from .activation import relu
    from .indexing import cat
    from .math import sigmoid, tanh
    h, c = h0, c0
    outs = {}
    whhT = w_hh.t()
    whrT = w_hr.t() if w_hr is not None else None
    for s, bs in steps:
        x = xg[s:s + bs]
        hs = h[:bs]
        hg = hs.matmul(whhT)
        if mode == "lstm":
            i, f, g, o = (x + hg).chunk(4, 1)
            cs = sigmoid(f) * c[:bs] + sigmoid(i) * tanh(g)
            hn = sigmoid(o) * tanh(cs)
            if whrT is not None:
                hn = hn.matmul(whrT)
            c = cs if bs == c.shape[0] else cat([cs, c[bs:]], 0)
        elif mode == "gru":
            if b_hh is not None:
                hg = hg + b_hh
            xr, xz, xn = x.chunk(3, 1)
            hr, hz, hn_ = hg.chunk(3, 1)
            r, z = sigmoid(xr + hr), sigmoid(xz + hz)
            n = tanh(xn + r * hn_)
            hn = n + z * (hs - n)
        else:
            pre = x + hg
            hn = relu(pre) if mode == "rnn_relu" else tanh(pre)
        outs[s] = hn
        h = hn if bs == h.shape[0] else cat([hn, h[bs:]], 0)
    out = cat([outs[s] for s in sorted(outs)], 0)
    return (out, h, c) if mode == "lstm" else (out, h)


def _replay_grads(node, saved, grads):
    """create_graph backward: replay the forward in ember ops on aliases of the saved
    inputs and differentiate it with a graph (so higher derivatives are exact)."""
    from ..autograd import grad as _grad
    from ..autograd.grad_mode import enable_grad
    nf = node.next_functions
    idx = [i for i, t in enumerate(saved) if isinstance(t, Tensor) and nf[i][0] is not None]
    with enable_grad():
        alias = list(saved)
        for i in idx:
            alias[i] = saved[i].view_as(saved[i])
        outs = _replay(node.mode, *alias, node.steps)
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None]
        res = _grad([o for o, _ in pairs], [alias[i] for i in idx], [g for _, g in pairs],
                    create_graph=True, allow_unused=True)
    full = [None] * 6
    for i, r in zip(idx, res):
        full[i] = r
    return tuple(full)


class RecurrenceBackward(Op):
    """BPTT over the gates saved by ``Recurrence`` (used when no graph of the backward is
    needed; with ``create_graph`` the backward replays the forward in ember ops instead)."""

    name = "_recurrence_backward"

    def forward(self, g_out, g_hn, g_cn, w_hh, w_hr, fwd=None, need_hr=False):
        mode = fwd.mode
        gates, hprev = fwd.gates, fwd.hprev
        dt = gates.dtype
        g_out = np.ascontiguousarray(g_out, dtype=dt)
        n = g_out.shape[0]
        dh = g_hn.astype(dt, copy=True)
        dgates = np.empty((n, w_hh.shape[0]), dt)
        dbhh = None
        dwhr = None
        if mode == "lstm":
            H = w_hh.shape[0] // 4
            H2, H3 = 2 * H, 3 * H
            dc = g_cn.astype(dt, copy=True)
            cprev, tanhc, hbar = fwd.cprev, fwd.tanhc, fwd.hbar
            dh_all = np.empty((n, dh.shape[1]), dt) if hbar is not None else None
            tmp = np.empty((dh.shape[0], H), dt)
            for s, bs in reversed(fwd.steps):
                e = s + bs
                g = gates[s:e]
                i, f, gg, o = g[:, :H], g[:, H:H2], g[:, H2:H3], g[:, H3:]
                dg = dgates[s:e]
                dhs = dh[:bs]
                dhs += g_out[s:e]
                if hbar is not None:
                    dh_all[s:e] = dhs
                    dhb = dhs @ w_hr
                else:
                    dhb = dhs
                tc = tanhc[s:e]
                t = tmp[:bs]
                do = dg[:, H3:]
                # do = dhb * tanh(c) * o * (1 - o)
                np.multiply(dhb, tc, out=do)
                np.subtract(1, o, out=t)
                t *= o
                do *= t
                # dc += dhb * o * (1 - tanh(c)^2)
                dcs = dc[:bs]
                np.multiply(tc, tc, out=t)
                np.subtract(1, t, out=t)
                t *= o
                t *= dhb
                dcs += t
                # di = dc * g * i * (1 - i)
                di = dg[:, :H]
                np.subtract(1, i, out=t)
                t *= i
                np.multiply(dcs, gg, out=di)
                di *= t
                # df = dc * c_prev * f * (1 - f)
                df = dg[:, H:H2]
                np.subtract(1, f, out=t)
                t *= f
                np.multiply(dcs, cprev[s:e], out=df)
                df *= t
                # dg = dc * i * (1 - g^2)
                dgg = dg[:, H2:H3]
                np.multiply(gg, gg, out=t)
                np.subtract(1, t, out=t)
                t *= i
                np.multiply(dcs, t, out=dgg)
                dcs *= f
                np.matmul(dg, w_hh, out=dhs)
            if need_hr:
                dwhr = dh_all.T @ hbar
            extra = (dc,)
        elif mode == "gru":
            H = w_hh.shape[0] // 3
            H2 = 2 * H
            hn_all = fwd.hn
            dhg = np.empty_like(dgates)
            t = np.empty((dh.shape[0], H), dt)
            for s, bs in reversed(fwd.steps):
                e = s + bs
                g = gates[s:e]
                r, z, nn = g[:, :H], g[:, H:H2], g[:, H2:]
                dx = dgates[s:e]
                dhh = dhg[s:e]
                dhs = dh[:bs]
                dhs += g_out[s:e]
                ts = t[:bs]
                # dz_pre = dh * (h_prev - n) * z * (1 - z)
                dzp = dx[:, H:H2]
                np.subtract(hprev[s:e], nn, out=dzp)
                dzp *= dhs
                np.subtract(1, z, out=ts)
                ts *= z
                dzp *= ts
                # dn_pre = dh * (1 - z) * (1 - n^2)
                dnp = dx[:, H2:]
                np.subtract(1, z, out=dnp)
                dnp *= dhs
                np.multiply(nn, nn, out=ts)
                np.subtract(1, ts, out=ts)
                dnp *= ts
                # dr_pre = dn_pre * hn * r * (1 - r)
                drp = dx[:, :H]
                np.multiply(dnp, hn_all[s:e], out=drp)
                np.subtract(1, r, out=ts)
                ts *= r
                drp *= ts
                dhh[:, :H2] = dx[:, :H2]
                np.multiply(dnp, r, out=dhh[:, H2:])
                dhs *= z
                dhs += dhh @ w_hh
            dbhh = dhg.sum(0)
            extra = (None,)
            dx_all = dgates
            dgates = dhg
        else:
            out = gates
            relu = mode == "rnn_relu"
            for s, bs in reversed(fwd.steps):
                e = s + bs
                dhs = dh[:bs]
                dhs += g_out[s:e]
                d = dgates[s:e]
                o = out[s:e]
                if relu:
                    np.multiply(dhs, o > 0, out=d)
                else:
                    np.multiply(o, o, out=d)
                    np.subtract(1, d, out=d)
                    d *= dhs
                np.matmul(d, w_hh, out=dhs)
            extra = (None,)
        dwhh = dgates.T @ hprev
        if mode == "gru":
            dgates = dx_all
        z0 = np.zeros(0, dt)
        return (dgates, dh, extra[0] if extra[0] is not None else z0, dwhh,
                dbhh if dbhh is not None else z0, dwhr if dwhr is not None else z0)

    def backward(self, *grads):
        raise RuntimeError("double backward through a fused recurrent layer is not supported "
                           "(derivative for '_recurrence_backward' is not implemented)")


def _proj(x, w, b):
    """x (N, I) @ w^T + b as one GEMM (autograd by ember ops)."""
    from .linalg import addmm, matmul
    if b is None:
        return matmul(x, w.t())
    return addmm(b, x, w.t())


def recurrent_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, batch_sizes=None,
                    reverse=False):
    """One layer and direction over x (N, I) laid out step-major (batch_sizes per step).

    Returns (out (N, P), h_n, c_n or None)."""
    if mode == "gru":
        xg = _proj(x, w_ih, b_ih)
        bh = b_hh
    else:
        bias = None
        if b_ih is not None:
            bias = b_ih + b_hh if b_hh is not None else b_ih
        elif b_hh is not None:
            bias = b_hh
        xg = _proj(x, w_ih, bias)
        bh = None
    res = apply(Recurrence, xg, h0, c0, w_hh, bh, w_hr, mode=mode,
                batch_sizes=batch_sizes, reverse=reverse)
    if mode == "lstm":
        return res
    return res[0], res[1], None


def _cell(input, hx, cx, w_ih, w_hh, b_ih, b_hh, mode):
    x = input
    unbatched = x.dim() == 1
    if unbatched:
        x = x.unsqueeze(0)
        hx = hx.unsqueeze(0)
        cx = cx.unsqueeze(0) if cx is not None else None
    out, h, c = recurrent_layer(x, hx, cx, w_ih, w_hh, b_ih, b_hh, None, mode)
    if unbatched:
        h = h.squeeze(0)
        c = c.squeeze(0) if c is not None else None
    return h, c


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (torch.lstm_cell): returns (h', c')."""
    h, c = _cell(input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh, "lstm")
    return h, c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (torch.gru_cell)."""
    return _cell(input, hx, None, w_ih, w_hh, b_ih, b_hh, "gru")[0]


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _cell(input, hx, None, w_ih, w_hh, b_ih, b_hh, "rnn_tanh")[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _cell(input, hx, None, w_ih, w_hh, b_ih, b_hh, "rnn_relu")[0]


# --- pack / pad kernels -------------------------------------------------------------------

def _packed_rows(lengths, batch_first, T, B):
    """Flat row indices (into a (T*B) or (B*T) layout) of the packed rows, step-major."""
    lengths = np.asarray(lengths)
    idx = []
    bsz = []
    for t in range(int(lengths[0]) if len(lengths) else 0):
        bs = int((lengths > t).sum())
        bsz.append(bs)
        b = np.arange(bs)
        idx.append(b * T + t if batch_first else t * B + b)
    rows = np.concatenate(idx) if idx else np.zeros(0, np.int64)
    return rows, np.asarray(bsz, np.int64)


class PackPadded(Op):
    """Gathers the valid rows of a padded (T, B, *) / (B, T, *) batch, step-major."""

    name = "_pack_padded_sequence"
    _bw_name = "PackPaddedSequenceBackward0"

    def forward(self, x, rows=None):
        self.shape, self.rows = x.shape, rows
        flat = x.reshape((x.shape[0] * x.shape[1],) + x.shape[2:])
        return flat[rows]

    def backward(self, g):
        return (apply(PadPacked, g, rows=self.rows, shape=self.shape, value=0.0),)


class PadPacked(Op):
    """Scatters packed rows into a padded batch filled with ``value``."""

    name = "_pad_packed_sequence"
    _bw_name = "PadPackedSequenceBackward0"

    def forward(self, data, rows=None, shape=None, value=0.0):
        self.rows, self.shape = rows, shape
        out = np.full((shape[0] * shape[1],) + tuple(shape[2:]), value, data.dtype)
        out[rows] = data
        return out.reshape(shape)

    def backward(self, g):
        return (apply(PackPadded, g, rows=self.rows),)


class PadSequence(Op):
    """Stacks variable-length sequences into one padded tensor (pad_sequence)."""

    name = "_pad_sequence"

    def forward(self, *seqs, batch_first=False, value=0.0, left=False):
        n = len(seqs)
        T = max(s.shape[0] for s in seqs)
        trail = seqs[0].shape[1:]
        dt = np.result_type(*[s.dtype for s in seqs])
        out = np.full((n, T) + trail, value, dt)
        lens = []
        for i, s in enumerate(seqs):
            L = s.shape[0]
            lens.append(L)
            if left:
                out[i, T - L:] = s
            else:
                out[i, :L] = s
        self.lens, self.T, self.left, self.bf = lens, T, left, batch_first
        return out if batch_first else np.ascontiguousarray(out.swapaxes(0, 1))

    def backward(self, g):
        if not self.bf:
            g = g.transpose(0, 1)
        T = self.T
        res = []
        for i, L in enumerate(self.lens):
            res.append(g[i, T - L:] if self.left else g[i, :L])
        return tuple(res)
