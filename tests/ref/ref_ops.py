"""PyTorch references for common/ops.c, read by tests/test_ops.c.

Each op gets a tiny input, a fixed upstream gradient dout (so the loss is
sum(out * dout)), and its forward output and every gradient from autograd,
written to tests/fixtures/ops_<op>.bin. Inputs are drawn in float32 (so the C
test sees exactly them), the answers are computed in float64 and stored as
float32: the fixtures are exact up to one rounding.

    cd /work/main && /usr/bin/python3 tests/ref/ref_ops.py
"""
import torch
import torch.nn.functional as F

from fixture import write_fixture

torch.manual_seed(1234)
DT = torch.float64


def leaf(*shape, scale=1.0, shift=0.0):
    """A float32 input (scale * normal + shift), held in float64 for autograd."""
    return (torch.randn(*shape) * scale + shift).to(DT).requires_grad_()


def ref_linear():
    N, C, OC = 5, 7, 4
    x, w, b = leaf(N, C), leaf(OC, C, scale=0.5), leaf(OC)
    dout = torch.randn(N, OC).to(DT)
    out = F.linear(x, w, b)
    out.backward(dout)
    write_fixture("ops_linear", {"x": x, "w": w, "b": b, "dout": dout, "out": out,
                                 "dx": x.grad, "dw": w.grad, "db": b.grad})


def ref_layernorm():
    N, C = 6, 10
    x = leaf(N, C, scale=2.0, shift=0.5)   # a non-zero mean, so the centring matters
    w, b = leaf(C), leaf(C)
    dout = torch.randn(N, C).to(DT)
    out = F.layer_norm(x, (C,), w, b, eps=1e-5)
    out.backward(dout)
    write_fixture("ops_layernorm", {"x": x, "w": w, "b": b, "dout": dout, "out": out,
                                    "dx": x.grad, "dw": w.grad, "db": b.grad})


def ref_gelu():
    x = leaf(4, 16, scale=2.0)
    dout = torch.randn(4, 16).to(DT)
    out = F.gelu(x, approximate="tanh")
    out.backward(dout)
    write_fixture("ops_gelu", {"x": x, "dout": dout, "out": out, "dx": x.grad})


def ref_log_softmax():
    x = leaf(5, 9, scale=3.0)
    dout = torch.randn(5, 9).to(DT)
    out = F.log_softmax(x, dim=-1)
    out.backward(dout)
    write_fixture("ops_log_softmax", {"x": x, "dout": dout, "out": out, "dx": x.grad})


def ref_crossentropy():
    """Mean cross-entropy with ignored positions, with and without smoothing."""
    N, V, ignore, eps = 8, 11, -100, 0.1
    logits = leaf(N, V, scale=2.0)
    targets = torch.randint(0, V, (N,))
    targets[2] = ignore
    targets[5] = ignore
    tensors = {"logits": logits, "targets": targets,
               "ignore_index": torch.tensor([ignore]), "smoothing": torch.tensor([eps])}
    for suffix, e in (("", eps), ("_plain", 0.0)):
        logits.grad = None
        loss = F.cross_entropy(logits, targets, ignore_index=ignore, label_smoothing=e,
                               reduction="mean")
        loss.backward()
        tensors["loss" + suffix] = loss.reshape(1)
        tensors["dlogits" + suffix] = logits.grad.clone()
    tensors["probs"] = F.softmax(logits, dim=-1)
    write_fixture("ops_crossentropy", tensors)


if __name__ == "__main__":
    ref_linear()
    ref_layernorm()
    ref_gelu()
    ref_log_softmax()
    ref_crossentropy()
