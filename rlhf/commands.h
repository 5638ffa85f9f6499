/*
 * commands.h -- the `rlhf` command line: one function per command, each in
 * its own file.
 *
 *     rlhf/cmd_cartpole.c   cartpole   REINFORCE, A2C or PPO on CartPole-v1 (rlhf/cartpole_train.h)
 *     rlhf/cmd_curves.c     curves     the methods over several seeds, learning curves on one plot
 *     rlhf/cmd_demo.c       demo       the chapter's demo
 *     rlhf/cmd_labels.c     labels     part 2's task, simulated labellers, preference files
 *     rlhf/cmd_sft.c        sft        supervised fine-tuning, judged by the gold reward
 *
 * A command takes the arguments after its name (argv[0] is the name) and
 * returns the exit status; bad input dies with status 1, bad usage 2.
 */
#ifndef NLP_RLHF_COMMANDS_H
#define NLP_RLHF_COMMANDS_H

#include "rlhf/cartpole_train.h"

int rlhf_cmd_cartpole(int argc, char **argv);
int rlhf_cmd_curves(int argc, char **argv);
int rlhf_cmd_demo(int argc, char **argv);
int rlhf_cmd_labels(int argc, char **argv);
int rlhf_cmd_sft(int argc, char **argv);
int rlhf_cmd_rm_train(int argc, char **argv);
int rlhf_cmd_ppo(int argc, char **argv);
int rlhf_cmd_dpo(int argc, char **argv);
int rlhf_cmd_compare(int argc, char **argv);
int rlhf_cmd_pipeline(int argc, char **argv);
int rlhf_cmd_chat(int argc, char **argv);

/* The RESULT line of a CartPole run:
 * RESULT stage=rlhf task=cartpole algo= seed= steps= episodes= return= train_s= cpu_s= sps= */
void rlhf_cartpole_result(const CartpoleConfig *cfg, const CartpoleResult *r);
/* Draw OUT/return.png (the mean return of the last 100 episodes against
 * environment steps) and OUT/loss.png from a run's metrics.tsv. */
void rlhf_cartpole_plots(const char *out);

#endif
