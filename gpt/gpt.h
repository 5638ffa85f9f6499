/*
 * gpt.h -- the decoder-only Transformer of GPT-2 (Radford et al. 2019), in the
 * shape of llm.c's train_gpt2.c, on the toolkit's common ops.
 *
 * The network (GPT-1: Radford et al. 2018; GPT-2 moved LayerNorm to the input
 * of each sub-block, "pre-LN", and added a final LayerNorm):
 *
 *     x = wte[tokens] + wpe[positions]                      (B,T,C)
 *     for each of L blocks:
 *         x = x + attnproj( attention( ln1(x) ) )            causal, NH heads
 *         x = x + fcproj( gelu( fc( ln2(x) ) ) )             4C hidden units
 *     logits = lnf(x) @ wte^T                                (B,T,V): tied output
 *
 * with dropout (p = cfg.dropout, 0 at evaluation) after the embedding and on
 * each residual branch, as nanoGPT; nanoGPT's dropout on the attention
 * probabilities is not applied here (its recipes train with dropout 0).
 * bias = 0 drops every linear and LayerNorm bias (nanoGPT's bias=False).
 *
 * Parameters live in one ParamTable, each kind of tensor stacked over the
 * layers in llm.c's order, so that its checkpoint format is a plain copy:
 *     wte (V,C) wpe (maxT,C) ln1w ln1b (L,C) qkvw (L,3C,C) qkvb (L,3C)
 *     attprojw (L,C,C) attprojb (L,C) ln2w ln2b (L,C) fcw (L,4C,C) fcb (L,4C)
 *     fcprojw (L,C,4C) fcprojb (L,C) lnfw lnfb (C)
 * qkvw is three (C,C) row blocks W^Q, W^K, W^V, so q, k and v come from three
 * linear calls on its slices. Weight decay (AdamW) applies to the matrices
 * wte, wpe, qkvw, attprojw, fcw, fcprojw; not to gains and biases, even
 * though stacking makes those (L,C) tensors 2-D.
 *
 * Initialisation (GPT-2, nanoGPT): weights and embeddings N(0, 0.02), the two
 * projections that write into the residual stream (attprojw, fcprojw)
 * N(0, 0.02/sqrt(2L)) so the stream's variance does not grow with depth,
 * biases 0, LayerNorm gains 1.
 *
 * Activations for a (B,T) batch are one buffer allocated once
 * (gpt_alloc_acts); training never allocates. gpt_forward is a flat list of
 * op calls; gpt_backward is the same list in reverse.
 *
 * Interventions (ROME's causal tracing and editing, gpt/rome.h): a forward
 * pass can add noise to the embeddings, record or overwrite the output of a
 * block's attention branch, of its MLP branch or of the whole block at chosen
 * (layer, position)s, and add a vector to one MLP output, whose gradient the
 * backward pass then returns (GptPatch, m->patch). Training leaves m->patch
 * NULL and pays one pointer test per sub-block.
 *
 * Generation uses a KV cache (GptCache): the keys and values of every earlier
 * position are kept per layer, so a new token runs its one query against them
 * and costs O(T) instead of recomputing the whole prefix.
 *
 * Legend: B batch, T time (positions), C channels, V vocabulary, L layers,
 *         NH heads, hs = C/NH head size, maxT the context length.
 */
#ifndef NLP_GPT_H
#define NLP_GPT_H

#include <stddef.h>

#include "params.h"
#include "rng.h"

typedef struct {
    int max_seq_len;   /* maxT: the longest context (wpe rows) */
    int vocab_size;    /* V */
    int n_layer;       /* L */
    int n_head;        /* NH */
    int channels;      /* C */
    int bias;          /* 1: linear and LayerNorm biases (GPT-2), 0: none (nanoGPT bias=False) */
    float dropout;     /* p, training only */
} GptConfig;

/* Pointers into a ParamTable's values (or its grads): one per stacked tensor. */
typedef struct {
    float *wte;       /* (V, C) */
    float *wpe;       /* (maxT, C) */
    float *ln1w;      /* (L, C) */
    float *ln1b;      /* (L, C) or NULL */
    float *qkvw;      /* (L, 3C, C) */
    float *qkvb;      /* (L, 3C) or NULL */
    float *attprojw;  /* (L, C, C) */
    float *attprojb;  /* (L, C) or NULL */
    float *ln2w;      /* (L, C) */
    float *ln2b;      /* (L, C) or NULL */
    float *fcw;       /* (L, 4C, C) */
    float *fcb;       /* (L, 4C) or NULL */
    float *fcprojw;   /* (L, C, 4C) */
    float *fcprojb;   /* (L, C) or NULL */
    float *lnfw;      /* (C) */
    float *lnfb;      /* (C) or NULL */
} GptTensors;

#define GPT_NUM_TENSORS 16
/* The tensor names in llm.c's order (the bias ones are absent when bias = 0). */
extern const char *const gpt_tensor_names[GPT_NUM_TENSORS];

/* What the forward pass saves for the backward pass, for one (B,T). */
typedef struct {
    float *encoded;    /* (B,T,C) embeddings (after dropout) */
    float *ln1;        /* (L,B,T,C) */
    float *ln1_mean, *ln1_rstd;   /* (L,B,T) */
    float *q, *k, *v;  /* (L,B,T,C) each */
    float *att;        /* (L,B,NH,T,T) attention probabilities */
    float *atty;       /* (L,B,T,C) attention output, heads concatenated */
    float *res2;       /* (L,B,T,C) stream after the attention branch */
    float *ln2;        /* (L,B,T,C) */
    float *ln2_mean, *ln2_rstd;   /* (L,B,T) */
    float *fch;        /* (L,B,T,4C) */
    float *fch_gelu;   /* (L,B,T,4C) */
    float *res3;       /* (L,B,T,C) stream after the MLP branch = the block's output */
    float *lnf;        /* (B,T,C) */
    float *lnf_mean, *lnf_rstd;   /* (B,T) */
    float *logits;     /* (B,T,V) */
    float *probs;      /* (B,T,V) softmax, saved by the cross-entropy */
    float *mask_emb;   /* (B,T,C) dropout masks, NULL when dropout = 0 */
    float *mask_attn, *mask_mlp;  /* (L,B,T,C) */
    /* scratch, reused by every layer */
    float *branch;     /* (B,T,C) a residual branch's output before the add */
    float *att_scratch;/* attention_scratch_size(T,T,C,NH) */
    /* backward scratch */
    float *dresid;     /* (B,T,C) gradient of the residual stream */
    float *dbtc;       /* (B,T,C) */
    float *dbranch;    /* (B,T,C) */
    float *dq, *dk, *dv;          /* (B,T,C) */
    float *d4c_a, *d4c_b;         /* (B,T,4C) */
    float *dlogits;    /* (B,T,V) */
} GptActs;

/* The three places of a block an intervention reaches (ROME's Figure 1):
 * the attention branch's output (after attnproj), the MLP branch's output
 * (after fcproj), and the block's output (the residual stream after both). */
enum { GPT_SITE_ATTN, GPT_SITE_MLP, GPT_SITE_BLOCK, GPT_SITES };

/* What a forward pass does besides its usual work, when m->patch points here.
 * Every field is optional (NULL: nothing). Positions are those of each
 * sequence of the batch; the same patch applies to every sequence. */
typedef struct {
    const float *embed_add;                  /* (B,T,C) added to the embeddings (ROME's noise) */
    const unsigned char *restore[GPT_SITES]; /* (L,T): 1 = overwrite site s of layer l at position t ... */
    const float *clean[GPT_SITES];           /* (L,T,C) ... with this value, in every sequence */
    float *record[GPT_SITES];                /* (L,T,C) receives each site's output in sequence 0 */
    /* the MLP output of layer delta_layer, at position delta_pos[b] of
     * sequence b (-1: none), gets delta (C) added; gpt_backward_final then
     * ADDS dLoss/d(delta), summed over the batch, into ddelta (C) */
    const float *delta;
    int delta_layer;
    const int *delta_pos;                    /* (B) */
    float *ddelta;                           /* (C) or NULL */
} GptPatch;

typedef struct {
    GptConfig cfg;
    ParamTable pt;
    GptTensors w;      /* into pt.values */
    GptTensors g;      /* into pt.grads */
    int B, T;          /* the batch shape the activations were sized for (0: none yet) */
    float *act_memory;
    GptActs a;
    int cur_B, cur_T;  /* shape of the last forward pass */
    const int *tokens; /* (B,T) inputs of the last forward pass */
    const int *targets;/* (B,T) of the last forward pass, or NULL */
    int training;      /* 1: dropout on */
    Rng *rng;          /* draws the dropout masks (training with dropout > 0) */
    double loss;       /* mean cross-entropy of the last forward pass with targets */
    const GptPatch *patch;   /* interventions on gpt_forward and gpt_backward_final, or NULL */
} Gpt;

/* Build the table and pointers for cfg (parameters zero). Dies on a bad config. */
void gpt_build(Gpt *m, const GptConfig *cfg);
/* GPT-2's initialisation (see above), drawn from (seed, stream 0). */
void gpt_init_weights(Gpt *m, unsigned long long seed);
void gpt_free(Gpt *m);
/* Size the activations for batches up to (B,T); call once before training. */
void gpt_alloc_acts(Gpt *m, int B, int T);
/* Make sure the activations hold (B,T): allocate them only when they are
 * smaller (or absent), so a larger earlier size is kept. */
void gpt_ensure_acts(Gpt *m, int B, int T);

/* Forward pass on tokens (B,T). With targets (B,T) it also computes the mean
 * cross-entropy into m->loss (and returns it); without, returns 0. Logits are
 * in m->a.logits (B,T,V). Lazily sizes the activations the first time. */
double gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T);
/* log P(tokens[i] | tokens[0..i)) for each token of the continuation
 * tokens[prompt_len..n), into out[0 .. n - prompt_len) (out may be NULL);
 * returns their sum, log P(continuation | prompt). One forward pass over
 * tokens[0..n-1) (n - 1 <= the context; dropout if m->training), whose
 * activations stay for gpt_backward_from_logits: what RLHF scores a policy's
 * response with. */
double gpt_token_logprobs(Gpt *m, const int *tokens, int prompt_len, int n, float *out);
/* Backward pass of the last forward (which had targets): ACCUMULATES into
 * m->pt.grads (zero them with params_zero_grad first), scaled by dloss
 * (1, or 1/K when K micro-batches accumulate into one step). */
void gpt_backward(Gpt *m, float dloss);
/* The backward pass from dlogits (B,T,V) = dLoss/d(m->a.logits) of the last
 * forward pass (with or without targets), for any loss the caller computes
 * from the logits: RLHF's policy gradient, a KL penalty. gpt_backward is this
 * with the cross-entropy's dlogits. Accumulates into m->pt.grads. */
void gpt_backward_from_logits(Gpt *m, const float *dlogits);
/* The backward pass of the trunk alone, from dlnf (B,T,C) = dLoss/d(the
 * final LayerNorm's output, m->a.lnf): what a task head on the final states
 * calls (GPT-1 fine-tuning). Accumulates into m->pt.grads. */
void gpt_backward_final(Gpt *m, const float *dlnf);

/* The model's shape as "key=value" lines (for checkpoints), and back. */
void gpt_config_text(const GptConfig *cfg, char *buf, size_t n);
int gpt_config_parse(const char *text, GptConfig *cfg, char *err, size_t errlen);

/* ------------------------------------------------------------ KV cache */

typedef struct {
    int maxT;
    int pos;           /* tokens already in the cache */
    float *memory;
    float *k, *v;      /* (L, maxT, C) */
    float *x, *ln, *q, *atty, *branch;   /* (maxT, C) for a chunk of new tokens */
    float *mean, *rstd;                  /* (maxT) */
    float *fch, *fch_gelu;               /* (maxT, 4C) */
    float *att;                          /* (NH, maxT, maxT) */
    float *att_scratch;
    float *logits;                       /* (V) logits of the chunk's last token */
} GptCache;

void gpt_cache_init(GptCache *c, const Gpt *m);
void gpt_cache_free(GptCache *c);
void gpt_cache_reset(GptCache *c);
/* Feed n new tokens at positions c->pos .. c->pos+n-1 (which must stay below
 * maxT); returns the logits (V) after the last one. all_logits, when not NULL,
 * receives (n,V): the logits at every new position (the KV-cache test). */
float *gpt_forward_cached(Gpt *m, GptCache *c, const int *tokens, int n, float *all_logits);

/* ------------------------------------------------------------ llm.c files */

#define GPT_LLMC_MAGIC 20240326
#define GPT_LLMC_VERSION 3   /* float32 */

/* Write m in llm.c's GPT-2 checkpoint format: the 256-int header, then the 16
 * tensors in its order, wte padded with zero rows to a multiple of 128
 * (padded_vocab_size), zeros for the biases of a bias = 0 model. Atomic. */
void gpt_llmc_save(const Gpt *m, const char *path);
/* Read an llm.c checkpoint into a freshly built m (bias = 1, dropout 0).
 * Returns 0, or -1 with a message: wrong magic or version, a bad header,
 * a file shorter or longer than the header says. */
int gpt_llmc_read(const char *path, Gpt *m, char *err, size_t errlen);

/* Load either format, recognised by the magic number: ours (checkpoint.h,
 * stage "gpt") or llm.c's. *config_text (ours only; else NULL) is the
 * checkpoint's config, for the tokenizer keys; the caller frees it.
 * *step gets the saved step (0 for llm.c). Dies on bad input. */
void gpt_load_any(const char *path, Gpt *m, char **config_text, long *step);

#endif
