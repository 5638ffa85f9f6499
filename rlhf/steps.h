/*
 * steps.h -- part 2's steps as the commands a learner types, run one after
 * another in one process over a run folder (rlhf/run.h): `rlhf pipeline`
 * and the demo's second section.
 *
 * A step's RESULT line is kept in DIR/NAME.result (written atomically once
 * the step has finished); a step whose file is there is not run again, its
 * saved line printed instead, so an interrupted pipeline resumes at the
 * step it was in.
 */
#ifndef NLP_RLHF_STEPS_H
#define NLP_RLHF_STEPS_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *const *args;   /* the command's arguments; "@" stands for the run folder */
} RlhfStep;

#define STEP_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Print the command, run it (with --threads threads) unless done before,
 * print its RESULT line. */
void rlhf_step_run(const RlhfStep *s, const char *dir, const char *threads);

#endif
