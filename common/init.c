/* init.c -- weight initialisers. See init.h. */
#include "init.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

/* Orthonormalise the n columns of a (m, n), m >= n, row-major, in place by
 * modified Gram-Schmidt: column j loses its projection on every earlier
 * (already unit) column, then is divided by its norm, R's positive diagonal. */
static void gram_schmidt_columns(double *a, int m, int n) {
    for (int j = 0; j < n; j++) {
        for (int k = 0; k < j; k++) {
            double dot = 0.0;
            for (int i = 0; i < m; i++) dot += a[(size_t)i * n + k] * a[(size_t)i * n + j];
            for (int i = 0; i < m; i++) a[(size_t)i * n + j] -= dot * a[(size_t)i * n + k];
        }
        double norm = 0.0;
        for (int i = 0; i < m; i++) norm += a[(size_t)i * n + j] * a[(size_t)i * n + j];
        norm = sqrt(norm);
        if (norm == 0.0) die("init_orthogonal: a degenerate random matrix (column %d)", j);
        for (int i = 0; i < m; i++) a[(size_t)i * n + j] /= norm;
    }
}

void init_orthogonal(float *w, int rows, int cols, float gain, Rng *r) {
    if (rows < 1 || cols < 1) die("init_orthogonal: bad shape (%d, %d)", rows, cols);
    /* Work on the tall orientation: (m, n) with m >= n, the transpose of a wide W. */
    int wide = rows < cols, m = wide ? cols : rows, n = wide ? rows : cols;
    double *a = xmalloc((size_t)m * n * sizeof *a);
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        size_t row = i / (size_t)cols, col = i % (size_t)cols;   /* W's element, drawn in W's order */
        a[wide ? col * (size_t)n + row : i] = rng_normal(r);
    }
    gram_schmidt_columns(a, m, n);
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        size_t row = i / (size_t)cols, col = i % (size_t)cols;
        w[i] = (float)(gain * a[wide ? col * (size_t)n + row : i]);
    }
    free(a);
}
