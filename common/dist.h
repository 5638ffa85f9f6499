/*
 * dist.h -- data parallelism across processes with MPI, or one process.
 *
 * Built with `make MPI=1` (mpicc, -DUSE_MPI) and started by mpirun, a
 * program runs as n ranks that each hold a copy of the model, compute the
 * gradients of their share of every batch and add them up with one
 * all-reduce per step (dist_allreduce_sum), so every rank takes the same
 * optimizer step. Without MPI, or with MPI but not under mpirun, everything
 * here is the single process: rank 0 of 1, the reductions copy nothing, the
 * barrier returns at once.
 *
 * ZeRO stage 1 (zero.h) splits the optimizer's state among the ranks and
 * puts the updated values back together with dist_allgather.
 *
 * Only rank 0 writes files and prints results: dist_init points the other
 * ranks' stdout at /dev/null (their errors still reach stderr), and the
 * writers of metrics, checkpoints and plots ask dist_is_root().
 *
 * Failure: die() and usage_error() end through dist_exit, which under MPI is
 * MPI_Abort -- it kills every rank, so one rank's missing file stops the job
 * with that rank's message instead of leaving the others waiting forever in
 * an all-reduce.
 */
#ifndef NLP_DIST_H
#define NLP_DIST_H

#include <stddef.h>

/* Join the job when started by mpirun (one thread per rank unless --threads
 * says otherwise, so n ranks do not oversubscribe the cores); finalizes at
 * exit. Without mpirun, or without MPI, nothing happens. */
void dist_init(int *argc, char ***argv);
int dist_rank(void);
int dist_size(void);
static inline int dist_is_root(void) { return dist_rank() == 0; }

/* This rank's share of a batch of B rows (B must divide by the number of
 * ranks, or it dies): B/n rows, the first at *first -- rank r takes the
 * contiguous rows [r B/n, (r+1) B/n), so the union is one process's batch. */
int dist_share(int B, int *first);

/* x[0..n) <- the sum over the ranks of x[0..n) (in place). */
void dist_allreduce_sum(float *x, size_t n);
/* The sum over the ranks of one double. */
double dist_sum(double x);
/* x[0..n) <- rank 0's x[0..n). */
void dist_broadcast(float *x, size_t n);
void dist_barrier(void);

/* ZeRO (zero.h): the buffer x[0..bounds[n]) is split among the n ranks, rank
 * r holding [bounds[r], bounds[r+1]). dist_allgather gives every rank every
 * slice: x[bounds[r] ..) <- rank r's x[bounds[r] ..), for each r. */
void dist_allgather(float *x, const size_t *bounds);
/* Rank `from` sends x[0..n) to rank 0, which receives it into its x[0..n)
 * (every other rank does nothing): how rank 0 collects what only `from` has. */
void dist_to_root(float *x, size_t n, int from);
/* Leave with status: under MPI (once joined) MPI_Abort, which ends every rank. */
void dist_exit(int status) __attribute__((noreturn));

/* Seconds spent so far in dist_allreduce_sum and dist_allgather, the
 * per-step collectives (what the scaling model predicts). */
double dist_comm_seconds(void);

#endif
