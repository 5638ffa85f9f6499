/*
 * bleu.h -- BLEU (Papineni et al., 2002) exactly as sacreBLEU computes it, and chrF.
 *
 * Post, "A Call for Clarity in Reporting BLEU Scores" (WMT 2018): a BLEU score
 * is only comparable when its tokenization, casing and smoothing are the same,
 * so this module reproduces sacreBLEU 2.x number for number on detokenized
 * text, and also scores sequences of token ids (validation BLEU during
 * training, which is NOT comparable with published scores: say so when you
 * print it).
 *
 *     BleuConfig cfg = bleu_config_default();          // 13a, exp smoothing, mixed case
 *     BleuResult r;  char err[256];
 *     const char *const *refs[2] = {ref_stream1, ref_stream2};
 *     size_t ref_lines[2] = {n, n};
 *     if (bleu_corpus(hyps, n, refs, ref_lines, 2, &cfg, &r, err, sizeof err) != 0) die("%s", err);
 *     char line[256]; bleu_format(&r, line, sizeof line);
 *     // "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
 *
 * A segment's way through (sacreBLEU's BLEU._preprocess_segment):
 *   1. the text must be valid UTF-8 without NUL bytes (else an error);
 *   2. lowercase (cfg.lowercase) with Python's str.lower(): every one-to-one
 *      mapping of Unicode (tables from Python's unicodedata), U+0130 -> "i" +
 *      U+0307, and Greek final sigma; the context of final sigma skips no
 *      case-ignorable characters (an apostrophe between two letters ends the word);
 *   3. strip trailing whitespace (Python's definition: Unicode White_Space
 *      plus U+001C..U+001F);
 *   4. tokenize: 13a (mteval-v13a.pl), intl (mteval-v14.pl's international
 *      tokenizer, with PCRE2's Unicode classes \p{P}, \p{S}, \p{N}), char
 *      (every character a token) or none;
 *      the lowercase tables come from Python 3.11's unicodedata (Unicode 14),
 *      the classes from the system's PCRE2 (its own Unicode version): only
 *      characters new in a later Unicode version may be treated differently;
 *   5. split on whitespace into words.
 * Each hypothesis n-gram (1..order) counts as matched up to its largest count
 * in any one reference; the reference length is the one closest to the
 * hypothesis length (the shorter on a tie). Corpus BLEU sums these over all
 * segments before computing precisions, brevity penalty and score.
 *
 * Threads: the tokenizers' patterns are compiled by the first call; score one
 * segment before scoring from several threads at once.
 *
 * Errors: the functions that take text return 0, or -1 with a message in err
 * (mismatched numbers of hypotheses and references, invalid UTF-8, a segment
 * without any reference, a bad configuration). Nothing here exits.
 */
#ifndef NLP_BLEU_H
#define NLP_BLEU_H

#include <stddef.h>
#include <stdint.h>

#define BLEU_MAX_ORDER 8     /* largest n-gram order accepted (sacreBLEU's default is 4) */

typedef enum { BLEU_TOK_13A, BLEU_TOK_INTL, BLEU_TOK_CHAR, BLEU_TOK_NONE } BleuTokenize;

/* Chen & Cherry, "A Systematic Comparison of Smoothing Techniques for
 * Sentence-Level BLEU" (WMT 2014): exp is their method 3 (mteval-v13a's), floor
 * method 1, add-k method 2; none leaves a zero precision at zero. */
typedef enum { BLEU_SMOOTH_EXP, BLEU_SMOOTH_FLOOR, BLEU_SMOOTH_ADD_K, BLEU_SMOOTH_NONE } BleuSmooth;

typedef struct {
    BleuTokenize tokenize;
    BleuSmooth smooth;
    double smooth_value;   /* floor's value or add-k's k; < 0 means the default (0.1, 1) */
    int lowercase;         /* 1: lowercase both sides first */
    int effective_order;   /* 1: average only over the orders the hypothesis has n-grams of */
    int max_order;         /* 1..BLEU_MAX_ORDER */
} BleuConfig;

/* sacreBLEU's BLEU() defaults: 13a, exp, mixed case, order 4, no effective order */
BleuConfig bleu_config_default(void);
/* sacrebleu.sentence_bleu's defaults: the same with effective order */
BleuConfig bleu_config_sentence(void);

/* The sufficient statistics: summed over segments, they give the corpus score. */
typedef struct {
    int64_t matches[BLEU_MAX_ORDER];   /* clipped n-gram matches, by order - 1 */
    int64_t totals[BLEU_MAX_ORDER];    /* hypothesis n-grams, by order - 1 */
    int64_t sys_len, ref_len;          /* words: hypotheses, closest references */
} BleuStats;

typedef struct {
    double score;                        /* 0..100 */
    int order;                           /* the n-gram order used (cfg.max_order) */
    double precisions[BLEU_MAX_ORDER];   /* percentages, smoothed */
    double counts[BLEU_MAX_ORDER];       /* matches (add-k's k added for n > 1) */
    double totals[BLEU_MAX_ORDER];       /* totals (likewise) */
    double bp;                           /* brevity penalty */
    double ratio;                        /* sys_len / ref_len, 0 when ref_len is 0 */
    int64_t sys_len, ref_len;
} BleuResult;

/* ---------------------------------------------------------------- text */

/* Corpus BLEU. refs[r][i] is reference stream r's line for hypothesis i (NULL:
 * that segment has no reference in stream r; each segment needs at least one);
 * ref_lines[r] is stream r's line count, which must equal nhyps. */
int bleu_corpus(const char *const *hyps, size_t nhyps, const char *const *const *refs,
                const size_t *ref_lines, int nrefs, const BleuConfig *cfg, BleuResult *out,
                char *err, size_t errlen);

/* Sentence BLEU of one hypothesis against nrefs references (use
 * bleu_config_sentence() for sacrebleu.sentence_bleu's numbers). */
int bleu_sentence(const char *hyp, const char *const *refs, int nrefs, const BleuConfig *cfg,
                  BleuResult *out, char *err, size_t errlen);

/* Add one segment's statistics to st (for streaming a corpus line by line). */
int bleu_stats_add(BleuStats *st, const char *hyp, const char *const *refs, int nrefs,
                   const BleuConfig *cfg, char *err, size_t errlen);

/* The preprocessed, tokenized segment, words separated by single spaces
 * (malloc'd), or NULL with a message in err. */
char *bleu_tokenize(const char *text, const BleuConfig *cfg, char *err, size_t errlen);

/* ---------------------------------------------------------------- token ids */

/* Add one segment given as token ids (already tokenized: no preprocessing).
 * refs[r] has ref_lens[r] ids (a negative length: no reference in stream r;
 * at least one must be there); max_order as in BleuConfig. */
void bleu_ids_add(BleuStats *st, const int *hyp, int hyp_len, const int *const *refs,
                  const int *ref_lens, int nrefs, int max_order);

/* ---------------------------------------------------------------- scores */

/* sacreBLEU's compute_bleu: precisions, brevity penalty and score from
 * statistics. Returns -1 with a message on a bad configuration. */
int bleu_compute(const BleuStats *st, const BleuConfig *cfg, BleuResult *out, char *err, size_t errlen);

/* sacreBLEU's verbose score line, "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943
 * ratio = 0.944 hyp_len = 17 ref_len = 18)", into buf (truncated to size). */
void bleu_format(const BleuResult *r, char *buf, size_t size);

/* ================================================================ chrF
 *
 * Popović, "chrF: character n-gram F-score for automatic MT evaluation"
 * (WMT 2015), and chrF++ (WMT 2017: word n-grams too), as sacreBLEU's CHRF
 * computes them. Per order, the character n-grams of the text with its
 * whitespace removed (Python's definition) are matched, clipped, against each
 * reference's; the segment keeps the reference with the best F-score (the
 * first on a tie). The score is F-beta of the precision and recall averaged
 * over the orders both sides have n-grams of (sacreBLEU's default), or, with
 * eps_smoothing, the average of each order's F-beta with 1e-16 for an empty
 * order (chrF++.py, Moses, NLTK). Word n-grams split a word's one leading or
 * trailing ASCII punctuation mark off (sacreBLEU's rule, kept as it is).
 */
typedef struct {
    int char_order;      /* 6 */
    int word_order;      /* 0: chrF; 2: chrF++ */
    int beta;            /* 2: recall weighs twice as much as precision */
    int lowercase;       /* Python's str.lower(), as for BLEU */
    int whitespace;      /* 1: keep whitespace inside character n-grams */
    int eps_smoothing;   /* see above */
} ChrfConfig;

#define CHRF_MAX_ORDER 16   /* char_order + word_order */

/* sacreBLEU's CHRF() defaults: chrF2, character order 6, no word n-grams */
ChrfConfig chrf_config_default(void);

/* {hypothesis n-grams, reference n-grams, matches} per order (characters first) */
typedef struct {
    int64_t stats[CHRF_MAX_ORDER][3];
} ChrfStats;

/* Same conventions as bleu_corpus and bleu_sentence; *score gets 0..100. */
int chrf_corpus(const char *const *hyps, size_t nhyps, const char *const *const *refs,
                const size_t *ref_lines, int nrefs, const ChrfConfig *cfg, double *score,
                char *err, size_t errlen);
int chrf_sentence(const char *hyp, const char *const *refs, int nrefs, const ChrfConfig *cfg,
                  double *score, char *err, size_t errlen);
int chrf_stats_add(ChrfStats *st, const char *hyp, const char *const *refs, int nrefs,
                   const ChrfConfig *cfg, char *err, size_t errlen);
double chrf_compute(const ChrfStats *st, const ChrfConfig *cfg);

#endif
