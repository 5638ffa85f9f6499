/* matmul.c -- sgemm wrapper and thread control. See matmul.h. */
#include "matmul.h"

#include <cblas.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void matmul(int ta, int tb, int M, int N, int K,
            float alpha, const float *A, const float *B, float beta, float *C) {
    /* Row-major leading dimensions: the stored row length of each matrix. */
    int lda = ta ? M : K;
    int ldb = tb ? K : N;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, N);
}

static int n_threads = 1;

void set_threads(int n) {
    if (n < 1) n = 1;
    n_threads = n;
    /* Passive waiting: must be in the environment before OpenMP's first
     * parallel region creates the thread pool. Respect a user's own choice. */
    setenv("OMP_WAIT_POLICY", "passive", 0);
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int get_threads(void) { return n_threads; }
