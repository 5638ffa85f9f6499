/*
 * test_transformer_layers.c -- the layer stack of transformer/layers.h:
 *
 *   - PyTorch fixtures (tests/ref/ref_transformer_layers.py, itself checked
 *     against torch.nn.TransformerEncoderLayer / DecoderLayer): an encoder
 *     stack with padding, a decoder stack with causal self-attention and
 *     cross-attention over a padded memory, post-LN and pre-LN: the output,
 *     dx, dmem and every weight's gradient;
 *   - central differences over every weight, the input and the memory, with
 *     dropout on (the masks drawn the same in every forward);
 *   - decoding step by step from the cache, with rows reordered by their
 *     parents as beam search does, gives what the whole-prefix forward gives.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "transformer/layers.h"
#include "util.h"

/* Fixtures are computed in double, the stack in float. */
#define TOL 2e-5f

typedef struct {
    TfStackConfig cfg;
    ParamTable pt;
    TfStack s;
} Model;

static void model_build(Model *m, const TfStackConfig *cfg, const char *prefix) {
    params_init(&m->pt);
    tf_stack_declare(&m->pt, prefix, cfg);
    params_alloc(&m->pt);
    tf_stack_bind(&m->s, &m->pt, prefix, cfg);
    m->cfg = *cfg;
}

static int *ints_of(const Fixture *fx, const char *name) {
    size_t n;
    fixture_get(fx, name, &n);
    int *v = xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = fixture_int(fx, name, i);
    return v;
}

static void check_fixture(const char *name) {
    char file[64];
    snprintf(file, sizeof file, "transformer_layers_%s", name);
    Fixture *fx = fixture_load(file);
    TfStackConfig cfg = {.L = fixture_int(fx, "cfg", 0), .C = fixture_int(fx, "cfg", 1),
                         .NH = fixture_int(fx, "cfg", 2), .F = fixture_int(fx, "cfg", 3),
                         .cross = fixture_int(fx, "cfg", 4), .norm = fixture_int(fx, "cfg", 5) ? TF_PRE_LN : TF_POST_LN};
    Model m;
    model_build(&m, &cfg, cfg.cross ? "dec" : "enc");
    for (int i = 0; i < m.pt.count; i++) {
        const ParamInfo *p = &m.pt.info[i];
        size_t n;
        const float *w = fixture_get(fx, p->name, &n);
        ck_assert_msg(n == p->size, "%s: fixture has %zu floats, the stack %zu", p->name, n, p->size);
        memcpy(m.pt.values + p->offset, w, n * sizeof *w);
    }
    size_t nx, nm = 0, nb;
    const float *x = fixture_get(fx, "x", &nx);
    int *len = ints_of(fx, "len");
    fixture_get(fx, "len", &nb);
    int B = (int)nb, T = (int)(nx / nb / cfg.C), Tm = 0;
    const float *mem = NULL;
    int *mem_len = NULL;
    if (cfg.cross) {
        mem = fixture_get(fx, "mem", &nm);
        mem_len = ints_of(fx, "mem_len");
        Tm = (int)(nm / nb / cfg.C);
    }
    TfStackActs *a = tf_stack_acts_build(&cfg, B, T, Tm, 0);
    float *out = xmalloc(nx * sizeof *out), *dx = xcalloc(nx, sizeof *dx), *dmem = xcalloc(nm + 1, sizeof *dmem);
    tf_stack_forward(&m.s, a, out, x, len, mem, mem_len, B, T, Tm, 0);
    params_zero_grad(&m.pt);
    tf_stack_backward(&m.s, a, dx, cfg.cross ? dmem : NULL, fixture_get(fx, "dout", NULL));
    int ok = check_tensor("out", out, fixture_get(fx, "out", NULL), nx, TOL);
    ok &= check_tensor("dx", dx, fixture_get(fx, "dx", NULL), nx, TOL);
    if (cfg.cross) ok &= check_tensor("dmem", dmem, fixture_get(fx, "dmem", NULL), nm, TOL);
    for (int i = 0; i < m.pt.count; i++) {
        const ParamInfo *p = &m.pt.info[i];
        char gname[PARAM_NAME_MAX + 2];
        snprintf(gname, sizeof gname, "g:%s", p->name);
        ok &= check_tensor(gname, m.pt.grads + p->offset, fixture_get(fx, gname, NULL), p->size, TOL);
    }
    ck_assert_msg(ok, "%s: the stack differs from PyTorch's (see the NOT OK lines)", name);
    tf_stack_acts_free(a);
    free(out), free(dx), free(dmem), free(len), free(mem_len);
    params_free(&m.pt);
    fixture_free(fx);
}

START_TEST(pytorch_encoder_post_ln) { check_fixture("enc_post"); }
END_TEST
START_TEST(pytorch_encoder_pre_ln) { check_fixture("enc_pre"); }
END_TEST
START_TEST(pytorch_decoder_post_ln) { check_fixture("dec_post"); }
END_TEST
START_TEST(pytorch_decoder_pre_ln) { check_fixture("dec_pre"); }
END_TEST

/* ---------------------------------------------------------------- gradient check */

enum { GB = 2, GT = 4, GTM = 3, GC = 8 };

typedef struct {
    Model m;
    float x[GB * GT * GC], mem[GB * GTM * GC], r[GB * GT * GC], out[GB * GT * GC];
    int len[GB], mem_len[GB];
    uint64_t seed;
} GradCtx;

/* L = sum(out * r), with fresh activations of the same seed, so that every
 * forward draws the same dropout masks. */
static double stack_loss(void *p) {
    GradCtx *c = p;
    TfStackActs *a = tf_stack_acts_build(&c->m.cfg, GB, GT, GTM, c->seed);
    tf_stack_forward(&c->m.s, a, c->out, c->x, c->len, c->mem, c->mem_len, GB, GT, GTM, 1);
    tf_stack_acts_free(a);
    double s = 0.0;
    for (int i = 0; i < GB * GT * GC; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void gradcheck_stack(int cross, TfNorm norm) {
    GradCtx *c = xcalloc(1, sizeof *c);
    TfStackConfig cfg = {.L = 2, .C = GC, .NH = 2, .F = 12, .cross = cross, .norm = norm, .dropout = 0.2f};
    model_build(&c->m, &cfg, "s");
    Rng rng;
    rng_seed(&rng, 7, 0);
    tf_stack_init(&c->m.s, &rng);
    /* gains and biases away from 1 and 0, so that their gradients are tested too */
    for (size_t i = 0; i < c->m.pt.total; i++) c->m.pt.values[i] += 0.2f * (rng_uniform(&rng) - 0.5f);
    /* Every FFN unit firmly on: a difference of +-eps that straddles ReLU's
     * kink at 0 measures neither side's slope (the PyTorch fixtures cover
     * the units that are off). */
    for (int i = 0; i < cfg.L * cfg.F; i++) c->m.s.w.ff_b1[i] = 4.0f;
    rng_fill_uniform(&rng, c->x, GB * GT * GC, -1.0f, 1.0f);
    rng_fill_uniform(&rng, c->mem, GB * GTM * GC, -1.0f, 1.0f);
    rng_fill_uniform(&rng, c->r, GB * GT * GC, -1.0f, 1.0f);
    c->len[0] = GT, c->len[1] = 2, c->mem_len[0] = 2, c->mem_len[1] = GTM;
    c->seed = 11;
    /* the analytic gradients, with the masks stack_loss draws */
    float dx[GB * GT * GC] = {0}, dmem[GB * GTM * GC] = {0};
    TfStackActs *a = tf_stack_acts_build(&cfg, GB, GT, GTM, c->seed);
    tf_stack_forward(&c->m.s, a, c->out, c->x, c->len, c->mem, c->mem_len, GB, GT, GTM, 1);
    params_zero_grad(&c->m.pt);
    tf_stack_backward(&c->m.s, a, dx, cross ? dmem : NULL, c->r);
    tf_stack_acts_free(a);
    double worst = gradcheck("stack weights", stack_loss, c, c->m.pt.values, c->m.pt.grads, c->m.pt.total, 1e-2f);
    double ex = gradcheck("stack dx", stack_loss, c, c->x, dx, GB * GT * GC, 1e-2f);
    worst = ex > worst ? ex : worst;
    if (cross) {
        double em = gradcheck("stack dmem", stack_loss, c, c->mem, dmem, GB * GTM * GC, 1e-2f);
        worst = em > worst ? em : worst;
    }
    printf("GRADCHECK %s %s-LN stack: max relative error %.2e\n", cross ? "decoder" : "encoder",
           norm == TF_PRE_LN ? "pre" : "post", worst);
    ck_assert_msg(worst < 2e-2, "relative error %g", worst);
    params_free(&c->m.pt);
    free(c);
}

START_TEST(gradcheck_encoder_post_ln) { gradcheck_stack(0, TF_POST_LN); }
END_TEST
START_TEST(gradcheck_encoder_pre_ln) { gradcheck_stack(0, TF_PRE_LN); }
END_TEST
START_TEST(gradcheck_decoder_post_ln) { gradcheck_stack(1, TF_POST_LN); }
END_TEST
START_TEST(gradcheck_decoder_pre_ln) { gradcheck_stack(1, TF_PRE_LN); }
END_TEST

/* ---------------------------------------------------------------- cached decoding */

/*
 * Rows that split and merge as beam search's do: at each step, row i
 * continues row parent[i] and belongs to sentence src[i]. Each row's whole
 * history (its inputs at steps 0..t) is kept, and the stack's forward over
 * that history must give the cached step's output at its last position.
 */
static void check_cached_steps(TfNorm norm) {
    enum { C = 8, NS = 2, TM = 5, R = 4, STEPS = 4 };
    TfStackConfig cfg = {.L = 2, .C = C, .NH = 2, .F = 12, .cross = 1, .norm = norm};
    Model m;
    model_build(&m, &cfg, "dec");
    Rng rng;
    rng_seed(&rng, 5, 0);
    tf_stack_init(&m.s, &rng);
    for (size_t i = 0; i < m.pt.total; i++) m.pt.values[i] += 0.2f * (rng_uniform(&rng) - 0.5f);
    float mem[NS * TM * C];
    rng_fill_uniform(&rng, mem, NS * TM * C, -1.0f, 1.0f);
    int mem_len[NS] = {TM, 3};
    /* the rows of each step: parent and sentence */
    static const int nrows[STEPS] = {2, 4, 3, 3};
    static const int parents[STEPS][R] = {{-1, -1}, {0, 0, 1, 1}, {1, 0, 3}, {1, 1, 2}};
    static const int srcs[STEPS][R] = {{0, 1}, {0, 0, 1, 1}, {0, 0, 1}, {0, 0, 1}};
    float hist[R][STEPS * C], next[R][STEPS * C];   /* each row's inputs so far */
    float x[R * C], out[R * C], full[R * STEPS * C], xs[R * STEPS * C], mems[R * TM * C];
    int ml[R];
    TfStackCache *cache = tf_stack_cache_build(&cfg, R, STEPS, NS, TM);
    TfStackActs *a = tf_stack_acts_build(&cfg, R, STEPS, TM, 0);
    tf_stack_cache_memory(&m.s, cache, mem, mem_len, NS, TM);
    for (int t = 0; t < STEPS; t++) {
        int n = nrows[t];
        rng_fill_uniform(&rng, x, (size_t)n * C, -1.0f, 1.0f);
        for (int i = 0; i < n; i++) {
            if (t > 0) memcpy(next[i], hist[parents[t][i]], (size_t)t * C * sizeof(float));
            memcpy(next[i] + t * C, x + i * C, C * sizeof(float));
        }
        memcpy(hist, next, sizeof hist);
        tf_stack_step(&m.s, cache, out, x, parents[t], srcs[t], n, t);
        /* the same rows through the whole-prefix forward */
        for (int i = 0; i < n; i++) {
            memcpy(xs + (size_t)i * (t + 1) * C, hist[i], (size_t)(t + 1) * C * sizeof(float));
            memcpy(mems + (size_t)i * TM * C, mem + (size_t)srcs[t][i] * TM * C, TM * C * sizeof(float));
            ml[i] = mem_len[srcs[t][i]];
        }
        tf_stack_forward(&m.s, a, full, xs, NULL, mems, ml, n, t + 1, TM, 0);
        for (int i = 0; i < n; i++) {
            const float *want = full + ((size_t)i * (t + 1) + t) * C;
            for (int j = 0; j < C; j++)
                ck_assert_msg(fabsf(out[i * C + j] - want[j]) < 1e-5f, "step %d row %d: cached %g, forward %g", t, i,
                              out[i * C + j], want[j]);
        }
    }
    tf_stack_cache_free(cache);
    tf_stack_acts_free(a);
    params_free(&m.pt);
}

START_TEST(cached_steps_match_forward) {
    check_cached_steps(TF_POST_LN);
    check_cached_steps(TF_PRE_LN);
}
END_TEST

/* A stack's attention maps are probability rows: each self-attention row
 * of a padded sentence sums to 1 over its real keys and is 0 past them. */
START_TEST(attention_maps_respect_padding) {
    TfStackConfig cfg = {.L = 1, .C = 8, .NH = 2, .F = 12, .cross = 0, .norm = TF_POST_LN};
    Model m;
    model_build(&m, &cfg, "enc");
    Rng rng;
    rng_seed(&rng, 3, 0);
    tf_stack_init(&m.s, &rng);
    enum { B = 2, T = 4 };
    float x[B * T * 8], out[B * T * 8];
    rng_fill_uniform(&rng, x, B * T * 8, -1.0f, 1.0f);
    int len[B] = {4, 2};
    TfStackActs *a = tf_stack_acts_build(&cfg, B, T, 0, 0);
    tf_stack_forward(&m.s, a, out, x, len, NULL, NULL, B, T, 0, 0);
    ck_assert_ptr_null(tf_stack_cross_att(a, 0));
    const float *att = tf_stack_self_att(a, 0);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < T; i++) {
                const float *row = att + (((size_t)b * 2 + h) * T + i) * T;
                double sum = 0.0;
                for (int j = 0; j < T; j++) {
                    if (j >= len[b]) ck_assert_float_eq(row[j], 0.0f);
                    sum += row[j];
                }
                ck_assert_msg(fabs(sum - 1.0) < 1e-6, "row sums to %g", sum);
            }
    tf_stack_acts_free(a);
    params_free(&m.pt);
}
END_TEST

Suite *transformer_layers_suite(void) {
    Suite *s = suite_create("transformer_layers");
    TCase *tc = tcase_create("layers");
    tcase_add_test(tc, pytorch_encoder_post_ln);
    tcase_add_test(tc, pytorch_encoder_pre_ln);
    tcase_add_test(tc, pytorch_decoder_post_ln);
    tcase_add_test(tc, pytorch_decoder_pre_ln);
    tcase_add_test(tc, gradcheck_encoder_post_ln);
    tcase_add_test(tc, gradcheck_encoder_pre_ln);
    tcase_add_test(tc, gradcheck_decoder_post_ln);
    tcase_add_test(tc, gradcheck_decoder_pre_ln);
    tcase_add_test(tc, cached_steps_match_forward);
    tcase_add_test(tc, attention_maps_respect_padding);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(transformer_layers_suite)
