"""PPO's minibatch loss as cleanrl's ppo.py computes it, for tests/test_rlhf_ppo.c.

Eight samples of a categorical policy over three actions: the new logits and
values (the leaves), the actions taken, the old log-probabilities (from other
logits, so that some ratios fall outside [0.8, 1.2] on either side), the raw
advantages, the returns and the old values (some within 0.2 of the new ones,
some not). The loss, with cleanrl's defaults (advantages normalised over the
minibatch, clip 0.2 for the ratio and the value, entropy 0.01, value 0.5):

    pg_loss = mean(max(-A r, -A clamp(r, 0.8, 1.2)))
    v_loss  = 0.5 mean(max((V - R)^2, (V_old + clamp(V - V_old, -0.2, 0.2) - R)^2))
    loss    = pg_loss - 0.01 entropy + 0.5 v_loss

and, without gradients, approx_kl = mean((r - 1) - log r) and the clip
fraction. Written to tests/fixtures/rlhf_ppo.bin with the gradients of the
loss with respect to the logits and the values. Inputs are drawn in float32,
the answers computed in float64 and stored as float32.

    /usr/bin/python3 tests/ref/ref_rlhf_ppo.py
"""
import torch
from torch.distributions.categorical import Categorical

from fixture import write_fixture

DT = torch.float64
CLIP, ENT_COEF, VF_COEF = 0.2, 0.01, 0.5


def main():
    torch.manual_seed(7)
    n, A = 8, 3
    logits = (torch.randn(n, A) * 1.5).to(DT).requires_grad_()
    values = (torch.randn(n) * 2).to(DT).requires_grad_()
    actions = torch.randint(0, A, (n,))
    old_logits = logits.detach() + (torch.randn(n, A) * 0.6).to(DT)
    old_logp = Categorical(logits=old_logits).log_prob(actions).float().to(DT)
    adv = (torch.randn(n) * 3).to(DT)
    returns = (torch.randn(n) * 2).to(DT)
    old_values = (values.detach().float() + torch.randn(n) * 0.3).to(DT)

    dist = Categorical(logits=logits)
    newlogp, entropy = dist.log_prob(actions), dist.entropy()
    logratio = newlogp - old_logp
    ratio = logratio.exp()
    with torch.no_grad():
        approx_kl = ((ratio - 1) - logratio).mean()
        clip_frac = ((ratio - 1.0).abs() > CLIP).double().mean()
    mb_adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - CLIP, 1 + CLIP)).mean()
    v_unclipped = (values - returns) ** 2
    v_clipped = (old_values + torch.clamp(values - old_values, -CLIP, CLIP) - returns) ** 2
    v_loss = 0.5 * torch.max(v_unclipped, v_clipped).mean()
    entropy_loss = entropy.mean()
    loss = pg_loss - ENT_COEF * entropy_loss + VF_COEF * v_loss
    loss.backward()
    print(f"ratios {[round(v, 3) for v in ratio.tolist()]}")
    print(f"|V - V_old| {[round(v, 3) for v in (values - old_values).abs().tolist()]}")
    print(f"loss {loss.item():.6f} clip_frac {clip_frac.item():.3f} approx_kl {approx_kl.item():.6f}")
    write_fixture("rlhf_ppo", {
        "logits": logits, "values": values, "actions": actions, "old_logp": old_logp, "adv": adv,
        "returns": returns, "old_values": old_values,
        "loss": loss.reshape(1), "pg_loss": pg_loss.reshape(1), "v_loss": v_loss.reshape(1),
        "entropy": entropy_loss.reshape(1), "approx_kl": approx_kl.reshape(1), "clip_frac": clip_frac.reshape(1),
        "dlogits": logits.grad, "dvalues": values.grad})


if __name__ == "__main__":
    main()
