/*
 * beam.h -- greedy and beam search decoding for any left-to-right decoder.
 *
 * The decoders of the translation chapters (the RNN encoder-decoder with
 * attention, the Transformer) differ in how they compute the next logits,
 * not in how they search: both decode with this module, through one step
 * function the model provides.
 *
 * Rows. At step t the search holds n live hypotheses ("rows"), packed in
 * sentence order: the live hypotheses of sentence 0, then of sentence 1, ...
 * A sentence that is done contributes no row, so it stops costing compute.
 * At t = 0 there is one row per sentence, whose last token is BOS. The step
 * function gets, for each row i < n:
 *     tokens[i]  its last token (BOS at t = 0)
 *     parent[i]  the row of step t-1 it continues (-1 at t = 0), so the model
 *                first reorders its recurrent state / KV cache:
 *                    state_new[i] = state_old[parent[i]]
 *                and then feeds tokens[i]
 *     src[i]     its source sentence, in [0, B), for the encoder's memory
 * and writes logits (n, V). Rows are never more than B*K.
 *
 * Scores. A hypothesis Y = y_1 .. y_m has log-probability
 *     log P(Y|X) = sum_t log softmax(z_t)[y_t]    (log-softmax once per row)
 * and, finished, the length-normalised score of GNMT (Wu et al. 2016, eq. 14,
 * without its coverage term):
 *     s(Y) = log P(Y|X) / lp(Y),    lp(Y) = (5 + |Y|)^alpha / (5 + 1)^alpha
 * alpha = 0 gives lp = 1: the raw log-probability, which favours short
 * outputs (every token costs probability); GNMT used alpha in [0.6, 0.7].
 * |Y| counts the EOS of a hypothesis that ended with one; a hypothesis cut
 * at max_len has no EOS and |Y| = max_len.
 *
 * Beam search (K beams per sentence), as fairseq's: at each step every live
 * hypothesis h and token v give a candidate of log-probability
 * logP(h) + log p(v|h); candidates are ranked by it (ties: lower row first,
 * then lower token id, so a run is deterministic). An EOS candidate among the
 * top K is finished (set aside, scored s(Y)); the best K other candidates stay
 * live. A sentence is done when it has K finished hypotheses, or at max_len,
 * where its live hypotheses are finished as cut (until there are K). The
 * result is the finished hypotheses sorted by s(Y) (ties: the one finished
 * first). With K = 1 this is exactly greedy decoding. Stopping at K finished
 * is a heuristic: with alpha > 0 a live hypothesis could still end with a
 * better s(Y); a beam as wide as the output space finds the true best.
 *
 *     BeamSearch *bs = beam_create(B, K, V, max_len);   // once; bad sizes die
 *     beam_search(bs, n, step, model, bos, eos, alpha);  // n <= B sentences
 *     const BeamHyp *best = beam_best(bs, b);            // sentence b < n
 *     for (int j = 0; j < beam_count(bs, b); j++) ... beam_nbest(bs, b)[j] ...
 *     beam_greedy(bs, n, step, model, bos, eos, alpha);  // same results API
 *     beam_free(bs);
 *
 * Nothing is allocated while decoding: every buffer is sized by beam_create.
 */
#ifndef NLP_BEAM_H
#define NLP_BEAM_H

/* logits (n, V) <- the model, for rows of last token tokens (n), continuing
 * row parent (n) of the previous step (-1 at t = 0), of source sentence
 * src (n); t = 0, 1, ... is the step (tokens generated so far). */
typedef void (*BeamStepFn)(void *model, float *logits, const int *tokens, const int *parent,
                           const int *src, int n, int t);

typedef struct {
    const int *tokens;   /* (len) the output, without EOS; points into the BeamSearch */
    int len;             /* number of tokens, EOS not counted */
    int ended;           /* 1: ended with EOS; 0: cut at max_len */
    double logprob;      /* log P(Y|X), the EOS's log-probability included */
    double score;        /* logprob / lp(len + ended) */
} BeamHyp;

typedef struct {
    int B, K, V, max_len;   /* capacity: sentences, beams, vocabulary, output length */
    float *logits;          /* (B*K, V) the step function's output */
    float *logp;            /* (B*K, V) log-softmax of the logits */
    /* the search tree, one level per step: level t holds the rows fed to step t */
    int *tok;               /* (max_len+1, B*K) last token of each row */
    int *par;               /* (max_len+1, B*K) its row at level t-1 (-1 at level 0) */
    int *src;               /* (max_len+1, B*K) its source sentence */
    double *lp_cur, *lp_next; /* (B*K) log-probability of each row, this level and the next */
    int *cand_row, *cand_tok; /* (2K) the best candidates of one sentence, best first */
    double *cand_lp;        /* (2K) their log-probabilities */
    /* results */
    int n;                  /* sentences of the last decoding call */
    int *out_tok;           /* (B, K, max_len) tokens of the finished hypotheses */
    BeamHyp *hyp;           /* (B, K) finished hypotheses, best first once decoded */
    int *nfin;              /* (B) how many each sentence has */
} BeamSearch;

/* Dies with a usage message (exit 2) if K < 1 or max_len < 1 (the command
 * line's --beam, --max-len), with an error (exit 1) if B < 1 or V < 2. */
BeamSearch *beam_create(int B, int K, int V, int max_len);
void beam_free(BeamSearch *bs);

/* Beam search of n <= B sentences with the K beams of beam_create. Dies (exit
 * 1) if bos or eos is outside [0, V); alpha < 0 is a usage error (exit 2). */
void beam_search(BeamSearch *bs, int n, BeamStepFn step, void *model, int bos, int eos, float alpha);
/* Greedy decoding of n <= B sentences: the most likely token at each step
 * (ties: the lower id). One hypothesis per sentence, scored as above. */
void beam_greedy(BeamSearch *bs, int n, BeamStepFn step, void *model, int bos, int eos, float alpha);

/* The results of the last beam_search or beam_greedy, for its sentence b < n;
 * another b dies (exit 1). The pointers stay valid until the next call. */
const BeamHyp *beam_best(const BeamSearch *bs, int b);
const BeamHyp *beam_nbest(const BeamSearch *bs, int b);   /* (beam_count) best first */
int beam_count(const BeamSearch *bs, int b);
/* How many sentences of the last call ran to max_len: those whose results
 * hold a hypothesis cut there (a sentence done earlier has only ones that
 * ended with EOS). An untrained model's benchmark checks it. */
int beam_cut_count(const BeamSearch *bs);

/* lp(Y) above, for |Y| = len (EOS included when there is one). */
double beam_length_penalty(int len, float alpha);

#endif
