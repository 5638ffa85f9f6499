/*
 * lm.h -- recurrent language models: Elman RNN, LSTM and GRU, stacked, over
 * words or characters, trained with truncated backpropagation through time.
 *
 * The model (Zaremba et al. 2014, "Recurrent Neural Network Regularization"):
 *
 *     x_t   = dropout(wte[w_t])                        embedding (V,E)
 *     h^l_t = cell_l(dropout(h^{l-1}_t), h^l_{t-1})    L layers (rnn_cells.h)
 *     p_t   = softmax(w_out dropout(h^L_t) + b_out)    (V,H), (V)
 *     loss  = mean over t, b of -log p_t[w_{t+1}]
 *
 * Dropout sits only on the vertical connections (embedding -> layer 1,
 * between layers, last layer -> softmax), never on the recurrent ones: that
 * is Zaremba's point, the memory is left intact.
 *
 * Truncated BPTT. The token stream is cut into B contiguous streams read T
 * tokens at a time; the hidden state after one chunk is the initial state of
 * the next (carried in RnnLmActs.h, .c), but no gradient flows across the cut.
 *
 * Legend: V vocabulary, E embedding size, H hidden size, L layers,
 *         T time steps per chunk, B streams in the batch, N = T*B rows.
 * Rows are time-major: row t*B + b is step t of stream b (as rnn_cells.h).
 *
 * Two structs, so that one set of weights can run at several shapes (a
 * training batch, a B=1 evaluation, a T=1 sampler): RnnLm holds the config and
 * the parameters (one ParamTable; w and g point into its values and
 * gradients, as gpt.h's), RnnLmActs the activations and carried state for one
 * (T,B), carved from one allocation made by rnn_lm_acts_build, so a training
 * step allocates nothing.
 */
#ifndef RNN_LM_H
#define RNN_LM_H

#include "params.h"
#include "rng.h"
#include "rnn_cells.h"

#define RNN_LM_MAX_LAYERS 8

typedef struct {
    RnnKind kind;     /* RNN_ELMAN, RNN_LSTM or RNN_GRU */
    int V, E, H, L;   /* vocabulary, embedding, hidden size, layers */
    float dropout;    /* probability of dropping a vertical activation (0 = none) */
} RnnLmConfig;

/* Pointers into a ParamTable's values (or its grads): one per tensor. */
typedef struct {
    float *wte;                           /* (V,E) token embedding */
    float *w_ih[RNN_LM_MAX_LAYERS];       /* (GH, E or H), GH = gates * H */
    float *w_hh[RNN_LM_MAX_LAYERS];       /* (GH,H) */
    float *b_ih[RNN_LM_MAX_LAYERS];       /* (GH) */
    float *b_hh[RNN_LM_MAX_LAYERS];       /* (GH) */
    float *w_out;                         /* (V,H) decoder */
    float *b_out;                         /* (V) */
} RnnLmTensors;

typedef struct {
    RnnLmConfig cfg;
    ParamTable pt;                        /* every weight in one buffer */
    RnnLmTensors w;                       /* into pt.values */
    RnnLmTensors g;                       /* into pt.grads */
} RnnLm;

/* What one (T,B) chunk needs, carved from one allocation (memory). */
typedef struct {
    int T, B;                             /* the largest chunk these buffers hold */
    float *memory;                        /* the one allocation every field points into */
    int *inp, *tgt;                       /* (N) token ids, targets */
    float *xin[RNN_LM_MAX_LAYERS + 1];    /* (N, E or H): layer l's input after dropout; xin[L] feeds the decoder */
    float *mask[RNN_LM_MAX_LAYERS + 1];   /* (N, E or H) dropout masks */
    float *emb;                           /* (N,E) embedding rows before dropout */
    float *h_all[RNN_LM_MAX_LAYERS];      /* (N,H) every step's output */
    float *act[RNN_LM_MAX_LAYERS];        /* rnn_act_size(): what BPTT needs */
    float *h0[RNN_LM_MAX_LAYERS], *c0[RNN_LM_MAX_LAYERS];   /* (B,H) state this chunk started from */
    float *h[RNN_LM_MAX_LAYERS], *c[RNN_LM_MAX_LAYERS];     /* (B,H) state after it, carried */
    float *logits;                        /* (N,V); reused as dlogits by backward */
    float *probs;                         /* (N,V) softmax saved by the loss */
    float *dx, *dh;                       /* (N, max(E,H)), (N,H) backward carries */
    float *scratch;                       /* rnn_scratch_size() */
    int last_T;                           /* T of the last forward (backward repeats it) */
    int train;                            /* 1 if the last forward used dropout */
    Rng rng;                              /* dropout masks */
} RnnLmActs;


/* Declare and allocate the parameters (zero). Dies on a bad config. */
void rnn_lm_build(RnnLm *m, const RnnLmConfig *cfg);
void rnn_lm_free(RnnLm *m);
/* Every parameter from U[-range, range] (Zaremba: 0.1 small, 0.05 medium). */
void rnn_lm_init_uniform(RnnLm *m, float range, Rng *rng);
/* The "key=value" config text a checkpoint stores, and back (0 ok, -1 bad). */
void rnn_lm_config_text(const RnnLmConfig *cfg, char *buf, size_t n);
int rnn_lm_config_parse(const char *text, RnnLmConfig *cfg);

void rnn_lm_acts_build(RnnLmActs *a, const RnnLm *m, int T, int B, uint64_t seed);
void rnn_lm_acts_free(RnnLmActs *a);
/* Zero the carried hidden (and cell) state: the next chunk starts afresh. */
void rnn_lm_reset_state(RnnLmActs *a, const RnnLm *m);

/*
 * One chunk forward. inp, tgt (T,B) time-major ids with T <= a->T; tgt may be
 * NULL (logits only, e.g. sampling). train = 1 applies dropout. The initial
 * state is the carried one; the final state replaces it. Returns the mean
 * cross-entropy in nats over the T*B targets (0 without targets).
 */
double rnn_lm_forward(RnnLm *m, RnnLmActs *a, const int *inp, const int *tgt, int T, int train);
/* The same chunk through the embedding and the layers only, no decoder:
 * a->h_all[l] gets every step's state of layer l (what ELMo reads, elmo.h). */
void rnn_lm_forward_states(RnnLm *m, RnnLmActs *a, const int *inp, int T, int train);
/*
 * Backward of the last forward (which had targets): accumulates into
 * m->pt.grads. dloss scales the gradient of the mean loss: 1 for the mean,
 * T for Zaremba's sum over time of the batch mean.
 */
void rnn_lm_backward(RnnLm *m, RnnLmActs *a, float dloss);

#endif
