/* elmo_cli.h -- the `rnn elmo-probe` (the POS probe's table) and `rnn elmo` ("flies" twice) commands. */
#ifndef RNN_ELMO_CLI_H
#define RNN_ELMO_CLI_H

int rnn_cmd_elmo_probe(int argc, char **argv);
int rnn_cmd_elmo(int argc, char **argv);

#endif
