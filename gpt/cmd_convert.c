/*
 * cmd_convert.c -- `gpt convert`: our checkpoints <-> llm.c's GPT-2 model files.
 */
#include "gpt/commands.h"

#include <stdio.h>
#include <stdlib.h>

#include "gpt/train.h"
#include "util.h"

static const char convert_usage[] =
    "Usage: gpt convert --in FILE --out FILE\n"
    "Convert between our checkpoints and llm.c's GPT-2 model files (float32, version 3).\n"
    "The direction follows the input's magic number: ours -> llm.c, llm.c -> ours.\n"
    "An llm.c model always has biases (a bias-free model gets zero biases), and wte\n"
    "padded to a multiple of 128 rows.\n"
    "\n"
    "Example:  gpt convert --in runs/gpt/shakespeare-char/ckpt.bin --out model_llmc.bin\n";

int gpt_cmd_convert(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    const CliOption opts[] = {
        CLI_OUT(&out),
        CLI_OPT("in", CLI_STRING, &in, 0, 0),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = convert_usage, .options = opts}, argc, argv, 0);
    if (!in || !out) usage_error("convert: give --in FILE and --out FILE");
    Gpt m;
    char *config;
    long step;
    gpt_load_any(in, &m, &config, &step);
    if (config) {
        gpt_llmc_save(&m, out);
        printf("wrote llm.c model %s (%zu parameters)\n", out, params_count(&m.pt));
    } else {
        gpt_save_checkpoint(&m, out, "tokenizer=bpe\n", 0);
        printf("wrote gpt checkpoint %s (%zu parameters; GPT-2's tokenizer)\n", out, params_count(&m.pt));
    }
    free(config);
    gpt_free(&m);
    return 0;
}

