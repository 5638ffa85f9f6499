/*
 * cmd_rome.c -- `gpt facts-train`, `gpt trace`, `gpt edit`: a GPT trained on
 * the synthetic fact world (gpt/facts.h), its facts located by causal
 * tracing and edited by ROME (gpt/rome.h), beside fine-tuning; and
 * rome_demo, the prompting demo's part.
 *
 * A fact model's folder (runs/gpt/facts by default) holds ckpt.bin,
 * vocab.txt (its words), facts.tsv (the world it learnt) and corpus.txt (the
 * training text, read again for the keys' second moment).
 */
#include "gpt/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/facts.h"
#include "gpt/rome.h"
#include "gpt/train.h"
#include "heatmap.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

#define FACTS_DIR "runs/gpt/facts"

/* ================================================================ facts-train */

typedef struct {
    const char *facts, *out, *name;
    int subjects, repeats, threads;
    unsigned long long world_seed;
    GptConfig model;
    GptTrainConfig tc;
} FactsTrainOptions;

static const char facts_train_usage[] =
    "Usage: gpt facts-train [options]\n"
    "Train a GPT on a synthetic world of facts (subject, relation, object; five relations,\n"
    "four templates each), then report how many facts it recalls (argmax over the vocabulary).\n"
    "\n"
    "  --preset standard the defaults: the model `gpt trace` and `gpt edit` use (60 subjects,\n"
    "                    6 layers x 64 channels, 2000 steps: 1-2 minutes on one core)\n"
    "  --facts FILE      a fact file, one 'subject<TAB>relation<TAB>object' a line\n"
    "                    (default: a generated world of --subjects N made-up names)\n"
    "  --subjects N      subjects of the generated world (default 60)\n"
    "  --world-seed N    the generated world's seed (default 1)\n"
    "  --repeats N       each (fact, template) sentence this many times in the text (4)\n"
    "  --out DIR         the model's folder (default " FACTS_DIR ")\n"
    "  --layers N --heads N --width N --context N    (6, 4, 64, 32)\n"
    "  --steps N --batch N --lr X --seed N --threads N --quiet\n"
    "\n"
    "Writes DIR/ckpt.bin, vocab.txt, facts.tsv, corpus.txt, metrics.tsv.\n"
    "Example:  gpt facts-train --preset standard --threads 1\n";

/* The standard fact model: 60 subjects (300 facts), 6 layers of 64 channels,
 * 2000 steps of 16 x 32 tokens: every fact recalled through every template,
 * in 1-2 minutes on one core. */
static void facts_train_defaults(FactsTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->name = "standard";
    o->subjects = 60, o->repeats = 4, o->world_seed = 1;
    o->model = (GptConfig){.max_seq_len = 32, .n_layer = 6, .n_head = 4, .channels = 64};
    o->tc = (GptTrainConfig){.batch = 16, .seq_len = 32, .accum = 1, .steps = 2000, .lr = 2e-3f, .min_lr = 2e-4f,
                             .warmup = 100, .beta1 = 0.9f, .beta2 = 0.99f, .weight_decay = 0.1f,
                             .grad_clip = 1.0f, .eval_interval = 500, .eval_iters = 10, .log_interval = 10,
                             .seed = 1337};
}

static int facts_train_preset(void *ctx, const char *name) {
    if (strcmp(name, "standard")) return 0;
    facts_train_defaults(ctx);
    return 1;
}

/* Train the fact model described by o into o->out (everything beside it). */
static void facts_train_run(FactsTrainOptions *o) {
    FactWorld w;
    char err[1024], path[1200];
    if (o->facts) {
        if (facts_read(o->facts, &w, err, sizeof err) != 0) die("%s", err);
    } else {
        facts_generate(&w, o->subjects, o->world_seed);
    }
    make_dirs(o->out);
    path_join(path, sizeof path, o->out, "facts.tsv");
    facts_write(&w, path);
    size_t len, n;
    char *text = facts_corpus(&w, o->repeats, o->world_seed, &len);
    path_join(path, sizeof path, o->out, "corpus.txt");
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(text, 1, len, f, path);
    atomic_commit(f, tmp, path);
    Tok tk;
    tok_words_from_text(&tk, text, len, 1);
    char vocab_path[1200], tok_config[1400];
    path_join(vocab_path, sizeof vocab_path, o->out, "vocab.txt");
    vocab_save(tk.words, vocab_path);
    tok_config_text(&tk, vocab_path, tok_config, sizeof tok_config);
    int *ids = tok_encode(&tk, "the fact corpus", text, len, &n);
    free(text);
    size_t n_val = n / 10;   /* the same facts: the validation loss only shows memorising */
    o->model.vocab_size = tk.vocab_size;
    o->model.max_seq_len = o->tc.seq_len;
    o->tc.decay_steps = o->tc.steps;
    o->tc.out_dir = o->out;
    o->tc.extra_config = tok_config;
    Gpt m;
    gpt_build(&m, &o->model);
    gpt_init_weights(&m, o->tc.seed);
    printf("gpt: %d facts of %d subjects; %zu parameters; %zu tokens; vocabulary %d\n", w.n, w.n / FACT_RELATIONS,
           params_count(&m.pt), n, tk.vocab_size);
    double t0 = now_seconds();
    gpt_train(&m, &o->tc, ids, n - n_val, ids + n - n_val, n_val, 0, NULL);
    double train_s = now_seconds() - t0;
    double recall = rome_recall(&m, &tk, &w, -1), recall0 = rome_recall(&m, &tk, &w, 0);
    printf("gpt: trained %ld steps in %.1f s; facts recalled: %.4f (all templates), %.4f (template 0)\n",
           o->tc.steps, train_s, recall, recall0);
    result_begin("gpt");
    result_str("task", "facts-train");
    result_str("model", o->name);
    result_int("facts", w.n);
    result_int("steps", o->tc.steps);
    result_num("train_s", train_s, 1);
    result_num("recall", recall, 4);
    result_num("recall_t0", recall0, 4);
    result_end();
    free(ids);
    tok_free(&tk);
    gpt_free(&m);
    facts_free(&w);
}

int gpt_cmd_facts_train(int argc, char **argv) {
    FactsTrainOptions o;
    facts_train_defaults(&o);
    int context = 0;
    const CliOption opts[] = {
        CLI_OUT(&o.out), CLI_STEPS(&o.tc.steps), CLI_LR_F(&o.tc.lr), CLI_BATCH(&o.tc.batch), CLI_SEED(&o.tc.seed),
        CLI_THREADS(&o.threads), CLI_QUIET(&o.tc.quiet),
        CLI_OPT("facts", CLI_STRING, &o.facts, 0, 0),
        CLI_OPT("subjects", CLI_INT, &o.subjects, 1, 1280),
        CLI_OPT("world-seed", CLI_ULONG, &o.world_seed, 0, 0),
        CLI_OPT("repeats", CLI_INT, &o.repeats, 1, 1000),
        CLI_OPT("layers", CLI_INT, &o.model.n_layer, 1, 64),
        CLI_OPT("heads", CLI_INT, &o.model.n_head, 1, 64),
        CLI_OPT("width", CLI_INT, &o.model.channels, 1, 4096),
        {.name = "context", .type = CLI_INT, .dst = &context, .lo = 8, .hi = 1024, .alias = "block-size"},
        CLI_END};
    CliSpec spec = {.usage = facts_train_usage, .options = opts, .preset = facts_train_preset, .ctx = &o,
                    .presets = "standard"};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (context) o.tc.seq_len = context;
    if (o.threads) set_threads(o.threads);
    if (!o.out) o.out = FACTS_DIR;
    facts_train_run(&o);
    return 0;
}

/* ================================================================ the fact model */

typedef struct {
    Gpt m;
    Tok tk;
    FactWorld w;
    char dir[1024];
} FactModel;

/* The fact model in dir (or the folder of a ckpt.bin): its weights, words
 * and world. No dir: the standard model, trained first when it is missing. */
static void fact_model_load(FactModel *fm, const char *dir, int quiet) {
    char ckpt[1200], path[1200], err[1024];
    if (!dir) {
        dir = FACTS_DIR;
        path_join(ckpt, sizeof ckpt, dir, "ckpt.bin");
        if (!path_exists(ckpt)) {
            fprintf(stderr, "gpt: no fact model in %s: training the standard one (1-2 minutes on one core)\n",
                    dir);
            FactsTrainOptions o;
            facts_train_defaults(&o);
            o.out = dir, o.tc.quiet = quiet;
            facts_train_run(&o);
        }
    }
    size_t n = strlen(dir);
    if (n > 9 && !strcmp(dir + n - 9, "/ckpt.bin")) snprintf(fm->dir, sizeof fm->dir, "%.*s", (int)(n - 9), dir);
    else snprintf(fm->dir, sizeof fm->dir, "%s", dir);
    path_join(ckpt, sizeof ckpt, fm->dir, "ckpt.bin");
    if (!path_exists(ckpt))
        die("'%s' holds no fact model (ckpt.bin)\nHINT: train one with `gpt facts-train --out %s`", fm->dir, fm->dir);
    char *config;
    gpt_cli_load_model(ckpt, NULL, &fm->m, &fm->tk, &config);
    free(config);
    if (fm->tk.kind != TOK_WORD) die("'%s' is not a fact model: it does not read words", ckpt);
    path_join(path, sizeof path, fm->dir, "facts.tsv");
    if (facts_read(path, &fm->w, err, sizeof err) != 0) die("%s", err);
}

static void fact_model_free(FactModel *fm) {
    gpt_free(&fm->m);
    tok_free(&fm->tk);
    facts_free(&fm->w);
}

/* The id of a fact's object, or die naming it. */
static int object_id(const FactModel *fm, const char *object) {
    int id = rome_word_id(&fm->tk, object);
    if (id < 0) die("the object '%s' is not a word of the fact model", object);
    return id;
}

static void prompt_or_die(RomePrompt *p, const FactModel *fm, int tmpl, const Fact *f) {
    char err[1024];
    if (rome_prompt(p, &fm->tk, fact_relations[f->relation].templates[tmpl], f->subject, err, sizeof err) != 0)
        die("%s", err);
}

/* The fact (subject, relation name), or die with what the world holds. */
static int find_fact_or_die(const FactModel *fm, const char *subject, const char *relation) {
    int rel = fact_relation_find(relation);
    if (rel < 0) die("unknown relation '%s' (known: lives_in, speaks, works_as, plays, eats)", relation);
    int i = facts_find(&fm->w, subject, rel);
    if (i < 0)
        die("'%s' is not a subject of the fact model's world (%s/facts.tsv), or has no %s fact", subject, fm->dir,
            relation);
    return i;
}

/* Known facts in a seeded random order: the model's argmax on template
 * tmpl (-1: a random template each) is the true object. Returns how many
 * (at most max) into facts and templates. */
static int known_facts(FactModel *fm, int max, unsigned long long seed, int tmpl, int *facts, int *templates) {
    int *order = xmalloc((size_t)fm->w.n * sizeof(int)), k = 0;
    for (int i = 0; i < fm->w.n; i++) order[i] = i;
    Rng r;
    rng_seed(&r, seed, 3);
    rng_shuffle_int(&r, order, (size_t)fm->w.n);
    for (int i = 0; i < fm->w.n && k < max; i++) {
        const Fact *f = &fm->w.f[order[i]];
        int t = tmpl >= 0 ? tmpl : (int)rng_below(&r, FACT_TEMPLATES);
        RomePrompt p;
        prompt_or_die(&p, fm, t, f);
        int object = object_id(fm, f->object);
        float po = rome_prob(&fm->m, &p, object);
        const float *z = fm->m.a.logits + (size_t)(p.n - 1) * fm->m.cfg.vocab_size;
        int best = 0;
        for (int j = 1; j < fm->m.cfg.vocab_size; j++) best = z[j] > z[best] ? j : best;
        if (best != object || !(po > 0)) continue;
        facts[k] = order[i], templates[k] = t, k++;
    }
    free(order);
    return k;
}

/* ================================================================ trace */

static const char trace_usage[] =
    "Usage: gpt trace [options]\n"
    "Causal tracing (ROME, Meng et al. 2022, Figure 1): corrupt the subject's embeddings with\n"
    "Gaussian noise, restore one clean state at a time, and map how much of the true object's\n"
    "probability each state brings back -- for the block outputs (hidden states), and for the\n"
    "MLP and attention outputs over a window of layers. One fact, and the average over many.\n"
    "\n"
    "  --model DIR       a fact model's folder (default " FACTS_DIR ", trained when missing)\n"
    "  --facts N         known facts averaged (default 100)\n"
    "  --subject TEXT --relation NAME    the single-fact example (default: the first known fact)\n"
    "  --samples N       noise samples (ROME: 10)\n"
    "  --noise X         noise standard deviation (default 3 x the subject embeddings' std)\n"
    "  --window N        layers restored together for MLP and attention (default 2)\n"
    "  --out DIR         the heat maps (default runs/gpt/trace)\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt trace --threads 1\n";

/* ROME's rows of the averaged maps (its Figure 2 and Appendix). */
enum { ROW_FIRST_SUBJ, ROW_MID_SUBJ, ROW_LAST_SUBJ, ROW_FIRST_AFTER, ROW_FURTHER, ROW_LAST, ROWS };
static const char *const row_names[ROWS] = {"first subject token", "middle subject tokens", "last subject token",
                                            "first subsequent token", "further tokens", "last token"};

/* The row of position t in prompt p, or -1 (before the subject: never corrupted). */
static int token_row(const RomePrompt *p, int t) {
    if (t < p->subj_first) return -1;
    if (t == p->subj_first) return ROW_FIRST_SUBJ;
    if (t < p->subj_last) return ROW_MID_SUBJ;
    if (t == p->subj_last) return ROW_LAST_SUBJ;
    if (t == p->n - 1) return ROW_LAST;
    return t == p->subj_last + 1 ? ROW_FIRST_AFTER : ROW_FURTHER;
}

static const char *const site_titles[GPT_SITES] = {"attn", "MLP", "hidden state"};
static const int panel_site[GPT_SITES] = {GPT_SITE_BLOCK, GPT_SITE_MLP, GPT_SITE_ATTN};   /* ROME's order */

/* The three maps (rows, L) of a trace side by side in one PNG, each divided
 * by its largest value so that white is its strongest effect (the panel's
 * title says how strong; negative effects are black). */
static void draw_maps(const char *path, const char *what, float *const *maps, int rows, int L,
                      const char *const *row_labels, int window) {
    size_t n = (size_t)rows * L;
    float *all = xmalloc(GPT_SITES * n * sizeof(float));
    char titles[GPT_SITES][64], title[512];
    const char *tptr[GPT_SITES];
    for (int k = 0; k < GPT_SITES; k++) {
        int s = panel_site[k];
        float top = 1e-6f, *panel = all + k * n;
        for (size_t i = 0; i < n; i++) top = fmaxf(top, maps[s][i]);
        for (size_t i = 0; i < n; i++) panel[i] = fmaxf(maps[s][i], 0.0f) / top;
        if (s == GPT_SITE_BLOCK) snprintf(titles[k], sizeof titles[k], "%s, max %.2f", site_titles[s], top);
        else snprintf(titles[k], sizeof titles[k], "%s w=%d, max %.2f", site_titles[s], window, top);
        tptr[k] = titles[k];
    }
    snprintf(title, sizeof title, "indirect effects, %s", what);
    char err[512];
    int rc = heatmap_grid_png(path, title, all, GPT_SITES, GPT_SITES, tptr, rows, L, row_labels, NULL, err,
                              sizeof err);
    if (rc < 0) die("%s", err);
    if (rc == HEATMAP_NO_GNUPLOT) fprintf(stderr, "note: %s\n", err);
    else printf("wrote %s\n", path);
    free(all);
}

/* A (rows, L) map printed as a table. */
static void print_map(const char *name, const float *map, int rows, int L, const char *const *labels) {
    printf("%s\n%-24s", name, "");
    for (int l = 0; l < L; l++) printf("  layer%d", l);
    printf("\n");
    for (int r = 0; r < rows; r++) {
        printf("%-24s", labels[r]);
        for (int l = 0; l < L; l++) printf(" %7.3f", map[(size_t)r * L + l]);
        printf("\n");
    }
}

/* Token labels of a prompt, "*" marking the subject's. */
static char **prompt_labels(const FactModel *fm, const RomePrompt *p) {
    char **labels = xmalloc((size_t)p->n * sizeof *labels);
    for (int t = 0; t < p->n; t++) {
        const char *w = vocab_token(fm->tk.words, p->ids[t]);
        size_t n = strlen(w) + 3;
        labels[t] = xmalloc(n);
        snprintf(labels[t], n, "%s%s", w, t >= p->subj_first && t <= p->subj_last ? "*" : "");
    }
    return labels;
}

int gpt_cmd_trace(int argc, char **argv) {
    const char *model = NULL, *out = "runs/gpt/trace", *subject = NULL, *relation = NULL;
    int n_facts = 100, threads = 0, quiet = 0;
    float noise = 0.0f;
    RomeTraceConfig tc = {.samples = 10, .window = 2, .seed = 1};
    const CliOption opts[] = {
        CLI_OUT(&out), CLI_SEED(&tc.seed), CLI_THREADS(&threads), CLI_QUIET(&quiet),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("facts", CLI_INT, &n_facts, 1, 100000),
        CLI_OPT("subject", CLI_STRING, &subject, 0, 0),
        CLI_OPT("relation", CLI_STRING, &relation, 0, 0),
        CLI_OPT("samples", CLI_INT, &tc.samples, 1, 1000),
        CLI_OPT("noise", CLI_FLOAT, &noise, 0, 1e6),
        CLI_OPT("window", CLI_INT, &tc.window, 1, 64),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = trace_usage, .options = opts}, argc, argv, 0);
    if (!subject != !relation) usage_error("trace: give --subject and --relation together");
    if (threads) set_threads(threads);
    FactModel fm;
    fact_model_load(&fm, model, quiet);
    int L = fm.m.cfg.n_layer;
    /* ROME's nu: 3 x the std of the subjects' token embeddings */
    int *subj_tokens = xmalloc((size_t)fm.w.n * ROME_MAX_PROMPT * sizeof(int)), ns = 0;
    for (int i = 0; i < fm.w.n; i++) {
        RomePrompt p;
        prompt_or_die(&p, &fm, 0, &fm.w.f[i]);
        for (int t = p.subj_first; t <= p.subj_last; t++) subj_tokens[ns++] = p.ids[t];
    }
    tc.noise = noise > 0 ? noise : rome_noise_level(&fm.m, subj_tokens, ns);
    free(subj_tokens);
    make_dirs(out);

    /* the averaged maps, over known facts through random templates */
    int *facts = xmalloc((size_t)fm.w.n * sizeof(int)), *tmpls = xmalloc((size_t)fm.w.n * sizeof(int));
    int n = known_facts(&fm, n_facts, tc.seed, -1, facts, tmpls);
    if (n == 0) die("the model knows none of its facts: train it longer");
    float *avg[GPT_SITES];
    int counts[ROWS] = {0};
    for (int s = 0; s < GPT_SITES; s++) avg[s] = xcalloc((size_t)ROWS * L, sizeof(float));
    double p_clean = 0, p_corrupt = 0;
    if (!quiet) progress_start(n, "trace");
    for (int i = 0; i < n; i++) {
        const Fact *f = &fm.w.f[facts[i]];
        RomePrompt p;
        prompt_or_die(&p, &fm, tmpls[i], f);
        RomeTrace tr;
        rome_trace(&fm.m, &p, object_id(&fm, f->object), &tc, &tr);
        p_clean += tr.p_clean / n, p_corrupt += tr.p_corrupt / n;
        int seen[ROWS] = {0};
        for (int t = 0; t < p.n; t++) {   /* a row's value in one prompt: the mean over its tokens */
            int r = token_row(&p, t);
            if (r >= 0) seen[r]++;
        }
        for (int t = 0; t < p.n; t++) {
            int r = token_row(&p, t);
            if (r < 0) continue;
            for (int s = 0; s < GPT_SITES; s++)
                for (int l = 0; l < L; l++) avg[s][(size_t)r * L + l] += tr.effect[s][(size_t)t * L + l] / seen[r];
        }
        for (int r = 0; r < ROWS; r++) counts[r] += seen[r] > 0;
        rome_trace_free(&tr);
        if (!quiet) progress_update(i + 1, NAN, 0);
    }
    if (!quiet) progress_end();
    for (int s = 0; s < GPT_SITES; s++)
        for (int r = 0; r < ROWS; r++)
            for (int l = 0; l < L; l++) avg[s][(size_t)r * L + l] /= counts[r] ? counts[r] : 1;
    char path[1200], title[256];
    printf("average indirect effect on P(true object) over %d known facts; P clean %.3f, corrupted %.3f "
           "(noise %.4f, %d samples)\n", n, p_clean, p_corrupt, tc.noise, tc.samples);
    for (int k = 0; k < GPT_SITES; k++) print_map(site_titles[panel_site[k]], avg[panel_site[k]], ROWS, L, row_names);
    snprintf(title, sizeof title, "mean of %d facts (P %.2f, noised %.2f)", n, p_clean, p_corrupt);
    path_join(path, sizeof path, out, "trace_average.png");
    draw_maps(path, title, avg, ROWS, L, row_names, tc.window);

    /* the single-fact example */
    int ex = facts[0], ex_t = 0;
    if (subject) ex = find_fact_or_die(&fm, subject, relation);
    const Fact *f = &fm.w.f[ex];
    RomePrompt p;
    prompt_or_die(&p, &fm, ex_t, f);
    RomeTrace tr;
    rome_trace(&fm.m, &p, object_id(&fm, f->object), &tc, &tr);
    char **labels = prompt_labels(&fm, &p);
    snprintf(title, sizeof title, "%s -> %s (P %.2f, noised %.2f)", f->subject, f->object, tr.p_clean,
             tr.p_corrupt);
    printf("one fact: %s\n", title);
    for (int k = 0; k < GPT_SITES; k++)
        print_map(site_titles[panel_site[k]], tr.effect[panel_site[k]], p.n, L, (const char *const *)labels);
    path_join(path, sizeof path, out, "trace_example.png");
    draw_maps(path, title, tr.effect, p.n, L, (const char *const *)labels, tc.window);

    /* where the MLPs matter most at the last subject token: the layer to edit */
    int peak = 0;
    for (int l = 1; l < L; l++)
        if (avg[GPT_SITE_MLP][ROW_LAST_SUBJ * L + l] > avg[GPT_SITE_MLP][ROW_LAST_SUBJ * L + peak]) peak = l;
    result_begin("gpt");
    result_str("task", "trace");
    result_int("facts", n);
    result_int("samples", tc.samples);
    result_int("window", tc.window);
    result_num("noise", tc.noise, 4);
    result_num("p_clean", p_clean, 4);
    result_num("p_corrupt", p_corrupt, 4);
    result_int("mlp_peak_layer", peak);
    result_num("mlp_last_subject", avg[GPT_SITE_MLP][ROW_LAST_SUBJ * L + peak], 4);
    float attn_last = 0;
    for (int l = 0; l < L; l++) attn_last = fmaxf(attn_last, avg[GPT_SITE_ATTN][ROW_LAST * L + l]);
    result_num("attn_last_token", attn_last, 4);
    result_end();
    for (int t = 0; t < p.n; t++) free(labels[t]);
    free(labels);
    rome_trace_free(&tr);
    for (int s = 0; s < GPT_SITES; s++) free(avg[s]);
    free(facts);
    free(tmpls);
    fact_model_free(&fm);
    return 0;
}

/* ================================================================ edit */

static const char edit_usage[] =
    "Usage: gpt edit [options]\n"
    "ROME's rank-one edit (Meng et al. 2022): make the fact model say a new object for a\n"
    "subject's fact by changing one MLP's output projection, then measure efficacy (the new\n"
    "object beats the old on the edit's prompt), paraphrase (on the relation's other\n"
    "templates), specificity (other subjects with the same old object keep it) and their\n"
    "harmonic mean, beside fine-tuning the same matrix and the unedited model.\n"
    "\n"
    "  --model DIR       a fact model's folder (default " FACTS_DIR ", trained when missing)\n"
    "  --edits N         edits of the standard set, each on the unedited model (default 120)\n"
    "  --subject TEXT --relation NAME --new OBJECT    one edit, shown prompt by prompt\n"
    "  --layer N         the MLP edited (default: where restoring one MLP at the last subject\n"
    "                    token brings back the most, over 20 known facts)\n"
    "  --method NAME     all, rome or ft (default all: unedited, ft, rome)\n"
    "  --prefixes N      prefixed copies of the prompt for k* and v* (default 10)\n"
    "  --v-steps N --v-lr X --kl X --decay X --clamp X    v*'s optimisation (20, 0.5, 0.0625, 0, 4;\n"
    "                    ROME's decay 0.5 is tuned to GPT-2 XL's scale: see gpt/prompting/ROME.md)\n"
    "  --ridge X         C + X mean(diag C) I before solving (default 1e-3)\n"
    "  --moment-tokens N positions of the training text in C (default 20000)\n"
    "  --ft-steps N --ft-lr X    the fine-tuning baseline (25, 1e-3)\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt edit --threads 1\n"
    "          gpt edit --subject 'Zorvan Telik' --relation lives_in --new Oslo\n";

static const char *const methods[] = {"all", "rome", "ft", NULL};
enum { METHOD_ALL, METHOD_ROME, METHOD_FT };

typedef struct {
    RomeEditConfig ec;
    int n_prefixes, ft_steps;
    float ft_lr;
    int *corpus;            /* the training text's ids, for prefixes and C */
    size_t n_corpus;
    size_t *sentences;      /* the positions of its </s> */
    size_t n_sentences;
    float *mom;             /* (4C,4C) the keys' second moment at ec.layer */
} EditSetup;

/* The prompt of the edit, then n_prefixes copies after one or two sentences
 * of the training text (ROME's context templates): out (1 + n_prefixes). */
static void rewrite_prompts(const EditSetup *es, const RomePrompt *p, Rng *r, RomePrompt *out) {
    out[0] = *p;
    for (int i = 1; i <= es->n_prefixes; i++) {
        size_t s = rng_below(r, (uint32_t)(es->n_sentences - 2)), k = 1 + (i % 2);
        size_t from = es->sentences[s], to = es->sentences[s + k];
        rome_prefixed(&out[i], p, es->corpus + from, (int)(to - from));
    }
}

/* The subject's other facts through template 0: the KL prompts. */
static int kl_prompts(const FactModel *fm, int fact, RomePrompt *out) {
    int n = 0;
    for (int i = 0; i < fm->w.n; i++)
        if (i != fact && !strcmp(fm->w.f[i].subject, fm->w.f[fact].subject)) prompt_or_die(&out[n++], fm, 0, &fm->w.f[i]);
    return n;
}

/* ROME: k*, v*, then the rank-one update of fcprojw[layer]. */
static void rome_edit(FactModel *fm, const EditSetup *es, int fact, int new_object, Rng *r) {
    RomePrompt p, rw[64], kl[FACT_RELATIONS];
    prompt_or_die(&p, fm, 0, &fm->w.f[fact]);
    rewrite_prompts(es, &p, r, rw);
    int n_kl = kl_prompts(fm, fact, kl);
    rome_apply(&fm->m, rw, 1 + es->n_prefixes, kl, n_kl, new_object, &es->ec, es->mom);
}

/* The baseline: fine-tune fcprojw[layer] on the same rewriting prompts. */
static void ft_edit(FactModel *fm, const EditSetup *es, int fact, int new_object, Rng *r) {
    RomePrompt p, rw[64];
    prompt_or_die(&p, fm, 0, &fm->w.f[fact]);
    rewrite_prompts(es, &p, r, rw);
    rome_finetune(&fm->m, rw, 1 + es->n_prefixes, new_object, es->ec.layer, es->ft_steps, es->ft_lr);
}

/* The training text and its sentences; C at the edited layer. */
static void edit_setup(EditSetup *es, FactModel *fm, size_t moment_tokens) {
    char path[1200];
    path_join(path, sizeof path, fm->dir, "corpus.txt");
    size_t len;
    char *text = read_file(path, &len);
    es->corpus = tok_encode(&fm->tk, path, text, len, &es->n_corpus);
    free(text);
    es->sentences = xmalloc(es->n_corpus * sizeof(size_t));
    es->n_sentences = 0;
    for (size_t i = 0; i < es->n_corpus; i++)
        if (es->corpus[i] == VOCAB_EOS) es->sentences[es->n_sentences++] = i;
    if (es->n_sentences < 3) die("'%s' holds fewer than 3 sentences", path);
    int D = 4 * fm->m.cfg.channels;
    es->mom = xmalloc((size_t)D * D * sizeof(float));
    rome_second_moment(&fm->m, es->corpus, es->n_corpus, fm->m.cfg.max_seq_len, moment_tokens, es->ec.layer,
                       es->mom);
}

static void edit_setup_free(EditSetup *es) {
    free(es->corpus);
    free(es->sentences);
    free(es->mom);
}

/* The layer whose MLP output at the last subject token, restored alone
 * (a window of one layer), brings back most of the true object's
 * probability, averaged over n known facts. */
static int traced_layer(FactModel *fm, int n, unsigned long long seed) {
    int L = fm->m.cfg.n_layer, *facts = xmalloc((size_t)n * sizeof(int)), *tmpls = xmalloc((size_t)n * sizeof(int));
    int k = known_facts(fm, n, seed, -1, facts, tmpls);
    double *effect = xcalloc((size_t)L, sizeof(double));
    int *subj = xmalloc((size_t)fm->w.n * ROME_MAX_PROMPT * sizeof(int)), ns = 0;
    for (int i = 0; i < fm->w.n; i++) {
        RomePrompt p;
        prompt_or_die(&p, fm, 0, &fm->w.f[i]);
        for (int t = p.subj_first; t <= p.subj_last; t++) subj[ns++] = p.ids[t];
    }
    RomeTraceConfig tc = {.samples = 10, .window = 1, .seed = seed, .noise = rome_noise_level(&fm->m, subj, ns)};
    for (int i = 0; i < k; i++) {
        RomePrompt p;
        prompt_or_die(&p, fm, tmpls[i], &fm->w.f[facts[i]]);
        RomeTrace tr;
        rome_trace(&fm->m, &p, object_id(fm, fm->w.f[facts[i]].object), &tc, &tr);
        for (int l = 0; l < L; l++) effect[l] += tr.effect[GPT_SITE_MLP][(size_t)p.subj_last * L + l];
        rome_trace_free(&tr);
    }
    int best = 0;
    for (int l = 1; l < L; l++) best = effect[l] > effect[best] ? l : best;
    free(subj);
    free(effect);
    free(facts);
    free(tmpls);
    return best;
}

/* A random other object of the fact's relation, among the world's. */
static int random_new_object(const FactModel *fm, int fact, Rng *r) {
    const Fact *f = &fm->w.f[fact];
    for (;;) {
        const Fact *g = &fm->w.f[rng_below(r, (uint32_t)fm->w.n)];
        if (g->relation == f->relation && strcmp(g->object, f->object)) return object_id(fm, g->object);
    }
}

static void scores_result(const char *method, int edits, int layer, const RomeScores *s) {
    printf("%-10s %6d %10.4f %11.4f %12.4f %8.4f %12.4f\n", method, edits, s->efficacy, s->paraphrase,
           s->specificity, rome_score(s), s->other_facts);
    result_begin("gpt");
    result_str("task", "edit");
    result_str("method", method);
    result_int("edits", edits);
    result_int("layer", layer);
    result_num("efficacy", s->efficacy, 4);
    result_num("paraphrase", s->paraphrase, 4);
    result_num("specificity", s->specificity, 4);
    result_num("score", rome_score(s), 4);
    result_num("other_facts", s->other_facts, 4);
    result_end();
}

/* Every method over the same edits, each on the unedited weights. */
static void edit_standard_set(FactModel *fm, const EditSetup *es, int n_edits, int method, unsigned long long seed,
                              int quiet) {
    int C = fm->m.cfg.channels, l = es->ec.layer;
    size_t size = (size_t)C * 4 * C;
    float *W = fm->m.w.fcprojw + (size_t)l * size, *saved = xmalloc(size * sizeof(float));
    memcpy(saved, W, size * sizeof(float));
    int *order = xmalloc((size_t)fm->w.n * sizeof(int));
    for (int i = 0; i < fm->w.n; i++) order[i] = i;
    Rng r;
    rng_seed(&r, seed, 5);
    rng_shuffle_int(&r, order, (size_t)fm->w.n);
    if (n_edits > fm->w.n) n_edits = fm->w.n;
    const char *names[3] = {"unedited", "ft", "rome"};
    RomeScores sum[3] = {{0}};
    if (!quiet) progress_start(n_edits, "edit");
    for (int e = 0; e < n_edits; e++) {
        int fact = order[e], new_object = random_new_object(fm, fact, &r);
        for (int k = 0; k < 3; k++) {
            if ((k == 1 && method == METHOD_ROME) || (k == 2 && method == METHOD_FT)) continue;
            Rng pr;   /* the same prefixes for both methods */
            rng_seed(&pr, seed, 100 + (unsigned long long)e);
            if (k == 1) ft_edit(fm, es, fact, new_object, &pr);
            if (k == 2) rome_edit(fm, es, fact, new_object, &pr);
            RomeScores s;
            rome_evaluate(&fm->m, &fm->tk, &fm->w, fact, new_object, &s);
            sum[k].efficacy += s.efficacy / n_edits, sum[k].paraphrase += s.paraphrase / n_edits;
            sum[k].specificity += s.specificity / n_edits, sum[k].other_facts += s.other_facts / n_edits;
            memcpy(W, saved, size * sizeof(float));
        }
        if (!quiet) progress_update(e + 1, NAN, 0);
    }
    if (!quiet) progress_end();
    printf("%-10s %6s %10s %11s %12s %8s %12s\n", "method", "edits", "efficacy", "paraphrase", "specificity",
           "score", "other_facts");
    for (int k = 0; k < 3; k++)
        if (!((k == 1 && method == METHOD_ROME) || (k == 2 && method == METHOD_FT)))
            scores_result(names[k], n_edits, l, &sum[k]);
    free(order);
    free(saved);
}

/* One query's line: the prompt, P(old), P(new) and the model's answer. */
static void show_query(FactModel *fm, const char *what, const Fact *f, int tmpl, int old, int new_object) {
    RomePrompt p;
    prompt_or_die(&p, fm, tmpl, f);
    char text[512];
    facts_prompt(text, sizeof text, fact_relations[f->relation].templates[tmpl], f->subject);
    float p_old = rome_prob(&fm->m, &p, old), p_new = rome_prob(&fm->m, &p, new_object);
    const float *z = fm->m.a.logits + (size_t)(p.n - 1) * fm->m.cfg.vocab_size;
    int best = 0;
    for (int j = 1; j < fm->m.cfg.vocab_size; j++) best = z[j] > z[best] ? j : best;
    printf("  %-11s %-44s -> %-10s P(%s)=%.3f P(%s)=%.3f\n", what, text, vocab_token(fm->tk.words, best),
           vocab_token(fm->tk.words, old), p_old, vocab_token(fm->tk.words, new_object), p_new);
}

/* The edit's prompt, a paraphrase, a neighbour (same relation and old
 * object) and another fact of the subject. */
static void show_queries(FactModel *fm, int fact, int new_object) {
    const Fact *f = &fm->w.f[fact];
    int old = object_id(fm, f->object);
    show_query(fm, "prompt", f, 0, old, new_object);
    show_query(fm, "paraphrase", f, 1, old, new_object);
    for (int i = 0; i < fm->w.n; i++) {
        const Fact *g = &fm->w.f[i];
        if (g->relation == f->relation && !strcmp(g->object, f->object) && strcmp(g->subject, f->subject)) {
            show_query(fm, "neighbour", g, 0, old, new_object);
            break;
        }
    }
    for (int i = 0; i < fm->w.n; i++) {
        const Fact *g = &fm->w.f[i];
        if (g->relation != f->relation && !strcmp(g->subject, f->subject)) {
            int o = object_id(fm, g->object);
            show_query(fm, "other fact", g, 0, o, o);
            break;
        }
    }
}

/* One edit, shown before and after each method. */
static void edit_one(FactModel *fm, const EditSetup *es, int fact, int new_object, int method,
                     unsigned long long seed) {
    int C = fm->m.cfg.channels, l = es->ec.layer;
    size_t size = (size_t)C * 4 * C;
    float *W = fm->m.w.fcprojw + (size_t)l * size, *saved = xmalloc(size * sizeof(float));
    memcpy(saved, W, size * sizeof(float));
    const Fact *f = &fm->w.f[fact];
    printf("edit: %s %s %s -> %s (layer %d)\nunedited:\n", f->subject, fact_relations[f->relation].name, f->object,
           vocab_token(fm->tk.words, new_object), l);
    show_queries(fm, fact, new_object);
    for (int k = 1; k < 3; k++) {
        if ((k == 1 && method == METHOD_ROME) || (k == 2 && method == METHOD_FT)) continue;
        Rng pr;
        rng_seed(&pr, seed, 100);
        if (k == 1) ft_edit(fm, es, fact, new_object, &pr);
        else rome_edit(fm, es, fact, new_object, &pr);
        printf("after %s:\n", k == 1 ? "fine-tuning" : "ROME");
        show_queries(fm, fact, new_object);
        RomeScores s;
        rome_evaluate(&fm->m, &fm->tk, &fm->w, fact, new_object, &s);
        scores_result(k == 1 ? "ft" : "rome", 1, l, &s);
        memcpy(W, saved, size * sizeof(float));
    }
    free(saved);
}

int gpt_cmd_edit(int argc, char **argv) {
    const char *model = NULL, *subject = NULL, *relation = NULL, *new_word = NULL;
    int n_edits = 120, threads = 0, quiet = 0, method = METHOD_ALL;
    long moment_tokens = 20000;
    unsigned long long seed = 1;
    EditSetup es = {.ec = {.layer = -1, .steps = 20, .lr = 0.5f, .kl_weight = 0.0625f, .weight_decay = 0.0f,
                           .clamp = 4.0f, .ridge = 1e-3f},
                    .n_prefixes = 10, .ft_steps = 25, .ft_lr = 1e-3f};
    const CliOption opts[] = {
        CLI_SEED(&seed), CLI_THREADS(&threads), CLI_QUIET(&quiet),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("edits", CLI_INT, &n_edits, 1, 1000000),
        CLI_OPT("subject", CLI_STRING, &subject, 0, 0),
        CLI_OPT("relation", CLI_STRING, &relation, 0, 0),
        CLI_OPT("new", CLI_STRING, &new_word, 0, 0),
        CLI_OPT("layer", CLI_INT, &es.ec.layer, -1, 1024),
        {.name = "method", .type = CLI_CHOICE, .dst = &method, .choices = methods},
        CLI_OPT("prefixes", CLI_INT, &es.n_prefixes, 0, 63),
        CLI_OPT("v-steps", CLI_INT, &es.ec.steps, 0, 100000),
        CLI_OPT("v-lr", CLI_FLOAT, &es.ec.lr, 0, 100),
        CLI_OPT("kl", CLI_FLOAT, &es.ec.kl_weight, 0, 1e6),
        CLI_OPT("decay", CLI_FLOAT, &es.ec.weight_decay, 0, 1e6),
        CLI_OPT("clamp", CLI_FLOAT, &es.ec.clamp, 0, 1e6),
        CLI_OPT("ridge", CLI_FLOAT, &es.ec.ridge, 0, 1e6),
        CLI_OPT("moment-tokens", CLI_LONG, &moment_tokens, 1, 1e9),
        CLI_OPT("ft-steps", CLI_INT, &es.ft_steps, 0, 100000),
        CLI_OPT("ft-lr", CLI_FLOAT, &es.ft_lr, 0, 100),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = edit_usage, .options = opts}, argc, argv, 0);
    if ((subject || relation || new_word) && !(subject && relation && new_word))
        usage_error("edit: give --subject, --relation and --new together");
    if (threads) set_threads(threads);
    FactModel fm;
    fact_model_load(&fm, model, quiet);
    int fact = -1, new_object = -1;
    if (subject) {   /* checked before any work */
        fact = find_fact_or_die(&fm, subject, relation);
        new_object = rome_word_id(&fm.tk, new_word);
        int known = 0;
        for (int i = 0; i < fm.w.n && !known; i++)
            known = fm.w.f[i].relation == fm.w.f[fact].relation && !strcmp(fm.w.f[i].object, new_word);
        if (new_object < 0 || !known)
            die("'%s' is not an object of the relation %s in the fact model's world", new_word, relation);
        if (!strcmp(new_word, fm.w.f[fact].object)) die("'%s' already is the object: nothing to edit", new_word);
    }
    if (es.ec.layer >= fm.m.cfg.n_layer) die("--layer %d: the model has %d layers", es.ec.layer, fm.m.cfg.n_layer);
    if (es.ec.layer < 0) {
        es.ec.layer = traced_layer(&fm, 20, seed);
        printf("edit: layer %d, whose MLP alone at the last subject token restores the most (causal tracing)\n", es.ec.layer);
    }
    edit_setup(&es, &fm, (size_t)moment_tokens);
    if (subject) edit_one(&fm, &es, fact, new_object, method, seed);
    else edit_standard_set(&fm, &es, n_edits, method, seed, quiet);
    edit_setup_free(&es);
    fact_model_free(&fm);
    return 0;
}

/* ================================================================ the demo */

int gpt_rome_demo(const char *dir) {
    FactModel fm;
    char ckpt[1200];
    if (dir) {
        path_join(ckpt, sizeof ckpt, dir, "ckpt.bin");
        if (!path_exists(ckpt)) {
            FactsTrainOptions o;
            facts_train_defaults(&o);
            o.out = dir;
            facts_train_run(&o);
        }
    }
    fact_model_load(&fm, dir, 0);
    unsigned long long seed = 1;
    int fact, tmpl;
    if (known_facts(&fm, 1, seed, 0, &fact, &tmpl) == 0) die("the fact model knows none of its facts");
    const Fact *f = &fm.w.f[fact];
    int L = fm.m.cfg.n_layer;

    /* 1. trace it */
    RomePrompt p;
    prompt_or_die(&p, &fm, 0, f);
    int *subj = xmalloc((size_t)fm.w.n * ROME_MAX_PROMPT * sizeof(int)), ns = 0;
    for (int i = 0; i < fm.w.n; i++) {
        RomePrompt q;
        prompt_or_die(&q, &fm, 0, &fm.w.f[i]);
        for (int t = q.subj_first; t <= q.subj_last; t++) subj[ns++] = q.ids[t];
    }
    RomeTraceConfig tc = {.samples = 10, .window = 2, .seed = seed, .noise = rome_noise_level(&fm.m, subj, ns)};
    free(subj);
    RomeTrace tr;
    rome_trace(&fm.m, &p, object_id(&fm, f->object), &tc, &tr);
    char **labels = prompt_labels(&fm, &p);
    printf("\n1. Causal tracing of '%s %s %s': P(%s) is %.2f clean and %.2f with the subject's\n"
           "   embeddings corrupted; restoring one state at a time brings it back by:\n", f->subject,
           fact_relations[f->relation].name, f->object, f->object, tr.p_clean, tr.p_corrupt);
    for (int k = 0; k < GPT_SITES; k++)
        print_map(site_titles[panel_site[k]], tr.effect[panel_site[k]], p.n, L, (const char *const *)labels);
    for (int t = 0; t < p.n; t++) free(labels[t]);
    free(labels);
    rome_trace_free(&tr);

    /* 2. edit it where tracing points, 3. ask again */
    EditSetup es = {.ec = {.layer = traced_layer(&fm, 10, seed), .steps = 20, .lr = 0.5f, .kl_weight = 0.0625f,
                           .clamp = 4.0f, .ridge = 1e-3f},
                    .n_prefixes = 10, .ft_steps = 25, .ft_lr = 1e-3f};
    edit_setup(&es, &fm, 20000);
    Rng r;
    rng_seed(&r, seed, 5);
    int new_object = random_new_object(&fm, fact, &r);
    printf("\n2. ROME rewrites the MLP of layer %d (where the MLPs at the subject's last token matter\n"
           "   most) so that the fact says %s; 3. the model is asked again:\n", es.ec.layer,
           vocab_token(fm.tk.words, new_object));
    edit_one(&fm, &es, fact, new_object, METHOD_ROME, seed);
    edit_setup_free(&es);
    fact_model_free(&fm);
    return 0;
}
