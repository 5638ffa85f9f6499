/*
 * matmul.h -- the one matrix product of the toolkit, and the thread setting.
 *
 * Every product in every stage goes through matmul(), a thin wrapper over
 * OpenBLAS's cblas_sgemm on row-major float matrices, with the transposes
 * spelled out at the call site:
 *
 *     C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C
 *
 * where op(A) = A (stored M x K) when ta == 0, and A^T (A stored K x M) when
 * ta == 1; likewise for B. Use beta = 1 to accumulate, as backward passes do.
 * A linear layer's forward out = x @ W^T is matmul(0, 1, ...); its weight
 * gradient dW += dout^T @ x is matmul(1, 0, ..., beta = 1).
 *
 * Online training (the RNNLM of rnn/rnnlm.h updates after every word) keeps
 * its weights in double, as Mikolov's toolkit does (rnnlm.h says why), and
 * works on single vectors, where a gemm would pack its operands for nothing:
 * dmatvec() is dgemv, on one thread, in the same row-major terms,
 *     y = alpha * op(A) x + beta * y       A stored (rows, cols); ta == 1 uses A^T
 * and dmatmul() is matmul() in double.
 *
 * set_threads(n) drives both OpenBLAS and OpenMP, so one --threads flag
 * controls every core the program uses. Small products (under ~4M
 * multiply-adds, such as an RNN's per-step recurrent product) still run on
 * one thread: waking a second thread for them costs more than it saves.
 * matmul() is therefore not to be called from inside an OpenMP parallel region.
 *
 * OpenMP must wait passively: an idle OpenMP worker that spins after a
 * parallel loop steals the core OpenBLAS's next sgemm needs (measured here: 2
 * threads ran 4x slower than 1 in the NNLM). libgomp reads OMP_WAIT_POLICY
 * once, while the program loads, so setting it from main() is too late.
 * openmp_wait_passively(argv), the first call of every stage's main(), sets
 * OMP_WAIT_POLICY=PASSIVE when the user has chosen no policy and re-executes
 * the program with it; the Makefile exports the same setting for its targets.
 * One stage polls briefly before sleeping (openmp_wait_briefly below): the
 * RNNLM's online training, whose parallel loops come too close together for
 * a sleeping thread to be worth waking each time.
 */
#ifndef NLP_MATMUL_H
#define NLP_MATMUL_H

void matmul(int ta, int tb, int M, int N, int K,
            float alpha, const float *A, const float *B, float beta, float *C);

/* The same product in double. */
void dmatmul(int ta, int tb, int M, int N, int K,
             double alpha, const double *A, const double *B, double beta, double *C);

/* y (rows, or cols when ta) = alpha * op(A) x + beta * y, A stored (rows, cols), in double. */
void dmatvec(int ta, int rows, int cols, double alpha, const double *A, const double *x, double beta, double *y);

void openmp_wait_passively(char **argv);

/* The same, but an idle OpenMP thread first polls `spins` times (libgomp's
 * GOMP_SPINCOUNT, unless the user set it) before it sleeps: for a stage whose
 * parallel loops come a few hundred microseconds apart, where waking a
 * sleeping thread each time costs more than the loop saves. */
void openmp_wait_briefly(char **argv, const char *spins);

/* Use n threads for OpenBLAS and OpenMP (n >= 1). */
void set_threads(int n);
int get_threads(void);

#endif
