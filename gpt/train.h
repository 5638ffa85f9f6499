/*
 * train.h -- training and evaluating a GPT on a stream of token ids.
 *
 * The recipe is nanoGPT's (train.py): each step draws B windows of T+1
 * tokens at random offsets of the training stream (inputs = the first T,
 * targets = the last T), runs forward and backward over K micro-batches
 * (gradient accumulation, each weighted 1/K), clips the global gradient norm,
 * and takes one AdamW step (decoupled weight decay on matrices only) at the
 * learning rate of a cosine schedule with linear warmup.
 *
 * Reproducibility. Step s draws its windows (and dropout masks) from the
 * generator (seed, stream 1000 + s), nothing else, so a run resumed from a
 * checkpoint of step s continues exactly as the uninterrupted run would:
 * same batches, same masks, and -- with the optimizer state saved beside the
 * weights -- bit-identical losses (same thread count: OpenBLAS's sums can
 * depend on it).
 *
 * Data parallelism (common/dist.h, gpt/SCALING.md). Under mpirun each of n
 * ranks takes a contiguous 1/n of every micro-batch's B windows (B must divide
 * by n), the gradients are summed by one all-reduce per step, and every rank
 * clips the same global norm and takes the same AdamW step; rank 0 alone
 * writes metrics and checkpoints and calls on_eval (so on_eval must not call
 * the collective gpt_estimate_loss). The batches do not depend on n, so the
 * losses agree with one process up to the order of float sums, and a
 * checkpoint resumes with any n. Dropout masks do depend on n: with several
 * ranks, rank r of step s draws them from stream 2^40 + s n + r. With
 * tc->zero (common/zero.h) each rank keeps AdamW's state of its slice of the
 * parameters only: the same results bit for bit, and checkpoints that hold
 * the whole state (every rank takes part in their saving).
 *
 * Validation estimates, like nanoGPT's estimate_loss(), average the loss of
 * `eval_iters` random batches; they always use the same batches (stream 7),
 * so curves are comparable from one evaluation to the next.
 */
#ifndef NLP_GPT_TRAIN_H
#define NLP_GPT_TRAIN_H

#include <stddef.h>

#include "gpt/gpt.h"

typedef struct {
    int batch;          /* B sequences per micro-batch */
    int seq_len;        /* T tokens per sequence (<= the model's context) */
    int accum;          /* K micro-batches per optimizer step */
    long steps;         /* last step (exclusive): train steps [start, steps) */
    float lr, min_lr;   /* cosine from lr to min_lr */
    long warmup;        /* linear warmup steps */
    long decay_steps;   /* the cosine reaches min_lr here */
    float beta1, beta2, weight_decay, grad_clip;   /* grad_clip <= 0: none */
    long eval_interval; /* validation estimate every this many steps (0: never) */
    int eval_iters;     /* batches per periodic validation estimate */
    long log_interval;  /* a train row in metrics.tsv every this many steps */
    long ckpt_interval; /* checkpoint every this many steps (0: only at the end) */
    unsigned long long seed;
    const char *out_dir;     /* metrics.tsv and ckpt.bin land here (NULL: none) */
    const char *extra_config;/* "key=value\n" lines saved in checkpoints (tokenizer) */
    int quiet;               /* no progress display */
    int zero;                /* 1: ZeRO stage 1 (common/zero.h): each rank keeps AdamW's
                              * state of its slice of the parameters only; m then comes
                              * back without optimizer state (it is in the checkpoint) */
    /* optional: training windows start only at these offsets (each with T+1
     * tokens after it), e.g. the starts of documents, so every example is
     * seen from its first token at position 0; NULL: anywhere (nanoGPT) */
    const size_t *starts;
    size_t n_starts;
    const size_t *val_starts;   /* the same for the validation estimates */
    size_t n_val_starts;
    /* optional: called after each periodic validation (the demo samples here) */
    void (*on_eval)(Gpt *m, long step, double val_loss, void *ctx);
    void *ctx;
} GptTrainConfig;

/* Train m from step `start` to tc->steps. m must be built and initialised (or
 * restored, with its optimizer state, for a resumed run). losses, when not
 * NULL, receives the training loss of each step s at losses[s - start].
 * Returns the last training loss. */
double gpt_train(Gpt *m, const GptTrainConfig *tc, const int *train, size_t n_train, const int *val,
                 size_t n_val, long start, float *losses);

/* Mean loss of `iters` random (B,T) batches of tokens[0..n) (stream 7).
 * Under MPI every rank must call it (each scores its share of the batches). */
double gpt_estimate_loss(Gpt *m, const int *tokens, size_t n, int B, int T, int iters,
                         unsigned long long seed);

/* Mean next-token cross-entropy over consecutive whole windows: window w
 * reads tokens wT .. wT+T-1 and predicts wT+1 .. wT+T, for every whole
 * window in the stream. *count gets the number of predicted tokens. Dies if
 * the stream is shorter than one window (T+1 tokens). */
double gpt_eval_windows(Gpt *m, const int *tokens, size_t n, int T, size_t *count);

/* Mean next-token cross-entropy over EVERY prediction of a stream: each of
 * tokens[1..n) is scored exactly once. Windows of at most T tokens advance
 * by `stride` (<= T): the first scores all its predictions, each later one
 * only its last `stride` (it reads back up to T - stride tokens of context,
 * which it does not score). stride = T gives consecutive non-overlapping
 * windows (the last one reaching back to be T long); a smaller stride gives
 * each token more context and a lower loss, at T/stride times the cost.
 * *count gets n - 1. Dies if n < 2. */
double gpt_eval_stream(Gpt *m, const int *tokens, size_t n, int T, int stride, size_t *count);

/* Save m (with its optimizer state) as our checkpoint at path, at step. */
void gpt_save_checkpoint(const Gpt *m, const char *path, const char *extra_config, long step);

#endif
