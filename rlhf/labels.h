/*
 * labels.h -- the labelling experiment of part 2: the instruction task, K
 * responses to each prompt, the simulated labellers' noise calibrated to
 * InstructGPT's agreement, their rankings written as preference files, and
 * the agreement of two labellers measured on the held-out prompts.
 *
 * Until a policy exists, the responses are the demonstrations with random
 * edits (instruct_corrupt), a stand-in for an untrained model's samples;
 * the reward model's session will rank the SFT model's own samples with the
 * same calls. The run folder gets:
 *
 *     task.tsv             split, kind, prompt, demonstration (one prompt a line)
 *     prefs_train.tsv      labeller 0's rankings of the training prompts' responses (prefs.h)
 *     prefs_heldout.tsv    and of the held-out prompts'
 */
#ifndef NLP_RLHF_LABELS_H
#define NLP_RLHF_LABELS_H

typedef struct {
    int subjects;              /* in the world of facts; 3 prompts each */
    double heldout;            /* the fraction of subjects held out */
    int k;                     /* responses ranked per prompt */
    double target;             /* the agreement the noise is calibrated to */
    unsigned long long seed;
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
/* Run it into the folder out (made if missing); dies when no noise reaches
 * the target on these responses. */
LabelsResult labels_run(const LabelsConfig *c, const char *out);

#endif
