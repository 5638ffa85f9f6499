"""PyTorch side of the RLHF benchmark (bench/rlhf.c, run by `make bench`):
PPO on CartPole-v1 as cleanrl's ppo.py runs it, on the CPU.

gym is not installed here, so CartPole-v1 is written out in Python as gym
writes it (one environment object per copy, its physics in Python floats,
reset uniform in [-0.05, 0.05) from a numpy Generator, the 500-step limit),
and stepped the way gym's SyncVectorEnv with RecordEpisodeStatistics steps
it: one environment after another, each reset within the step that ends its
episode. The agent and the loop are cleanrl's: two 64-64 tanh MLPs with
orthogonal initialisation, Adam (lr 2.5e-4 annealed, eps 1e-5), 128 steps
in each of 4 environments, GAE (0.99, 0.95), 4 epochs of 4 minibatches,
clipped surrogate and value loss, entropy 0.01, value 0.5, gradient norm
0.5. Only cleanrl's TensorBoard logging is left out (it would slow this
side down further).

Prints, in scripts/bench.sh's form, for a budget of BENCH_RLHF_STEPS steps
(default 50000; the time to 500k is 500000 / rate, since an update costs
the same whatever the episodes):
  RESULT stage=bench bench=rlhf case=ppo_tN impl=pytorch value=STEPS_PER_S unit=steps/s
  RESULT stage=bench bench=rlhf case=ppo_500k_wall_tN impl=pytorch value=S unit=s
  RESULT stage=bench bench=rlhf case=ppo_500k_cpu_tN impl=pytorch value=S unit=s
With --steps 500000 it is a full run of cleanrl's recipe (its last line then
also gives the mean return of the last 100 episodes).
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions.categorical import Categorical


class CartPole:
    """CartPole-v1: gym's CartPoleEnv (euler) inside its TimeLimit(500)."""
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, seed):
        self.np_random = np.random.default_rng(seed)
        self.state, self.t = None, 0

    def reset(self):
        self.state = self.np_random.uniform(low=-0.05, high=0.05, size=(4,))
        self.t = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.t += 1
        terminated = bool(x < -self.x_threshold or x > self.x_threshold
                          or theta < -self.theta_threshold or theta > self.theta_threshold)
        truncated = self.t >= 500
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


class SyncVectorEnv:
    """gym's SyncVectorEnv + RecordEpisodeStatistics: auto-reset, episode returns."""

    def __init__(self, n, seed):
        self.envs = [CartPole(seed + i) for i in range(n)]
        self.returns = np.zeros(n)
        self.finished = []

    def reset(self):
        return np.stack([e.reset() for e in self.envs])

    def step(self, actions):
        obs, rewards, dones = [], np.zeros(len(self.envs)), np.zeros(len(self.envs))
        for i, (env, a) in enumerate(zip(self.envs, actions)):
            o, r, term, trunc = env.step(int(a))
            self.returns[i] += r
            if term or trunc:
                self.finished.append(self.returns[i])
                self.returns[i] = 0.0
                o = env.reset()
            obs.append(o)
            rewards[i], dones[i] = r, float(term or trunc)
        return np.stack(obs), rewards, dones


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(4, 64)), nn.Tanh(), layer_init(nn.Linear(64, 64)),
                                    nn.Tanh(), layer_init(nn.Linear(64, 1), std=1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(4, 64)), nn.Tanh(), layer_init(nn.Linear(64, 64)),
                                   nn.Tanh(), layer_init(nn.Linear(64, 2), std=0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        probs = Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


def ppo(total_steps, seed=1, num_envs=4, num_steps=128, lr=2.5e-4, gamma=0.99, gae_lambda=0.95,
        num_minibatches=4, update_epochs=4, clip_coef=0.2, ent_coef=0.01, vf_coef=0.5, max_grad_norm=0.5):
    """cleanrl's ppo.py main loop; returns (steps, wall s, cpu s, mean return of the last 100 episodes)."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    envs = SyncVectorEnv(num_envs, seed)
    agent = Agent()
    optimizer = optim.Adam(agent.parameters(), lr=lr, eps=1e-5)
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // num_minibatches
    obs = torch.zeros((num_steps, num_envs, 4))
    actions = torch.zeros((num_steps, num_envs))
    logprobs = torch.zeros((num_steps, num_envs))
    rewards = torch.zeros((num_steps, num_envs))
    dones = torch.zeros((num_steps, num_envs))
    values = torch.zeros((num_steps, num_envs))
    t0, c0 = time.perf_counter(), time.process_time()
    global_step = 0
    next_obs = torch.Tensor(envs.reset())
    next_done = torch.zeros(num_envs)
    num_updates = total_steps // batch_size
    for update in range(1, num_updates + 1):
        optimizer.param_groups[0]["lr"] = (1.0 - (update - 1.0) / num_updates) * lr
        for step in range(num_steps):
            global_step += num_envs
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            next_obs, reward, done = envs.step(action.cpu().numpy())
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs, next_done = torch.Tensor(next_obs), torch.Tensor(done)
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(num_steps)):
                if t == num_steps - 1:
                    nextnonterminal, nextvalues = 1.0 - next_done, next_value
                else:
                    nextnonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
                delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values
        b_obs, b_logprobs, b_actions = obs.reshape((-1, 4)), logprobs.reshape(-1), actions.reshape(-1)
        b_advantages, b_returns, b_values = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
        b_inds = np.arange(batch_size)
        for epoch in range(update_epochs):
            np.random.shuffle(b_inds)
            for start in range(0, batch_size, minibatch_size):
                mb_inds = b_inds[start:start + minibatch_size]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds],
                                                                              b_actions.long()[mb_inds])
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kl = ((ratio - 1) - logratio).mean()  # noqa: F841 (logged by cleanrl)
                mb_adv = b_advantages[mb_inds]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)).mean()
                newvalue = newvalue.view(-1)
                v_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip_coef, clip_coef)
                v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_returns[mb_inds]) ** 2).mean()
                loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
                optimizer.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    last = envs.finished[-100:]
    return global_step, wall, cpu, (sum(last) / len(last) if last else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=1, help="accepted for bench.sh; one run")
    ap.add_argument("--steps", type=int, default=int(os.environ.get("BENCH_RLHF_STEPS") or 50000))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--impl", default="pytorch", choices=["pytorch"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    args = ap.parse_args()
    if args.impls:
        print("pytorch")
        return
    torch.set_num_threads(args.threads)
    steps, wall, cpu, ret = ppo(args.steps, seed=args.seed)
    t = args.threads
    print(f"RESULT stage=bench bench=rlhf case=ppo_t{t} impl=pytorch value={steps / wall:.0f} unit=steps/s "
          f"steps={steps} return={ret:.1f}")
    print(f"RESULT stage=bench bench=rlhf case=ppo_500k_wall_t{t} impl=pytorch value={500000 * wall / steps:.2f} unit=s")
    print(f"RESULT stage=bench bench=rlhf case=ppo_500k_cpu_t{t} impl=pytorch value={500000 * cpu / steps:.2f} unit=s")


if __name__ == "__main__":
    main()
