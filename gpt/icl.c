/*
 * icl.c -- the letter-string task family, its held-out split, and the
 * measurements of in-context learning. See icl.h.
 */
#include "gpt/icl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/generate.h"
#include "metrics.h"
#include "ops.h"
#include "util.h"

#define TASK_STREAM 1      /* icl_queries' tasks */
#define SCORE_STREAM 2     /* icl_score's lines */
#define HEADS_STREAM 3     /* icl_head_scores' sequences */
#define UNSEEN_STREAM 4    /* icl_unseen_shift_queries' tasks */
#define PREFIX_N ICL_LETTERS   /* a permutation of the alphabet, written twice */

static const char *const family_names[ICL_FAMILIES] = {"shift", "map"};

const char *icl_family_name(IclFamily f) { return family_names[f]; }

int icl_shift_heldout(int s) { return s == 3 || s == 7 || s == 12; }

int icl_table_heldout(const unsigned char *table) {
    for (int i = 0; i < ICL_LETTERS; i++)
        if (table[i] == (i + 1) % ICL_LETTERS) return 1;
    return 0;
}

/* A uniform permutation of the alphabet on the requested side of the split
 * (rejection: about 37% of permutations have no successor pair). */
static void random_table(unsigned char *table, int heldout, Rng *r) {
    int p[ICL_LETTERS];
    do {
        for (int i = 0; i < ICL_LETTERS; i++) p[i] = i;
        rng_shuffle_int(r, p, ICL_LETTERS);
        for (int i = 0; i < ICL_LETTERS; i++) table[i] = (unsigned char)p[i];
    } while (icl_table_heldout(table) != heldout);
}

void icl_task_draw(IclTask *t, int heldout, Rng *r) {
    memset(t, 0, sizeof *t);
    /* training: map two lines in three (its lookup is the skill held-out tasks
     * need; a shift can also be learned as arithmetic); held out: half each */
    t->family = rng_below(r, heldout ? 2 : 3) ? ICL_MAP : ICL_SHIFT;
    if (t->family == ICL_SHIFT) {
        do t->shift = 1 + (int)rng_below(r, ICL_LETTERS - 1);
        while (icl_shift_heldout(t->shift) != heldout);
    } else {
        random_table(t->table, heldout, r);
    }
}

char icl_apply(const IclTask *t, char x) {
    int c = x - 'a';
    return (char)('A' + (t->family == ICL_SHIFT ? (c + t->shift) % ICL_LETTERS : t->table[c]));
}

char icl_random_letter(Rng *r) { return (char)('a' + rng_below(r, ICL_LETTERS)); }

static void append(char *buf, size_t cap, size_t *len, const char *s) {
    size_t n = strlen(s);
    if (*len + n + 1 > cap) die("icl: a line of %zu bytes does not fit its buffer of %zu", *len + n + 1, cap);
    memcpy(buf + *len, s, n + 1);
    *len += n;
}

/* "xy," for the input x */
static void append_demo(char *buf, size_t cap, size_t *len, const IclTask *t, char x) {
    append(buf, cap, len, (char[]){x, icl_apply(t, x), ',', '\0'});
}

static void append_description(char *buf, size_t cap, size_t *len, const IclTask *t) {
    append(buf, cap, len, icl_family_name(t->family));
    append(buf, cap, len, ":");
}

void icl_append_line(char *buf, size_t cap, size_t *len, const IclTask *t, int shots, int desc, Rng *r) {
    if (desc) append_description(buf, cap, len, t);
    for (int k = 0; k < shots; k++) append_demo(buf, cap, len, t, icl_random_letter(r));
    append(buf, cap, len, "\n");
}

/* the longest line: "\n", "shift:" and ICL_MAX_SHOTS demonstrations of 3 bytes, "\n" */
#define LINE_MAX_BYTES (8 + ICL_MAX_SHOTS * 3 + 2)

/* the first n of a random permutation of 0..k-1 */
static void distinct(int *p, int n, int k, Rng *r) {
    int all[2 * ICL_LETTERS];
    for (int i = 0; i < k; i++) all[i] = i;
    rng_shuffle_int(r, all, (size_t)k);
    memcpy(p, all, (size_t)n * sizeof(int));
}

static void append_string_echo(char *buf, size_t cap, size_t *len, Rng *r) {
    int p[ICL_ECHO_MAX], n = ICL_ECHO_MIN + (int)rng_below(r, ICL_ECHO_MAX - ICL_ECHO_MIN + 1);
    distinct(p, n, 2 * ICL_LETTERS, r);
    char s[ICL_ECHO_MAX + 1];
    for (int i = 0; i < n; i++) s[i] = (char)(p[i] < ICL_LETTERS ? 'a' + p[i] : 'A' + p[i] - ICL_LETTERS);
    s[n] = '\0';
    append(buf, cap, len, s);
    append(buf, cap, len, s);
}

static void append_cipher_echo(char *buf, size_t cap, size_t *len, int heldout, Rng *r) {
    IclTask t;
    icl_task_draw(&t, heldout, r);
    int p[ICL_LETTERS], n = ICL_ECHO_CIPHER_MIN + (int)rng_below(r, ICL_LETTERS - ICL_ECHO_CIPHER_MIN + 1);
    distinct(p, n, ICL_LETTERS, r);
    if (rng_below(r, 2)) append_description(buf, cap, len, &t);
    for (int copy = 0; copy < 2; copy++)
        for (int i = 0; i < n; i++) append_demo(buf, cap, len, &t, (char)('a' + p[i]));
}

void icl_append_echo(char *buf, size_t cap, size_t *len, int heldout, Rng *r) {
    if (rng_below(r, 3)) append_string_echo(buf, cap, len, r);
    else append_cipher_echo(buf, cap, len, heldout, r);
    append(buf, cap, len, "\n");
}

char *icl_corpus(size_t n_lines, int heldout, double echo, unsigned long long seed, size_t *len) {
    size_t cap = n_lines * LINE_MAX_BYTES + 1;
    char *buf = xmalloc(cap);
    Rng r;
    rng_seed(&r, seed, 0);
    *len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n_lines; i++) {
        if (echo > 0 && rng_uniform_double(&r) < echo) {
            icl_append_echo(buf, cap, len, heldout, &r);
            continue;
        }
        IclTask t;
        icl_task_draw(&t, heldout, &r);
        int shots = 1 + (int)rng_below(&r, ICL_MAX_SHOTS), desc = (int)rng_below(&r, 2);
        icl_append_line(buf, cap, len, &t, shots, desc, &r);
    }
    return buf;
}

void icl_tokenizer(Tok *tk) {
    static const char charset[] = "\n,:ABCDEFGHIJKLMNOPabcdefghijklmnopqrstuvwxyz";
    tok_chars_from_text(tk, charset, sizeof charset - 1);
}

/* ------------------------------------------------------------ evaluation */

int icl_prompt(const IclQuery *q, int shots, int desc, char *buf, size_t cap, char *answer) {
    if (shots < 0 || shots > ICL_SWEEP_SHOTS) die("icl: %d demonstrations; a query holds 0..%d", shots, ICL_SWEEP_SHOTS);
    size_t len = 0;
    buf[0] = '\0';
    append(buf, cap, &len, "\n");
    if (desc) append_description(buf, cap, &len, &q->task);
    for (int k = 0; k < shots; k++) append_demo(buf, cap, &len, &q->task, q->demo_x[k]);
    append(buf, cap, &len, (char[]){q->query, '\0'});
    *answer = icl_apply(&q->task, q->query);
    return (int)len;
}

IclQuery *icl_queries(int n, unsigned long long seed, int cover) {
    IclQuery *q = xcalloc((size_t)n, sizeof *q);
    Rng r;
    rng_seed(&r, seed, TASK_STREAM);
    for (int i = 0; i < n; i++) {
        icl_task_draw(&q[i].task, 1, &r);
        for (int k = 0; k < ICL_SWEEP_SHOTS; k++) q[i].demo_x[k] = icl_random_letter(&r);
        q[i].query = cover ? q[i].demo_x[rng_below(&r, 4)] : icl_random_letter(&r);
    }
    return q;
}

IclQuery *icl_unseen_shift_queries(int n, int shots, unsigned long long seed) {
    int heldout_shifts[ICL_LETTERS], n_shifts = 0;
    for (int s = 1; s < ICL_LETTERS; s++)
        if (icl_shift_heldout(s)) heldout_shifts[n_shifts++] = s;
    if (shots < 0 || shots >= ICL_LETTERS) die("icl: %d demonstrations leave no unseen letter", shots);
    IclQuery *q = xcalloc((size_t)n, sizeof *q);
    Rng r;
    rng_seed(&r, seed, UNSEEN_STREAM);
    for (int i = 0; i < n; i++) {
        q[i].task.family = ICL_SHIFT;
        q[i].task.shift = heldout_shifts[rng_below(&r, (uint32_t)n_shifts)];
        for (int k = 0; k < ICL_SWEEP_SHOTS; k++) q[i].demo_x[k] = icl_random_letter(&r);
        do q[i].query = icl_random_letter(&r);
        while (memchr(q[i].demo_x, q[i].query, (size_t)shots));
    }
    return q;
}

typedef struct {
    const Tok *tk;
    char *out;
    size_t cap, len;
} Completion;

static void collect(int id, void *ctx) {
    Completion *c = ctx;
    if (c->len + 1 < c->cap) c->out[c->len++] = (char)c->tk->chars[id];
    c->out[c->len] = '\0';
}

void icl_complete(Gpt *m, GptCache *c, Tok *tk, const char *prompt, char *out, size_t cap) {
    size_t n;
    int *ids = tok_encode(tk, "prompt", prompt, strlen(prompt), &n), max_new = 2;   /* the letter and ',' */
    if (n + (size_t)max_new > (size_t)m->cfg.max_seq_len)
        die("the prompt has %zu characters: with an answer of up to %d it does not fit the model's context of %d",
            n, max_new, m->cfg.max_seq_len);
    SamplerConfig greedy = {.temperature = 0.0f, .top_k = 0, .top_p = 1.0f};
    Rng r;
    rng_seed(&r, 0, 0);
    Completion cc = {.tk = tk, .out = out, .cap = cap, .len = 0};
    out[0] = '\0';
    gpt_generate(m, c, ids, (int)n, max_new, &greedy, &r, 1, tk->char_id[(unsigned char)','], collect, &cc);
    out[strcspn(out, ",\n")] = '\0';   /* the answer ends at the separator */
    free(ids);
}

double icl_accuracy(Gpt *m, Tok *tk, const IclQuery *q, int n, int shots, int desc) {
    GptCache c;
    gpt_cache_init(&c, m);
    char prompt[LINE_MAX_BYTES], answer, got[16];
    int right = 0;
    for (int i = 0; i < n; i++) {
        icl_prompt(&q[i], shots, desc, prompt, sizeof prompt, &answer);
        icl_complete(m, &c, tk, prompt, got, sizeof got);
        right += got[0] == answer && got[1] == '\0';
    }
    gpt_cache_free(&c);
    return n > 0 ? (double)right / n : 0.0;
}

/* Activations for single sequences of the whole context, unless training sized them. */
static void ensure_acts(Gpt *m) {
    if (!m->act_memory) gpt_alloc_acts(m, 1, m->cfg.max_seq_len);
}

double icl_score(Gpt *m, Tok *tk, int n, unsigned long long seed, double *early, double *late) {
    int T = ICL_CONTEXT, V = m->cfg.vocab_size;
    if (m->cfg.max_seq_len < T) die("icl: the ICL score needs a context of %d (the model has %d)", T, m->cfg.max_seq_len);
    ensure_acts(m);
    int B = m->B;
    int *x = xmalloc((size_t)B * T * sizeof(int)), *y = xmalloc((size_t)B * T * sizeof(int));
    char line[LINE_MAX_BYTES + 1];
    Rng r;
    rng_seed(&r, seed, SCORE_STREAM);
    int was_training = m->training;
    m->training = 0;
    double sum_early = 0.0, sum_late = 0.0;
    for (int done = 0; done < n;) {
        int b = n - done < B ? n - done : B;
        for (int j = 0; j < b; j++) {   /* "\n" then a held-out line of 48 demonstrations: >= T + 1 chars */
            IclTask t;
            icl_task_draw(&t, 1, &r);
            size_t len = 0, nid;
            append(line, sizeof line, &len, "\n");
            icl_append_line(line, sizeof line, &len, &t, ICL_MAX_SHOTS, 0, &r);
            int *ids = tok_encode(tk, "icl line", line, len, &nid);
            memcpy(x + (size_t)j * T, ids, (size_t)T * sizeof(int));
            memcpy(y + (size_t)j * T, ids + 1, (size_t)T * sizeof(int));
            free(ids);
        }
        gpt_forward(m, x, y, b, T);
        for (int j = 0; j < b; j++)
            for (int d = -ICL_SCORE_BAND; d <= ICL_SCORE_BAND; d++) {
                size_t e = (size_t)j * T + ICL_EARLY_POS + d, l = (size_t)j * T + ICL_LATE_POS + d;
                sum_early -= log(fmax(m->a.probs[e * V + y[e]], 1e-30));
                sum_late -= log(fmax(m->a.probs[l * V + y[l]], 1e-30));
            }
        done += b;
    }
    m->training = was_training;
    free(x);
    free(y);
    *early = sum_early / (n * (2 * ICL_SCORE_BAND + 1));
    *late = sum_late / (n * (2 * ICL_SCORE_BAND + 1));
    return *late - *early;
}

double icl_prefix_score(const float *att, int T, int start, int n) {
    double s = 0.0;
    for (int j = 0; j < n; j++) {
        int i = start + n + j, after_earlier = start + j + 1;
        s += att[(size_t)i * T + after_earlier];
    }
    return s / n;
}

void icl_head_scores(Gpt *m, Tok *tk, int n_seqs, unsigned long long seed, float *scores, float *att_best,
                     int *best, char *seq) {
    int L = m->cfg.n_layer, NH = m->cfg.n_head, T = 2 * PREFIX_N + 1;
    size_t TT = (size_t)T * T;
    ensure_acts(m);
    float *first = xmalloc((size_t)L * NH * TT * sizeof(float));   /* every head on the first sequence */
    memset(scores, 0, (size_t)L * NH * sizeof(float));
    Rng r;
    rng_seed(&r, seed, HEADS_STREAM);
    int was_training = m->training;
    m->training = 0;
    for (int s = 0; s < n_seqs; s++) {
        int p[PREFIX_N], ids[2 * PREFIX_N + 1];
        char text[2 * PREFIX_N + 2];
        for (int i = 0; i < PREFIX_N; i++) p[i] = i;
        rng_shuffle_int(&r, p, PREFIX_N);
        text[0] = '\n';
        for (int i = 0; i < PREFIX_N; i++) text[1 + i] = text[1 + PREFIX_N + i] = (char)('a' + p[i]);
        text[T] = '\0';
        for (int i = 0; i < T; i++) ids[i] = tk->char_id[(unsigned char)text[i]];
        gpt_forward(m, ids, NULL, 1, T);
        for (int h = 0; h < L * NH; h++)   /* att is (L,1,NH,T,T): head h = l*NH + nh */
            scores[h] += (float)(icl_prefix_score(m->a.att + h * TT, T, 1, PREFIX_N) / n_seqs);
        if (s == 0) {
            memcpy(first, m->a.att, (size_t)L * NH * TT * sizeof(float));
            if (seq) memcpy(seq, text, (size_t)T + 1);
        }
    }
    m->training = was_training;
    int b = 0;
    for (int h = 1; h < L * NH; h++)
        if (scores[h] > scores[b]) b = h;
    if (best) *best = b;
    if (att_best) memcpy(att_best, first + b * TT, TT * sizeof(float));
    free(first);
}

/* ------------------------------------------------------------ training */

int icl_preset(const char *name, GptConfig *model, GptTrainConfig *tc) {
    *model = (GptConfig){.max_seq_len = ICL_CONTEXT, .n_layer = 2, .n_head = 2, .channels = 32, .bias = 0};
    *tc = (GptTrainConfig){.batch = 16, .seq_len = ICL_CONTEXT, .accum = 1, .steps = ICL_STEPS, .lr = 3e-3f,
                           .min_lr = 3e-4f, .warmup = 100, .decay_steps = ICL_STEPS, .beta1 = 0.9f, .beta2 = 0.99f,
                           .weight_decay = 0.1f, .grad_clip = 1.0f, .eval_interval = 100, .eval_iters = 4,
                           .log_interval = 10, .seed = 1337};
    if (!strcmp(name, "small")) return 1;
    if (!strcmp(name, "medium")) {
        model->n_layer = 3, model->n_head = 4, model->channels = 64;
        tc->lr = 2e-3f, tc->min_lr = 2e-4f;
        return 1;
    }
    if (!strcmp(name, "large")) {
        model->n_layer = 4, model->n_head = 4, model->channels = 128;
        tc->lr = 1e-3f, tc->min_lr = 1e-4f;
        return 1;
    }
    return 0;
}

void icl_model_init(Gpt *m, GptConfig *cfg, unsigned long long seed) {
    Tok tk;
    icl_tokenizer(&tk);
    cfg->vocab_size = tk.vocab_size;
    tok_free(&tk);
    gpt_build(m, cfg);
    gpt_init_weights(m, seed);
    int T = cfg->max_seq_len, C = cfg->channels;
    positional_sinusoids(m->w.wpe, T, C);
    for (size_t i = 0; i < (size_t)T * C; i++) m->w.wpe[i] *= 0.02f * (float)M_SQRT2;   /* RMS 0.02 */
}

typedef struct {
    Metrics *mt;
    Tok *tk;
} ScoreLog;

/* gpt_train's on_eval: the ICL score beside the validation loss. */
static void log_score(Gpt *m, long step, double val_loss, void *ctx) {
    ScoreLog *s = ctx;
    double early, late, score = icl_score(m, s->tk, ICL_SCORE_LINES, ICL_SCORE_SEED, &early, &late);
    metrics_num(s->mt, "step", step);
    metrics_num(s->mt, "val_loss", val_loss);
    metrics_num(s->mt, "loss_early", early);
    metrics_num(s->mt, "loss_late", late);
    metrics_num(s->mt, "icl_score", score);
    metrics_write(s->mt);
}

/* a little under the mean cipher line (79 bytes) and echo line (36): enough lines for the tokens a run reads */
#define AVG_LINE_BYTES 75
#define AVG_ECHO_BYTES 34

double icl_train(Gpt *m, GptTrainConfig *tc, double echo) {
    Tok tk;
    icl_tokenizer(&tk);
    if (m->cfg.vocab_size != tk.vocab_size) die("icl: the model has %d tokens, the ICL alphabet %d", m->cfg.vocab_size, tk.vocab_size);
    /* one fresh corpus per run, as long as the text the run reads (so windows rarely repeat) */
    size_t seen = (size_t)tc->steps * tc->batch * tc->seq_len * (tc->accum > 0 ? tc->accum : 1);
    size_t len, n_train, n_val;
    size_t n_lines = (size_t)((double)seen / ((1 - echo) * AVG_LINE_BYTES + echo * AVG_ECHO_BYTES)) + 64;
    char *text = icl_corpus(n_lines, 0, echo, tc->seed, &len);
    int *train = tok_encode(&tk, "icl corpus", text, len, &n_train);
    free(text);
    text = icl_corpus(512, 0, echo, tc->seed + 1, &len);
    int *val = tok_encode(&tk, "icl validation", text, len, &n_val);
    free(text);
    static char tok_config[1024];
    tok_config_text(&tk, NULL, tok_config, sizeof tok_config);
    tc->extra_config = tok_config;
    gpt_alloc_acts(m, tc->batch, m->cfg.max_seq_len);   /* windows may be shorter; the ICL score reads whole contexts */
    ScoreLog sl = {.mt = NULL, .tk = &tk};
    if (tc->out_dir) {
        char dir[4096];
        path_join(dir, sizeof dir, tc->out_dir, "icl_score");
        sl.mt = metrics_create(dir, "step val_loss loss_early loss_late icl_score");
        tc->on_eval = log_score, tc->ctx = &sl;
    }
    double loss = gpt_train(m, tc, train, n_train, val, n_val, 0, NULL);
    if (sl.mt) {
        log_score(m, tc->steps, gpt_estimate_loss(m, val, n_val, tc->batch, tc->seq_len, tc->eval_iters, tc->seed), &sl);
        metrics_close(sl.mt);
    }
    free(train);
    free(val);
    tok_free(&tk);
    return loss;
}

/* ------------------------------------------------------------ the demo */

#define DEMO_QUERIES 100
#define DEMO_SEED 2024

static void demo_model(const char *path, Gpt *m, Tok *tk, FILE *out) {
    if (path) {
        char *config;
        long step;
        gpt_load_any(path, m, &config, &step);
        free(config);
        if (m->cfg.vocab_size != tk->vocab_size || m->cfg.max_seq_len < ICL_CONTEXT)
            die("'%s' is not a model of `gpt icl-train`", path);
        return;
    }
    GptConfig cfg;
    GptTrainConfig tc;
    icl_preset("small", &cfg, &tc);
    icl_model_init(m, &cfg, tc.seed);
    fprintf(out, "Training a %zu-parameter GPT on letter-string tasks for %ld steps (the small preset)...\n",
            params_count(&m->pt), tc.steps);
    icl_train(m, &tc, ICL_ECHO_FRACTION);
}

double icl_demo(const char *path, FILE *out) {
    Gpt m;
    Tok tk;
    icl_tokenizer(&tk);
    demo_model(path, &m, &tk, out);
    IclQuery *q = icl_queries(DEMO_QUERIES, DEMO_SEED, 1);
    double acc0 = icl_accuracy(&m, &tk, q, DEMO_QUERIES, 0, 1), acc4 = icl_accuracy(&m, &tk, q, DEMO_QUERIES, 4, 1);
    GptCache c;
    gpt_cache_init(&c, &m);
    char none[LINE_MAX_BYTES], four[LINE_MAX_BYTES], answer, got0[16], got4[16];
    for (int i = 0; i < DEMO_QUERIES; i++) {   /* the first task solved from four examples and not from none */
        icl_prompt(&q[i], 0, 1, none, sizeof none, &answer);
        icl_complete(&m, &c, &tk, none, got0, sizeof got0);
        icl_prompt(&q[i], 4, 1, four, sizeof four, &answer);
        icl_complete(&m, &c, &tk, four, got4, sizeof got4);
        if (got0[0] == answer || got4[0] != answer) continue;
        fprintf(out, "\nA cipher never seen in training, with no example:%s -> %s   (the answer: %c)\n", none, got0,
                answer);
        fprintf(out, "\nThe same query after four examples:%s -> %s\n", four, got4);
        break;
    }
    fprintf(out, "\nOver %d held-out tasks: %.0f%% right with four examples, %.0f%% with none.\n", DEMO_QUERIES,
            100 * acc4, 100 * acc0);
    gpt_cache_free(&c);
    free(q);
    tok_free(&tk);
    gpt_free(&m);
    return acc4;
}
