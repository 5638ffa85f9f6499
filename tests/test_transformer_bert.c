/*
 * test_transformer_bert.c -- BERT (transformer/bert.h, bert_data.h, bert_train.h):
 *
 *   - PyTorch fixtures (tests/ref/ref_transformer_bert.py): a tiny BERT over
 *     a padded batch of sentence pairs, the MLM head (tied output) + NSP
 *     loss, and a classification layer on the pooled [CLS]: the encoder's
 *     states, the logits, the losses and every weight's gradient;
 *   - masking (sec. 3.1): over a large sample, 15% of the non-special
 *     tokens chosen, 80/10/10 of them [MASK]/random/unchanged, within five
 *     standard deviations; [CLS], [SEP], [PAD] never chosen nor changed;
 *   - pretraining inputs: [CLS] A [SEP] B [SEP] with segments, padding,
 *     about half IsNext; the tokenizer's [MASK] literal;
 *   - end to end: fine-tuning (a head on [CLS], and a cloze prompt) learns
 *     a task a tiny model can learn;
 *   - folders: save and load give back the model and tokenizer; a
 *     translation checkpoint (kind=translation), a model of no kind, a
 *     truncated file and a missing folder are refused with their reason;
 *   - bad input: an empty corpus file dies.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "harness.h"
#include "ops.h"
#include "transformer/bert.h"
#include "transformer/bert_data.h"
#include "transformer/bert_train.h"
#include "util.h"

/* Fixtures are computed in double; ours in float. */
#define TOL 3e-5f

/* ------------------------------------------------------------ fixtures */

/* The fixtures' tiny BERT (ref_transformer_bert.py's sizes) with its weights. */
static void build_from_fixture(Bert *m, const Fixture *fx) {
    size_t n;
    BertConfig c = {.n_bpe = 16, .V = 20, .max_pos = 9, .C = 8, .NH = 2, .F = 12, .L = 2, .dropout = 0.0f};
    bert_build(m, &c);
    for (int i = 0; i < m->pt.count; i++) {
        const ParamInfo *p = &m->pt.info[i];
        const float *w = fixture_get(fx, p->name, &n);
        ck_assert_msg(n == p->size, "%s: fixture has %zu floats, the model %zu", p->name, n, p->size);
        memcpy(m->pt.values + p->offset, w, n * sizeof *w);
    }
}

static int *ints_of(const Fixture *fx, const char *name, size_t *n) {
    const float *f = fixture_get(fx, name, n);
    int *v = xmalloc(*n * sizeof(int));
    for (size_t i = 0; i < *n; i++) v[i] = (int)f[i];
    return v;
}

/* Every gradient of the table against the fixture's "g:" tensors. */
static int check_grads(const Bert *m, const Fixture *fx) {
    int ok = 1;
    for (int i = 0; i < m->pt.count; i++) {
        const ParamInfo *p = &m->pt.info[i];
        char name[PARAM_NAME_MAX + 2];
        snprintf(name, sizeof name, "g:%s", p->name);
        ok &= check_tensor(name, m->pt.grads + p->offset, fixture_get(fx, name, NULL), p->size, TOL);
    }
    return ok;
}

/* The encoder's states at the real positions (padding rows are meaningless). */
static int check_states(const float *h, const Fixture *fx, const int *len, int B, int T, int C) {
    const float *want = fixture_get(fx, "h", NULL);
    int ok = 1;
    for (int b = 0; b < B; b++)
        ok &= check_tensor("h", h + (size_t)b * T * C, want + (size_t)b * T * C, (size_t)len[b] * C, TOL);
    return ok;
}

START_TEST(pytorch_mlm_and_nsp) {
    Fixture *fx = fixture_load("transformer_bert_pretrain");
    Bert m;
    build_from_fixture(&m, fx);
    size_t N, B, M;
    int *ids = ints_of(fx, "ids", &N), *seg = ints_of(fx, "seg", &N), *len = ints_of(fx, "len", &B);
    int *rows = ints_of(fx, "rows", &M), *targets = ints_of(fx, "targets", &M), *is_next = ints_of(fx, "is_next", &B);
    int T = (int)(N / B), C = m.cfg.C, V = m.cfg.V;
    BertActs *a = bert_acts_build(&m, (int)B, T, (int)M, 1);
    params_zero_grad(&m.pt);
    const float *h = bert_forward(&m, a, ids, seg, len, (int)B, T, 1);
    ck_assert(check_states(h, fx, len, (int)B, T, C));
    const float *logits = bert_mlm_forward(&m, a, rows, (int)M);
    ck_assert(check_tensor("logits", logits, fixture_get(fx, "logits", NULL), M * V, TOL));
    float *probs = xmalloc(M * V * sizeof(float)), *dl = xcalloc(M * V, sizeof(float));
    double mlm = crossentropy_forward(probs, logits, targets, (int)M, V, -1, 0.0f);
    ck_assert(fabs(mlm - fixture_get(fx, "mlm_loss", NULL)[0]) < 1e-5);
    crossentropy_backward(dl, probs, targets, (int)M, V, -1, 0.0f, 1.0f);
    bert_mlm_backward(&m, a, dl);
    /* NSP on the pooled [CLS] */
    const float *p = bert_pool_forward(&m, a);
    float nl[6], np[6], dnl[6] = {0}, *dp = xcalloc(B * C, sizeof(float));
    linear_forward(nl, p, m.w.nsp_w, m.w.nsp_b, (int)B, C, 2);
    ck_assert(check_tensor("nsp_logits", nl, fixture_get(fx, "nsp_logits", NULL), B * 2, TOL));
    double nsp = crossentropy_forward(np, nl, is_next, (int)B, 2, -1, 0.0f);
    ck_assert(fabs(nsp - fixture_get(fx, "nsp_loss", NULL)[0]) < 1e-5);
    crossentropy_backward(dnl, np, is_next, (int)B, 2, -1, 0.0f, 1.0f);
    linear_backward(dp, m.g.nsp_w, m.g.nsp_b, dnl, p, m.w.nsp_w, (int)B, C, 2);
    bert_pool_backward(&m, a, dp);
    bert_backward(&m, a);
    ck_assert(check_grads(&m, fx));
    free(ids), free(seg), free(len), free(rows), free(targets), free(is_next), free(probs), free(dl), free(dp);
    bert_acts_free(a);
    bert_free(&m);
    fixture_free(fx);
}
END_TEST

START_TEST(pytorch_classification_head) {
    Fixture *fx = fixture_load("transformer_bert_classify");
    Bert m;
    build_from_fixture(&m, fx);
    size_t N, B;
    int *ids = ints_of(fx, "ids", &N), *seg = ints_of(fx, "seg", &N), *len = ints_of(fx, "len", &B);
    int *labels = ints_of(fx, "labels", &B), T = (int)(N / B), C = m.cfg.C, K = 3;
    BertClassifier h;
    bert_classifier_linear(&h, K, C, 1);
    memcpy(h.w, fixture_get(fx, "cls.w", NULL), (size_t)K * C * sizeof(float));
    memcpy(h.b, fixture_get(fx, "cls.b", NULL), (size_t)K * sizeof(float));
    BertActs *a = bert_acts_build(&m, (int)B, T, 1, 1);
    params_zero_grad(&m.pt);
    params_zero_grad(&h.pt);
    bert_forward(&m, a, ids, seg, len, (int)B, T, 0);
    const float *p = bert_pool_forward(&m, a);
    float logits[9], probs[9], dl[9] = {0}, *dp = xcalloc(B * C, sizeof(float));
    linear_forward(logits, p, h.w, h.b, (int)B, C, K);
    ck_assert(check_tensor("logits", logits, fixture_get(fx, "logits", NULL), B * K, TOL));
    double loss = crossentropy_forward(probs, logits, labels, (int)B, K, -1, 0.0f);
    ck_assert(fabs(loss - fixture_get(fx, "loss", NULL)[0]) < 1e-5);
    crossentropy_backward(dl, probs, labels, (int)B, K, -1, 0.0f, 1.0f);
    linear_backward(dp, params_grad(&h.pt, "cls.w"), params_grad(&h.pt, "cls.b"), dl, p, h.w, (int)B, C, K);
    bert_pool_backward(&m, a, dp);
    bert_backward(&m, a);
    ck_assert(check_tensor("g:cls.w", params_grad(&h.pt, "cls.w"), fixture_get(fx, "g:cls.w", NULL), (size_t)K * C, TOL));
    ck_assert(check_tensor("g:cls.b", params_grad(&h.pt, "cls.b"), fixture_get(fx, "g:cls.b", NULL), (size_t)K, TOL));
    ck_assert(check_grads(&m, fx));   /* the MLM head and NSP layer get none */
    free(ids), free(seg), free(len), free(labels), free(dp);
    bert_acts_free(a);
    bert_classifier_free(&h);
    bert_free(&m);
    fixture_free(fx);
}
END_TEST

/* ------------------------------------------------------------ data */

/* A small text to train a tokenizer on: words of a made-up language. */
static char *toy_text(size_t *len) {
    static const char *const words[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "great",
                                        "terrible", "film", "was", "it", "and", "so"};
    Rng r;
    rng_seed(&r, 5, 0);
    size_t cap = 1 << 16, n = 0;
    char *s = xmalloc(cap);
    for (int line = 0; line < 400; line++) {
        int k = 3 + (int)rng_below(&r, 8);
        for (int i = 0; i < k; i++) n += (size_t)snprintf(s + n, cap - n, "%s%s", i ? " " : "", words[rng_below(&r, 16)]);
        n += (size_t)snprintf(s + n, cap - n, ".\n");
    }
    *len = n;
    return s;
}

static void toy_tok(BertTok *t) {
    size_t len;
    char *text = toy_text(&len);
    bert_tok_train(t, text, len, 300);
    free(text);
}

START_TEST(masking_proportions) {
    BertTok t;
    toy_tok(&t);
    enum { T = 128, ROUNDS = 4000 };
    int ids[T], inp[T], target[T];
    Rng r, g;
    rng_seed(&r, 11, 0);
    rng_seed(&g, 12, 0);
    long cand = 0, chosen = 0, masked = 0, random = 0, same = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* [CLS] A [SEP] B [SEP] then padding, ordinary tokens drawn at random */
        int n = 20 + (int)rng_below(&g, 100), cut = 1 + (int)rng_below(&g, (uint32_t)(n - 3));
        for (int i = 0; i < T; i++) ids[i] = i < n ? (int)rng_below(&g, (uint32_t)(t.n_bpe - 1)) : t.pad;
        ids[0] = t.cls, ids[cut] = t.sep, ids[n - 1] = t.sep;
        int k = bert_mask(inp, target, ids, T, &t, 0.15f, &r), nc = n - 3, got = 0;
        cand += nc;
        ck_assert_int_eq(k, (int)(0.15f * nc + 0.5f) < 1 ? 1 : (int)(0.15f * nc + 0.5f));
        for (int i = 0; i < T; i++) {
            if (bert_tok_is_special(&t, ids[i])) {   /* never chosen, never changed */
                ck_assert_int_eq(target[i], -1);
                ck_assert_int_eq(inp[i], ids[i]);
                continue;
            }
            if (target[i] < 0) {
                ck_assert_int_eq(inp[i], ids[i]);
                continue;
            }
            ck_assert_int_eq(target[i], ids[i]);
            got++;
            if (inp[i] == t.mask) masked++;
            else if (inp[i] == ids[i]) same++;
            else {
                ck_assert(inp[i] >= 0 && inp[i] < t.n_bpe - 1);   /* a BPE token, not EOT nor a special */
                random++;
            }
        }
        ck_assert_int_eq(got, k);
        chosen += k;
    }
    /* chosen/candidates is 15% up to each input's rounding; the 80/10/10 split
     * within five binomial standard deviations (a random token equal to the
     * original counts as unchanged: 1/(n_bpe-1) of the 10%) */
    double fc = (double)chosen / cand, sd = sqrt(0.8 * 0.2 / chosen), sd1 = sqrt(0.1 * 0.9 / chosen);
    ck_assert_msg(fabs(fc - 0.15) < 0.01, "chosen %.4f", fc);
    ck_assert_msg(fabs((double)masked / chosen - 0.8) < 5 * sd, "[MASK] %.4f", (double)masked / chosen);
    double pr = 0.1 * (1.0 - 1.0 / (t.n_bpe - 1));
    ck_assert_msg(fabs((double)random / chosen - pr) < 5 * sd1, "random %.4f", (double)random / chosen);
    ck_assert_msg(fabs((double)same / chosen - (0.2 - pr)) < 5 * sd1, "unchanged %.4f", (double)same / chosen);
    bert_tok_free(&t);
}
END_TEST

/* A corpus of the toy text, through a file. */
static void toy_corpus(BertCorpus *c, BertTok *t) {
    size_t len;
    char *text = toy_text(&len);
    const char *path = tmp_path("bert_corpus");
    write_bytes(path, text, len);
    free(text);
    bert_corpus_read_file(c, path);
    toy_tok(t);
    bert_corpus_encode(c, t);
}

START_TEST(pretraining_inputs) {
    BertCorpus c;
    BertTok t;
    toy_corpus(&c, &t);
    ck_assert_int_eq(c.n, 400);
    BertBatch b;
    bert_batch_alloc(&b, 16, 24);
    Rng r;
    rng_seed(&r, 3, 0);
    long next = 0, total = 0;
    for (int round = 0; round < 100; round++) {
        bert_batch_make(&b, &c, &t, 1, 0.15f, &r);
        for (int i = 0; i < b.B; i++) {
            const int *x = b.orig + (size_t)i * b.T, *s = b.seg + (size_t)i * b.T;
            int n = b.len[i], seps = 0, first_sep = -1;
            ck_assert(n >= 5 && n <= b.T);
            ck_assert_int_eq(x[0], t.cls);
            ck_assert_int_eq(x[n - 1], t.sep);
            for (int j = 0; j < n; j++)
                if (x[j] == t.sep && seps++ == 0) first_sep = j;
            ck_assert_int_eq(seps, 2);
            for (int j = 0; j < b.T; j++) {
                ck_assert_int_eq(s[j], j > first_sep && j < n);   /* B and its [SEP] are segment 1 */
                if (j >= n) ck_assert_int_eq(x[j], t.pad);
                ck_assert(j == 0 || j >= n || x[j] != t.cls);
            }
            next += b.is_next[i];
            total++;
        }
        for (int k = 0; k < b.M; k++) {   /* every prediction is at a real, non-special position */
            int row = b.rows[k], i = row / b.T, j = row % b.T;
            ck_assert(j < b.len[i]);
            ck_assert_int_eq(b.target[k], b.orig[row]);
            ck_assert(!bert_tok_is_special(&t, b.target[k]));
        }
    }
    ck_assert_msg(fabs((double)next / total - 0.5) < 0.06, "IsNext %.3f", (double)next / total);
    /* one segment without NSP: [CLS] sentences [SEP] */
    bert_batch_make(&b, &c, &t, 0, 0.15f, &r);
    for (int i = 0; i < b.B; i++) {
        int n = b.len[i];
        ck_assert_int_eq(b.orig[(size_t)i * b.T + n - 1], t.sep);
        for (int j = 0; j < b.T; j++) ck_assert_int_eq(b.seg[(size_t)i * b.T + j], 0);
    }
    bert_batch_free(&b);
    bert_corpus_free(&c);
    bert_tok_free(&t);
}
END_TEST

START_TEST(tokenizer_mask_literal) {
    BertTok t;
    toy_tok(&t);
    int a[32], b[32];
    size_t na = bert_tok_encode(&t, "The cat was [MASK] .", 20, a, 32);
    size_t nb = bert_tok_encode(&t, "the cat was great .", 19, b, 32);
    ck_assert_uint_eq(na, nb);   /* " great" is one token: the mask takes its place and its space */
    int g = bert_tok_single(&t, "great");
    ck_assert_int_ge(g, 0);
    for (size_t i = 0; i < na; i++) ck_assert_int_eq(a[i], b[i] == g ? t.mask : b[i]);
    ck_assert_str_eq(bert_tok_text(&t, t.mask), "[MASK]");
    ck_assert_int_eq(bert_tok_single(&t, "zebra"), -1);
    bert_tok_free(&t);
}
END_TEST

/* ------------------------------------------------------------ end to end */

/* Sentences whose class is whether they hold "great" or "terrible": a
 * tiny BERT from scratch must learn it, through a head or a prompt. */
static void toy_task(LabelledSet *d, LsetEncoder enc, int n, uint64_t seed) {
    static const char *const filler[] = {"the", "cat", "sat", "on", "mat", "dog", "ran", "film", "so"};
    Rng r;
    rng_seed(&r, seed, 0);
    lset_init(d, 1);
    char s[256];
    for (int i = 0; i < n; i++) {
        int y = i % 2, len = 0, at = (int)rng_below(&r, 4);
        for (int j = 0; j < 5; j++) {
            const char *w = j == at ? (y ? "great" : "terrible") : filler[rng_below(&r, 9)];
            len += snprintf(s + len, sizeof s - (size_t)len, "%s%s", j ? " " : "", w);
        }
        lset_add_text(d, y, s, enc, 0);
    }
}

START_TEST(finetune_learns) {
    BertTok t;
    toy_tok(&t);
    BertConfig c = {.n_bpe = t.n_bpe, .V = t.V, .max_pos = 32, .C = 16, .NH = 2, .F = 32, .L = 1, .dropout = 0.0f};
    BertTemplate tp = {.tok = &t, .templ = "%s it was [MASK] ."};
    for (int prompt = 0; prompt < 2; prompt++) {
        LsetEncoder enc = prompt ? bert_template_lset(&tp) : bert_tok_lset(&t);
        LabelledSet train, test;
        toy_task(&train, enc, 64, 1);
        toy_task(&test, enc, 64, 2);
        Bert m;
        bert_build(&m, &c);
        bert_init(&m, 7);
        BertClassifier h;
        int words[2] = {bert_tok_single(&t, "terrible"), bert_tok_single(&t, "great")};
        if (prompt) bert_classifier_prompt(&h, 2, words);
        else bert_classifier_linear(&h, 2, c.C, 7);
        BertFinetuneConfig fc = {.batch = 16, .steps = 120, .lr = 3e-3f, .warmup = 0.1f, .weight_decay = 0.0f,
                                 .grad_clip = 1.0f, .eval_every = 40, .seed = 3, .quiet = 1};
        double sel = bert_finetune(&m, &h, &fc, &train, &train);
        double acc = bert_accuracy(&m, &h, &test, 32);
        ck_assert_msg(acc >= 0.95, "%s: held-out accuracy %.3f (selection %.3f)", prompt ? "prompt" : "head", acc, sel);
        bert_classifier_free(&h);
        bert_free(&m);
        lset_free(&train), lset_free(&test);
    }
    bert_tok_free(&t);
}
END_TEST

START_TEST(pretraining_lowers_the_loss) {
    BertCorpus c;
    BertTok t;
    toy_corpus(&c, &t);
    BertConfig mc = {.n_bpe = t.n_bpe, .V = t.V, .max_pos = 32, .C = 32, .NH = 2, .F = 64, .L = 1, .dropout = 0.0f};
    Bert m;
    bert_build(&m, &mc);
    bert_init(&m, 1);
    BertPretrainConfig pc = {.batch = 16, .T = 32, .steps = 150, .lr = 3e-3f, .warmup = 0.1f, .grad_clip = 1.0f,
                             .mask_p = 0.15f, .nsp = 1, .log_every = 50, .seed = 1, .quiet = 1};
    BertPretrainStats st;
    bert_pretrain(&m, &t, &c, &pc, NULL, &st);
    /* it starts at ln V = 5.7; the words are drawn uniformly from 16, so
     * about ln 16 = 2.77 is the floor for them (the periods are easier) */
    ck_assert_msg(st.mlm_loss < 3.5, "MLM loss %.3f after 150 steps", st.mlm_loss);
    bert_free(&m);
    bert_corpus_free(&c);
    bert_tok_free(&t);
}
END_TEST

/* ------------------------------------------------------------ folders */

static void tiny_model(Bert *m, BertTok *t) {
    toy_tok(t);
    BertConfig c = {.n_bpe = t->n_bpe, .V = t->V, .max_pos = 16, .C = 8, .NH = 2, .F = 12, .L = 1, .dropout = 0.1f,
                    .nsp = 1};
    bert_build(m, &c);
    bert_init(m, 3);
}

START_TEST(save_and_load) {
    Bert m, back;
    BertTok t, tb;
    tiny_model(&m, &t);
    const char *dir = tmp_path("bert_model");
    bert_save(&m, &t, dir, 42);
    char err[1024];
    ck_assert_msg(bert_read(dir, &back, &tb, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(back.pt.total, m.pt.total);
    ck_assert(!memcmp(back.pt.values, m.pt.values, m.pt.total * sizeof(float)));
    ck_assert(!memcmp(&back.cfg, &m.cfg, sizeof m.cfg));
    int a[16], b[16];
    size_t na = bert_tok_encode(&t, "the dog ran to the mat.", 23, a, 16);
    ck_assert_uint_eq(bert_tok_encode(&tb, "the dog ran to the mat.", 23, b, 16), na);
    ck_assert(!memcmp(a, b, na * sizeof(int)));
    bert_free(&back);
    bert_tok_free(&tb);
    bert_free(&m);
    bert_tok_free(&t);
}
END_TEST

/* bert_read of dir fails with a message holding want. */
static void refused(const char *dir, const char *want) {
    Bert m;
    BertTok t;
    char err[1024] = "";
    ck_assert_int_eq(bert_read(dir, &m, &t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
}

START_TEST(refuses_other_models) {
    Bert m;
    BertTok t;
    tiny_model(&m, &t);
    char path[4096];
    /* a translation model's folder: the same stage, kind=translation */
    const char *dir = tmp_path("bert_kind");
    make_dirs(dir);
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    checkpoint_save(path, BERT_STAGE, "kind=translation\nd=8\nheads=2\n", &m.pt, 0, 0);
    refused(dir, "kind=translation");
    checkpoint_save(path, BERT_STAGE, "d=8\n", &m.pt, 0, 0);
    refused(dir, "no kind");
    checkpoint_save(path, "gpt", "kind=bert\n", &m.pt, 0, 0);
    refused(dir, "gpt");
    /* a truncated checkpoint */
    bert_save(&m, &t, dir, 1);
    size_t n;
    char *bytes = read_all(path, &n);
    write_bytes(path, bytes, n / 2);
    free(bytes);
    refused(dir, "model.ckpt");
    refused(tmp_path("bert_missing"), "bert_missing");
    bert_free(&m);
    bert_tok_free(&t);
}
END_TEST

START_TEST(empty_corpus_dies) {
    const char *path = tmp_path("bert_empty");
    write_bytes(path, "\n\n", 2);
    BertCorpus c;
    bert_corpus_read_file(&c, path);
}
END_TEST

Suite *transformer_bert_suite(void) {
    Suite *s = suite_create("transformer_bert");
    TCase *heads = tcase_create("heads"), *data = tcase_create("data"), *train = tcase_create("training"),
          *folders = tcase_create("folders");
    tcase_add_test(heads, pytorch_mlm_and_nsp);
    tcase_add_test(heads, pytorch_classification_head);
    tcase_add_test(data, masking_proportions);
    tcase_add_test(data, pretraining_inputs);
    tcase_add_test(data, tokenizer_mask_literal);
    tcase_add_exit_test(data, empty_corpus_dies, 1);
    tcase_add_test(train, finetune_learns);
    tcase_add_test(train, pretraining_lowers_the_loss);
    tcase_add_test(folders, save_and_load);
    tcase_add_test(folders, refuses_other_models);
    TCase *all[] = {heads, data, train, folders};
    for (int i = 0; i < 4; i++) {   /* generous: the machine may be busy; no test depends on time */
        tcase_set_timeout(all[i], 60);
        suite_add_tcase(s, all[i]);
    }
    return s;
}

TEST_MAIN(transformer_bert_suite)
