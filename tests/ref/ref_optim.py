"""PyTorch reference for common/optim.c: SGD with momentum, Adam and AdamW.

Two tensors, a matrix w (decayed) and a bias b (not decayed, as in GPT-2),
take STEPS updates with fixed random gradients; the fixture holds the start
values, every step's gradients and the values after each step, per optimizer.
Also one global-norm clipping of those gradients.
"""
import torch

from fixture import write_fixture

torch.manual_seed(1234)
STEPS = 5
w0 = torch.randn(3, 4)
b0 = torch.randn(4)
grads_w = torch.randn(STEPS, 3, 4)
grads_b = torch.randn(STEPS, 4)


def run(make_optimizer):
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = make_optimizer(w, b)
    ws, bs = [], []
    for s in range(STEPS):
        w.grad = grads_w[s].clone()
        b.grad = grads_b[s].clone()
        opt.step()
        ws.append(w.detach().clone())
        bs.append(b.detach().clone())
    return torch.stack(ws), torch.stack(bs)


def groups(w, b, wd):
    return [{"params": [w], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}]


out = {"w0": w0, "b0": b0, "grads_w": grads_w, "grads_b": grads_b}
out["sgd_w"], out["sgd_b"] = run(lambda w, b: torch.optim.SGD(groups(w, b, 0.01), lr=0.1, momentum=0.9))
out["adam_w"], out["adam_b"] = run(
    lambda w, b: torch.optim.Adam(groups(w, b, 0.01), lr=0.01, betas=(0.9, 0.999), eps=1e-8))
out["adamw_w"], out["adamw_b"] = run(
    lambda w, b: torch.optim.AdamW(groups(w, b, 0.1), lr=0.01, betas=(0.9, 0.95), eps=1e-8))

w = w0.clone().requires_grad_(True)
b = b0.clone().requires_grad_(True)
w.grad = grads_w[0].clone()
b.grad = grads_b[0].clone()
out["clip_norm"] = torch.nn.utils.clip_grad_norm_([w, b], max_norm=1.0).reshape(1)
out["clip_w"], out["clip_b"] = w.grad, b.grad

write_fixture("optim", out)
