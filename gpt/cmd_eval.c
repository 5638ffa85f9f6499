/*
 * cmd_eval.c -- `gpt eval`: the mean next-token loss of a model (ours or llm.c's)
 * on a token stream, over consecutive windows or a sliding one; a RESULT line.
 */
#include "gpt/commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/train.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

static const char eval_usage[] =
    "Usage: gpt eval --model FILE --data FILE [options]\n"
    "Mean next-token cross-entropy of a model on a token stream, over consecutive whole\n"
    "windows: window w reads tokens wT..wT+T-1 and predicts wT+1..wT+T. Prints a RESULT line.\n"
    "\n"
    "  --model FILE     our checkpoint or an llm.c model file (recognised by magic number)\n"
    "  --data FILE      an llm.c token file, or text encoded with the model's tokenizer\n"
    "  --context T      window length (default: the model's context; also --block-size)\n"
    "  --stride N       score EVERY token once instead (the leftover too), with windows\n"
    "                   advancing by N <= T; N = T: consecutive windows, N < T: sliding,\n"
    "                   each token then sees at least T - N tokens of context\n"
    "  --vocab DIR      BPE vocabulary for text data (default: the checkpoint's, or GPT-2's)\n"
    "  --threads N\n"
    "\n"
    "Example:  gpt eval --model gpt2_124M.bin --data tiny_shakespeare_val.bin --context 1024\n";

int gpt_cmd_eval(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *vocab = NULL;
    int T = 0, stride = 0;
    int threads = 0;
    const CliOption opts[] = {
        CLI_DATA(&data), CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        {.name = "context", .type = CLI_INT, .dst = &T, .lo = 1, .hi = 1 << 20, .alias = "block-size"},
        CLI_OPT("stride", CLI_INT, &stride, 1, 1 << 20),
        CLI_OPT("vocab", CLI_STRING, &vocab, 0, 0),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = eval_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);
    if (!model || !data) usage_error("eval: give --model FILE and --data FILE");
    Gpt m;
    char *config;
    long step;
    gpt_load_any(model, &m, &config, &step);
    if (T == 0) T = m.cfg.max_seq_len;
    if (T > m.cfg.max_seq_len) die("--context %d exceeds the model's context %d", T, m.cfg.max_seq_len);
    size_t n;
    int *ids;
    if (gpt_cli_is_llmc_tokens(data) && !vocab) {
        char err[1024];
        if (llmc_tokens_read(data, m.cfg.vocab_size, &ids, &n, err, sizeof err) != 0)
            die("%s (vocabulary mismatch with the model's %d tokens?)", err, m.cfg.vocab_size);
    } else {
        Tok tk;
        tok_from_config(&tk, config, vocab);
        gpt_cli_check_vocab(&tk, &m);
        ids = gpt_cli_load_tokens(data, &tk, m.cfg.vocab_size, &n);
        tok_free(&tk);
    }
    size_t count;
    double t0 = now_seconds();
    if (stride > T) die("--stride %d exceeds the context %d", stride, T);
    double loss = stride ? gpt_eval_stream(&m, ids, n, T, stride, &count) : gpt_eval_windows(&m, ids, n, T, &count);
    double secs = now_seconds() - t0;
    result_begin("gpt");
    result_str("task", "eval");
    result_str("model", gpt_cli_base_name(model));
    result_str("data", gpt_cli_base_name(data));
    result_int("context", T);
    if (stride) result_int("stride", stride);
    else result_int("windows", (long long)(count / (size_t)T));
    result_int("tokens", (long long)count);
    result_num("tok_per_s", (double)count / (secs > 0 ? secs : 1e-9), 0);
    result_int("params", (long long)params_count(&m.pt));   /* before loss=: scripts read from loss= to the end */
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 3);
    result_end();
    free(ids);
    free(config);
    gpt_free(&m);
    return 0;
}

