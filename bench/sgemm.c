/*
 * sgemm.c -- our side of the sgemm benchmark: GFLOP/s through matmul().
 *
 * Every stage spends most of its time in matmul() (common/matmul.h), so this
 * is the number that bounds all the others. A size is written M x N x K:
 *
 *     C (M,N) = A (M,K) @ B (K,N)        2*M*N*K floating-point operations
 *
 * and the sizes are the shapes the stages multiply:
 *     64x768x768       a GPT-2-small linear layer on a batch of 64 tokens
 *     768x3072x768     the MLP up-projection (768 -> 3072) on 768 tokens
 *     1024x1024x1024   a square reference point
 *     peak 2048x2048x2048   the machine's single-precision ceiling: here the
 *                      best sample is reported, not the median
 *
 * Method: warm up (first-touch page faults, OpenBLAS's thread pool), time
 * enough back-to-back calls that one sample lasts >= 20 ms, and report the
 * median GFLOP/s over --reps samples. bench/sgemm_ref.py measures numpy and
 * torch.matmul the same way; scripts/bench.sh runs all three per thread count
 * in the same environment and writes bench/results.tsv.
 *
 * Output: one line per size, e.g.
 *     RESULT stage=bench bench=sgemm case=64x768x768_t1 impl=ours value=85.21 unit=GFLOP/s
 */
#include "matmul.h"
#include "metrics.h"
#include "rng.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int M, N, K;
    int peak;   /* 1: report the best sample (the ceiling), not the median */
} Size;

static const Size sizes[] = {
    { 64, 768, 768, 0 },
    { 768, 3072, 768, 0 },
    { 1024, 1024, 1024, 0 },
    { 2048, 2048, 2048, 1 },
};

#define SAMPLE_SECONDS 0.02   /* one timed sample lasts at least this long */
#define WARMUP_CALLS   3

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* GFLOP/s of one size: the median over reps samples, or the best for a peak size. */
static double measure(const Size *s, int reps, Rng *rng) {
    size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
    float *A = xmalloc(na * sizeof(float));
    float *B = xmalloc(nb * sizeof(float));
    float *C = xmalloc(nc * sizeof(float));
    rng_fill_uniform(rng, A, na, -1.0f, 1.0f);
    rng_fill_uniform(rng, B, nb, -1.0f, 1.0f);

    double t = now_seconds();
    for (int i = 0; i < WARMUP_CALLS; i++)
        matmul(0, 0, s->M, s->N, s->K, 1.0f, A, B, 0.0f, C);
    double per_call = (now_seconds() - t) / WARMUP_CALLS;
    int calls = per_call >= SAMPLE_SECONDS ? 1 : (int)(SAMPLE_SECONDS / per_call) + 1;

    double flops = 2.0 * s->M * s->N * s->K * calls;
    double *gflops = xmalloc((size_t)reps * sizeof(double));
    for (int r = 0; r < reps; r++) {
        t = now_seconds();
        for (int i = 0; i < calls; i++)
            matmul(0, 0, s->M, s->N, s->K, 1.0f, A, B, 0.0f, C);
        gflops[r] = flops / (now_seconds() - t) / 1e9;
    }
    qsort(gflops, (size_t)reps, sizeof(double), cmp_double);
    double result = s->peak ? gflops[reps - 1] : gflops[reps / 2];
    free(gflops);
    free(A);
    free(B);
    free(C);
    return result;
}

static void usage(void) {
    printf("usage: sgemm [--threads N] [--reps R]\n"
           "  GFLOP/s of matmul() (OpenBLAS sgemm) at the stages' matrix sizes.\n"
           "  --threads N   threads for OpenBLAS (default 1)\n"
           "  --reps R      timed samples per size; the median is reported (default 9)\n"
           "Prints one RESULT line per size; scripts/bench.sh (make bench) compares\n"
           "them with numpy and torch.matmul.\n");
}

int main(int argc, char **argv) {
    util_set_prog("sgemm");
    int threads = 1, reps = 9;
    static const struct option opts[] = {
        { "threads", required_argument, 0, 't' },
        { "reps", required_argument, 0, 'r' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    for (int c; (c = getopt_long(argc, argv, "t:r:h", opts, NULL)) != -1;) {
        switch (c) {
        case 't': threads = (int)parse_long(optarg, "--threads", 1, 256); break;
        case 'r': reps = (int)parse_long(optarg, "--reps", 1, 1000); break;
        case 'h': usage(); return 0;
        default: usage_error("unknown option");
        }
    }
    if (optind < argc) usage_error("unexpected argument '%s'", argv[optind]);
    set_threads(threads);

    Rng rng;
    rng_seed(&rng, 1234, 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const Size *s = &sizes[i];
        double g = measure(s, s->peak ? (reps + 1) / 2 : reps, &rng);
        char name[64];
        snprintf(name, sizeof name, "%s%dx%dx%d_t%d", s->peak ? "peak_" : "", s->M, s->N, s->K, threads);
        result_begin("bench");
        result_str("bench", "sgemm");
        result_str("case", name);
        result_str("impl", "ours");
        result_num("value", g, 2);
        result_str("unit", "GFLOP/s");
        result_end();
    }
    return 0;
}
