/*
 * cot.c -- the arithmetic task, its split, texts and prompts, and the
 * accuracy of a GPT's completions. See cot.h.
 */
#include "gpt/cot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/generate.h"
#include "util.h"

const char *const cot_format_names[] = {"plain", "reversed", "steps", "chain", "mix", NULL};
const char *const cot_mode_names[] = {"direct", "cot", "zero-shot", "trigger", "sc", NULL};

#define TEST_STREAM 1    /* the test problems' draws */
#define TRAIN_STREAM 2   /* the training problems' draws */
#define PROMPT_STREAM 5  /* the exemplars of the prompts */
#define SAMPLE_STREAM 6  /* self-consistency's sampled chains */

static long power_of_ten(int d) {
    long p = 1;
    while (d-- > 0) p *= 10;
    return p;
}

long cot_answer(const CotProblem *p) {
    long sum = 0;
    for (int i = 0; i < p->n; i++) sum += p->a[i];
    return sum;
}

void cot_draw(CotProblem *p, int n, int digits, Rng *r) {
    long lo = power_of_ten(digits - 1), span = power_of_ten(digits) - lo;
    memset(p, 0, sizeof *p);   /* padding and unused operands too: problems compare with memcmp */
    p->n = n;
    for (int i = 0; i < n; i++) p->a[i] = lo + (long)rng_below(r, (uint32_t)span);
}

int cot_question(const CotProblem *p, char *buf) {
    int k = sprintf(buf, "Q: ");
    for (int i = 0; i < p->n; i++) k += sprintf(buf + k, i ? "+%ld" : "%ld", p->a[i]);
    return k + sprintf(buf + k, "\n");
}

/* The rationale: one "digits(+carry)=sum" per column, from the units. */
static int rationale(const CotProblem *p, char *buf) {
    int cols = 0, k = sprintf(buf, "%s ", COT_TRIGGER);
    for (int i = 0; i < p->n; i++) {
        int d = snprintf(NULL, 0, "%ld", p->a[i]);
        if (d > cols) cols = d;
    }
    long carry = 0, scale = 1;
    for (int c = 0; c < cols; c++, scale *= 10) {
        long sum = carry;
        for (int i = 0; i < p->n; i++) {
            long digit = p->a[i] / scale % 10;
            k += sprintf(buf + k, i ? "+%ld" : "%ld", digit);
            sum += digit;
        }
        if (carry) k += sprintf(buf + k, "+%ld", carry);
        k += sprintf(buf + k, "=%ld%s", sum, c + 1 < cols ? ", " : ". ");
        carry = sum / 10;
    }
    return k;
}

/* The chain: the expression rewritten with its first two terms added, until
 * one number is left: 3+5+7 = 8+7 = 15. */
static int chain(const CotProblem *p, char *buf) {
    int k = sprintf(buf, "%s ", COT_TRIGGER);
    long first = p->a[0];
    for (int step = 0; step < p->n; step++) {
        k += sprintf(buf + k, "%s%ld", step ? " = " : "", first);
        for (int i = step + 1; i < p->n; i++) k += sprintf(buf + k, "+%ld", p->a[i]);
        if (step + 1 < p->n) first += p->a[step + 1];
    }
    return k + sprintf(buf + k, ". ");
}

int cot_answer_line(const CotProblem *p, CotFormat f, char *buf) {
    long ans = cot_answer(p);
    int k = sprintf(buf, "A: ");
    if (f == COT_REVERSED) {
        char digits[32];
        int n = sprintf(digits, "%ld", ans);
        k += sprintf(buf + k, "The answer reversed is ");
        for (int i = n - 1; i >= 0; i--) buf[k++] = digits[i];
        return k + sprintf(buf + k, ".\n");
    }
    if (f == COT_STEPS) k += rationale(p, buf + k);
    else if (f == COT_CHAIN) k += chain(p, buf + k);
    else if (f != COT_PLAIN) die("cot_answer_line: format %d is not one answer format", (int)f);
    return k + sprintf(buf + k, "The answer is %ld.\n", ans);
}

int cot_extract(const char *completion, long *answer) {
    const char *s = strstr(completion, "The answer ");
    if (!s) return 0;
    s += strlen("The answer ");
    int reversed = !strncmp(s, "reversed ", 9);
    if (reversed) s += 9;
    if (strncmp(s, "is ", 3)) return 0;
    s += 3;
    int n = 0;
    while (s[n] >= '0' && s[n] <= '9') n++;
    if (n == 0 || n > 18 || s[n] != '.') return 0;
    long v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[reversed ? n - 1 - i : i] - '0');
    *answer = v;
    return 1;
}

int cot_wrote_steps(const char *completion) {
    return strstr(completion, COT_TRIGGER) != NULL || strchr(completion, '=') != NULL;
}

/* ------------------------------------------------------------ the split */

/* Draw `want` problems that are not yet in seen (questions as keys) into out. */
static void draw_new(CotProblem *out, long want, const CotSplit *s, StrMap *seen, Rng *r) {
    char q[COT_LINE_MAX];
    for (long got = 0; got < want;) {
        cot_draw(&out[got], s->operands, s->digits, r);
        int added, len = cot_question(&out[got], q);
        strmap_intern(seen, q, (size_t)len, &added);
        got += added;
    }
}

void cot_split_make(CotSplit *s, int operands, int digits, long n_train, long n_test, unsigned long long seed) {
    if (operands < 2 || operands > COT_MAX_OPERANDS)
        die("the task needs 2 to %d operands, not %d", COT_MAX_OPERANDS, operands);
    if (digits < 1 || digits > COT_MAX_DIGITS) die("the operands need 1 to %d digits, not %d", COT_MAX_DIGITS, digits);
    if (n_train < 1 || n_test < 1) die("the split needs training and test problems (got %ld and %ld)", n_train, n_test);
    double space = 1.0;
    for (int i = 0; i < operands; i++) space *= (double)(power_of_ten(digits) - power_of_ten(digits - 1));
    if ((double)(n_train + n_test) > space / 2)
        die("%ld training and %ld test problems are more than half of the %.0f distinct sums of %d %d-digit "
            "numbers\nHINT: use more digits or fewer problems", n_train, n_test, space, operands, digits);
    memset(s, 0, sizeof *s);
    s->operands = operands, s->digits = digits, s->n_train = n_train, s->n_test = n_test, s->seed = seed;
    s->test = xmalloc((size_t)n_test * sizeof *s->test);
    s->train = xmalloc((size_t)n_train * sizeof *s->train);
    strmap_init(&s->seen);
    Rng r;
    rng_seed(&r, seed, TEST_STREAM);   /* first: the test set does not depend on n_train */
    draw_new(s->test, n_test, s, &s->seen, &r);
    rng_seed(&r, seed, TRAIN_STREAM);
    draw_new(s->train, n_train, s, &s->seen, &r);
}

void cot_split_free(CotSplit *s) {
    free(s->train);
    free(s->test);
    strmap_free(&s->seen);
}

int cot_is_test(const CotSplit *s, const CotProblem *p) {
    char q[COT_LINE_MAX];
    int e = strmap_find(&s->seen, q, (size_t)cot_question(p, q));
    return e >= 0 && e < s->n_test;   /* the test problems were interned first */
}

/* ------------------------------------------------------------ texts */

typedef struct {
    char *b;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = 2 * (b->len + n + 1) + 1024;
        b->b = xrealloc(b->b, b->cap);
    }
    memcpy(b->b + b->len, s, n);
    b->len += n;
    b->b[b->len] = '\0';
}

/* One problem, question and answer lines, in format f. */
static void add_problem(Buf *b, const CotProblem *p, CotFormat f) {
    char line[COT_LINE_MAX];
    buf_add(b, line, (size_t)cot_question(p, line));
    buf_add(b, line, (size_t)cot_answer_line(p, f, line));
}

char *cot_text(const CotProblem *problems, long n, const CotTextConfig *c, Rng *r, size_t *len, size_t **doc_starts,
               size_t *n_docs) {
    if (c->per_doc < 1) die("a document needs at least one problem (got %d)", c->per_doc);
    if (c->format == COT_MIX && c->rationale != COT_STEPS && c->rationale != COT_CHAIN)
        die("a mixture's rationales are steps or chain, not %s", cot_format_names[c->rationale]);
    Buf b = {0};
    size_t docs = 0, *starts = doc_starts ? xmalloc(((size_t)n / c->per_doc + 1) * sizeof *starts) : NULL;
    CotFormat doc = c->format;
    for (long i = 0; i < n; i++) {
        if (i % c->per_doc == 0) {   /* a new document: a newline, then its format */
            if (starts) starts[docs] = b.len;
            docs++;
            buf_add(&b, "\n", 1);
            if (c->format == COT_MIX) doc = rng_uniform_double(r) < c->cot_fraction ? c->rationale : COT_PLAIN;
        }
        add_problem(&b, &problems[i], doc);
    }
    if (doc_starts) *doc_starts = starts, *n_docs = docs;
    *len = b.len;
    return b.b ? b.b : xstrdup("");
}

char *cot_alphabet(size_t *len) {
    CotProblem p = {.n = 2, .a = {1234567890, 1}};
    Buf b = {0};
    add_problem(&b, &p, COT_PLAIN);
    add_problem(&b, &p, COT_REVERSED);
    add_problem(&b, &p, COT_STEPS);
    add_problem(&b, &p, COT_CHAIN);
    *len = b.len;
    return b.b;
}

char *cot_prompt(const CotSplit *s, const CotProblem *query, CotMode mode, CotFormat direct_format,
                 CotFormat rationale, int shots, Rng *r, size_t *len) {
    Buf b = {0};
    buf_add(&b, "\n", 1);   /* a document starts */
    if (mode == COT_MODE_DIRECT || mode == COT_MODE_COT || mode == COT_MODE_SC) {
        CotFormat f = mode == COT_MODE_DIRECT ? direct_format : rationale;
        for (int k = 0; k < shots; k++) add_problem(&b, &s->train[rng_below(r, (uint32_t)s->n_train)], f);
    }
    char line[COT_LINE_MAX];
    buf_add(&b, line, (size_t)cot_question(query, line));
    buf_add(&b, "A:", 2);
    if (mode == COT_MODE_TRIGGER) buf_add(&b, " " COT_TRIGGER, strlen(" " COT_TRIGGER));
    *len = b.len;
    return b.b;
}

/* ------------------------------------------------------------ accuracy */

int cot_max_answer_len(int operands, int digits) {
    CotProblem p = {.n = operands};
    for (int i = 0; i < operands; i++) p.a[i] = power_of_ten(digits) - 1;   /* every column carries */
    char line[COT_LINE_MAX];
    int longest = 0;
    for (CotFormat f = COT_PLAIN; f <= COT_CHAIN; f++) {
        int n = cot_answer_line(&p, f, line);
        if (n > longest) longest = n;
    }
    return longest;
}

int cot_context_needed(int operands, int digits, int shots) {
    CotProblem p = {.n = operands};
    for (int i = 0; i < operands; i++) p.a[i] = power_of_ten(digits) - 1;
    char line[COT_LINE_MAX];
    int q = cot_question(&p, line), a = cot_max_answer_len(operands, digits);
    return 1 + shots * (q + a) + q + (int)strlen("A:") + a + COT_ANSWER_SLACK;
}

typedef struct {
    const Tok *tk;
    char *text;   /* the completion so far, NUL-terminated */
    int len;
} Completion;

static void collect(int id, void *ctx) {
    Completion *c = ctx;
    c->text[c->len++] = (char)c->tk->chars[id];
    c->text[c->len] = '\0';
}

/* The most frequent of n answers (ties: the one seen first); 0 when n = 0. */
static int majority(const long *answers, int n, long *winner) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        int count = 0;
        for (int j = 0; j < n; j++) count += answers[j] == answers[i];
        if (count > best) best = count, *winner = answers[i];
    }
    return best > 0;
}

double cot_accuracy(Gpt *m, Tok *tk, const CotSplit *s, const CotEvalConfig *e, CotEvalStats *st) {
    if (tk->kind != TOK_CHAR) die("the arithmetic task reads characters: the model has another tokenizer");
    if (e->problems < 1 || e->problems > s->n_test)
        die("cannot score %d test problems: the split has %ld", e->problems, s->n_test);
    int chains = e->mode == COT_MODE_SC ? e->samples : 1;
    if (chains < 1) die("self-consistency needs at least one sampled chain");
    int newline = tk->char_id['\n'], max_new = cot_max_answer_len(s->operands, s->digits) + COT_ANSWER_SLACK;
    if (newline < 0) die("the model's characters have no newline: it was not trained on this task");
    SamplerConfig greedy = {.temperature = 0.0f, .top_k = 0, .top_p = 1.0f};
    const SamplerConfig *sampler = e->mode == COT_MODE_SC ? &e->sampler : &greedy;
    GptCache cache;
    gpt_cache_init(&cache, m);
    Rng rp, rs;
    rng_seed(&rp, e->seed, PROMPT_STREAM);
    rng_seed(&rs, e->seed, SAMPLE_STREAM);
    Completion c = {.tk = tk, .text = xmalloc((size_t)max_new + 1)};
    long *answers = xmalloc((size_t)chains * sizeof *answers);
    memset(st, 0, sizeof *st);
    for (int i = 0; i < e->problems; i++) {
        const CotProblem *q = &s->test[i];
        size_t len, n;
        char *prompt = cot_prompt(s, q, e->mode, e->direct_format, e->rationale, e->shots, &rp, &len);
        int *ids = tok_encode(tk, "prompt", prompt, len, &n);
        if ((long)n + max_new > m->cfg.max_seq_len)
            die("a %s prompt of %zu tokens and an answer of up to %d do not fit in the context of %d\n"
                "HINT: use fewer --shots", cot_mode_names[e->mode], n, max_new, m->cfg.max_seq_len);
        int stated = 0;
        for (int j = 0; j < chains; j++) {
            c.len = 0;
            c.text[0] = '\0';
            gpt_generate(m, &cache, ids, (int)n, max_new, sampler, &rs, 1, newline, collect, &c);
            stated += cot_extract(c.text, &answers[stated]);
            st->with_steps += cot_wrote_steps(c.text);
            st->completions++;
        }
        long voted;
        st->stated += stated;
        st->correct += majority(answers, stated, &voted) && voted == cot_answer(q);
        st->prompt_tokens += (double)n / e->problems;
        free(ids);
        free(prompt);
    }
    st->problems = e->problems;
    free(answers);
    free(c.text);
    gpt_cache_free(&cache);
    return (double)st->correct / st->problems;
}
