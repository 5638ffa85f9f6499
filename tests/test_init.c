/*
 * test_init.c -- common/init.h: orthogonal initialisation.
 *
 * A wide W (rows < cols) must have orthonormal rows times the gain
 * (W W^T = gain^2 I), a tall one orthonormal columns (W^T W = gain^2 I), a
 * square one both; the same seed gives the same matrix, another seed
 * another; and the entries look like a random rotation's (mean about 0,
 * each of the n^2 entries of a square orthogonal matrix has variance 1/n).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "init.h"
#include "util.h"

/* max |(W W^T or W^T W) - gain^2 I| over the Gram matrix of the short side */
static double gram_error(const float *w, int rows, int cols, float gain) {
    int wide = rows <= cols, k = wide ? rows : cols, len = wide ? cols : rows;
    double worst = 0.0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double dot = 0.0;
            for (int i = 0; i < len; i++) {
                double x = wide ? w[(size_t)a * cols + i] : w[(size_t)i * cols + a];
                double y = wide ? w[(size_t)b * cols + i] : w[(size_t)i * cols + b];
                dot += x * y;
            }
            worst = fmax(worst, fabs(dot - (a == b ? (double)gain * gain : 0.0)));
        }
    return worst;
}

START_TEST(test_orthogonal_shapes) {
    const int shapes[4][2] = {{3, 7}, {9, 4}, {6, 6}, {1, 5}};
    const float gains[4] = {2.0f, 1.0f, 1.41421356f, 0.01f};
    Rng r;
    rng_seed(&r, 1, 0);
    for (int k = 0; k < 4; k++) {
        int rows = shapes[k][0], cols = shapes[k][1];
        float *w = xmalloc((size_t)rows * cols * sizeof(float));
        init_orthogonal(w, rows, cols, gains[k], &r);
        double err = gram_error(w, rows, cols, gains[k]);
        printf("orthogonal (%d, %d) gain %g: max |Gram - gain^2 I| = %.2e\n", rows, cols, gains[k], err);
        ck_assert_msg(err < 1e-5 * gains[k] * gains[k] + 1e-7, "(%d, %d): %g", rows, cols, err);
        if (rows == cols) ck_assert(gram_error(w, cols, rows, gains[k]) < 1e-5);   /* W^T W too */
        free(w);
    }
}
END_TEST

START_TEST(test_orthogonal_seeded) {
    float a[20], b[20], c[20];
    Rng r;
    rng_seed(&r, 7, 0); init_orthogonal(a, 4, 5, 1.0f, &r);
    rng_seed(&r, 7, 0); init_orthogonal(b, 4, 5, 1.0f, &r);
    rng_seed(&r, 8, 0); init_orthogonal(c, 4, 5, 1.0f, &r);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    ck_assert(memcmp(a, c, sizeof a) != 0);
}
END_TEST

START_TEST(test_orthogonal_spread) {
    int n = 64;
    float *w = xmalloc((size_t)n * n * sizeof(float));
    Rng r;
    rng_seed(&r, 3, 0);
    init_orthogonal(w, n, n, 1.0f, &r);
    double mean = 0.0, sq = 0.0;
    for (int i = 0; i < n * n; i++) mean += w[i], sq += (double)w[i] * w[i];
    mean /= n * n;
    ck_assert(fabs(mean) < 0.01);
    ck_assert(fabs(sq / (n * n) - 1.0 / n) < 1e-6);   /* the rows are unit vectors */
    int big = 0;   /* a rotation, not a permutation: no entry near +-1 */
    for (int i = 0; i < n * n; i++) big += fabsf(w[i]) > 0.6f;
    ck_assert_int_eq(big, 0);
    free(w);
}
END_TEST

static Suite *init_suite(void) {
    Suite *s = suite_create("init");
    TCase *tc = tcase_create("orthogonal");
    tcase_add_test(tc, test_orthogonal_shapes);
    tcase_add_test(tc, test_orthogonal_seeded);
    tcase_add_test(tc, test_orthogonal_spread);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(init_suite)
