/*
 * commands.h -- the `gpt` command line: one function per command, each in
 * its own file, and the few helpers several commands share (gpt/commands.c).
 *
 *     gpt/cmd_bpe.c       bpe-train, encode, decode   (the tokenizer commands)
 *     gpt/cmd_train.c     train                       (its recipes: gpt/presets.c)
 *     gpt/cmd_eval.c      eval
 *     gpt/cmd_sample.c    sample
 *     gpt/cmd_finetune.c  finetune
 *     gpt/cmd_convert.c   convert
 *     gpt/cmd_bench.c     bench
 *     gpt/cmd_demo.c      demo
 *     gpt/cmd_icl.c       icl-train, icl-eval, icl-heads   (in-context learning: gpt/icl.h)
 *     gpt/cmd_rome.c      facts-train, trace, edit  (gpt/facts.h, gpt/rome.h)
 *     gpt/cmd_cot.c       cot-train, cot-eval         (chain of thought: gpt/cot.h)
 *     gpt/cmd_demo_prompting.c  demo-prompting       (the three above, in a few minutes)
 *
 * A command takes the arguments after its name (argv[0] is the name) and
 * returns the exit status; bad input dies with status 1, bad usage 2.
 */
#ifndef NLP_GPT_COMMANDS_H
#define NLP_GPT_COMMANDS_H

#include <stddef.h>

#include "common/cli.h"
#include "gpt/gpt.h"
#include "tokenizer.h"

/* The built-in corpus: the King James Bible's verses (`make data`). */
#define GPT_BIBLE_TRAIN "data/cache/bible/chars.train.txt"
#define GPT_BIBLE_VALID "data/cache/bible/chars.valid.txt"

int gpt_cmd_bpe_train(int argc, char **argv);
int gpt_cmd_encode(int argc, char **argv);
int gpt_cmd_decode(int argc, char **argv);
int gpt_cmd_train(int argc, char **argv);
int gpt_cmd_eval(int argc, char **argv);
int gpt_cmd_sample(int argc, char **argv);
int gpt_cmd_finetune(int argc, char **argv);
int gpt_cmd_convert(int argc, char **argv);
int gpt_cmd_bench(int argc, char **argv);
int gpt_cmd_demo(int argc, char **argv);
int gpt_cmd_demo_prompting(int argc, char **argv);
int gpt_cmd_icl_train(int argc, char **argv);
int gpt_cmd_icl_eval(int argc, char **argv);
int gpt_cmd_icl_heads(int argc, char **argv);
int gpt_cmd_facts_train(int argc, char **argv);
int gpt_cmd_trace(int argc, char **argv);
int gpt_cmd_edit(int argc, char **argv);

/* The prompting demo's ROME part (gpt/cmd_rome.c): a fact is traced (the
 * three maps of one prompt, printed), edited by ROME at the layer causal
 * tracing points to, and queried again through its prompt, a paraphrase, a
 * neighbour (same relation and object) and another fact of the subject.
 * Uses the fact model in dir (NULL: runs/gpt/facts), training the standard
 * one there first when it is missing (1-2 minutes on one core; 16 s more for
 * the rest). Prints as it goes; returns 0, dies on bad input. */
int gpt_rome_demo(const char *dir);
int gpt_cmd_cot_train(int argc, char **argv);
int gpt_cmd_cot_eval(int argc, char **argv);

/* GPT-2's vocabulary folder: data/cache/gpt2 or $NLP_DATA_DIR/gpt2. */
const char *gpt_cli_gpt2_dir(void);
/* The Bible corpus at path, or a message saying how to get it. */
char *gpt_cli_bible_text(const char *path, size_t *len);
/* A command's options through common/cli.h's cli_parse (--help, --preset,
 * strict values: bad usage exits 2), then at most max_files arguments that are
 * not options, which end up in argv[1..]; returns how many. */
int gpt_cli_parse(const CliSpec *spec, int argc, char **argv, int max_files);
/* Is the file an llm.c token file (by its magic number)? */
int gpt_cli_is_llmc_tokens(const char *path);
/* Token ids of a data file: an llm.c token file as it is, or text through tk. */
int *gpt_cli_load_tokens(const char *path, Tok *tk, int vocab_size, size_t *n);
/* The last path component, for RESULT values. */
const char *gpt_cli_base_name(const char *path);
/* Dies unless the tokenizer and the model have the same vocabulary size. */
void gpt_cli_check_vocab(const Tok *tk, const Gpt *m);
/* A trained model (ours or llm.c's) and the tokenizer it reads with: the
 * checkpoint's, or vocab's when not NULL. *config gets the checkpoint's
 * config text (NULL for llm.c). Dies unless their vocabularies agree. */
void gpt_cli_load_model(const char *path, const char *vocab, Gpt *m, Tok *tk, char **config);

#endif
