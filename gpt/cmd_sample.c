/*
 * cmd_sample.c -- `gpt sample`: text from a model, streamed token by token
 * with the KV cache (gpt/generate.h), temperature, top-k and top-p.
 */
#include "gpt/commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpt/generate.h"
#include "matmul.h"
#include "util.h"

static const char sample_usage[] =
    "Usage: gpt sample --model FILE [options]\n"
    "Generate text, streamed token by token, with a KV cache (each new token costs O(T)).\n"
    "\n"
    "  --model FILE        our checkpoint or an llm.c model file\n"
    "  --prompt TEXT       the text to continue (default: <|endoftext|>, or a newline for\n"
    "                      a character model); longer than the context: its end is kept\n"
    "  --prompt-file FILE  the prompt from a file\n"
    "  --n N               tokens to generate (default 200; also --tokens N)\n"
    "  --temperature T     softmax temperature, 0 = greedy (default 0.8)\n"
    "  --top-k K           sample among the K most likely tokens, 0 = all (default 200)\n"
    "  --top-p P           nucleus: the most likely tokens up to mass P, in (0,1] (default 1)\n"
    "  --vocab DIR         BPE vocabulary (default: the checkpoint's, or GPT-2's)\n"
    "  --no-cache          recompute the whole context for each token (the slow reference)\n"
    "  --interactive       read prompts from stdin, one per line (\\n in a line is a newline),\n"
    "                      and continue each up to the end of its line or --n tokens; an empty\n"
    "                      line or the end of input stops. A prompt longer than the context is\n"
    "                      refused with an error (and the exit status is then 1)\n"
    "  --seed N --threads N\n"
    "\n"
    "Example:  gpt sample --model runs/gpt/shakespeare-char/ckpt.bin --prompt 'ROMEO:' --top-p 0.9\n"
    "          gpt sample --model runs/gpt/icl-large/ckpt.bin --interactive --temperature 0\n"
    "          (then type few-shot prompts such as  map:abc>kfp,bad>fkm,cab>  and Enter)\n";

typedef struct {
    const Tok *tk;
    int last;   /* the last token written */
} EmitCtx;

static void emit_token(int id, void *ctx) {
    EmitCtx *e = ctx;
    tok_write(e->tk, id, stdout);
    fflush(stdout);
    e->last = id;
}

/* The token that ends a line, where an interactive completion stops (-1: none). */
static int line_end_id(Tok *tk) {
    if (tk->kind == TOK_WORD) return tk->eot;
    size_t n;
    int *ids = tok_encode(tk, "newline", "\n", 1, &n), id = n == 1 ? ids[0] : -1;
    free(ids);
    return id;
}

/* `--interactive`: one completion per line of stdin. Returns the exit status. */
static int interactive(Gpt *m, Tok *tk, GptCache *cache, int ntok, const SamplerConfig *sc, Rng *r, int no_cache) {
    char *line = NULL;
    size_t cap = 0;
    int status = 0, stop = line_end_id(tk), tty = isatty(fileno(stdin));
    EmitCtx ctx = {tk, -1};
    for (;;) {
        if (tty) fprintf(stderr, "prompt> ");
        ssize_t len = getline(&line, &cap, stdin);
        if (len <= 0) break;
        if (line[len - 1] == '\n') line[--len] = '\0';
        if (len == 0) break;
        char *w = line;   /* "\n" typed as two characters is a newline */
        for (char *s = line; *s; s++) {
            if (s[0] == '\\' && s[1] == 'n') *w++ = '\n', s++;
            else *w++ = *s;
        }
        *w = '\0';
        size_t n;
        int *ids = tok_encode(tk, "prompt", line, (size_t)(w - line), &n);
        if (n > (size_t)m->cfg.max_seq_len) {
            fprintf(stderr, "gpt: error: the prompt has %zu tokens, more than the model's context of %d: "
                    "shorten it\n", n, m->cfg.max_seq_len);
            status = 1;
        } else {
            fputs(line, stdout);
            gpt_generate(m, cache, ids, (int)n, ntok, sc, r, !no_cache, stop, emit_token, &ctx);
            if (ctx.last != stop || stop < 0) putchar('\n');
            fflush(stdout);
        }
        free(ids);
    }
    free(line);
    return status;
}

int gpt_cmd_sample(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL, *prompt_file = NULL, *vocab = NULL;
    int ntok = 200, threads = 0, no_cache = 0, repl = 0;
    unsigned long long seed = 1337;
    SamplerConfig sc = {.temperature = 0.8f, .top_k = 200, .top_p = 1.0f};
    const CliOption opts[] = {
        CLI_SEED(&seed), CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("prompt", CLI_STRING, &prompt, 0, 0),
        CLI_OPT("prompt-file", CLI_STRING, &prompt_file, 0, 0),
        {.name = "n", .type = CLI_INT, .dst = &ntok, .lo = 1, .hi = 10000000, .alias = "tokens"},
        CLI_OPT("temperature", CLI_FLOAT, &sc.temperature, -1e9, 1e9),   /* sampler_check says what is allowed */
        CLI_OPT("top-k", CLI_INT, &sc.top_k, -1e9, 1e9),
        CLI_OPT("top-p", CLI_FLOAT, &sc.top_p, -1e9, 1e9),
        CLI_OPT("vocab", CLI_STRING, &vocab, 0, 0),
        CLI_OPT("no-cache", CLI_FLAG, &no_cache, 0, 0),
        CLI_OPT("interactive", CLI_FLAG, &repl, 0, 0),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = sample_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);
    if (!model) usage_error("sample: give --model FILE");
    if (prompt && prompt_file) usage_error("sample: give --prompt or --prompt-file, not both");
    if (repl && (prompt || prompt_file)) usage_error("sample: --interactive reads its prompts from stdin");
    sampler_check(&sc);
    Gpt m;
    Tok tk;
    char *config;
    gpt_cli_load_model(model, vocab, &m, &tk, &config);
    if (repl) {
        GptCache cache;
        gpt_cache_init(&cache, &m);
        Rng r;
        rng_seed(&r, seed, 0);
        int status = interactive(&m, &tk, &cache, ntok, &sc, &r, no_cache);
        gpt_cache_free(&cache);
        free(config);
        tok_free(&tk);
        gpt_free(&m);
        return status;
    }

    size_t plen = 0, n;
    char *ptext = NULL;
    if (prompt_file) ptext = read_file(prompt_file, &plen);
    else if (prompt) ptext = xstrdup(prompt), plen = strlen(prompt);
    int *ids;
    if (ptext) {
        if (plen == 0) die("the prompt is empty\nHINT: leave out --prompt to start from the beginning of a text");
        ids = tok_encode(&tk, "prompt", ptext, plen, &n);
        if (tk.kind == TOK_WORD && ptext[plen - 1] != '\n' && n > 1) n--;   /* the sentence goes on: no </s> yet */
    } else if (tk.eot >= 0) {
        ids = xmalloc(sizeof(int));
        ids[0] = tk.eot;
        n = 1;
    } else {
        ids = tok_encode(&tk, "prompt", "\n", 1, &n);   /* nanoGPT's default start */
    }
    if (n > (size_t)m.cfg.max_seq_len)
        warn("the prompt has %zu tokens, more than the context of %d: keeping its last %d", n, m.cfg.max_seq_len,
             m.cfg.max_seq_len);
    if (ptext) fwrite(ptext, 1, plen, stdout);
    if (ptext && tk.kind == TOK_WORD && !isspace((unsigned char)ptext[plen - 1])) putchar(' ');   /* words go on after a space */
    GptCache cache;
    gpt_cache_init(&cache, &m);
    Rng r;
    rng_seed(&r, seed, 0);
    EmitCtx ctx = {&tk, -1};
    double t0 = now_seconds();
    int made = gpt_generate(&m, &cache, ids, (int)n, ntok, &sc, &r, !no_cache, -1, emit_token, &ctx);
    double secs = now_seconds() - t0;
    printf("\n");
    fprintf(stderr, "gpt: %d tokens in %.2f s (%.1f tokens/s, %s)\n", made, secs, made / (secs > 0 ? secs : 1e-9),
            no_cache ? "no cache" : "KV cache");
    gpt_cache_free(&cache);
    free(ids);
    free(ptext);
    free(config);
    tok_free(&tk);
    gpt_free(&m);
    return 0;
}

