/* classify_cli.h -- the `rnn classify-train` command and the Bible run the demo shares. */
#ifndef RNN_CLASSIFY_CLI_H
#define RNN_CLASSIFY_CLI_H

#include "rnn/classify.h"

int cmd_classify_train(int argc, char **argv);
/* Train on the Bible's train verses, return test accuracy; *majority gets the
 * majority-class baseline when non-NULL. vectors_lm may be NULL (rand). */
double cls_run_bible(const ClsTrainOptions *t, const char *vectors_lm, int maxlen, double *majority);

#endif
