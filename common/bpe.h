/*
 * bpe.h -- byte-level byte-pair encoding, exactly as GPT-2 tokenises text.
 *
 * Radford et al. 2019 ("Language Models are Unsupervised Multitask Learners",
 * section 2.2) run BPE (Sennrich et al. 2016) on BYTES rather than characters:
 * the 256 byte values are the base vocabulary, so any string -- any language,
 * emoji, binary junk -- can be encoded with no <unk>. Learned merges glue
 * frequent adjacent tokens into longer ones ("t"+"he" -> "the").
 *
 * The pipeline for one text:
 *
 *   1. pre-tokenise with GPT-2's pattern (PCRE2, UTF-8 + Unicode properties)
 *          's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *      "Hello world!!" -> "Hello" " world" "!!"   merges never cross pieces,
 *      so " dog." can never become one token with the period;
 *   2. each piece's bytes start as one-byte tokens;
 *   3. repeatedly find the adjacent pair with the LOWEST merge rank (rank =
 *      line number in vocab.bpe = the order training learned it) and merge
 *      every occurrence of it, left to right, until no adjacent pair is ranked:
 *          " lower": " l o w e r" -> " lo w e r" -> " low e r" -> " low er" -> " lower"
 *   4. the ids of the final tokens, in order.
 * Decoding concatenates the tokens' bytes, so decode(encode(x)) == x for
 * every byte string x.
 *
 * Files. GPT-2's own (also what bpe_save_gpt2 writes for our vocabularies):
 *   encoder.json  {"token string": id, ...}. A token's bytes are spelled with
 *                 GPT-2's byte-to-unicode alphabet: the printable bytes
 *                 '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for themselves,
 *                 the other 68 bytes map to U+0100, U+0101, ... in byte
 *                 order, so a space is 'Ġ' (U+0120) and a newline 'Ċ' (U+010A).
 *                 "<|endoftext|>" is the special end-of-text token (50256).
 *   vocab.bpe     "#version: 0.2", then one merge per line, "left right",
 *                 in rank order.
 * llm.c's files (bpe_tokenfile.c), each starting with 256 little-endian int32s:
 *   tokenizer  header magic 20240328, version 2, V, EOT id; then for each of
 *              the V tokens a length byte and its raw bytes (decode only).
 *   tokens     header magic 20240520, version 1, count; then count uint16 ids.
 *
 * Invalid UTF-8 (GPT-2 never defined it: its encoder takes a Python str, and
 * OpenAI's scripts decode bytes with errors='replace', which loses the bytes).
 * We pre-tokenise the text as Python's bytes.decode('utf-8', 'surrogateescape')
 * sees it: each byte that does not belong to a valid, shortest-form UTF-8
 * sequence stands for one character that is neither letter, number nor space,
 * so it joins runs of punctuation (" ?[^\s\p{L}\p{N}]+") like any symbol does,
 * and the piece keeps its original bytes. Every byte is a token, so the round
 * trip is exact. tests/ref/ref_gpt2_bpe.py encodes the same way with OpenAI's
 * algorithm and the `regex` module, and the fixtures agree token for token.
 * On valid UTF-8 this is exactly GPT-2's tokenisation. Implementation: the
 * invalid bytes are replaced by U+E000 (private use: not L, N or space) for
 * the regex only, and match offsets are mapped back to the original bytes.
 *
 * Two details of the Unicode part. GPT-2's `regex` module uses the Unicode
 * White_Space property for \s, where PCRE2 also counts U+180E (Mongolian vowel
 * separator), so \s is spelled [\t-\r\x{85}\p{Z}], which is White_Space
 * exactly. And PCRE2 10.42 knows Unicode 14 while regex 2022.10 knows 15: the
 * 4,388 code points first assigned in Unicode 15 (mostly CJK Extension H) are
 * letters to GPT-2 and unassigned symbols here. Every other code point has
 * the same class (checked exhaustively when this was written).
 *
 * <|endoftext|>. GPT-2's encoder treats text that spells "<|endoftext|>" as
 * ordinary text ("<|", "endoftext", "|>"), and so do we by default; with
 * allow_special (`gpt encode --allow-special`, like tiktoken's allowed_special
 * that llm.c's data scripts use) the literal becomes the single EOT token.
 * Decoding the EOT id gives the text "<|endoftext|>".
 *
 * Training (bpe_train.c) learns merges on any corpus: pre-tokenise, count the
 * distinct pieces, then repeatedly merge the most frequent adjacent pair,
 * updating pair counts only in the pieces that contain it.
 *
 * Legend: V vocabulary size (tokens, EOT included), M number of merges.
 */
#ifndef NLP_BPE_H
#define NLP_BPE_H

#include <stddef.h>
#include <stdint.h>
#include "strmap.h"

#define BPE_EOT_TEXT "<|endoftext|>"
#define GPT2_EOT_ID 50256
#define GPT2_VOCAB_SIZE 50257

/* --------------------------------------------------------- pre-tokeniser */

/* Iterates over the pieces of a text, as byte ranges of the ORIGINAL text.
 *     BpePretok p; bpe_pretok_init(&p, text, len);
 *     size_t a, b; while (bpe_pretok_next(&p, &a, &b)) piece = text[a..b)
 *     bpe_pretok_free(&p);
 * Any bytes (invalid UTF-8 included) are accepted; the pieces tile the text. */
typedef struct {
    void *code;             /* compiled pattern (pcre2_code), shared, never freed */
    void *match;            /* pcre2_match_data of this iteration */
    const char *utf;        /* the text, or its copy with invalid bytes -> U+E000 */
    size_t utf_len;
    char *owned;            /* the copy when one was needed, else NULL */
    size_t *marks;          /* (nmarks) offsets in utf of the U+E000 stand-ins, ascending */
    size_t nmarks, imark;   /* imark: stand-ins before pos */
    size_t pos;             /* next match starts here (offset in utf) */
} BpePretok;

void bpe_pretok_init(BpePretok *p, const char *text, size_t len);
/* 1 and the next piece [*start, *end) of the original text, or 0 at the end */
int bpe_pretok_next(BpePretok *p, size_t *start, size_t *end);
void bpe_pretok_free(BpePretok *p);

/* ------------------------------------------------------------ vocabulary */

typedef struct {
    int vocab_size;          /* V */
    char **token;            /* (V) raw bytes of each token (NUL-terminated for printing) */
    int *token_len;          /* (V) its length in bytes */
    int byte_token[256];     /* id of the one-byte token of each byte value (-1: none) */
    int eot;                 /* id of <|endoftext|>, or -1 */
    int decode_only;         /* 1 when read from llm.c's tokenizer file (no merges) */
    int n_merges;            /* M */
    int (*merges)[3];        /* (M) left id, right id, merged id; index = rank */
    uint64_t *rank_keys;     /* (nrank) hash table (left<<32 | right) -> rank */
    int *rank_vals;          /* (nrank) the rank, or -1 for an empty slot */
    size_t nrank;            /* a power of two */
    StrMap cache;            /* piece bytes -> its ids (memoised encodings) */
    int *cache_off, *cache_n; /* (cache_cap) where each cached piece's ids are in cache_ids, how many */
    int cache_cap;
    int *cache_ids;           /* (cache_ids_len) the cached ids, back to back */
    size_t cache_ids_len, cache_ids_cap;
} Bpe;

/* A vocabulary from token bytes and merges: tokens[i] (lens[i] bytes) is id i;
 * merges[r] = {left, right, merged} with rank r. eot: id of the special token
 * or -1. Returns NULL with a message in err if the pieces do not fit together
 * (a merge whose ids are out of range, whose merged bytes differ from left +
 * right, a pair ranked twice, a byte with no one-byte token). */
/* A vocabulary holding copies of the V tokens (and EOT's id), with no merges
 * and no byte map yet: the common start of bpe_build and of the decode-only
 * vocabulary read from llm.c's tokenizer file. */
Bpe *bpe_new_tokens(const char *const *tokens, const int *lens, int V, int eot);
Bpe *bpe_build(char **tokens, const int *lens, int V, int (*merges)[3], int M, int eot,
               char *err, size_t errlen);
void bpe_free(Bpe *b);
/* A copy keeping only the first M merges (and their tokens) plus EOT, so
 * V = 256 + M + 1: the vocabulary that training would have given at that size.
 * Only for vocabularies whose ids are 0..255 bytes then one per merge (ours). */
Bpe *bpe_prefix(const Bpe *b, int M);

/* GPT-2's files, in DIR/encoder.json and DIR/vocab.bpe. */
int bpe_read_gpt2_files(const char *encoder_path, const char *merges_path, Bpe **out,
                        char *err, size_t errlen);
int bpe_read_gpt2(const char *dir, Bpe **out, char *err, size_t errlen);
Bpe *bpe_load_gpt2(const char *dir);              /* bpe_read_gpt2 or die */
/* The folder holding GPT-2's encoder.json and vocab.bpe: data/cache/gpt2 (from
 * `make data`) or $NLP_DATA_DIR/gpt2, as data_path() finds them (util.h). */
void bpe_gpt2_dir(char *buf, size_t n);
void bpe_save_gpt2(const Bpe *b, const char *dir); /* both files, atomically; dies on I/O errors */

/* --------------------------------------------------------- encode/decode */

/* Ids of text[0..len) (any bytes); dies on a decode-only vocabulary. Writes at most cap ids to out and returns
 * how many the whole text makes (so cap 0 sizes a buffer). allow_special: map
 * the literal "<|endoftext|>" to the EOT id instead of encoding its bytes.
 * Not const: it fills the cache of encoded pieces, so one Bpe must not encode
 * on two threads at once (give each thread its own, or encode in one). */
size_t bpe_encode(Bpe *b, const char *text, size_t len, int allow_special, int *out, size_t cap);
/* The same, into a malloc'd array of *n ids. */
int *bpe_encode_alloc(Bpe *b, const char *text, size_t len, int allow_special, size_t *n);
/* Ids of one piece (no pre-tokenisation): the merge loop itself. out has room
 * for len ids; returns how many. Two implementations give the same ids:
 *   bpe_merge_simple  GPT-2's loop as written: each pass scans the piece for
 *                     the best rank, then merges it everywhere: O(len^2) worst;
 *   bpe_merge_heap    the same passes driven by a min-heap of (rank, position)
 *                     over a linked list: O(len log len), for long pieces
 *                     (100 KB of random letters: seconds -> milliseconds).
 * bpe_encode_piece picks the first up to 64 bytes, the second above. */
int bpe_encode_piece(const Bpe *b, const char *piece, size_t len, int *out);
int bpe_merge_simple(const Bpe *b, const char *piece, size_t len, int *out);
int bpe_merge_heap(const Bpe *b, const char *piece, size_t len, int *out);
/* Bytes of n ids, malloc'd and NUL-terminated, *len bytes; NULL if an id is
 * outside [0, V) (then *len = the index of the first bad id). */
char *bpe_decode(const Bpe *b, const int *ids, size_t n, size_t *len);

/* -------------------------------------------------------------- training */

/* Learn merges on text[0..len) until V = vocab_size (256 bytes + merges + EOT,
 * so M = vocab_size - 257), or until no pair occurs twice. Ids: 0..255 are the
 * bytes, 256 + r is merge r, the last id is <|endoftext|>.
 * Tie-break: the pair with the highest count; among equal counts the smallest
 * left id, then the smallest right id. Deterministic. verbose: a progress line
 * on stderr every 1000 merges. */
Bpe *bpe_train(const char *text, size_t len, int vocab_size, int verbose);

/* ----------------------------------------------------------- llm.c files */

#define LLMC_TOKENIZER_MAGIC 20240328
#define LLMC_TOKENS_MAGIC 20240520

/* llm.c tokenizer file (decode only: it holds no merges). Tokens must be
 * 1..255 bytes long. */
void llmc_tokenizer_save(const Bpe *b, const char *path);
/* 0 and *out (a vocabulary with tokens and EOT but no merges), or -1 and err.
 * Accepts version 1 (EOT implied 50256) and 2, like llm.c. */
int llmc_tokenizer_read(const char *path, Bpe **out, char *err, size_t errlen);

/* llm.c token file: n ids, each < 65536 (dies otherwise), written atomically. */
void llmc_tokens_save(const char *path, const int *ids, size_t n);
/* 0 with *ids (malloc'd) and *n, or -1 and err: wrong magic or version, a file
 * shorter or longer than its count says, an id >= vocab_size (0: no check). */
int llmc_tokens_read(const char *path, int vocab_size, int **ids, size_t *n,
                     char *err, size_t errlen);
/* The same checks on a file already in memory (name is for messages). */
int llmc_tokens_parse(const unsigned char *buf, size_t len, const char *name, int vocab_size,
                      int **ids, size_t *n, char *err, size_t errlen);

#endif
