/* classify_cli.h -- the `rnn classify-train` and `rnn classify-eval` commands. */
#ifndef RNN_CLASSIFY_CLI_H
#define RNN_CLASSIFY_CLI_H

#include "rnn/classify.h"

int rnn_cmd_classify_train(int argc, char **argv);
/* `rnn classify-eval`: a saved classifier's accuracy on a labelled file. */
int rnn_cmd_classify_eval(int argc, char **argv);

#endif
