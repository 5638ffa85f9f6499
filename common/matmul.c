/* matmul.c -- sgemm wrapper and thread control. See matmul.h. */
#include "matmul.h"

#include <cblas.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int n_threads = 1;      /* what set_threads() asked for */
static int blas_threads = 1;   /* what OpenBLAS is set to right now */

/* Below this many multiply-adds (~40 us on one core) a product runs on one
 * thread: handing half of it to OpenBLAS's other thread and waiting for it
 * costs more than it saves. An RNN's per-step recurrent product (B x H x 4H)
 * and attention's per-head products fall below it; the whole-sequence
 * products above. */
#define MATMUL_PARALLEL_MIN_MACS (1 << 22)

/* One thread for the products below MATMUL_PARALLEL_MIN_MACS, n_threads above. */
static void use_threads_for(double macs) {
    int want = macs < MATMUL_PARALLEL_MIN_MACS ? 1 : n_threads;
    if (want != blas_threads) {
        openblas_set_num_threads(want);
        blas_threads = want;
    }
}

void matmul(int ta, int tb, int M, int N, int K,
            float alpha, const float *A, const float *B, float beta, float *C) {
    use_threads_for((double)M * N * K);
    /* Row-major leading dimensions: the stored row length of each matrix. */
    int lda = ta ? M : K;
    int ldb = tb ? K : N;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, N);
}

void dmatmul(int ta, int tb, int M, int N, int K,
             double alpha, const double *A, const double *B, double beta, double *C) {
    use_threads_for((double)M * N * K);
    int lda = ta ? M : K;
    int ldb = tb ? K : N;
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, N);
}

void dmatvec(int ta, int rows, int cols, double alpha, const double *A, const double *x, double beta, double *y) {
    use_threads_for(0);
    cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, rows, cols, alpha, A, cols, x, 1, beta, y, 1);
}

void openmp_wait_passively(char **argv) { openmp_wait_briefly(argv, NULL); }

void openmp_wait_briefly(char **argv, const char *spins) {
    int set_policy = !getenv("OMP_WAIT_POLICY"), set_spins = spins && !getenv("GOMP_SPINCOUNT");
    if (!set_policy && !set_spins) return;   /* the user's choice, or already re-executed */
    if (set_policy) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    if (set_spins) setenv("GOMP_SPINCOUNT", spins, 1);
    execv("/proc/self/exe", argv);
    /* No /proc (or exec refused): carry on with libgomp's default policy. */
}

void set_threads(int n) {
    if (n < 1) n = 1;
    n_threads = n;
    blas_threads = n;
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int get_threads(void) { return n_threads; }
