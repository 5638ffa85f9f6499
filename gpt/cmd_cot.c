/*
 * cmd_cot.c -- `gpt cot-train` and `gpt cot-eval`: chain of thought grown in
 * a small GPT on the arithmetic task of gpt/cot.h, and its accuracy under
 * direct, chain-of-thought, zero-shot, trigger and self-consistency prompts.
 */
#include "gpt/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "gpt/cot.h"
#include "gpt/presets.h"
#include "gpt/train.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

/* ------------------------------------------------------------ evaluation */

typedef struct {
    const char *name;         /* the model, for RESULT lines */
    CotFormat format;         /* what it was trained on */
    long examples;
} CotModelInfo;

/* Score one prompting mode and print its RESULT line. */
static double report(Gpt *m, Tok *tk, const CotSplit *s, const CotModelInfo *mi, const CotEvalConfig *e) {
    CotEvalStats st;
    double t0 = now_seconds();
    double acc = cot_accuracy(m, tk, s, e, &st);
    result_begin("gpt");
    result_str("task", "cot");
    result_str("model", mi->name);
    result_str("format", cot_format_names[mi->format]);
    result_int("examples", mi->examples);
    result_int("params", (long long)params_count(&m->pt));
    result_str("mode", cot_mode_names[e->mode]);
    result_int("shots", e->mode == COT_MODE_ZERO || e->mode == COT_MODE_TRIGGER ? 0 : e->shots);
    if (e->mode == COT_MODE_SC) result_int("samples", e->samples);
    result_int("problems", st.problems);
    result_num("acc", acc, 4);
    result_num("stated", (double)st.stated / st.completions, 3);     /* share with a well-formed answer */
    result_num("steps", (double)st.with_steps / st.completions, 3);  /* share that wrote a rationale */
    result_num("prompt_tokens", st.prompt_tokens, 1);
    result_num("eval_s", now_seconds() - t0, 1);
    result_end();
    return acc;
}

/* The "cot_*" keys of a checkpoint's config: the task and its split. */
static void cot_config_text(const CotSplit *s, CotFormat f, CotFormat rationale, char *buf, size_t n) {
    snprintf(buf, n, "cot_operands=%d\ncot_digits=%d\ncot_train=%ld\ncot_test=%ld\ncot_seed=%llu\ncot_format=%s\n"
             "cot_rationale=%s\n", s->operands, s->digits, s->n_train, s->n_test, s->seed, cot_format_names[f],
             cot_format_names[rationale]);
}

static CotFormat format_of(const char *name) {
    for (int f = 0; cot_format_names[f]; f++)
        if (!strcmp(cot_format_names[f], name)) return (CotFormat)f;
    die("unknown answer format '%s'", name);
}

/* ------------------------------------------------------------ cot-train */

typedef struct {
    GptConfig model;
    GptTrainConfig tc;
    const char *name, *out;
    int format;               /* CotFormat */
    int rationale;            /* CotFormat of a mixture's rationales: steps or chain */
    int windows;              /* 0: training windows start at documents, 1: anywhere */
    double cot_fraction;
    int operands, digits, per_doc, eval_problems, shots, threads, context;
    long examples, test_problems;
} CotTrainOptions;

static const char cot_train_usage[] =
    "Usage: gpt cot-train [--preset NAME] [options]\n"
    "Train a small GPT from scratch on sums written in one of four formats (gpt/cot.h): a plain\n"
    "answer, a reversed answer, or a rationale after \"Let's think step by step.\" -- column by\n"
    "column (steps) or rewriting the sum one addition at a time (chain) -- or on a mixture of\n"
    "plain and rationale documents. Test problems are held out of the training text. Ends with\n"
    "RESULT lines of greedy accuracy on --eval-problems test problems: 2-shot direct and 2-shot\n"
    "chain of thought (mode=direct, mode=cot) for a mixture, zero-shot for one format.\n"
    "\n"
    "  --preset NAME        cot-tiny, cot-small, cot-medium, cot-large: the chain-of-thought size\n"
    "                       sweep (Wei et al. 2022, Fig. 4): the sum of five one-digit numbers,\n"
    "                       25,000 training problems, half the documents with chain rationales;\n"
    "                       2x32, 2x64, 3x96 and 4x128 (layers x width), context 320, 1500 steps\n"
    "                       lee-plain, lee-reversed, lee-steps: Lee et al. 2023's addition of two\n"
    "                       3-digit numbers in one format; 2,000 examples (--examples N), 2x64,\n"
    "                       context 128, batch 16, 1500 steps\n"
    "  --format F           plain, reversed, steps, chain, or mix (plain and rationale documents)\n"
    "  --rationale R        mix: steps or chain (default steps)\n"
    "  --cot-fraction P     mix: the share of documents written with rationales (default 0.5)\n"
    "  --operands N --digits N   the sums (default 3 operands of 3 digits)\n"
    "  --examples N         distinct training problems (default 100000)\n"
    "  --test-problems N    held-out problems (default 1000; never in the training text)\n"
    "  --per-doc N          problems per document (default 3)\n"
    "  --windows W          docs: every training window starts at a document (default);\n"
    "                       anywhere: at any character (nanoGPT)\n"
    "  --layers N --heads N --width N --context N   the model (default 2 4 64 320)\n"
    "  --steps N --batch N --lr X --min-lr X --warmup N   (3000, 8, 1e-3, 1e-4, 100)\n"
    "  --eval-problems N    test problems scored at the end (default 200; 0: none)\n"
    "  --shots K            exemplars of the end's 2-shot prompts (default 2)\n"
    "  --out DIR            run folder: ckpt.bin, metrics.tsv, loss.png (default runs/gpt/NAME)\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt cot-train --preset cot-small\n"
    "          gpt cot-eval --model runs/gpt/cot-small/ckpt.bin --mode all\n";

static void cot_train_defaults(CotTrainOptions *o) {
    GptTrainOptions g;
    gpt_train_defaults(&g);
    memset(o, 0, sizeof *o);
    o->model = g.model, o->tc = g.tc;
    o->model.n_layer = 2, o->model.n_head = 4, o->model.channels = 64;
    o->context = 320;
    o->tc.batch = 8, o->tc.steps = 3000, o->tc.eval_iters = 10;
    o->name = "cot", o->format = COT_MIX, o->rationale = COT_STEPS, o->cot_fraction = 0.5;
    o->operands = 3, o->digits = 3, o->per_doc = 3, o->eval_problems = 200, o->shots = 2;
    o->examples = 100000, o->test_problems = 1000;
}

/* The size sweep: one task and budget, four shapes spanning ~30x in parameters. */
static int cot_size_preset(CotTrainOptions *o, const char *name) {
    static const struct { const char *name; int layers, heads, width; } sizes[] = {
        {"cot-tiny", 2, 2, 32}, {"cot-small", 2, 4, 64}, {"cot-medium", 3, 4, 96}, {"cot-large", 4, 4, 128}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        if (strcmp(name, sizes[i].name)) continue;
        o->name = sizes[i].name;
        o->model.n_layer = sizes[i].layers, o->model.n_head = sizes[i].heads, o->model.channels = sizes[i].width;
        /* five one-digit numbers: the chain rewrites the sum four times, each
         * step a one-digit addition next to the text it copies */
        o->operands = 5, o->digits = 1, o->rationale = COT_CHAIN, o->examples = 25000;
        o->tc.steps = 1500;
        return 1;
    }
    return 0;
}

static int cot_train_preset(void *ctx, const char *name) {
    CotTrainOptions *o = ctx;
    if (cot_size_preset(o, name)) return 1;
    static const char *const lee[] = {"lee-plain", "lee-reversed", "lee-steps"};
    static const CotFormat lee_format[] = {COT_PLAIN, COT_REVERSED, COT_STEPS};
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, lee[i])) continue;
        /* Lee et al. 2023: one small model, one format, a fixed budget; the
         * number of distinct training examples is what varies */
        o->name = lee[i], o->format = (int)lee_format[i];
        o->operands = 2, o->digits = 3, o->examples = 2000, o->per_doc = 1;
        o->model.n_layer = 2, o->model.n_head = 4, o->model.channels = 64, o->context = 128;
        o->tc.batch = 16, o->tc.steps = 1500;   /* about a minute of one core */
        return 1;
    }
    return 0;
}

/* A training text's tokens: problems[0..n) rendered with the options' format. */
/* starts (when not NULL) gets the documents' offsets that leave a whole window after them. */
static int *encode_problems(Tok *tk, const CotProblem *p, long n, const CotTrainOptions *o, unsigned long long stream,
                            size_t *count, size_t **starts, size_t *n_starts) {
    Rng r;
    rng_seed(&r, o->tc.seed, stream);
    size_t len;
    CotTextConfig tc = {(CotFormat)o->format, (CotFormat)o->rationale, o->cot_fraction, o->per_doc};
    char *text = cot_text(p, n, &tc, &r, &len, starts, n_starts);
    int *ids = tok_encode(tk, "text", text, len, count);   /* characters: offsets stay */
    if (starts)
        while (*n_starts > 0 && (*starts)[*n_starts - 1] + (size_t)o->context >= *count) (*n_starts)--;
    free(text);
    return ids;
}

/* The end of a run: 2-shot direct and cot for a mixture, zero-shot for one format. */
static void train_results(Gpt *m, Tok *tk, const CotSplit *s, const CotTrainOptions *o) {
    if (o->eval_problems == 0) return;
    CotModelInfo mi = {o->name, (CotFormat)o->format, o->examples};
    CotEvalConfig e = {.direct_format = o->format == COT_REVERSED ? COT_REVERSED : COT_PLAIN,
                       .rationale = o->format == COT_MIX ? (CotFormat)o->rationale : (CotFormat)o->format,
                       .shots = o->shots, .problems = o->eval_problems, .seed = o->tc.seed};
    if (o->format == COT_MIX) {
        e.mode = COT_MODE_DIRECT;
        report(m, tk, s, &mi, &e);
        e.mode = COT_MODE_COT;
        report(m, tk, s, &mi, &e);
    } else {
        e.mode = COT_MODE_ZERO;
        report(m, tk, s, &mi, &e);
    }
}

static const char *const window_names[] = {"docs", "anywhere", NULL};

int gpt_cmd_cot_train(int argc, char **argv) {
    CotTrainOptions o;
    cot_train_defaults(&o);
    char out_buf[1024];
    const CliOption opts[] = {
        CLI_OUT(&o.out), CLI_STEPS(&o.tc.steps), CLI_LR_F(&o.tc.lr), CLI_BATCH(&o.tc.batch), CLI_SEED(&o.tc.seed),
        CLI_THREADS(&o.threads), CLI_QUIET(&o.tc.quiet),
        {.name = "format", .type = CLI_CHOICE, .dst = &o.format, .choices = cot_format_names},
        {.name = "rationale", .type = CLI_CHOICE, .dst = &o.rationale, .choices = cot_format_names},
        {.name = "windows", .type = CLI_CHOICE, .dst = &o.windows, .choices = window_names},
        CLI_OPT("cot-fraction", CLI_DOUBLE, &o.cot_fraction, 0, 1),
        CLI_OPT("operands", CLI_INT, &o.operands, 2, COT_MAX_OPERANDS),
        CLI_OPT("digits", CLI_INT, &o.digits, 1, COT_MAX_DIGITS),
        CLI_OPT("examples", CLI_LONG, &o.examples, 1, 1e8),
        CLI_OPT("test-problems", CLI_LONG, &o.test_problems, 1, 1e7),
        CLI_OPT("per-doc", CLI_INT, &o.per_doc, 1, 1000),
        CLI_OPT("layers", CLI_INT, &o.model.n_layer, 1, 64),
        CLI_OPT("heads", CLI_INT, &o.model.n_head, 1, 64),
        CLI_OPT("width", CLI_INT, &o.model.channels, 1, 4096),
        {.name = "context", .type = CLI_INT, .dst = &o.context, .lo = 16, .hi = 1 << 14, .alias = "block-size"},
        CLI_OPT("min-lr", CLI_FLOAT, &o.tc.min_lr, 0, 10),
        CLI_OPT("warmup", CLI_LONG, &o.tc.warmup, 0, 1e8),
        CLI_OPT("eval-problems", CLI_INT, &o.eval_problems, 0, 1e7),
        CLI_OPT("shots", CLI_INT, &o.shots, 0, 64),
        CLI_END};
    CliSpec spec = {.usage = cot_train_usage, .options = opts, .preset = cot_train_preset, .ctx = &o,
                    .presets = "cot-tiny, cot-small, cot-medium, cot-large, lee-plain, lee-reversed, lee-steps"};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (o.model.channels % o.model.n_head)
        usage_error("cot-train: --width %d is not a multiple of --heads %d", o.model.channels, o.model.n_head);
    if (o.rationale != COT_STEPS && o.rationale != COT_CHAIN)
        usage_error("cot-train: --rationale is steps or chain, not %s", cot_format_names[o.rationale]);
    if (o.eval_problems > o.test_problems)
        usage_error("cot-train: --eval-problems %d exceeds --test-problems %ld", o.eval_problems, o.test_problems);
    int needed = cot_context_needed(o.operands, o.digits, o.format == COT_MIX ? o.shots : 0);
    if (o.eval_problems > 0 && o.context < needed)
        usage_error("cot-train: the end's prompts and answers need a context of %d, more than --context %d "
                    "(or use fewer --shots, or --eval-problems 0)", needed, o.context);
    if (o.threads) set_threads(o.threads);
    if (!o.out) {
        snprintf(out_buf, sizeof out_buf, "runs/gpt/%s", o.name);
        o.out = out_buf;
    }
    o.model.max_seq_len = o.tc.seq_len = o.context;
    o.tc.decay_steps = o.tc.steps;
    o.tc.out_dir = o.out;

    CotSplit s;
    cot_split_make(&s, o.operands, o.digits, o.examples, o.test_problems, o.tc.seed);
    Tok tk;
    size_t alen, n, n_val;
    char *alphabet = cot_alphabet(&alen);
    tok_chars_from_text(&tk, alphabet, alen);
    free(alphabet);
    size_t *starts = NULL, n_starts = 0, *val_starts = NULL, n_val_starts = 0;
    int docs = o.windows == 0;
    int *train = encode_problems(&tk, s.train, s.n_train, &o, 3, &n, docs ? &starts : NULL, &n_starts);
    /* the validation loss reads the test problems (never trained on), in the same windows */
    int *val = encode_problems(&tk, s.test, s.n_test, &o, 4, &n_val, docs ? &val_starts : NULL, &n_val_starts);
    o.tc.starts = starts, o.tc.n_starts = n_starts, o.tc.val_starts = val_starts, o.tc.n_val_starts = n_val_starts;
    if (n < (size_t)o.context + 1 || n_val < (size_t)o.context + 1 || (docs && (n_starts == 0 || n_val_starts == 0)))
        die("the training text (%zu characters) or the test problems' (%zu) hold no whole window of %d + 1\n"
            "HINT: use more --examples or --test-problems, or a smaller --context", n, n_val, o.context);
    char config[2048];
    tok_config_text(&tk, NULL, config, sizeof config);
    cot_config_text(&s, (CotFormat)o.format, (CotFormat)o.rationale, config + strlen(config), sizeof config - strlen(config));
    o.tc.extra_config = config;

    o.model.vocab_size = tk.vocab_size;
    Gpt m;
    gpt_build(&m, &o.model);
    gpt_init_weights(&m, o.tc.seed);
    RunConfig *rc = config_begin(o.out);
    config_str(rc, "preset", o.name);
    config_str(rc, "format", cot_format_names[o.format]);
    config_str(rc, "rationale", cot_format_names[o.rationale]);
    config_str(rc, "windows", window_names[o.windows]);
    config_num(rc, "cot_fraction", o.cot_fraction);
    config_int(rc, "operands", o.operands);
    config_int(rc, "digits", o.digits);
    config_int(rc, "examples", o.examples);
    config_int(rc, "test_problems", o.test_problems);
    config_int(rc, "per_doc", o.per_doc);
    config_int(rc, "layers", o.model.n_layer);
    config_int(rc, "heads", o.model.n_head);
    config_int(rc, "width", o.model.channels);
    config_int(rc, "context", o.context);
    config_int(rc, "batch", o.tc.batch);
    config_int(rc, "steps", o.tc.steps);
    config_num(rc, "lr", o.tc.lr);
    config_int(rc, "seed", (long long)o.tc.seed);
    config_int(rc, "threads", get_threads());
    config_end(rc);
    printf("gpt: %zu parameters; %ld training problems (%zu characters), %ld held out\n", params_count(&m.pt),
           s.n_train, n, s.n_test);

    double t0 = now_seconds();
    double loss = gpt_train(&m, &o.tc, train, n, val, n_val, 0, NULL);
    double train_s = now_seconds() - t0;
    printf("gpt: trained %ld steps in %.1f s, last training loss %.4f\n", o.tc.steps, train_s, loss);
    metrics_plot(o.out);
    train_results(&m, &tk, &s, &o);
    free(train);
    free(val);
    free(starts);
    free(val_starts);
    tok_free(&tk);
    cot_split_free(&s);
    gpt_free(&m);
    return 0;
}

/* ------------------------------------------------------------ cot-eval */

static const char *const eval_modes[] = {"direct", "cot", "zero-shot", "trigger", "sc", "all", NULL};
enum { MODE_ALL = 5 };

static const char cot_eval_usage[] =
    "Usage: gpt cot-eval --model FILE [options]\n"
    "Accuracy of a `gpt cot-train` model on its held-out problems (the checkpoint names the task\n"
    "and the split), greedy unless sampling is asked for; one RESULT line per mode:\n"
    "  RESULT stage=gpt task=cot ... mode=direct|cot|zero-shot|trigger|sc ... acc=...\n"
    "\n"
    "  --model FILE         a checkpoint of gpt cot-train\n"
    "  --mode M             direct:    K exemplars answered directly, then the question\n"
    "                       cot:       K exemplars with rationales (chain-of-thought prompting)\n"
    "                       zero-shot: the question alone\n"
    "                       trigger:   the question, then \"Let's think step by step.\" (Kojima\n"
    "                                  et al. 2022's zero-shot chain of thought)\n"
    "                       sc:        self-consistency (Wang et al. 2023): --samples chains\n"
    "                                  sampled from the cot prompt, a majority vote over answers\n"
    "                       all:       every mode in this order (default)\n"
    "  --shots K            exemplars per prompt (default 2)\n"
    "  --problems N         test problems scored (default 200)\n"
    "  --samples N          sc: chains per problem (default 5)\n"
    "  --temperature T --top-k K   sc's sampling (default 0.7, 0: all tokens)\n"
    "  --seed N             exemplars and samples (default 1337)\n"
    "  --threads N\n"
    "\n"
    "Example:  gpt cot-eval --model runs/gpt/cot-large/ckpt.bin --mode sc --samples 10\n";

/* The task and split a checkpoint was trained on, rebuilt from its cot_* keys. */
static CotFormat split_from_config(const char *path, const char *config, CotSplit *s, CotFormat *rationale) {
    char format[32], rat[32] = "steps";
    long operands = config_long(config, "cot_operands", -1), digits = config_long(config, "cot_digits", -1);
    long n_train = config_long(config, "cot_train", -1), n_test = config_long(config, "cot_test", -1);
    char seed[32];
    if (operands < 0 || digits < 0 || n_train < 0 || n_test < 0 || config_string(config, "cot_seed", seed, sizeof seed) ||
        config_string(config, "cot_format", format, sizeof format))
        die("'%s' is not a chain-of-thought model (its config has no cot_* keys)\nHINT: train one with "
            "`gpt cot-train`", path);
    config_string(config, "cot_rationale", rat, sizeof rat);
    cot_split_make(s, (int)operands, (int)digits, n_train, n_test, strtoull(seed, NULL, 10));
    *rationale = format_of(rat);
    return format_of(format);
}

int gpt_cmd_cot_eval(int argc, char **argv) {
    const char *model = NULL;
    int mode = MODE_ALL, threads = 0;
    CotEvalConfig e = {.shots = 2, .problems = 200, .samples = 5, .seed = 1337,
                       .sampler = {.temperature = 0.7f, .top_k = 0, .top_p = 1.0f}};
    const CliOption opts[] = {
        CLI_SEED(&e.seed), CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        {.name = "mode", .type = CLI_CHOICE, .dst = &mode, .choices = eval_modes},
        CLI_OPT("shots", CLI_INT, &e.shots, 0, 64),
        CLI_OPT("problems", CLI_INT, &e.problems, 1, 1e7),
        CLI_OPT("samples", CLI_INT, &e.samples, 1, 1000),
        CLI_OPT("temperature", CLI_FLOAT, &e.sampler.temperature, -1e9, 1e9),   /* sampler_check says what is allowed */
        CLI_OPT("top-k", CLI_INT, &e.sampler.top_k, -1e9, 1e9),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = cot_eval_usage, .options = opts}, argc, argv, 0);
    if (!model) usage_error("cot-eval: give --model FILE (a checkpoint of gpt cot-train)");
    sampler_check(&e.sampler);
    if (threads) set_threads(threads);
    Gpt m;
    Tok tk;
    char *config;
    gpt_cli_load_model(model, NULL, &m, &tk, &config);
    CotSplit s;
    CotFormat rationale, format = split_from_config(model, config, &s, &rationale);
    if (e.problems > s.n_test) die("--problems %d exceeds the model's %ld test problems", e.problems, s.n_test);
    char name[1100];
    snprintf(name, sizeof name, "%s", model);
    char *slash = strrchr(name, '/');
    if (slash && !strcmp(slash, "/ckpt.bin")) *slash = '\0';   /* runs/gpt/cot-large/ckpt.bin -> cot-large */
    CotModelInfo mi = {gpt_cli_base_name(name), format, s.n_train};
    e.direct_format = format == COT_REVERSED ? COT_REVERSED : COT_PLAIN;
    e.rationale = format == COT_MIX ? rationale : format == COT_CHAIN ? COT_CHAIN : COT_STEPS;
    for (int k = 0; k < MODE_ALL; k++) {
        if (mode != MODE_ALL && mode != k) continue;
        int zero = k == COT_MODE_ZERO || k == COT_MODE_TRIGGER;
        int needed = cot_context_needed(s.operands, s.digits, zero ? 0 : e.shots);
        if (needed > m.cfg.max_seq_len) {   /* a single-format model's short context: skip, or say why not */
            if (mode != MODE_ALL)
                die("%s prompts with their answers need a context of %d, more than the model's %d\n"
                    "HINT: use fewer --shots", eval_modes[k], needed, m.cfg.max_seq_len);
            warn("skipping mode %s: its prompts need a context of %d, more than the model's %d", eval_modes[k],
                 needed, m.cfg.max_seq_len);
            continue;
        }
        e.mode = (CotMode)k;
        report(&m, &tk, &s, &mi, &e);
    }
    cot_split_free(&s);
    free(config);
    tok_free(&tk);
    gpt_free(&m);
    return 0;
}
