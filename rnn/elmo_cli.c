/*
 * elmo_cli.c -- `rnn elmo-probe` and `rnn elmo`. See elmo_cli.h.
 *
 * Both read the Brown corpus (tagged.h), train a biLM on its training
 * sentences unless one is there already (OUT/fwd, OUT/bwd), and probe it
 * (elmo_probe.h). elmo-probe is the whole table, word2vec's row included;
 * elmo is the chapter's quick look at "flies" in four sentences, on the
 * elmo-probe preset's biLM when runs/rnn/elmo-brown holds one, else on the
 * short one its preset trains.
 */
#include "rnn/elmo_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "rnn/elmo.h"
#include "rnn/elmo_probe.h"
#include "util.h"
#include "word2vec/train.h"
#include "word2vec/vocab.h"

#define BROWN_ZIP "brown/brown.zip"   /* under the data folder */
#define PRESET_DIR "runs/rnn/elmo-brown"

typedef struct {
    RnnLmTrainOptions lm;
    ElmoProbeOptions probe;
    const char *tagged;      /* --tagged FILE, else the data folder's brown.zip */
    const char *model;       /* --model DIR: a biLM to probe (DIR/fwd, DIR/bwd) */
    int vocab_size;          /* the LMs' words; the rest are <unk> */
    int static_dim;          /* word2vec's vector size (0: no static row) */
    int threads;
    int hidden;              /* --hidden, or -1: not given */
    long steps, epochs;      /* -1: not given */
} ElmoOptions;

static const char *usage_probe =
    "usage: rnn elmo-probe [--preset brown] [options]\n"
    "\n"
    "Peters et al. 2018, sec. 5.3: how much part-of-speech a biLM's layers hold.\n"
    "Trains (unless OUT holds them) a forward and a backward LSTM LM on the Brown\n"
    "corpus's training sentences (its tags stripped; one sentence in 10 held out),\n"
    "word2vec's skip-gram vectors on the same text, then a linear probe (softmax\n"
    "regression) per representation predicting Brown's tags of the held-out\n"
    "tokens: static (word2vec), layer 0 (the biLM's token embeddings), layers\n"
    "1..L (its LSTM states) and ELMo's learned mix of them, beside each word's\n"
    "most frequent tag (mft). Prints accuracy over all tokens and over the\n"
    "ambiguous words (seen with more than one tag in training), writes\n"
    "OUT/probe.tsv and OUT/probe.png, then asks the probes about \"flies\" in\n"
    "the four sentences of `rnn elmo`. Ends with one\n"
    "  RESULT stage=rnn task=elmo-probe repr=NAME tokens=N ambiguous=M acc=... acc_ambiguous=...\n"
    "per representation.\n"
    "\n"
    "presets:\n"
    "  brown (the default)  biLM LSTM 2x256 (E 256), 10,000 words, T 35, B 32, Adam 2e-3,\n"
    "                       clip 5, 2 epochs per direction; word2vec skip-gram 512-d;\n"
    "                       probes on 250,000 training tokens, 8 epochs; OUT runs/rnn/elmo-brown\n"
    "  short                `rnn elmo`'s quick biLM (see its --help)\n"
    "options:\n"
    "  --tagged FILE        a tagged corpus: NLTK's brown.zip or its word/tag lines\n"
    "                       (default: brown/brown.zip in the data folder)\n"
    "  --model DIR          probe the biLM in DIR/fwd and DIR/bwd instead of OUT's\n"
    "  --hidden H --layers L --vocab N --context T --batch B --lr X --dropout P\n"
    "  --epochs N | --steps N   the biLM's training, per direction\n"
    "  --probe-tokens N     probe training tokens   --test-tokens N  held-out tokens scored (0: all)\n"
    "  --probe-epochs N     --static-dim D (0: no word2vec row)\n"
    "  --out DIR   --seed N   --threads N   --quiet\n";

static const char *usage_elmo =
    "usage: rnn elmo [--preset short] [--model DIR] [options as rnn elmo-probe's]\n"
    "\n"
    "\"flies\" in four sentences: the part-of-speech tag that linear probes on the\n"
    "biLM's layers and on ELMo's mix of them give each, and each one's nearest\n"
    "held-out Brown tokens; before them, every \"flies\" of the training sentences\n"
    "with its gold tag. The first two, \"time flies like an arrow\" and \"fruit\n"
    "flies like a banana\", only knowledge of the world tells apart; the last two,\n"
    "\"the flies buzzed around the fruit\" and \"he flies to chicago every week\",\n"
    "syntax does. The biLM is the one `rnn elmo-probe` trained (runs/rnn/elmo-brown)\n"
    "when it is there, or --model's; otherwise the preset's, trained into OUT.\n"
    "\n"
    "presets:\n"
    "  short (the default)  biLM LSTM 2x128, 3,000 words, T 35, B 32, Adam 4e-3, clip 5,\n"
    "                       1,200 steps per direction (under 3 minutes on one core);\n"
    "                       probes on 30,000 training tokens, scored on 20,000 held-out;\n"
    "                       OUT runs/rnn/elmo\n"
    "Ends with\n"
    "  RESULT stage=rnn task=elmo cos_flies=... tag_time_flies=... tag_fruit_flies=...\n"
    "         tag_the_flies=... tag_he_flies=...\n"
    "(cos_flies: the cosine of the first two's mix vectors).\n";

/* The presets (the flags after one override it): brown, the elmo-probe
 * table's biLM; short, the one `rnn elmo` trains when there is none. With
 * 3,000 words the softmax is a third of brown's, so 1,200 steps per
 * direction take under 3 minutes on one core and reach a held-out
 * perplexity near 80 (over those words): enough for the LSTM layers to tag
 * better than the embeddings. "flies" is then <unk>, and only its context
 * can tag it. */
static int apply_preset(void *ctx, const char *name) {
    int is_short = strcmp(name, "short") == 0;
    if (strcmp(name, "brown") != 0 && !is_short) return 0;
    ElmoOptions *o = ctx;
    RnnLmTrainOptions *t = &o->lm;
    t->model = (RnnLmConfig){ .kind = RNN_LSTM, .E = 256, .H = 256, .L = 2, .dropout = 0.0f };
    t->init_range = 0.1f;
    t->T = 35; t->B = 32; t->epochs = 2; t->steps = 0;
    t->optimizer = 1; t->lr = 2e-3f; t->clip = 5.0f;
    t->eval_every = 0; t->eval_tokens = 0; t->log_every = 50; t->eval_T = 35;
    t->out = PRESET_DIR;
    o->vocab_size = 10000;
    o->static_dim = 512;
    o->probe.probe_tokens = 250000;
    o->probe.test_tokens = 0;
    if (is_short) {   /* brown, smaller and shorter */
        t->model.E = t->model.H = 128;
        t->epochs = 0; t->steps = 1200; t->lr = 4e-3f;
        t->eval_tokens = 20000;
        t->out = "runs/rnn/elmo";
        o->vocab_size = 3000;
        o->probe.probe_tokens = 30000;
        o->probe.test_tokens = 20000;
    }
    return 1;
}

static void parse(ElmoOptions *o, int argc, char **argv, const char *usage, const char *preset) {
    rnn_lm_train_defaults(&o->lm);
    rnn_probe_config_default(&o->probe.probe);
    o->steps = o->epochs = -1;
    o->hidden = -1;
    apply_preset(o, preset);
    const CliOption opts[] = {
        CLI_OPT("tagged", CLI_STRING, &o->tagged, 0, 0),
        CLI_OPT("model", CLI_STRING, &o->model, 0, 0),
        CLI_OPT("hidden", CLI_INT, &o->hidden, 1, 4096),
        CLI_OPT("layers", CLI_INT, &o->lm.model.L, 1, RNN_LM_MAX_LAYERS),
        CLI_OPT("vocab", CLI_INT, &o->vocab_size, 5, 1 << 22),
        { .name = "context", .type = CLI_INT, .dst = &o->lm.T, .lo = 1, .hi = 10000, .alias = "seq-len" },
        CLI_BATCH(&o->lm.B), CLI_LR_F(&o->lm.lr),
        CLI_OPT("dropout", CLI_FLOAT, &o->lm.model.dropout, 0, 0.99),
        CLI_OPT("epochs", CLI_LONG, &o->epochs, 1, 1000),
        CLI_STEPS(&o->steps),
        CLI_OPT("probe-tokens", CLI_LONG, &o->probe.probe_tokens, 10, 1e9),
        CLI_OPT("test-tokens", CLI_LONG, &o->probe.test_tokens, 0, 1e9),
        CLI_OPT("probe-epochs", CLI_INT, &o->probe.probe.epochs, 1, 1000),
        CLI_OPT("static-dim", CLI_INT, &o->static_dim, 0, 4096),
        CLI_OUT(&o->lm.out), CLI_SEED(&o->lm.seed), CLI_THREADS(&o->threads), CLI_QUIET(&o->lm.quiet),
        CLI_END
    };
    CliSpec spec = { .usage = usage, .options = opts, .preset = apply_preset, .ctx = o, .presets = "brown, short" };
    int nfiles = cli_parse(&spec, argc, argv);
    if (nfiles > 0) usage_error("%s: unexpected argument '%s' (see --help)", argv[0], argv[1]);
    if (o->hidden > 0) o->lm.model.H = o->hidden;
    o->lm.model.E = o->lm.model.H;   /* ELMo's mix needs every layer 2H wide */
    if (o->steps >= 0) o->lm.steps = o->steps;
    else if (o->epochs > 0) { o->lm.epochs = o->epochs; o->lm.steps = 0; }
    o->probe.probe.seed = o->lm.seed;
    if (o->threads > 0) set_threads(o->threads);
}

/* ------------------------------------------------------------ the steps */

static void read_corpus(TaggedCorpus *c, const ElmoOptions *o) {
    char path[4096], err[1024];
    if (o->tagged) snprintf(path, sizeof path, "%s", o->tagged);
    else data_path_or_die(path, sizeof path, BROWN_ZIP);
    if (rnn_tagged_read(c, path, 10, err, sizeof err)) die("%s", err);
    printf("corpus %s: %ld training tokens (%d sentences), %ld held-out (%d, one in 10), %d tags\n", path,
           c->split[TAGGED_TRAIN].n_tok, c->split[TAGGED_TRAIN].n_sent, c->split[TAGGED_HELDOUT].n_tok,
           c->split[TAGGED_HELDOUT].n_sent, c->tags.n);
    fflush(stdout);
}

/* 1 when dir holds both directions' checkpoints. */
static int has_bilm(const char *dir) {
    char f[4200], b[4200];
    snprintf(f, sizeof f, "%s/fwd/model.ckpt", dir);
    snprintf(b, sizeof b, "%s/bwd/model.ckpt", dir);
    return path_exists(f) && path_exists(b);
}

/* The biLM from dir, or trained into it; v gets its vocabulary. */
static void bilm(RnnLm *fwd, RnnLm *bwd, Vocab **v, const TaggedCorpus *c, const ElmoOptions *o, const char *dir) {
    char f[4200], b[4200];
    snprintf(f, sizeof f, "%s/fwd", dir);
    snprintf(b, sizeof b, "%s/bwd", dir);
    if (has_bilm(dir)) {
        Vocab *vb;
        rnn_lm_load(fwd, v, f, NULL);
        rnn_lm_load(bwd, &vb, b, NULL);
        if (vb->size != (*v)->size) die("'%s' and '%s' have different vocabularies", f, b);
        vocab_free(vb);
        printf("biLM: %s (LSTM %dx%d, %d words)\n", dir, fwd->cfg.L, fwd->cfg.H, (*v)->size);
        return;
    }
    if (o->model) die("'%s' holds no biLM (needs fwd/model.ckpt and bwd/model.ckpt)", o->model);
    const TaggedSplit *tr = &c->split[TAGGED_TRAIN];
    *v = vocab_build(VOCAB_WORD, tr->text, tr->len, 1, o->vocab_size);
    printf("training the biLM (LSTM %dx%d, %d words) into %s ...\n", o->lm.model.L, o->lm.model.H, (*v)->size, dir);
    fflush(stdout);
    double loss[2], t0 = now_seconds();
    rnn_elmo_train_bilm(fwd, bwd, loss, c, *v, &o->lm, dir);
    double secs = now_seconds() - t0;
    char scored[64] = "held-out";
    if (o->lm.eval_tokens > 0) snprintf(scored, sizeof scored, "first %ld held-out tokens'", o->lm.eval_tokens);
    printf("biLM %s perplexity: forward %.1f, backward %.1f (%.0f s for both, %d thread%s)\n", scored,
           exp(loss[0]), exp(loss[1]), secs, get_threads(), get_threads() > 1 ? "s" : "");
    result_begin("rnn");
    result_str("task", "elmo-bilm");
    result_int("layers", fwd->cfg.L);
    result_int("hidden", fwd->cfg.H);
    result_int("vocab", (*v)->size);
    result_num("ppl_fwd", exp(loss[0]), 2);
    result_num("ppl_bwd", exp(loss[1]), 2);
    result_num("train_s", secs, 0);
    result_end();
}

/* word2vec's skip-gram vectors of the training sentences (word2vec/). */
static Vectors *static_vectors(const TaggedCorpus *c, int dim, int threads) {
    const TaggedSplit *tr = &c->split[TAGGED_TRAIN];
    W2vConfig cfg;
    w2v_config_default(&cfg);
    cfg.cbow = 0; cfg.size = dim; cfg.threads = threads > 0 ? threads : 1; cfg.quiet = 1;
    char err[512];
    W2vVocab *vocab = w2v_vocab_build(tr->text, tr->len, cfg.min_count, err, sizeof err);
    if (!vocab) die("word2vec: %s", err);
    size_t n;
    int *ids = w2v_encode(vocab, tr->text, tr->len, &n);
    double t0 = now_seconds();
    W2vModel *m = w2v_model_new(&cfg, vocab);
    w2v_train(m, ids, n);
    Vectors *v = w2v_vectors(m);
    printf("word2vec: skip-gram %d-d, window %d, %d passes over %zu words, %d words seen %lld+ times (%.0f s)\n",
           dim, cfg.window, cfg.iter, n, v->V, cfg.min_count, now_seconds() - t0);
    fflush(stdout);
    free(ids);
    w2v_model_free(m);
    return v;
}

static const char *row_label(const char *name, char *buf, size_t n) {
    if (strcmp(name, "mft") == 0) snprintf(buf, n, "most frequent tag");
    else if (strcmp(name, "static") == 0) snprintf(buf, n, "word2vec (static)");
    else if (strcmp(name, "mix") == 0) snprintf(buf, n, "ELMo mix");
    else snprintf(buf, n, "biLM layer %s", name + 5);
    return buf;
}

static void print_table(const ElmoProbeRun *r) {
    float s[RNN_PROBE_MAX_LAYERS];
    const RnnProbe *mix = &r->probe[r->F];
    rnn_probe_mix_weights(mix, s);
    printf("\nPOS probe on %ld held-out tokens (%ld of ambiguous words):\n", r->test_tokens, r->test_ambiguous);
    printf("  %-20s %9s %11s\n", "representation", "accuracy", "ambiguous");
    for (int k = 0; k < r->n_rows; k++) {
        char label[64];
        printf("  %-20s %8.2f%% %10.2f%%\n", row_label(r->row[k].name, label, sizeof label),
               100 * r->row[k].acc, 100 * r->row[k].acc_ambiguous);
    }
    printf("  ELMo's mix weights s_j:");
    for (int j = 0; j < mix->K; j++) printf(" layer %d %.2f%s", j, s[j], j + 1 < mix->K ? "," : "");
    printf("; gamma %.2f\n", params_get(&mix->pt, "gamma")[0]);
    fflush(stdout);
}

/* OUT/probe.tsv and its bar chart OUT/probe.png. */
static void write_table(const ElmoProbeRun *r, const char *out) {
    char tsv[4200], png[4200], cmd[9000];
    make_dirs(out);
    snprintf(tsv, sizeof tsv, "%s/probe.tsv", out);
    snprintf(png, sizeof png, "%s/probe.png", out);
    char *tmp;
    FILE *f = atomic_open(tsv, &tmp);
    fprintf(f, "representation\tall tokens\tambiguous words\n");
    for (int k = 0; k < r->n_rows; k++) {
        char label[64];
        fprintf(f, "%s\t%.2f\t%.2f\n", row_label(r->row[k].name, label, sizeof label), 100 * r->row[k].acc,
                100 * r->row[k].acc_ambiguous);
    }
    atomic_commit(f, tmp, tsv);
    snprintf(cmd, sizeof cmd, "scripts/plot.sh --bars -o '%s' --title 'POS probe accuracy (%%) on held-out Brown "
             "sentences, by representation' --ylabel 'accuracy (%%)' --key 'top left' '%s' >/dev/null 2>&1",
             png, tsv);
    if (strchr(out, '\'') || system(cmd) != 0) fprintf(stderr, "rnn: note: no plot (needs gnuplot and scripts/plot.sh)\n");
    else printf("wrote %s and %s\n", tsv, png);
}

static void print_results(const ElmoProbeRun *r) {
    for (int k = 0; k < r->n_rows; k++) {
        result_begin("rnn");
        result_str("task", "elmo-probe");
        result_str("repr", r->row[k].name);
        result_int("tokens", r->test_tokens);
        result_int("ambiguous", r->test_ambiguous);
        result_num("acc", r->row[k].acc, 4);
        result_num("acc_ambiguous", r->row[k].acc_ambiguous, 4);
        result_end();
    }
}

/* ------------------------------------------------------------ "flies" */

/* A sentence of the demo: its features and every probe's tags. */
typedef struct {
    int n;                                   /* words */
    float *feat[RNN_LM_MAX_LAYERS + 2];      /* (F) standardised features, (n, width) */
    int tag[RNN_LM_MAX_LAYERS + 3][16];      /* each probe's tag of each word (at most 16 words) */
} Sentence;

static void sentence_features(Sentence *s, const char *text, const ElmoProbeRun *r, RnnLm *fwd, RnnLm *bwd,
                              const Vocab *v, const Vectors *stat) {
    char words[16][64];
    int ids[16];
    s->n = 0;
    for (const char *p = text; *p && s->n < 16; ) {
        int l = (int)strcspn(p, " ");
        snprintf(words[s->n], sizeof words[0], "%.*s", l, p);
        ids[s->n] = vocab_id(v, words[s->n]);
        s->n++;
        p += l + (p[l] == ' ');
    }
    int f0 = stat ? 1 : 0;
    for (int f = 0; f < r->F; f++) s->feat[f] = xcalloc((size_t)s->n * r->width[f], sizeof(float));
    if (stat)
        for (int i = 0; i < s->n; i++) {
            int row = vectors_find(stat, words[i]);
            if (row >= 0) memcpy(s->feat[0] + (size_t)i * stat->D, stat->vecs + (size_t)row * stat->D, (size_t)stat->D * sizeof(float));
        }
    long start[2] = { 0, s->n };
    rnn_elmo_layers(s->feat + f0, fwd, bwd, ids, start, 1);
    for (int f = 0; f < r->F; f++)
        for (int i = 0; i < s->n; i++)
            for (int d = 0; d < r->width[f]; d++) {
                float *x = &s->feat[f][(size_t)i * r->width[f] + d];
                *x = (*x - r->mean[f][d]) / r->sd[f][d];
            }
    for (int k = 0; k <= r->F; k++) {
        int first = k == r->F ? f0 : k;
        rnn_probe_predict(&r->probe[k], (const float *const *)s->feat + first, s->n, s->tag[k]);
    }
}

/* z (W) = the mix of features[first..first+K) at row i, as the mix probe weighs them. */
static void mix_vector(float *z, const RnnProbe *mix, float *const *feat, long i) {
    float s[RNN_PROBE_MAX_LAYERS];
    rnn_probe_mix_weights(mix, s);
    for (int d = 0; d < mix->D; d++) {
        float v = 0;
        for (int j = 0; j < mix->K; j++) v += s[j] * feat[j][(size_t)i * mix->D + d];
        z[d] = v;   /* gamma scales every vector alike: no matter for a cosine */
    }
}

static double cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
    return ab / (sqrt(aa * bb) + 1e-12);
}

/* Held-out token t with two words of context each side, and its gold tag. */
static void print_in_context(const TaggedCorpus *c, long t, double cos) {
    const TaggedSplit *s = &c->split[TAGGED_HELDOUT];
    int lo = 0, hi = s->n_sent - 1;
    while (lo < hi) {   /* the sentence holding t */
        int mid = (lo + hi + 1) / 2;
        if (s->sent_start[mid] <= t) lo = mid; else hi = mid - 1;
    }
    char tag[64];
    printf("    %.3f  ", cos);
    for (long i = t - 2; i <= t + 2; i++) {
        if (i < s->sent_start[lo] || i >= s->sent_start[lo + 1]) continue;
        size_t len;
        const char *w = strmap_key(&c->words, s->word[i], &len);
        printf(i == t ? "[%.*s/%s] " : "%.*s ", (int)len, w, rnn_tagged_tag_name(c, s->tag[i], tag, sizeof tag));
    }
    printf("\n");
}

/* The mix vector's 5 nearest held-out tokens by cosine. */
static void nearest(const TaggedCorpus *c, const ElmoProbeRun *r, const float *q, int f0) {
    const RnnProbe *mix = &r->probe[r->F];
    float *z = xmalloc((size_t)mix->D * sizeof(float));
    long best[5] = { -1, -1, -1, -1, -1 };
    double bc[5] = { -2, -2, -2, -2, -2 };
    for (long i = 0; i < r->test_tokens; i++) {
        mix_vector(z, mix, (float *const *)r->test_feat + f0, i);
        double cs = cosine(q, z, mix->D);
        for (int k = 0; k < 5; k++)
            if (cs > bc[k]) {
                for (int m = 4; m > k; m--) { bc[m] = bc[m - 1]; best[m] = best[m - 1]; }
                bc[k] = cs; best[k] = i;
                break;
            }
    }
    for (int k = 0; k < 5 && best[k] >= 0; k++) print_in_context(c, r->test_tok[best[k]], bc[k]);
    free(z);
}

/* The sentences of the demo and the word "flies" in each: the classic
 * pair, whose two readings only knowledge of the world tells apart (the
 * words around "flies" have the same tags in both), then a pair that syntax
 * alone decides. Each ends with a full stop, as Brown's sentences do, so the
 * backward LM starts reading the way it was trained. */
#define FLIES_SENTENCES 4
static const char *const flies_text[FLIES_SENTENCES] = {
    "time flies like an arrow .", "fruit flies like a banana .",
    "the flies buzzed around the fruit .", "he flies to chicago every week ." };
static const int flies_at[FLIES_SENTENCES] = { 1, 1, 1, 1 };

/* Every "flies" of the training sentences, after the word before it, each
 * with its gold tag: what the biLM and the probes had to learn from. */
static void flies_in_training(const TaggedCorpus *c) {
    const TaggedSplit *s = &c->split[TAGGED_TRAIN];
    int w = strmap_find(&c->words, "flies", 5), n = 0;
    printf("\n\"flies\" in the training sentences, after the word before it (gold tags):\n ");
    for (int j = 0; j < s->n_sent; j++)
        for (long i = s->sent_start[j]; i < s->sent_start[j + 1]; i++) {
            if (s->word[i] != w) continue;
            char tag[64], prev[160] = "<s>";   /* <s>: "flies" begins the sentence */
            if (i > s->sent_start[j]) {
                size_t len;
                const char *w_prev = strmap_key(&c->words, s->word[i - 1], &len);
                snprintf(prev, sizeof prev, "%.*s/%s", (int)len, w_prev, rnn_tagged_tag_name(c, s->tag[i - 1], tag, sizeof tag));
            }
            printf(" %s flies/%s;", prev, rnn_tagged_tag_name(c, s->tag[i], tag, sizeof tag));
            n++;
        }
    printf(n ? "\n" : " none\n");
}

/* The probes' tags of "flies" in each sentence and its mix vector's
 * neighbours; tags gets the mix probe's tag of each. Returns the cosine of
 * the classic pair's two mix vectors. */
static double flies(const TaggedCorpus *c, const ElmoProbeRun *r, RnnLm *fwd, RnnLm *bwd, const Vocab *v,
                    const Vectors *stat, int *tags) {
    int f0 = stat ? 1 : 0, W = r->probe[r->F].D;
    float *q[FLIES_SENTENCES];
    flies_in_training(c);
    if (vocab_id(v, "flies") == VOCAB_UNK) printf("(\"flies\" is not in the biLM's vocabulary: it reads <unk>)\n");
    for (int k = 0; k < FLIES_SENTENCES; k++) {
        Sentence s;
        int at = flies_at[k];
        sentence_features(&s, flies_text[k], r, fwd, bwd, v, stat);
        q[k] = xmalloc((size_t)W * sizeof(float));
        mix_vector(q[k], &r->probe[r->F], s.feat + f0, at);
        printf("\n\"flies\" in \"%s\": tag by probe", flies_text[k]);
        for (int p = 0; p <= r->F; p++) {
            char label[64], tag[64];
            const char *name = r->row[p + 1].name;   /* row 0 is mft */
            printf("%s %s %s", p ? "," : "", strcmp(name, "mix") == 0 ? "mix" : row_label(name, label, sizeof label),
                   rnn_tagged_tag_name(c, s.tag[p][at], tag, sizeof tag));
        }
        printf("\n  nearest held-out tokens (cosine of ELMo mix vectors):\n");
        nearest(c, r, q[k], f0);
        tags[k] = s.tag[r->F][at];
        for (int f = 0; f < r->F; f++) free(s.feat[f]);
    }
    double cs = cosine(q[0], q[1], W);
    printf("\ncosine between \"flies\" in the first two (ELMo mix, standardised): %.3f; in the last two: %.3f "
           "(a static vector gives 1.000)\n", cs, cosine(q[2], q[3], W));
    for (int k = 0; k < FLIES_SENTENCES; k++) free(q[k]);
    return cs;
}

/* ------------------------------------------------------------ the commands */

/* The run: corpus, biLM, probes, table; the "flies" part always. */
static int run(const ElmoOptions *o, const char *bilm_dir, int full) {
    TaggedCorpus c;
    read_corpus(&c, o);
    RnnLm fwd, bwd;
    Vocab *v;
    bilm(&fwd, &bwd, &v, &c, o, bilm_dir);
    Vectors *stat = full && o->static_dim > 0 ? static_vectors(&c, o->static_dim, o->threads) : NULL;
    ElmoProbeOptions po = o->probe;
    po.stat = stat;
    double t0 = now_seconds();
    ElmoProbeRun r;
    rnn_elmo_probe_run(&r, &c, &fwd, &bwd, v, &po);
    printf("probes trained and scored in %.0f s\n", now_seconds() - t0);
    print_table(&r);
    if (full) write_table(&r, o->lm.out);
    int tags[FLIES_SENTENCES];
    double cs = flies(&c, &r, &fwd, &bwd, v, stat, tags);
    if (full) print_results(&r);
    else {
        static const char *const keys[FLIES_SENTENCES] = { "tag_time_flies", "tag_fruit_flies", "tag_the_flies",
                                                           "tag_he_flies" };
        result_begin("rnn");
        result_str("task", "elmo");
        result_num("cos_flies", cs, 4);
        for (int k = 0; k < FLIES_SENTENCES; k++) {
            char tag[64];
            result_str(keys[k], rnn_tagged_tag_name(&c, tags[k], tag, sizeof tag));
        }
        result_end();
    }
    rnn_elmo_probe_free(&r);
    if (stat) vectors_free(stat);
    vocab_free(v);
    rnn_lm_free(&fwd);
    rnn_lm_free(&bwd);
    rnn_tagged_free(&c);
    return 0;
}

int rnn_cmd_elmo_probe(int argc, char **argv) {
    ElmoOptions o = {0};
    parse(&o, argc, argv, usage_probe, "brown");
    return run(&o, o.model ? o.model : o.lm.out, 1);
}

int rnn_cmd_elmo(int argc, char **argv) {
    ElmoOptions o = {0};
    parse(&o, argc, argv, usage_elmo, "short");
    const char *dir = o.model ? o.model : has_bilm(PRESET_DIR) ? PRESET_DIR : o.lm.out;
    return run(&o, dir, 0);
}
