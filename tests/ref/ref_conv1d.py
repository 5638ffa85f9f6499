"""Reference for common/conv1d.c: Kim's conv over time + ReLU + max-over-time.

x (B,T,C) -> Conv1d(C, F, K) over time -> ReLU -> max over time -> (B,F), the
loss L = sum(pooled * r). Our weight layout (F, K*C) is PyTorch's (F, C, K)
permuted to (F, K, C). Writes tests/fixtures/conv1d.bin.
"""
import torch

from fixture import write_fixture

torch.manual_seed(4)
B, T, C, K, F = 2, 7, 3, 3, 4
x = torch.randn(B, T, C, requires_grad=True)
conv = torch.nn.Conv1d(C, F, K)
r = torch.randn(B, F)
out = conv(x.transpose(1, 2))              # (B,F,TO)
pooled = torch.relu(out).max(dim=2).values
(pooled * r).sum().backward()
w = conv.weight.permute(0, 2, 1).reshape(F, K * C)
dw = conv.weight.grad.permute(0, 2, 1).reshape(F, K * C)
write_fixture("conv1d", {"x": x, "w": w, "b": conv.bias, "r": r,
                         "conv": out.transpose(1, 2), "pooled": pooled,
                         "dx": x.grad, "dw": dw, "db": conv.bias.grad})
