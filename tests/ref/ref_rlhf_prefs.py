"""The two preference losses of chapter 7's part 2, for tests/test_rlhf_prefs.c.

The reward model's loss (InstructGPT, eq. 1) on one ranking of K = 4
responses with rewards r and places rank (1 = best): every one of the
K(K-1)/2 pairs, the preferred w and the rejected l,

    loss_rm = -mean over pairs of log sigmoid(r_w - r_l)

and DPO's (Rafailov et al. 2023, eq. 7) on five pairs of sequence
log-probabilities under the policy and the reference, beta 0.1:

    loss_dpo = -mean log sigmoid(beta ((pi_w - ref_w) - (pi_l - ref_l)))

Written to tests/fixtures/rlhf_prefs.bin with the gradients with respect to
r and to the policy's log-probabilities. Inputs drawn in float32, answers
computed in float64 and stored as float32.

    /usr/bin/python3 tests/ref/ref_rlhf_prefs.py
"""
import itertools

import torch
import torch.nn.functional as F

from fixture import write_fixture

DT = torch.float64
BETA = 0.1


def main():
    torch.manual_seed(11)
    r = (torch.randn(4) * 1.5).to(DT).requires_grad_()
    rank = torch.tensor([3, 1, 4, 2])
    terms = []
    for i, j in itertools.combinations(range(4), 2):
        w, l = (i, j) if rank[i] < rank[j] else (j, i)
        terms.append(F.logsigmoid(r[w] - r[l]))
    loss_rm = -torch.stack(terms).mean()
    loss_rm.backward()

    n = 5
    pi_w = (torch.randn(n) * 3 - 12).to(DT).requires_grad_()
    pi_l = (torch.randn(n) * 3 - 12).to(DT).requires_grad_()
    ref_w = (pi_w.detach().float() + torch.randn(n)).to(DT)
    ref_l = (pi_l.detach().float() + torch.randn(n)).to(DT)
    loss_dpo = -F.logsigmoid(BETA * ((pi_w - ref_w) - (pi_l - ref_l))).mean()
    loss_dpo.backward()
    print(f"loss_rm {loss_rm.item():.6f} loss_dpo {loss_dpo.item():.6f}")
    write_fixture("rlhf_prefs", {
        "r": r, "rank": rank, "loss_rm": loss_rm.reshape(1), "dr": r.grad,
        "pi_w": pi_w, "pi_l": pi_l, "ref_w": ref_w, "ref_l": ref_l,
        "loss_dpo": loss_dpo.reshape(1), "dpi_w": pi_w.grad, "dpi_l": pi_l.grad})


if __name__ == "__main__":
    main()
