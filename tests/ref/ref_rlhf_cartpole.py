"""CartPole-v1 trajectories for tests/test_rlhf_cartpole.c, from a short,
independent re-reading of gym's equations (gym is not installed here; this
follows gym/envs/classic_control/cartpole.py line by line, in Python floats,
that is in double, as gym does).

Three episodes, each from a start state and a fixed sequence of actions:
  - "push": always push right, until the pole falls (the terminating step,
    rewarded 1, included);
  - "random": uniformly random actions (Python's random, seeded), until it falls;
  - "balance": a hand-made controller that keeps the pole up, so the episode
    is truncated by the 500-step limit without terminating.
The start states are drawn in [-0.05, 0.05) and rounded to float32, so the
fixture holds them exactly. For each step the fixture stores the action, the
observation after it (the double state rounded to float32, as gym returns
it), the reward, and the terminated and truncated flags.

    /usr/bin/python3 tests/ref/ref_rlhf_cartpole.py
"""
import math
import random
import struct

from fixture import write_fixture

GRAVITY, MASS_CART, MASS_POLE, HALF_LENGTH, FORCE_MAG, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL_MASS = MASS_POLE + MASS_CART
POLEMASS_LENGTH = MASS_POLE * HALF_LENGTH
THETA_THRESHOLD = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4
MAX_STEPS = 500


def step(state, action):
    """gym's CartPoleEnv.step with the euler integrator: (state', terminated)."""
    x, x_dot, theta, theta_dot = state
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta, sintheta = math.cos(theta), math.sin(theta)
    temp = (force + POLEMASS_LENGTH * theta_dot**2 * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * costheta**2 / TOTAL_MASS))
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x, x_dot, theta, theta_dot = (x + TAU * x_dot, x_dot + TAU * xacc,
                                  theta + TAU * theta_dot, theta_dot + TAU * thetaacc)
    terminated = x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD or theta > THETA_THRESHOLD
    return (x, x_dot, theta, theta_dot), terminated


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def episode(start, policy):
    """Run until terminated or truncated (gym's TimeLimit at 500 steps)."""
    state, rows = start, {"actions": [], "obs": [], "reward": [], "terminated": [], "truncated": []}
    for t in range(1, MAX_STEPS + 1):
        action = policy(state)
        state, terminated = step(state, action)
        truncated = t >= MAX_STEPS
        rows["actions"].append(action)
        rows["obs"].append([f32(v) for v in state])
        rows["reward"].append(1.0)           # every step, the terminating one included
        rows["terminated"].append(float(terminated))
        rows["truncated"].append(float(truncated))
        if terminated or truncated:
            return rows
    raise AssertionError("unreachable")


def balance(state):
    """Push towards where the pole is falling, minding the cart's drift."""
    x, x_dot, theta, theta_dot = state
    return 1 if theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0 else 0


def main():
    rng = random.Random(2024)
    tensors = {}
    policies = {"push": lambda s: 1, "random": lambda s: rng.randrange(2), "balance": balance}
    for name, policy in policies.items():
        start = tuple(f32(rng.uniform(-0.05, 0.05)) for _ in range(4))
        rows = episode(start, policy)
        tensors[name + ".start"] = list(start)
        for key, value in rows.items():
            tensors[name + "." + key] = value
        print(f"{name}: {len(rows['actions'])} steps, terminated={bool(rows['terminated'][-1])}, "
              f"truncated={bool(rows['truncated'][-1])}")
    assert tensors["balance.truncated"][-1] == 1.0 and tensors["balance.terminated"][-1] == 0.0
    assert tensors["push.terminated"][-1] == 1.0 and tensors["random.terminated"][-1] == 1.0
    write_fixture("rlhf_cartpole", tensors)


if __name__ == "__main__":
    main()
