/*
 * cmd_icl.c -- in-context learning grown from scratch (gpt/icl.h):
 *
 *     gpt icl-train   a GPT on the letter-string tasks, logging the ICL score
 *     gpt icl-eval    GPT-3's Figure 1.2: held-out accuracy against shots
 *     gpt icl-heads   prefix-matching scores of every head, the induction
 *                     head's attention as a heat map, the ICL-score curves
 */
#include "gpt/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/icl.h"
#include "heatmap.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

static const int shot_counts[ICL_N_SHOT_COUNTS] = ICL_SHOT_COUNTS;
static const char *const sizes[] = {"small", "medium", "large"};
enum { N_SIZES = 3 };

#define ACC8_QUERIES 100   /* icl-train's closing 8-shot check */
#define QUERY_SEED 7       /* every sweep asks the same queries */

/* ------------------------------------------------------------ icl-train */

static const char train_usage[] =
    "Usage: gpt icl-train [--preset NAME] [options]\n"
    "Train a GPT on sequences of letter ciphers (shift: a Caesar cipher, map: a random\n"
    "substitution table; one cipher per line, its demonstrations 'xy,'), so that it learns\n"
    "to read a cipher off its context; three lines in four are echo lines, a string written\n"
    "twice, the repeats on which induction heads grow. Every validation also logs\n"
    "Olsson et al.'s ICL score\n"
    "(the loss around character 123 minus the loss around character 12, on held-out ciphers)\n"
    "to OUT/icl_score/metrics.tsv. Ends with a RESULT line: the parameters, the time, the\n"
    "final ICL score and the 8-shot held-out accuracy.\n"
    "\n"
    "  --preset NAME     one data budget, 8000 steps of 16 x 128 characters (16.4M), each size:\n"
    "                    small   2 layers, 2 heads, 32 wide (30k parameters), lr 3e-3\n"
    "                    medium  3 layers, 4 heads, 64 wide (157k), lr 2e-3\n"
    "                    large   4 layers, 4 heads, 128 wide (807k), lr 1e-3\n"
    "                    (default small)\n"
    "  --layers N --heads N --width N   override the preset's shape\n"
    "  --steps N --lr X --batch N --eval-every N   (the cosine decays over --steps)\n"
    "  --window N        train on windows of N <= 128 characters (the model keeps 128 positions)\n"
    "  --echo F          the share of echo lines in the training text (default 0.75; 0 gives\n"
    "                    cipher lines only, on which no run has left the plateau)\n"
    "  --out DIR         run folder (default runs/gpt/icl-NAME): ckpt.bin, metrics.tsv,\n"
    "                    icl_score/metrics.tsv, loss.png\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt icl-train --preset small --threads 1\n"
    "          gpt icl-eval --model runs/gpt/icl-small/ckpt.bin\n";

typedef struct {
    GptConfig model;
    GptTrainConfig tc;
    const char *name;
    double echo;
} IclTrainOptions;

static int train_preset(void *ctx, const char *name) {
    IclTrainOptions *o = ctx;
    if (!icl_preset(name, &o->model, &o->tc)) return 0;
    o->name = name;
    o->echo = ICL_ECHO_FRACTION;
    return 1;
}

int gpt_cmd_icl_train(int argc, char **argv) {
    IclTrainOptions o;
    train_preset(&o, "small");
    const char *out = NULL;
    int threads = 0;
    const CliOption opts[] = {
        CLI_OUT(&out), CLI_STEPS(&o.tc.steps), CLI_LR_F(&o.tc.lr), CLI_BATCH(&o.tc.batch), CLI_SEED(&o.tc.seed),
        CLI_THREADS(&threads), CLI_QUIET(&o.tc.quiet),
        CLI_OPT("layers", CLI_INT, &o.model.n_layer, 1, 64),
        CLI_OPT("heads", CLI_INT, &o.model.n_head, 1, 64),
        CLI_OPT("width", CLI_INT, &o.model.channels, 1, 4096),
        {.name = "eval-every", .type = CLI_LONG, .dst = &o.tc.eval_interval, .lo = 1, .hi = 1e8,
         .alias = "eval-interval"},
        CLI_OPT("window", CLI_INT, &o.tc.seq_len, 8, ICL_CONTEXT),
        CLI_OPT("echo", CLI_DOUBLE, &o.echo, 0, 1),
        CLI_END};
    CliSpec spec = {.usage = train_usage, .options = opts, .preset = train_preset, .ctx = &o,
                    .presets = ICL_PRESETS};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (o.model.channels % o.model.n_head) usage_error("icl-train: --width %d is not a multiple of --heads %d", o.model.channels, o.model.n_head);
    if (threads) set_threads(threads);
    o.tc.decay_steps = o.tc.steps;
    o.tc.min_lr = o.tc.lr / 10;
    char out_buf[1024];
    if (!out) {
        snprintf(out_buf, sizeof out_buf, "runs/gpt/icl-%s", o.name);
        out = out_buf;
    }
    o.tc.out_dir = out;
    Tok tk;
    icl_tokenizer(&tk);
    Gpt m;
    icl_model_init(&m, &o.model, o.tc.seed);

    RunConfig *rc = config_begin(out);
    config_str(rc, "preset", o.name);
    config_int(rc, "layers", m.cfg.n_layer);
    config_int(rc, "heads", m.cfg.n_head);
    config_int(rc, "width", m.cfg.channels);
    config_int(rc, "context", m.cfg.max_seq_len);
    config_int(rc, "window", o.tc.seq_len);
    config_num(rc, "echo", o.echo);
    config_int(rc, "params", (long long)params_count(&m.pt));
    config_int(rc, "batch", o.tc.batch);
    config_int(rc, "steps", o.tc.steps);
    config_num(rc, "lr", o.tc.lr);
    config_num(rc, "min_lr", o.tc.min_lr);
    config_int(rc, "warmup", o.tc.warmup);
    config_int(rc, "seed", (long long)o.tc.seed);
    config_int(rc, "threads", get_threads());
    config_end(rc);

    printf("gpt: icl-%s, %zu parameters, %ld steps of %d x %d characters\n", o.name, params_count(&m.pt),
           o.tc.steps, o.tc.batch, o.tc.seq_len);
    double t0 = now_seconds();
    double loss = icl_train(&m, &o.tc, o.echo);
    double train_s = now_seconds() - t0;
    metrics_plot(out);
    double early, late, score = icl_score(&m, &tk, ICL_SCORE_LINES, ICL_SCORE_SEED, &early, &late);
    IclQuery *q = icl_queries(ACC8_QUERIES, QUERY_SEED, 0);
    double acc8 = icl_accuracy(&m, &tk, q, ACC8_QUERIES, 8, 0);
    result_begin("gpt");
    result_str("task", "icl-train");
    result_str("model", o.name);
    result_int("params", (long long)params_count(&m.pt));
    result_int("steps", o.tc.steps);
    result_num("train_s", train_s, 1);
    result_num("loss", loss, 4);
    result_num("icl_score", score, 4);
    result_num("acc8", acc8, 3);
    result_end();
    free(q);
    tok_free(&tk);
    gpt_free(&m);
    return 0;
}

/* ------------------------------------------------------------ icl-eval */

static const char eval_usage[] =
    "Usage: gpt icl-eval (--model FILE | --preset fig1.2) [options]\n"
    "GPT-3's Figure 1.2 on our task family: the exact-match accuracy of greedy completions on\n"
    "held-out tasks (shifts and substitution ciphers never used in training) against the number\n"
    "of demonstrations in the prompt, 0 1 2 4 8 16 32, without and with the task description.\n"
    "Every query is asked with the same tasks and examples at every shot count and for every\n"
    "model. One RESULT line per (shots, description): ... shots=K desc=0|1 acc=X. Then the\n"
    "accuracy beyond copying: held-out shifts asked about a letter none of the K examples\n"
    "shows, so that only the rule read off the examples answers (... set=unseen-letter).\n"
    "\n"
    "  --model FILE      a checkpoint of `gpt icl-train`; writes the table beside it (icl_eval.tsv)\n"
    "  --preset fig1.2   the three sizes, runs/gpt/icl-{small,medium,large}/ckpt.bin: their tables\n"
    "                    and the figure in --out (default runs/gpt/icl-fig1.2): acc_desc.tsv,\n"
    "                    acc_nodesc.tsv (shots x size, and the ceiling of pure copying from\n"
    "                    the context) and their PNGs; unseen_letter.tsv (shots x size)\n"
    "  --queries N       held-out queries per point (default 200)\n"
    "  --out DIR         where --preset fig1.2 writes\n"
    "  --seed N          the queries' seed (default 7) --threads N\n"
    "\n"
    "Example:  gpt icl-eval --model runs/gpt/icl-small/ckpt.bin --queries 100\n";

typedef struct {
    const char *model, *out, *preset;
    int queries;
} IclEvalOptions;

static int eval_preset(void *ctx, const char *name) {
    if (strcmp(name, "fig1.2") != 0) return 0;
    ((IclEvalOptions *)ctx)->preset = "fig1.2";
    return 1;
}

/* A model of `gpt icl-train` and its tokenizer. */
static void load_icl_model(const char *path, Gpt *m, Tok *tk) {
    char *config;
    long step;
    if (!path_exists(path)) die("no model at '%s'\nHINT: train it with `gpt icl-train`", path);
    gpt_load_any(path, m, &config, &step);
    free(config);
    icl_tokenizer(tk);
    if (m->cfg.vocab_size != tk->vocab_size || m->cfg.max_seq_len < ICL_CONTEXT)
        die("'%s' is not a model of `gpt icl-train` (vocabulary %d, context %d)", path, m->cfg.vocab_size,
            m->cfg.max_seq_len);
}

/* The folder of a model file, where its tables go. */
static void model_dir(const char *path, char *dir, size_t n) {
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, n, ".");
}

#define N_UNSEEN 4
static const int unseen_shots[N_UNSEEN] = {1, 2, 4, 8};

static void sweep_result(const Gpt *m, const char *name, const char *set, int n, int shots, int desc, double acc) {
    result_begin("gpt");
    result_str("task", "icl-eval");
    result_str("model", name);
    if (set) result_str("set", set);
    result_int("params", (long long)params_count(&m->pt));
    result_int("queries", n);
    result_int("shots", shots);
    if (!set) result_int("desc", desc);
    result_num("acc", acc, 3);
    result_end();
}

/* The sweep of one model, with its RESULT lines: acc[desc][k] on the
 * queries q, and unseen[k], held-out shifts at unseen_shots[k] examples
 * asked about a letter none of them shows (set=unseen-letter). */
static void sweep(const char *path, const char *name, const IclQuery *q, int n, unsigned long long seed,
                  double acc[2][ICL_N_SHOT_COUNTS], double unseen[N_UNSEEN]) {
    Gpt m;
    Tok tk;
    load_icl_model(path, &m, &tk);
    for (int desc = 0; desc < 2; desc++)
        for (int k = 0; k < ICL_N_SHOT_COUNTS; k++) {
            acc[desc][k] = icl_accuracy(&m, &tk, q, n, shot_counts[k], desc);
            sweep_result(&m, name, NULL, n, shot_counts[k], desc, acc[desc][k]);
        }
    for (int k = 0; k < N_UNSEEN; k++) {
        IclQuery *u = icl_unseen_shift_queries(n, unseen_shots[k], seed);
        unseen[k] = icl_accuracy(&m, &tk, u, n, unseen_shots[k], 0);
        free(u);
        sweep_result(&m, name, "unseen-letter", n, unseen_shots[k], 0, unseen[k]);
    }
    tok_free(&tk);
    gpt_free(&m);
}

static void write_unseen_table(const char *dir, double acc[N_SIZES][N_UNSEEN]) {
    char path[4096], *tmp;
    snprintf(path, sizeof path, "%s/unseen_letter.tsv", dir);
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "shots");
    for (int s = 0; s < N_SIZES; s++) fprintf(f, "\t%s", sizes[s]);
    fprintf(f, "\n");
    for (int k = 0; k < N_UNSEEN; k++) {
        fprintf(f, "%d", unseen_shots[k]);
        for (int s = 0; s < N_SIZES; s++) fprintf(f, "\t%.3f", acc[s][k]);
        fprintf(f, "\n");
    }
    atomic_commit(f, tmp, path);
}

static void write_model_table(const char *path, double acc[2][ICL_N_SHOT_COUNTS]) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "shots\tno_description\tdescription\n");
    for (int k = 0; k < ICL_N_SHOT_COUNTS; k++) fprintf(f, "%d\t%.3f\t%.3f\n", shot_counts[k], acc[0][k], acc[1][k]);
    atomic_commit(f, tmp, path);
}

/* The accuracy of a model that copies perfectly from its context and
 * guesses otherwise: the query letter is among k examples' inputs with
 * probability 1 - (15/16)^k (icl.h). */
static double copy_ceiling(int k) {
    double miss = pow(1.0 - 1.0 / ICL_LETTERS, k);
    return 1.0 - miss + miss / ICL_LETTERS;
}

/* shots x size (and the copying ceiling) for one description setting, and its PNG through scripts/plot.sh */
static void write_figure(const char *dir, int desc, double acc[N_SIZES][2][ICL_N_SHOT_COUNTS]) {
    char path[4096], cmd[9000], *tmp;
    snprintf(path, sizeof path, "%s/acc_%s.tsv", dir, desc ? "desc" : "nodesc");
    FILE *f = atomic_open(path, &tmp);
    fprintf(f, "shots");
    for (int s = 0; s < N_SIZES; s++) fprintf(f, "\t%s", sizes[s]);
    fprintf(f, "\tcopy_ceiling\n");
    for (int k = 0; k < ICL_N_SHOT_COUNTS; k++) {
        fprintf(f, "%d", shot_counts[k]);
        for (int s = 0; s < N_SIZES; s++) fprintf(f, "\t%.3f", acc[s][desc][k]);
        fprintf(f, "\t%.3f\n", copy_ceiling(shot_counts[k]));
    }
    atomic_commit(f, tmp, path);
    snprintf(cmd, sizeof cmd,
             "scripts/plot.sh --bars --lines -o '%s/acc_%s.png' --ylabel 'held-out accuracy' "
             "--title 'In-context learning (GPT-3 Fig. 1.2): %s task description' '%s'",
             dir, desc ? "desc" : "nodesc", desc ? "with" : "no", path);
    if (strchr(dir, '\'') || system(cmd) != 0) warn("no plot: %s", cmd);
}

int gpt_cmd_icl_eval(int argc, char **argv) {
    IclEvalOptions o = {.queries = 200};
    unsigned long long seed = QUERY_SEED;
    int threads = 0;
    const CliOption opts[] = {
        CLI_OUT(&o.out), CLI_SEED(&seed), CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &o.model, 0, 0),
        CLI_OPT("queries", CLI_INT, &o.queries, 1, 100000),
        CLI_END};
    CliSpec spec = {.usage = eval_usage, .options = opts, .preset = eval_preset, .ctx = &o, .presets = "fig1.2"};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (!o.model == !o.preset) usage_error("icl-eval: give --model FILE or --preset fig1.2");
    if (threads) set_threads(threads);
    IclQuery *q = icl_queries(o.queries, seed, 0);
    if (o.model) {
        double acc[2][ICL_N_SHOT_COUNTS];
        char dir[4096], path[4200];
        model_dir(o.model, dir, sizeof dir);
        double unseen[N_UNSEEN];
        sweep(o.model, gpt_cli_base_name(dir), q, o.queries, seed, acc, unseen);
        path_join(path, sizeof path, dir, "icl_eval.tsv");
        write_model_table(path, acc);
    } else {
        static double acc[N_SIZES][2][ICL_N_SHOT_COUNTS], unseen[N_SIZES][N_UNSEEN];
        const char *dir = o.out ? o.out : "runs/gpt/icl-fig1.2";
        make_dirs(dir);
        for (int s = 0; s < N_SIZES; s++) {
            char path[1024];
            snprintf(path, sizeof path, "runs/gpt/icl-%s/ckpt.bin", sizes[s]);
            sweep(path, sizes[s], q, o.queries, seed, acc[s], unseen[s]);
        }
        write_figure(dir, 0, acc);
        write_figure(dir, 1, acc);
        write_unseen_table(dir, unseen);
    }
    free(q);
    return 0;
}

/* ------------------------------------------------------------ icl-heads */

static const char heads_usage[] =
    "Usage: gpt icl-heads (--model FILE | --preset induction) [options]\n"
    "Induction heads (Olsson et al. 2022). Each head's prefix-matching score: on a random\n"
    "permutation of a..p written twice, the mean attention from each letter of the second copy\n"
    "to the letter after its first occurrence (1 for a perfect induction head, 1/(i+1) at\n"
    "position i for uniform attention). Writes heads.tsv (layer, head, score) and attention.png, the best\n"
    "head's attention on one sequence; RESULT with the best head and its score.\n"
    "\n"
    "  --model FILE          a checkpoint of `gpt icl-train`; writes beside it\n"
    "  --preset induction    the three sizes (runs/gpt/icl-{small,medium,large}): each one's\n"
    "                        heads, and in --out (default runs/gpt/icl-induction) icl_score.png\n"
    "                        and loss.png, the ICL score and the training loss against step\n"
    "  --sequences N         random sequences averaged (default 64)\n"
    "  --out DIR  --seed N  --threads N\n"
    "\n"
    "Example:  gpt icl-heads --model runs/gpt/icl-large/ckpt.bin\n";

/* One model's head table, heat map and RESULT line, into dir. */
static void heads_of(const char *path, const char *name, const char *dir, int n_seqs, unsigned long long seed) {
    Gpt m;
    Tok tk;
    load_icl_model(path, &m, &tk);
    int L = m.cfg.n_layer, NH = m.cfg.n_head, T = 33, best;
    float *scores = xmalloc((size_t)L * NH * sizeof(float)), att[33 * 33];
    char seq[34], file[4200], title[256], err[512], *tmp;
    icl_head_scores(&m, &tk, n_seqs, seed, scores, att, &best, seq);
    path_join(file, sizeof file, dir, "heads.tsv");
    FILE *f = atomic_open(file, &tmp);
    fprintf(f, "layer\thead\tprefix_matching\n");
    printf("prefix-matching scores of %s (rows: layers, columns: heads)\n", name);
    for (int l = 0; l < L; l++) {
        printf("  layer %d:", l);
        for (int h = 0; h < NH; h++) {
            fprintf(f, "%d\t%d\t%.4f\n", l, h, scores[l * NH + h]);
            printf(" %.3f", scores[l * NH + h]);
        }
        printf("\n");
    }
    atomic_commit(f, tmp, file);
    const char *labels[33];
    char label_buf[33][4];
    for (int i = 0; i < T; i++) {
        snprintf(label_buf[i], sizeof label_buf[i], "%s", seq[i] == '\n' ? "\\n" : (char[]){seq[i], 0});
        labels[i] = label_buf[i];
    }
    snprintf(title, sizeof title, "%s: layer %d head %d, prefix matching %.2f", name, best / NH, best % NH,
             scores[best]);
    path_join(file, sizeof file, dir, "attention.png");
    int rc = heatmap_png(file, title, att, T, T, labels, labels, err, sizeof err);
    if (rc < 0) die("%s", err);
    if (rc == HEATMAP_NO_GNUPLOT) fprintf(stderr, "gpt: note: %s\n", err);
    result_begin("gpt");
    result_str("task", "icl-heads");
    result_str("model", name);
    result_int("params", (long long)params_count(&m.pt));
    result_int("sequences", n_seqs);
    result_int("best_layer", best / NH);
    result_int("best_head", best % NH);
    result_num("prefix_matching", scores[best], 3);
    result_end();
    free(scores);
    tok_free(&tk);
    gpt_free(&m);
}

static int heads_preset(void *ctx, const char *name) {
    if (strcmp(name, "induction") != 0) return 0;
    *(const char **)ctx = "induction";
    return 1;
}

/* The three runs' curves of one column against step, through scripts/plot.sh. */
static void plot_runs(const char *dir, const char *file, const char *column, const char *title) {
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "scripts/plot.sh -o '%s/%s.png' --y %s --liny --title '%s'", dir, column,
                     column, title);
    for (int s = 0; s < N_SIZES; s++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " runs/gpt/icl-%s/%s", sizes[s], file);
    if (strchr(dir, '\'') || system(cmd) != 0) warn("no plot: %s", cmd);
}

int gpt_cmd_icl_heads(int argc, char **argv) {
    const char *model = NULL, *out = NULL, *preset = NULL;
    int n_seqs = 64, threads = 0;
    unsigned long long seed = 1;
    const CliOption opts[] = {
        CLI_OUT(&out), CLI_SEED(&seed), CLI_THREADS(&threads),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("sequences", CLI_INT, &n_seqs, 1, 100000),
        CLI_END};
    CliSpec spec = {.usage = heads_usage, .options = opts, .preset = heads_preset, .ctx = &preset,
                    .presets = "induction"};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (!model == !preset) usage_error("icl-heads: give --model FILE or --preset induction");
    if (threads) set_threads(threads);
    if (model) {
        char dir[4096];
        model_dir(model, dir, sizeof dir);
        heads_of(model, gpt_cli_base_name(dir), out ? out : dir, n_seqs, seed);
        return 0;
    }
    const char *dir = out ? out : "runs/gpt/icl-induction";
    make_dirs(dir);
    for (int s = 0; s < N_SIZES; s++) {
        char path[1100], run[1024];
        snprintf(run, sizeof run, "runs/gpt/icl-%s", sizes[s]);
        snprintf(path, sizeof path, "%s/ckpt.bin", run);
        heads_of(path, sizes[s], run, n_seqs, seed);
    }
    char title[128];
    snprintf(title, sizeof title, "ICL score (loss near char %d - loss near char %d)", ICL_LATE_POS, ICL_EARLY_POS);
    plot_runs(dir, "icl_score/metrics.tsv", "icl_score", title);
    plot_runs(dir, "metrics.tsv", "loss", "training loss");
    return 0;
}
