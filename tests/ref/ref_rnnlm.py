"""Reference for rnn/rnnlm.h: Mikolov's RNNLM with a class-factored output.

A tiny model (V=9 words, H=5 hidden units, C=3 classes) reads 6 words from a
fixed state s0, with autograd in double precision:

    s_k  = sigmoid(U[w_k] + W s_{k-1})
    loss = sum_k -log( softmax(X s_k)[c(n_k)] * softmax(Y_c s_k)[n_k within c] )

Y's rows are stored in the C code's layout: class by class, the words of a
class in id order. Writes tests/fixtures/rnnlm.bin: the weights, the classes,
the loss and the gradients of U, W, X, Y (full BPTT over the 6 steps, which
the test runs with one rnnlm_bptt call; no clipping is reached).
"""
import torch

from fixture import write_fixture

torch.manual_seed(0)
V, H, C = 9, 5, 3
word_class = torch.tensor([2, 0, 1, 2, 0, 1, 2, 1, 2])
words = [2, 5, 8, 2, 4, 7, 6]                 # inputs words[0..5], targets words[1..6]
s0 = torch.tensor([0.2, 0.8, 0.5, 0.4, 0.6], dtype=torch.float64)

U = (torch.randn(V, H, dtype=torch.float64) * 0.5).requires_grad_()
W = (torch.randn(H, H, dtype=torch.float64) * 0.5).requires_grad_()
X = (torch.randn(C, H, dtype=torch.float64) * 0.5).requires_grad_()
Y = (torch.randn(V, H, dtype=torch.float64) * 0.5).requires_grad_()

# row of each word in Y: classes in order, words of a class by id
order = sorted(range(V), key=lambda w: (int(word_class[w]), w))
row = {w: r for r, w in enumerate(order)}

s = s0
loss = torch.zeros((), dtype=torch.float64)
for k in range(6):
    s = torch.sigmoid(U[words[k]] + W @ s)
    nxt = words[k + 1]
    c = int(word_class[nxt])
    rows = [row[w] for w in order if int(word_class[w]) == c]
    loss = loss - torch.log_softmax(X @ s, 0)[c]
    loss = loss - torch.log_softmax(Y[rows] @ s, 0)[rows.index(row[nxt])]
loss.backward()

write_fixture("rnnlm", {
    "U": U, "W": W, "X": X, "Y": Y, "word_class": word_class.float(),
    "loss": loss.reshape(1),
    "dU": U.grad, "dW": W.grad, "dX": X.grad, "dY": Y.grad,
})
print("rnnlm: loss %.6f" % loss.item())
