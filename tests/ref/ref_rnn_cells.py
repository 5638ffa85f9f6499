"""PyTorch reference for common/rnn_cells.c: one layer of nn.RNN (tanh),
nn.LSTM and nn.GRU over a short sequence from a given initial state.

Each fixture holds the input, h0 (and c0), the layer's weights in PyTorch's
own layout and gate order (LSTM i,f,g,o; GRU r,z,n), the outputs (every
hidden state, the final h and c), and the gradients of
    L = sum(out * r_out) + sum(h_n * r_h) [+ sum(c_n * r_c)]
with respect to the input, h0, c0 and every weight and bias.
Computed in float64, stored as float32.

    cd /work/main && /usr/bin/python3 tests/ref/ref_rnn_cells.py
"""
import torch

from fixture import write_fixture

T, B, I, H = 4, 2, 3, 5


def make(name, cls):
    layer = cls(I, H).double()   # time-major input (T,B,I), bias on both sides
    lstm = cls is torch.nn.LSTM
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    if lstm:
        out, (hn, cn) = layer(x, (h0, c0))
    else:
        out, hn = layer(x, h0)
    r_out = torch.randn(T, B, H, dtype=torch.float64)
    r_h = torch.randn(B, H, dtype=torch.float64)
    r_c = torch.randn(B, H, dtype=torch.float64)
    loss = (out * r_out).sum() + (hn[0] * r_h).sum()
    if lstm:
        loss = loss + (cn[0] * r_c).sum()
    loss.backward()
    t = {
        "dims": torch.tensor([T, B, I, H]),
        "x": x, "h0": h0[0],
        "w_ih": layer.weight_ih_l0, "w_hh": layer.weight_hh_l0,
        "b_ih": layer.bias_ih_l0, "b_hh": layer.bias_hh_l0,
        "r_out": r_out, "r_h": r_h,
        "out": out, "h_n": hn[0],
        "dx": x.grad, "dh0": h0.grad[0],
        "dw_ih": layer.weight_ih_l0.grad, "dw_hh": layer.weight_hh_l0.grad,
        "db_ih": layer.bias_ih_l0.grad, "db_hh": layer.bias_hh_l0.grad,
    }
    if lstm:
        t.update({"c0": c0[0], "r_c": r_c, "c_n": cn[0], "dc0": c0.grad[0]})
    write_fixture(name, t)


if __name__ == "__main__":
    torch.manual_seed(42)
    make("rnn_elman", torch.nn.RNN)
    make("rnn_lstm", torch.nn.LSTM)
    make("rnn_gru", torch.nn.GRU)
