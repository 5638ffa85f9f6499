/*
 * main.c -- the rlhf/ command line (Chapter 7: learning from human feedback):
 *
 *     rlhf cartpole   REINFORCE, A2C or PPO on CartPole-v1 (cleanrl's settings by default)
 *     rlhf curves     the three methods over three seeds: learning curves on one plot
 *     rlhf demo       the chapter's demo: PPO balancing the pole
 *     rlhf labels     part 2's instruction task and simulated labellers' rankings
 *     rlhf sft        supervised fine-tuning on demonstrations, judged by the gold reward
 *
 * This file only dispatches: each command lives in rlhf/cmd_*.c (rlhf/commands.h).
 * Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "rlhf/commands.h"
#include "cli.h"
#include "matmul.h"
#include "util.h"

static const CliCommand commands[] = {
    {"cartpole", rlhf_cmd_cartpole, "REINFORCE, A2C or PPO on CartPole-v1 (default: PPO with cleanrl's settings)"},
    {"curves", rlhf_cmd_curves, "REINFORCE, A2C and PPO over 3 seeds: their learning curves on one plot"},
    {"demo", rlhf_cmd_demo, "PPO learns to balance the pole, with its return curve"},
    {"sft", rlhf_cmd_sft, "supervised fine-tuning on the task's demonstrations, judged by the gold reward"},
    {"labels", rlhf_cmd_labels, "the instruction task, simulated labellers calibrated to 72.6% agreement, their rankings"},
    {"rm-train", rlhf_cmd_rm_train, "the reward model on the labellers' rankings: accuracy beside their agreement"},
    {"pipeline", rlhf_cmd_pipeline, "every step of InstructGPT in order, reusing what an earlier run left: the chapter's table"},
    {"chat", rlhf_cmd_chat, "type a prompt: the SFT, PPO and DPO models' answers side by side"},
    {"compare", rlhf_cmd_compare, "two policies on the held-out prompts: each gold criterion, and the win rate"},
    {"dpo", rlhf_cmd_dpo, "direct preference optimisation on the rankings: no reward model, no sampling"},
    {"ppo", rlhf_cmd_ppo, "PPO against the reward model with a KL penalty (and PPO-ptx), judged by the gold reward"},
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

int main(int argc, char **argv) {
    openmp_wait_passively(argv);
    util_set_prog("rlhf");
    return cli_dispatch("rlhf",
                        "Chapter 7, learning from human feedback: RL on CartPole (REINFORCE, A2C, PPO), "
                        "then InstructGPT (SFT, reward model, PPO, DPO).",
                        "rlhf cartpole --algo ppo --seed 1", commands, N_COMMANDS, argc, argv);
}
