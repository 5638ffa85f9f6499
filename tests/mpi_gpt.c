/*
 * mpi_gpt.c -- the data-parallel GPT's equivalence checks, run by
 * tests/mpi_test.sh under mpirun with 1 and 2 ranks (`make MPI=1 test-mpi`).
 * A program, not a Check suite: Check forks each test, and a forked child
 * cannot share the parent's MPI job.
 *
 *   mpi_gpt train DIR START STEPS [ZERO]
 *                                   train a tiny GPT (dropout 0, clipping on) on a
 *                                   fixed synthetic stream from step START (0: a fresh
 *                                   model; else DIR/ckpt.bin) to STEPS with a global
 *                                   batch of 8, with ZeRO stage ZERO (default 0); rank 0
 *                                   writes DIR/ckpt.bin, DIR/metrics.tsv and DIR/losses
 *                                   (one loss a line)
 *   mpi_gpt compare A B TOL         losses, gradient norms and parameters of runs A
 *                                   and B agree within TOL (absolute; relative for the
 *                                   norms); exit 1 otherwise
 *   mpi_gpt values A B TOL          the parameters of checkpoint files A and B, of any
 *                                   stage (rnn's model.ckpt too), agree within TOL
 *   mpi_gpt allreduce FLOATS REPS   time REPS all-reduces of a FLOATS-float buffer
 *                                   (gpt/SCALING.md: measured beside the model)
 *
 * The gradient norms matter: AdamW's step hardly changes when every gradient
 * is scaled by the same factor, so a reduction that forgets to divide by the
 * number of ranks would leave losses and parameters nearly equal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dist.h"
#include "gpt/gpt.h"
#include "gpt/train.h"
#include "rng.h"
#include "util.h"

enum { V = 50, N_STREAM = 3000, N_TRAIN = 2400, MAX_STEPS = 64 };

static void synthetic_stream(int *s) {
    Rng r;
    rng_seed(&r, 11, 0);
    for (int i = 0; i < N_STREAM; i++) s[i] = (int)rng_below(&r, V) % (i % 7 + 3);   /* some structure */
}

static void train(const char *dir, long start, long steps, int zero) {
    if (steps > MAX_STEPS || start >= steps) die("train: steps %ld..%ld outside 0..%d", start, steps, MAX_STEPS);
    static int stream[N_STREAM];
    synthetic_stream(stream);
    Gpt m;
    if (start == 0) {
        GptConfig cfg = {.max_seq_len = 16, .vocab_size = V, .n_layer = 2, .n_head = 2, .channels = 16};
        gpt_build(&m, &cfg);
        gpt_init_weights(&m, 7);
    } else {
        char in[1100], *config;
        long step;
        path_join(in, sizeof in, dir, "ckpt.bin");
        gpt_load_any(in, &m, &config, &step);
        free(config);
        if (step != start) die("train: '%s' is at step %ld, not %ld", in, step, start);
    }
    GptTrainConfig tc = {.batch = 8, .seq_len = 16, .accum = 2, .steps = steps, .lr = 3e-3f, .min_lr = 3e-4f,
                         .warmup = 2, .decay_steps = steps, .beta1 = 0.9f, .beta2 = 0.99f, .weight_decay = 0.1f,
                         .grad_clip = 1.0f, .eval_interval = 2, .eval_iters = 2, .log_interval = 1, .seed = 5,
                         .quiet = 1, .out_dir = dir, .zero = zero};
    float losses[MAX_STEPS];
    gpt_train(&m, &tc, stream, N_TRAIN, stream + N_TRAIN, N_STREAM - N_TRAIN, start, losses);
    if (dist_is_root()) {
        char path[1100];
        path_join(path, sizeof path, dir, "losses");
        FILE *f = xfopen(path, "w");
        for (long s = start; s < steps; s++) fprintf(f, "%.9g\n", losses[s - start]);
        xfclose(f, path);
    }
    gpt_free(&m);
}

/* The losses of run `run` (at most MAX_STEPS); returns their number. */
static int load_losses(const char *run, double *l) {
    char path[1100];
    path_join(path, sizeof path, run, "losses");
    FILE *f = xfopen(path, "r");
    int n = 0;
    while (n < MAX_STEPS && fscanf(f, "%lf", &l[n]) == 1) n++;
    fclose(f);
    return n;
}

/* The largest |a - b| over the losses of the steps both runs logged (a
 * resumed run logs only the last ones). */
static double losses_gap(const char *a, const char *b) {
    double la[MAX_STEPS], lb[MAX_STEPS], gap = 0.0;
    int na = load_losses(a, la), nb = load_losses(b, lb), n = na < nb ? na : nb;
    if (n == 0) die("'%s' or '%s' logged no loss", a, b);
    for (int i = 1; i <= n; i++) gap = fmax(gap, fabs(la[na - i] - lb[nb - i]));
    return gap;
}

/* norm[s] <- the gradient norm metrics.tsv logged for step s (NAN: none). */
static void load_norms(const char *run, double *norm) {
    char path[1100], line[512];
    path_join(path, sizeof path, run, "metrics.tsv");
    FILE *f = xfopen(path, "r");
    for (int s = 0; s <= MAX_STEPS; s++) norm[s] = NAN;
    while (fgets(line, sizeof line, f)) {   /* step tokens split loss ppl lr grad_norm ... */
        long step;
        char split[16];
        double loss, ppl, lr, g;
        if (sscanf(line, "%ld %*s %15s %lf %lf %lf %lf", &step, split, &loss, &ppl, &lr, &g) == 6 &&
            !strcmp(split, "train") && step >= 0 && step <= MAX_STEPS)
            norm[step] = g;
    }
    fclose(f);
}

/* The largest relative gap of the gradient norms both runs logged. */
static double norms_gap(const char *a, const char *b) {
    double na[MAX_STEPS + 1], nb[MAX_STEPS + 1], gap = 0.0;
    load_norms(a, na);
    load_norms(b, nb);
    int shared = 0;
    for (int s = 0; s <= MAX_STEPS; s++)
        if (!isnan(na[s]) && !isnan(nb[s])) gap = fmax(gap, fabs(na[s] - nb[s]) / fmax(fabs(na[s]), 1e-12)), shared++;
    if (!shared) die("'%s' and '%s' logged no gradient norm of the same step", a, b);
    return gap;
}

static int compare(const char *a, const char *b, double tol) {
    Gpt ma, mb;
    char *ca, *cb;
    long sa, sb;
    char pa[1100], pb[1100];
    path_join(pa, sizeof pa, a, "ckpt.bin");
    path_join(pb, sizeof pb, b, "ckpt.bin");
    gpt_load_any(pa, &ma, &ca, &sa);
    gpt_load_any(pb, &mb, &cb, &sb);
    if (sa != sb || ma.pt.total != mb.pt.total) die("'%s' and '%s' differ in step or shape", a, b);
    double pgap = 0.0, lgap = losses_gap(a, b), ngap = norms_gap(a, b);
    for (size_t i = 0; i < ma.pt.total; i++) pgap = fmax(pgap, fabs((double)ma.pt.values[i] - mb.pt.values[i]));
    int ok = lgap <= tol && pgap <= tol && ngap <= tol;
    printf("%s %s vs %s: step %ld, largest gaps: loss %.3g, parameter %.3g, gradient norm %.3g (relative); "
           "tolerance %.3g\n", ok ? "OK  " : "FAIL", a, b, sa, lgap, pgap, ngap, tol);
    free(ca);
    free(cb);
    gpt_free(&ma);
    gpt_free(&mb);
    return ok ? 0 : 1;
}

static int compare_values(const char *a, const char *b, double tol) {
    CheckpointInfo ca, cb;
    char err[1200];
    if (checkpoint_read(a, NULL, &ca, err, sizeof err) || checkpoint_read(b, NULL, &cb, err, sizeof err)) die("%s", err);
    if (ca.step != cb.step || ca.total != cb.total) die("'%s' and '%s' differ in step or size", a, b);
    double gap = 0.0;
    for (size_t i = 0; i < ca.total; i++) gap = fmax(gap, fabs((double)ca.values[i] - cb.values[i]));
    int ok = gap <= tol;
    printf("%s %s vs %s: step %ld, largest parameter gap %.3g; tolerance %.3g\n", ok ? "OK  " : "FAIL", a, b, ca.step,
           gap, tol);
    checkpoint_free(&ca);
    checkpoint_free(&cb);
    return ok ? 0 : 1;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of REPS all-reduces (the machine is shared: the mean is noisy). */
static void time_allreduce(size_t n, int reps) {
    if (reps < 1 || reps > 1000) die("allreduce: REPS %d outside 1..1000", reps);
    float *x = xcalloc(n, sizeof(float));
    double ms[1000];
    dist_allreduce_sum(x, n);   /* the first one sets up the connections */
    for (int i = 0; i < reps; i++) {
        dist_barrier();
        double t0 = dist_comm_seconds();
        dist_allreduce_sum(x, n);
        ms[i] = 1e3 * (dist_comm_seconds() - t0);
    }
    qsort(ms, (size_t)reps, sizeof *ms, by_value);
    double med = ms[reps / 2], bytes = 2.0 * (dist_size() - 1) / dist_size() * 4.0 * n;
    printf("all-reduce of %zu floats on %d ranks: median %.2f ms of %d (ring bytes per rank %.3g: %.2f Gbit/s)\n", n,
           dist_size(), med, reps, bytes, med > 0 ? bytes * 8 / (med * 1e6) : 0.0);
    free(x);
}

int main(int argc, char **argv) {
    util_set_prog("mpi_gpt");
    dist_init(&argc, &argv);
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "train")) {
        train(argv[2], atol(argv[3]), atol(argv[4]), argc == 6 ? atoi(argv[5]) : 0);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "allreduce")) {
        time_allreduce((size_t)atoll(argv[2]), atoi(argv[3]));
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "compare")) return compare(argv[2], argv[3], atof(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "values")) return compare_values(argv[2], argv[3], atof(argv[4]));
    usage_error("usage: mpi_gpt train DIR START STEPS [ZERO] | compare A B TOL | values A B TOL | allreduce FLOATS REPS");
}
