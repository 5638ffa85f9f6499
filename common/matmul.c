/* matmul.c -- sgemm wrapper and thread control. See matmul.h. */
#include "matmul.h"

#include <cblas.h>
#include <stdlib.h>
#include <unistd.h>
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

void openmp_wait_passively(char **argv) {
    if (getenv("OMP_WAIT_POLICY")) return;   /* the user's choice, or already re-executed */
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
    /* No /proc (or exec refused): carry on with libgomp's default policy. */
}

void set_threads(int n) {
    if (n < 1) n = 1;
    n_threads = n;
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int get_threads(void) { return n_threads; }
