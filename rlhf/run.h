/*
 * run.h -- the folder of part 2's pipeline, where each step leaves what the
 * next one reads, so steps run one by one (rlhf sft, labels, rm-train, ppo,
 * dpo, compare) or all in order (rlhf pipeline), and a step already done is
 * not redone:
 *
 *     pretrained.ckpt   the word-level GPT pretrained on the world's facts   rlhf sft
 *     sft.ckpt          fine-tuned on the demonstrations                     rlhf sft
 *     prefs_*.tsv       labellers' rankings of sft.ckpt's samples            rlhf labels --run
 *     rm.ckpt(.head)    the reward model                                     rlhf rm-train
 *     pretraining.bin   the text the alignment tax is measured on            rlhf sft
 *     NAME.ckpt         a policy after PPO or DPO, NAME.tsv its curves       rlhf ppo, rlhf dpo
 *
 * Every GPT checkpoint carries the task it was trained on (task_subjects,
 * task_heldout, task_seed: instruct_generate's arguments), so a run folder
 * rebuilds the same prompts, held-out split and vocabulary; a policy whose
 * vocabulary or context differs from the run's is refused.
 */
#ifndef NLP_RLHF_RUN_H
#define NLP_RLHF_RUN_H

#include <stddef.h>

#include "gpt/gpt.h"
#include "rlhf/instruct.h"
#include "text.h"

typedef struct {
    int subjects;              /* people in the world; 3 prompts each */
    double heldout;            /* the fraction of them held out */
    unsigned long long seed;   /* the world and the prompts */
} TaskConfig;

typedef struct {
    char dir[2048];
    TaskConfig task;
    InstructSet set;
    Vocab *vocab;
    int T;                     /* the context of the run's models */
} RlhfRun;

/* The task as checkpoint config lines ("task_subjects=200\n..."). */
void task_config_text(const TaskConfig *t, char *buf, size_t n);

/* A run in dir for task t with models of context T (the folder is made). */
void rlhf_run_new(RlhfRun *run, const char *dir, const TaskConfig *t, int T);
/* The run in dir, its task read from dir/sft.ckpt; dies, naming the command
 * that makes it, when there is none. */
void rlhf_run_open(RlhfRun *run, const char *dir);
void rlhf_run_close(RlhfRun *run);

/* dir/file into buf; and whether that file exists. */
void rlhf_run_path(const RlhfRun *run, const char *file, char *buf, size_t n);
int rlhf_run_has(const RlhfRun *run, const char *file);

/* Dies unless the GPT checkpoint at path was trained on the run's task,
 * with its vocabulary and context. */
void rlhf_run_check(const RlhfRun *run, const char *path);
/* The policy dir/NAME.ckpt into a fresh m, checked as above. */
void rlhf_run_load(const RlhfRun *run, const char *name, Gpt *m);
/* m as dir/NAME.ckpt (atomic), with the task in its config. */
void rlhf_run_save(const RlhfRun *run, const char *name, const Gpt *m);

/* The pretraining stream: the world's fact sentences (facts_corpus with
 * repeats and seed), each followed by "." and </s>, as ids; *n of them. */
int *rlhf_pretraining_tokens(const RlhfRun *run, int repeats, unsigned long long seed, size_t *n);

/* The alignment tax is a policy's perplexity on the pretraining text
 * (InstructGPT, Ouyang et al. 2022, section 4.2): measured on one pass over
 * the facts in an order of its own (a seed no training run uses). */
int *rlhf_tax_tokens(const RlhfRun *run, size_t *n);
/* The same ids as dir/pretraining.bin, an llm.c token file (atomic), so that
 * `gpt eval --model DIR/NAME.ckpt --data DIR/pretraining.bin` scores any of
 * the run's models on them: the ladder's alignment-tax rows. */
void rlhf_run_save_tax_text(const RlhfRun *run);

#endif
