"""Reference for rnn/classify.c: Kim's (2014) CNN sentence classifier.

ids (B,T) -> embedding (V,E) -> for each filter width K in 3, 4, 5: Conv1d(E,
F, K) over time -> ReLU -> max over time -> concatenated (B, 3F) -> linear to
NC logits -> mean cross-entropy. Dropout off. The sentences sit after Kim's
K-1 = 4 padding positions on the left, <pad> (id 3) elsewhere, with the <pad>
row of the table at zero (its gradient is still reported: the C side keeps
the row at zero after each step instead). Our conv weight layout (F, K*E) is
PyTorch's (F, E, K) permuted to (F, K, E). Writes tests/fixtures/rnn_classify.bin:
every parameter by its C name, ids, labels, logits, loss and every gradient.
"""
import torch

from fixture import write_fixture

torch.manual_seed(11)
V, E, F, NC, B, T, PAD_ID, PAD = 10, 4, 3, 3, 3, 11, 3, 4
WIDTHS = (3, 4, 5)
lens = [2, 5, 3]
ids = torch.full((B, T), PAD_ID, dtype=torch.long)
for b, n in enumerate(lens):
    ids[b, PAD:PAD + n] = torch.randint(4, V, (n,))
labels = torch.tensor([0, 2, 1])

wte = (torch.rand(V, E) - 0.5)
wte[PAD_ID] = 0.0
wte.requires_grad_(True)
convs = [torch.nn.Conv1d(E, F, K) for K in WIDTHS]
out = torch.nn.Linear(F * len(WIDTHS), NC)

x = wte[ids]                                            # (B,T,E)
feats = [torch.relu(c(x.transpose(1, 2))).max(dim=2).values for c in convs]
logits = out(torch.cat(feats, dim=1))                   # (B,NC)
loss = torch.nn.functional.cross_entropy(logits, labels)
loss.backward()

tensors = {"ids": ids, "lens": torch.tensor(lens), "labels": labels,
           "wte": wte, "d.wte": wte.grad}
for K, c in zip(WIDTHS, convs):
    tensors[f"conv{K}.w"] = c.weight.permute(0, 2, 1).reshape(F, K * E)
    tensors[f"conv{K}.b"] = c.bias
    tensors[f"d.conv{K}.w"] = c.weight.grad.permute(0, 2, 1).reshape(F, K * E)
    tensors[f"d.conv{K}.b"] = c.bias.grad
tensors.update({"out.w": out.weight, "out.b": out.bias, "d.out.w": out.weight.grad,
                "d.out.b": out.bias.grad, "logits": logits, "loss": loss.reshape(1)})
write_fixture("rnn_classify", tensors)
