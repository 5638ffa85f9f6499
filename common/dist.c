/* dist.c -- ranks, reductions and aborts over MPI, or one process. See dist.h. */
#include "dist.h"

#include <stdio.h>
#include <stdlib.h>

#include "matmul.h"
#include "util.h"

static double comm_s;   /* time in dist_allreduce_sum and dist_allgather */

double dist_comm_seconds(void) { return comm_s; }

int dist_share(int B, int *first) {
    int n = dist_size();
    if (B % n) die("the batch %d does not divide among %d ranks", B, n);
    *first = dist_rank() * (B / n);
    return B / n;
}

#ifdef USE_MPI
#include <limits.h>
#include <mpi.h>

static int joined, rank, size = 1;

/* The variables OpenMPI's and PMI-based launchers give their processes. */
static int under_mpirun(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

/* At exit: a clean one waits for the other ranks; any other status (an
 * exit(1) that bypassed die) aborts them, as die does. */
static void finalize(int status, void *unused) {
    if (!joined) return;
    if (status != 0) MPI_Abort(MPI_COMM_WORLD, status);
    MPI_Finalize();
    joined = 0;
}

void dist_init(int *argc, char ***argv) {
    if (joined || !under_mpirun()) return;
    MPI_Init(argc, argv);
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    on_exit(finalize, NULL);
    set_threads(1);   /* --threads N overrides it */
    if (rank != 0 && !freopen("/dev/null", "w", stdout)) die("rank %d: cannot silence stdout", rank);
}

int dist_rank(void) { return rank; }
int dist_size(void) { return size; }

/* MPI counts are ints: a buffer of more floats goes in pieces. */
void dist_allreduce_sum(float *x, size_t n) {
    if (size == 1) return;
    double t0 = now_seconds();
    for (size_t done = 0; done < n;) {
        int k = n - done > INT_MAX ? INT_MAX : (int)(n - done);
        MPI_Allreduce(MPI_IN_PLACE, x + done, k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        done += (size_t)k;
    }
    comm_s += now_seconds() - t0;
}

double dist_sum(double x) {
    if (size == 1) return x;
    double s;
    MPI_Allreduce(&x, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return s;
}

void dist_broadcast(float *x, size_t n) {
    if (size == 1) return;
    for (size_t done = 0; done < n;) {
        int k = n - done > INT_MAX ? INT_MAX : (int)(n - done);
        MPI_Bcast(x + done, k, MPI_FLOAT, 0, MPI_COMM_WORLD);
        done += (size_t)k;
    }
}

void dist_barrier(void) {
    if (size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

/* MPI_Allgatherv's counts and offsets are ints: up to 2^31 - 1 floats in all
 * (GPT-2 1.5B has 1.56e9), beyond which it dies rather than wrap. */
void dist_allgather(float *x, const size_t *bounds) {
    if (size == 1) return;
    if (bounds[size] > INT_MAX) die("dist_allgather: %zu floats exceed MPI's int counts", bounds[size]);
    double t0 = now_seconds();
    int counts[size], offsets[size];
    for (int r = 0; r < size; r++) offsets[r] = (int)bounds[r], counts[r] = (int)(bounds[r + 1] - bounds[r]);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, counts, offsets, MPI_FLOAT, MPI_COMM_WORLD);
    comm_s += now_seconds() - t0;
}

void dist_to_root(float *x, size_t n, int from) {
    if (size == 1 || from == 0 || (rank != 0 && rank != from)) return;
    for (size_t done = 0; done < n;) {
        int k = n - done > INT_MAX ? INT_MAX : (int)(n - done);
        if (rank == 0) MPI_Recv(x + done, k, MPI_FLOAT, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else MPI_Send(x + done, k, MPI_FLOAT, 0, 0, MPI_COMM_WORLD);
        done += (size_t)k;
    }
}

void dist_exit(int status) {
    if (joined) {
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    exit(status);
}

#else   /* one process */

void dist_init(int *argc, char ***argv) {}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
void dist_allreduce_sum(float *x, size_t n) {}
double dist_sum(double x) { return x; }
void dist_broadcast(float *x, size_t n) {}
void dist_barrier(void) {}
void dist_allgather(float *x, const size_t *bounds) {}
void dist_to_root(float *x, size_t n, int from) {}
void dist_exit(int status) { exit(status); }

#endif
