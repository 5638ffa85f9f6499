/*
 * labels.h -- the labelling experiment of part 2: the instruction task, K
 * responses to each prompt, the simulated labellers' noise calibrated to
 * InstructGPT's agreement, their rankings written as preference files, and
 * the agreement of two labellers measured on the held-out prompts.
 *
 * The responses are a policy's samples at temperature 1 (InstructGPT's
 * labellers ranked the SFT model's), or without a policy the
 * demonstrations with random edits (instruct_corrupt), a stand-in for an
 * untrained model's. The folder gets:
 *
 *     task.tsv             split, kind, prompt, demonstration (one prompt a line)
 *     prefs_train.tsv      labeller 0's rankings of the training prompts' responses (prefs.h)
 *     prefs_heldout.tsv    and of the held-out prompts'
 *     prefs_heldout_b.tsv  labeller 1's rankings of the same held-out responses
 */
#ifndef NLP_RLHF_LABELS_H
#define NLP_RLHF_LABELS_H

#include "gpt/gpt.h"
#include "rlhf/run.h"

typedef struct {
    int subjects;              /* in the world of facts; 3 prompts each */
    double heldout;            /* the fraction of subjects held out */
    int k;                     /* responses ranked per prompt */
    double target;             /* the agreement the noise is calibrated to */
    unsigned long long seed;
    Gpt *policy;               /* whose samples are ranked (NULL: edited demonstrations) ... */
    const RlhfRun *run;        /* ... on this run's task, into its folder */
} LabelsConfig;

typedef struct {
    int train, heldout;        /* prompts */
    double sigma;              /* the labellers' noise */
    double expected;           /* the agreement it gives on the training prompts' responses */
    double agreement;          /* measured: labellers 0 and 1 on the held-out prompts' pairs */
    long pairs;                /* held-out pairs that measure was over */
} LabelsResult;

/* 200 subjects, a quarter held out, K = 4, InstructGPT's 72.6%, seed 1. */
void labels_defaults(LabelsConfig *c);
/* Run it into the folder out (made if missing; with a policy, the run's
 * folder and task replace out and the config's); dies when no noise
 * reaches the target on these responses. */
LabelsResult labels_run(const LabelsConfig *c, const char *out);

#endif
