/*
 * test_tokenizer.c -- the ladder's tokenizers (common/tokenizer.h): GPT-2's
 * byte-level BPE (common/bpe.h), characters and words.
 *
 *   - GPT-2's ids, token for token, on English, contractions, code, numbers,
 *     runs of whitespace, CJK, emoji, invalid UTF-8 and <|endoftext|>, against
 *     tests/fixtures/gpt_bpe.bin written by tests/ref/ref_gpt2_bpe.py (OpenAI's
 *     algorithm in Python with the `regex` module). Skipped with a note when
 *     $NLP_DATA_DIR/gpt2 (or data/cache/gpt2) is absent.
 *   - The pre-tokeniser's pieces on known strings, invalid bytes included.
 *   - Exact round trips of thousands of random byte strings (seeded).
 *   - Training on toy corpora, merges checked by hand (tie-break included).
 *   - Save/load: GPT-2's files and llm.c's tokenizer and token files, and each
 *     kind of bad file rejected with its own message.
 *   - The char, word and BPE tokenizers, through a checkpoint's config text;
 *     PTB's word stream, the one every rung of the word ladder scores;
 *     labelled examples encoded through a tokenizer.
 */
#include "harness.h"
#include "bpe.h"
#include "dataset.h"
#include "rng.h"
#include "strmap.h"
#include "text.h"
#include "tokenizer.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static void assert_contains(const char *what, const char *err, const char *want) {
    ck_assert_msg(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", what, err, want);
    printf("  rejected %-28s %s\n", what, err);
}

static int roundtrips(Bpe *b, const char *s, size_t n) {
    size_t k, back_len;
    int *ids = bpe_encode_alloc(b, s, n, 0, &k);
    char *back = bpe_decode(b, ids, k, &back_len);
    int ok = back && back_len == n && memcmp(back, s, n) == 0;
    free(ids);
    free(back);
    return ok;
}

/* ------------------------------------------------------- GPT-2's ids */

START_TEST(test_gpt2_ids) {
    char dir[1024], err[512];
    bpe_gpt2_dir(dir, sizeof dir);
    Bpe *b;
    if (bpe_read_gpt2(dir, &b, err, sizeof err) != 0)
        SKIP_TEST("%s (set NLP_DATA_DIR to a folder with gpt2/)", err);
    ck_assert_int_eq(b->vocab_size, GPT2_VOCAB_SIZE);
    ck_assert_int_eq(b->n_merges, 50000);
    ck_assert_int_eq(b->eot, GPT2_EOT_ID);
    Fixture *fx = fixture_load("gpt_bpe");
    int cases = 0;
    for (int t = 0; t < fx->count; t++) {
        if (strncmp(fx->t[t].name, "text_", 5) != 0) continue;
        const char *name = fx->t[t].name + 5;
        size_t len = fx->t[t].size, nwant;
        char *text = malloc(len + 1);
        for (size_t i = 0; i < len; i++) text[i] = (char)(int)fx->t[t].data[i];
        char key[300];
        snprintf(key, sizeof key, "ids_%s", name);
        float *want = fixture_get(fx, key, &nwant);
        int special = strncmp(name, "special_", 8) == 0;
        size_t n;
        int *ids = bpe_encode_alloc(b, text, len, special, &n);
        ck_assert_msg(n == nwant, "%s: %zu tokens, GPT-2 has %zu", name, n, nwant);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(ids[i] == (int)want[i], "%s: token %zu is %d, GPT-2's is %d", name, i, ids[i],
                          (int)want[i]);
        size_t back_len;
        char *back = bpe_decode(b, ids, n, &back_len);
        ck_assert_msg(back_len == len && memcmp(back, text, len) == 0, "%s: round trip", name);
        printf("TOKENS OK  gpt2 %-13s %3zu bytes -> %3zu ids, identical\n", name, len, n);
        free(back);
        free(ids);
        free(text);
        cases++;
    }
    ck_assert_int_ge(cases, 12);
    /* GPT-2's well-known ids */
    size_t n;
    int *ids = bpe_encode_alloc(b, "Hello world", 11, 0, &n);
    ck_assert(n == 2 && ids[0] == 15496 && ids[1] == 995);
    free(ids);
    fixture_free(fx);
    bpe_free(b);
}
END_TEST

/* -------------------------------------------------------- pre-tokeniser */

/* the pieces of s joined by '|' */
static char *pieces(const char *s, size_t n) {
    char *out = malloc(2 * n + 2), *o = out;
    BpePretok p;
    bpe_pretok_init(&p, s, n);
    size_t a, e, last = 0;
    while (bpe_pretok_next(&p, &a, &e)) {
        ck_assert_msg(a == last && e > a, "pieces must tile the text");
        if (a) *o++ = '|';
        memcpy(o, s + a, e - a);
        o += e - a;
        last = e;
    }
    ck_assert(last == n);
    *o = '\0';
    bpe_pretok_free(&p);
    return out;
}

static void expect_pieces(const char *s, size_t n, const char *want) {
    char *got = pieces(s, n);
    ck_assert_msg(strcmp(got, want) == 0, "pieces of '%s': got '%s', want '%s'", s, got, want);
    free(got);
}
#define EXPECT_PIECES(lit, want) expect_pieces((lit), sizeof(lit) - 1, (want))

START_TEST(test_pretokenize) {
    EXPECT_PIECES("Hello world!! It's  3 x", "Hello| world|!!| It|'s| | 3| x");
    EXPECT_PIECES("a\n\n  b  ", "a|\n\n | b|  ");         /* \s+(?!\S) leaves the space before b */
    EXPECT_PIECES("don't DON'T", "don|'t| DON|'|T");     /* contractions are lower-case only */
    EXPECT_PIECES("x123456 12", "x|123456| 12");
    EXPECT_PIECES("caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD!", "caf\xC3\xA9| \xE4\xBD\xA0\xE5\xA5\xBD|!");
    /* invalid bytes act as symbols: they join punctuation, never letters */
    EXPECT_PIECES("a\xFF\xFE!b", "a|\xFF\xFE!|b");
    EXPECT_PIECES("ab \xFF" "cd", "ab| \xFF|cd");
    EXPECT_PIECES("\xE2\x82 x\xC3", "\xE2\x82| x|\xC3");
    EXPECT_PIECES("", "");
    /* U+180E is not white space for GPT-2's regex module, so it is a symbol here too */
    EXPECT_PIECES("a \xE1\xA0\x8E" "b", "a| \xE1\xA0\x8E|b");
}
END_TEST

/* -------------------------------------------------------------- training */

START_TEST(test_train_by_hand) {
    /* "hug hug pug hugs" -> pieces "hug" " hug" " pug" " hugs";
     * pairs (u,g) 4, (h,u) 3, ( ,h) 2 ...  -> "ug"
     * then (h,ug) 3                         -> "hug"
     * then ( ,hug) 2                        -> " hug"; every other pair occurs once: stop */
    const char *text = "hug hug pug hugs";
    Bpe *b = bpe_train(text, strlen(text), 1000, 0);
    ck_assert_int_eq(b->n_merges, 3);
    ck_assert_int_eq(b->vocab_size, 256 + 3 + 1);
    ck_assert_int_eq(b->eot, 259);
    int want[3][3] = {{'u', 'g', 256}, {'h', 256, 257}, {' ', 257, 258}};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++) ck_assert_int_eq(b->merges[r][k], want[r][k]);
    ck_assert_str_eq(b->token[258], " hug");
    ck_assert_str_eq(b->token[259], BPE_EOT_TEXT);
    int ids[8];
    ck_assert_int_eq(bpe_encode(b, " hugs", 5, 0, ids, 8), 2);
    ck_assert(ids[0] == 258 && ids[1] == 's');
    bpe_free(b);

    /* overlapping pairs count twice: "aaabdaaabac" has (a,a) 4 times -> "aa";
     * then (aa,a) 2 and (a,b) 2 tie: the lower left id wins -> "ab"; then "aaab" */
    text = "aaabdaaabac";
    b = bpe_train(text, strlen(text), 1000, 0);
    ck_assert_int_eq(b->n_merges, 3);
    int want2[3][3] = {{'a', 'a', 256}, {'a', 'b', 257}, {256, 257, 258}};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++) ck_assert_int_eq(b->merges[r][k], want2[r][k]);
    /* encoding merges left to right: "aaaa" -> aa|aa, "aaa" -> aa|a */
    ck_assert_int_eq(bpe_encode_piece(b, "aaaa", 4, ids), 2);
    ck_assert(ids[0] == 256 && ids[1] == 256);
    ck_assert_int_eq(bpe_encode_piece(b, "aaa", 3, ids), 2);
    ck_assert(ids[0] == 256 && ids[1] == 'a');
    bpe_free(b);

    /* ties between equal counts: "ab ab cd cd" has (a,b), (c,d), ( ,c) twice each:
     * ( ,c) has the lowest left id; then (a,b) beats ( c,d) on the left id */
    text = "ab ab cd cd";
    b = bpe_train(text, strlen(text), 1000, 0);
    ck_assert_int_eq(b->n_merges, 3);
    int want3[3][3] = {{' ', 'c', 256}, {'a', 'b', 257}, {256, 'd', 258}};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++) ck_assert_int_eq(b->merges[r][k], want3[r][k]);
    bpe_free(b);

    /* the size limit: one merge only */
    b = bpe_train("hug hug pug hugs", 16, 258, 0);
    ck_assert_int_eq(b->n_merges, 1);
    ck_assert_int_eq(b->vocab_size, 258);
    bpe_free(b);
}
END_TEST

/* Training with incremental counts must learn what recounting every pair
 * after every merge learns (same counts, same tie-break), on a random corpus. */
START_TEST(test_train_equals_recount) {
    enum { NMERGE = 150, NSYM = 256 + NMERGE };
    static const char *syll[] = {"th", "e", "an", "d ", "ing", " ", "ou", "s", "re", "a", "  ", "\n", ",", "x'"};
    Rng r;
    rng_seed(&r, 7, 0);
    size_t len = 0;
    char *text = malloc(20000);
    while (len < 19990) {
        const char *sy = syll[rng_below(&r, sizeof syll / sizeof *syll)];
        memcpy(text + len, sy, strlen(sy));
        len += strlen(sy);
    }
    Bpe *b = bpe_train(text, len, NSYM + 1, 0);
    ck_assert_int_eq(b->n_merges, NMERGE);

    /* the recount: distinct pieces, then each merge counts all pairs anew */
    StrMap words;
    strmap_init(&words);
    long counts[4096] = {0};
    BpePretok p;
    bpe_pretok_init(&p, text, len);
    size_t a, e;
    while (bpe_pretok_next(&p, &a, &e)) counts[strmap_intern(&words, text + a, e - a, NULL)]++;
    bpe_pretok_free(&p);
    ck_assert_int_lt(words.n, 4096);
    int **seq = malloc((size_t)words.n * sizeof(int *)), *seqlen = malloc((size_t)words.n * sizeof(int));
    for (int w = 0; w < words.n; w++) {
        seqlen[w] = (int)words.key_len[w];
        seq[w] = malloc((size_t)seqlen[w] * sizeof(int));
        for (int i = 0; i < seqlen[w]; i++) seq[w][i] = (unsigned char)words.arena[words.key_off[w] + i];
    }
    long *pc = malloc(sizeof(long) * NSYM * NSYM);
    for (int m = 0; m < NMERGE; m++) {
        memset(pc, 0, sizeof(long) * NSYM * NSYM);
        for (int w = 0; w < words.n; w++)
            for (int i = 0; i + 1 < seqlen[w]; i++) pc[seq[w][i] * NSYM + seq[w][i + 1]] += counts[w];
        int best = 0;   /* highest count; row-major scan keeps the smallest (left, right) among ties */
        for (int k = 1; k < NSYM * NSYM; k++)
            if (pc[k] > pc[best]) best = k;
        int l = best / NSYM, rt = best % NSYM, z = 256 + m;
        ck_assert_msg(b->merges[m][0] == l && b->merges[m][1] == rt && b->merges[m][2] == z,
                      "merge %d: trained (%d %d), recount (%d %d) with count %ld", m, b->merges[m][0],
                      b->merges[m][1], l, rt, pc[best]);
        for (int w = 0; w < words.n; w++) {
            int j = 0;
            for (int i = 0; i < seqlen[w];) {
                if (i + 1 < seqlen[w] && seq[w][i] == l && seq[w][i + 1] == rt) {
                    seq[w][j++] = z;
                    i += 2;
                } else {
                    seq[w][j++] = seq[w][i++];
                }
            }
            seqlen[w] = j;
        }
    }
    printf("TRAIN OK  %d merges identical to a full recount after each merge\n", NMERGE);
    for (int w = 0; w < words.n; w++) free(seq[w]);
    free(seq);
    free(seqlen);
    free(pc);
    strmap_free(&words);
    free(text);
    bpe_free(b);
}
END_TEST

/* a vocabulary trained on a few hundred bytes of mixed text */
static Bpe *toy_vocab(void) {
    static const char corpus[] =
        "the cat sat on the mat. the dog sat on the log! it's the cat's hat, isn't it?\n"
        "Numbers 123 456 123 and   spaces   here.\n\tTabs\tand caf\xC3\xA9s caf\xC3\xA9s "
        "\xE4\xBD\xA0\xE5\xA5\xBD \xE4\xBD\xA0\xE5\xA5\xBD the the the\n";
    return bpe_train(corpus, sizeof corpus - 1, 320, 0);
}

START_TEST(test_roundtrip_random) {
    Bpe *b = toy_vocab();
    ck_assert_int_gt(b->n_merges, 20);
    char dir[1024], err[512];
    bpe_gpt2_dir(dir, sizeof dir);
    Bpe *g = NULL;
    if (bpe_read_gpt2(dir, &g, err, sizeof err) != 0) g = NULL;
    Rng r;
    rng_seed(&r, 1234, 0);
    static const char *frags[] = {" ", "  ", "\n", "the", " cat", "'s", "123", "\xC3\xA9", "\xE4\xBD\xA0",
                                  "\xF0\x9F\x98\x80", "<|endoftext|>", "!", "\t", "\xFF", "\xE2\x82"};
    char s[256];
    int trials = 4000;
    for (int t = 0; t < trials; t++) {
        size_t n = 0, want = rng_below(&r, 120);
        int mode = t % 3;   /* 0: uniform random bytes, 1: fragments, 2: a mix */
        while (n < want) {
            if (mode == 0 || (mode == 2 && rng_below(&r, 2))) {
                s[n++] = (char)rng_below(&r, 256);
            } else {
                const char *f = frags[rng_below(&r, sizeof frags / sizeof *frags)];
                size_t k = strlen(f);
                if (n + k > sizeof s) break;
                memcpy(s + n, f, k);
                n += k;
            }
        }
        ck_assert_msg(roundtrips(b, s, n), "toy vocabulary: trial %d does not round-trip", t);
        if (g && t % 4 == 0) ck_assert_msg(roundtrips(g, s, n), "GPT-2: trial %d does not round-trip", t);
        /* with allow_special, EOT texts become one token and still decode back */
        size_t k, back_len;
        int *ids = bpe_encode_alloc(b, s, n, 1, &k);
        char *back = bpe_decode(b, ids, k, &back_len);
        ck_assert(back_len == n && memcmp(back, s, n) == 0);
        free(ids);
        free(back);
    }
    printf("ROUNDTRIP OK  %d random byte strings (toy vocabulary%s)\n", trials, g ? ", GPT-2's on a quarter" : "");
    /* the special token */
    size_t n;
    int *ids = bpe_encode_alloc(b, "x<|endoftext|>y", 15, 1, &n);
    ck_assert(n == 3 && ids[1] == b->eot && ids[0] == 'x' && ids[2] == 'y');
    free(ids);
    ids = bpe_encode_alloc(b, "<|endoftext|>", 13, 0, &n);
    ck_assert_int_gt(n, 1);   /* ordinary text by default */
    free(ids);
    /* decode refuses ids outside the vocabulary and names the first */
    int bad[3] = {1, b->vocab_size, 2};
    size_t where;
    ck_assert(bpe_decode(b, bad, 3, &where) == NULL && where == 1);
    bpe_free(g);
    bpe_free(b);
}
END_TEST

/* The heap-driven merge (long pieces) must give the simple loop's ids exactly. */
START_TEST(test_merge_heap_equals_simple) {
    Bpe *vocabs[2] = {toy_vocab(), NULL};
    char dir[1024], err[512];
    bpe_gpt2_dir(dir, sizeof dir);
    if (bpe_read_gpt2(dir, &vocabs[1], err, sizeof err) != 0) vocabs[1] = NULL;
    Rng r;
    rng_seed(&r, 99, 0);
    char s[400];
    int a[400], h[400], trials = 0;
    for (int v = 0; v < 2 && vocabs[v]; v++) {
        for (int t = 0; t < 1500; t++, trials++) {
            size_t n = rng_below(&r, sizeof s);
            const char *alphabet = t % 3 == 0 ? "aaab" : t % 3 == 1 ? "abcdefghijklmnopqrstuvwxyz" : "the cats ";
            size_t k = strlen(alphabet);
            for (size_t i = 0; i < n; i++)
                s[i] = t % 5 == 4 ? (char)rng_below(&r, 256) : alphabet[rng_below(&r, (uint32_t)k)];
            int na = bpe_merge_simple(vocabs[v], s, n, a), nh = bpe_merge_heap(vocabs[v], s, n, h);
            ck_assert_msg(na == nh && memcmp(a, h, (size_t)na * sizeof(int)) == 0,
                          "vocabulary %d, trial %d: heap and simple merges differ", v, t);
        }
    }
    printf("MERGE OK  heap == simple on %d random pieces up to %zu bytes\n", trials, sizeof s);
    bpe_free(vocabs[0]);
    bpe_free(vocabs[1]);
}
END_TEST

/* ----------------------------------------------------------- files */

static void assert_same_vocab(const Bpe *a, const Bpe *b, int merges_too) {
    ck_assert_int_eq(a->vocab_size, b->vocab_size);
    ck_assert_int_eq(a->eot, b->eot);
    for (int i = 0; i < a->vocab_size; i++) {
        ck_assert_int_eq(a->token_len[i], b->token_len[i]);
        ck_assert(memcmp(a->token[i], b->token[i], (size_t)a->token_len[i]) == 0);
    }
    if (!merges_too) return;
    ck_assert_int_eq(a->n_merges, b->n_merges);
    ck_assert(memcmp(a->merges, b->merges, (size_t)a->n_merges * sizeof *a->merges) == 0);
}

START_TEST(test_gpt2_files_roundtrip) {
    Bpe *b = toy_vocab();
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("vocab"));
    bpe_save_gpt2(b, dir);
    Bpe *c;
    ck_assert_msg(bpe_read_gpt2(dir, &c, err, sizeof err) == 0, "%s", err);
    assert_same_vocab(b, c, 1);
    const char *s = "the cat's caf\xC3\xA9 \xFF 123";
    size_t n1, n2;
    int *i1 = bpe_encode_alloc(b, s, strlen(s), 0, &n1), *i2 = bpe_encode_alloc(c, s, strlen(s), 0, &n2);
    ck_assert(n1 == n2 && memcmp(i1, i2, n1 * sizeof(int)) == 0);
    free(i1);
    free(i2);
    bpe_free(c);

    /* llm.c's tokenizer file: same tokens and EOT, decode only */
    char tok[600];
    snprintf(tok, sizeof tok, "%s/tokenizer.bin", dir);
    llmc_tokenizer_save(b, tok);
    ck_assert_msg(llmc_tokenizer_read(tok, &c, err, sizeof err) == 0, "%s", err);
    assert_same_vocab(b, c, 0);
    ck_assert(c->decode_only);
    bpe_free(c);
    bpe_free(b);
}
END_TEST

/* write the toy vocabulary, then a corrupted copy of one of its files, and
 * expect bpe_read_gpt2 to fail with a message containing want */
static void expect_bad_gpt2(const char *what, const char *file, const char *from, const char *to,
                            const char *want) {
    Bpe *b = toy_vocab();
    char dir[512], path[600], err[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("badvocab"));
    bpe_save_gpt2(b, dir);
    bpe_free(b);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t n;
    char *text = read_all(path, &n);
    char *bad = from ? replace_once(text, from, to) : strdup(to);
    write_bytes(path, bad, strlen(bad));
    Bpe *c = NULL;
    ck_assert_msg(bpe_read_gpt2(dir, &c, err, sizeof err) != 0, "%s: accepted", what);
    ck_assert(c == NULL);
    assert_contains(what, err, want);
    free(text);
    free(bad);
}

START_TEST(test_gpt2_files_bad) {
    char err[512];
    Bpe *c;
    ck_assert(bpe_read_gpt2("/nonexistent-dir", &c, err, sizeof err) != 0);
    assert_contains("missing folder", err, "cannot open");
    expect_bad_gpt2("not JSON", "encoder.json", NULL, "{\"a\": 1,", "not valid JSON");
    expect_bad_gpt2("JSON array", "encoder.json", NULL, "[1, 2]", "expected a JSON object");
    expect_bad_gpt2("fractional id", "encoder.json", "\"!\":33", "\"!\":0.5", "whole number");
    expect_bad_gpt2("id out of range", "encoder.json", "\"!\":33", "\"!\":99999", "whole number");
    expect_bad_gpt2("string id", "encoder.json", "\"!\":33", "\"!\":\"0\"", "not a number");
    expect_bad_gpt2("duplicate id", "encoder.json", "\"!\":33", "\"!\":34", "two tokens");
    expect_bad_gpt2("outside alphabet", "encoder.json", "\"!\":33", "\"\xE4\xB8\x80\":33", "byte alphabet");
    expect_bad_gpt2("byte without token", "encoder.json", "\"!\":33", "\"!!\":33", "no token for the byte 0x21");
    expect_bad_gpt2("no version line", "vocab.bpe", "#version: 0.2\n", "", "#version");
    expect_bad_gpt2("merge without space", "vocab.bpe", "\n", "\nxy\n", "line 2: expected 'left right'");
    expect_bad_gpt2("unknown merge token", "vocab.bpe", "\n", "\nqq x\n", "not in encoder.json");
    expect_bad_gpt2("merged token missing", "vocab.bpe", "\n", "\nq x\n", "the merged token");
    expect_bad_gpt2("repeated merge", "vocab.bpe", "#version: 0.2\n", "#version: 0.2\nh e\n",
                    "repeats merge 0");   /* the toy vocabulary's first merge is "h e" */
}
END_TEST

START_TEST(test_llmc_tokens) {
    const char *path = tmp_path("tokens.bin");
    int ids[5] = {0, 1, 50256, 65535, 7};
    llmc_tokens_save(path, ids, 5);
    int *got;
    size_t n;
    char err[512];
    ck_assert_msg(llmc_tokens_read(path, 0, &got, &n, err, sizeof err) == 0, "%s", err);
    ck_assert(n == 5 && memcmp(got, ids, sizeof ids) == 0);
    free(got);
    ck_assert(llmc_tokens_read(path, 50257, &got, &n, err, sizeof err) != 0);
    assert_contains("id >= vocabulary", err, "outside the vocabulary of 50257");

    size_t len;
    char *good = read_all(path, &len);
    ck_assert_int_eq(len, 1024 + 10);
    char *bad = malloc(len + 1);
    const char *bp = tmp_path("badtokens.bin");
    struct { const char *what; int word, value; size_t cut; int extra; const char *want; } cases[] = {
        {"wrong magic", 0, 20240328, 0, 0, "bad magic"},
        {"wrong version", 1, 2, 0, 0, "unsupported version 2"},
        {"truncated ids", -1, 0, 1, 0, "(truncated)"},
        {"truncated header", -1, 0, len - 100, 0, "shorter than the 1024-byte header"},
        {"trailing bytes", -1, 0, 0, 1, "file has 1035 bytes"},
        {"negative count", 2, -5, 0, 0, "counts -5 tokens"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        memcpy(bad, good, len);
        bad[len] = 'x';
        if (cases[k].word >= 0) memcpy(bad + 4 * cases[k].word, &cases[k].value, 4);
        write_bytes(bp, bad, len - cases[k].cut + (size_t)cases[k].extra);
        ck_assert_msg(llmc_tokens_read(bp, 0, &got, &n, err, sizeof err) != 0, "%s: accepted", cases[k].what);
        assert_contains(cases[k].what, err, cases[k].want);
    }
    free(bad);
    free(good);
    /* an empty token file is valid */
    llmc_tokens_save(path, ids, 0);
    ck_assert(llmc_tokens_read(path, 10, &got, &n, err, sizeof err) == 0 && n == 0);
    free(got);
}
END_TEST

START_TEST(test_llmc_tokenizer_bad) {
    Bpe *b = toy_vocab();
    const char *path = tmp_path("tokenizer.bin");
    llmc_tokenizer_save(b, path);
    size_t len;
    char *good = read_all(path, &len);
    char *bad = malloc(len + 1);
    const char *bp = tmp_path("badtokenizer.bin");
    char err[512];
    Bpe *c;
    struct { const char *what; int word, value; size_t cut; int extra; const char *want; } cases[] = {
        {"wrong magic", 0, 20240520, 0, 0, "this is a token file"},
        {"wrong version", 1, 3, 0, 0, "unsupported version 3"},
        {"truncated", -1, 0, 3, 0, "truncated at token"},
        {"truncated header", -1, 0, len - 10, 0, "shorter than the 1024-byte header"},
        {"trailing bytes", -1, 0, 0, 1, "unexpected bytes"},
        {"bad size", 2, 0, 0, 0, "implausible vocabulary size 0"},
        {"EOT out of range", 3, 100000, 0, 0, "EOT id 100000"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        memcpy(bad, good, len);
        bad[len] = 'x';
        if (cases[k].word >= 0) memcpy(bad + 4 * cases[k].word, &cases[k].value, 4);
        write_bytes(bp, bad, len - cases[k].cut + (size_t)cases[k].extra);
        ck_assert_msg(llmc_tokenizer_read(bp, &c, err, sizeof err) != 0, "%s: accepted", cases[k].what);
        assert_contains(cases[k].what, err, cases[k].want);
    }
    memcpy(bad, good, len);
    bad[1024] = 0;   /* the first token's length byte */
    write_bytes(bp, bad, len);
    ck_assert(llmc_tokenizer_read(bp, &c, err, sizeof err) != 0);
    assert_contains("zero-length token", err, "zero-length token");
    free(bad);
    free(good);
    bpe_free(b);
}
END_TEST

/* ------------------------------------------------ char and word tokenizers */

/* Everything a tokenizer writes to f, as a string (malloc'd). */
static char *written(const Tok *tk, const int *ids, size_t n) {
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    for (size_t i = 0; i < n; i++) tok_write(tk, ids[i], f);
    fclose(f);
    return out;
}

/* The char tokenizer: the corpus's bytes, sorted, as nanoGPT's shakespeare_char;
 * through a checkpoint's config text and back. */
START_TEST(test_char_tokenizer) {
    const char *text = "banana bread\n";
    Tok tk;
    tok_chars_from_text(&tk, text, strlen(text));
    ck_assert_int_eq(tk.kind, TOK_CHAR);
    ck_assert_int_eq(tk.vocab_size, 8);   /* \n space a b d e n r */
    ck_assert_int_eq(tk.eot, -1);
    size_t n;
    int *ids = tok_encode(&tk, "test", "bread", 5, &n);
    const int want[] = {3, 7, 5, 2, 4};
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(ids, want, sizeof want);
    char *out = written(&tk, ids, n);
    ck_assert_str_eq(out, "bread");
    free(out);
    char config[1024];
    tok_config_text(&tk, NULL, config, sizeof config);
    ck_assert_str_eq(config, "tokenizer=char\ncharset=0a20616264656e72\n");
    Tok back;
    tok_from_config(&back, config, NULL);
    ck_assert_int_eq(back.kind, TOK_CHAR);
    ck_assert_int_eq(back.vocab_size, 8);
    size_t n2;
    int *ids2 = tok_encode(&back, "test", "bread", 5, &n2);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(ids2, ids, n * sizeof(int));
    free(ids);
    free(ids2);
    tok_free(&tk);
    tok_free(&back);
}
END_TEST

/* The BPE tokenizer a config names: the same ids as the vocabulary itself,
 * "<|endoftext|>" read as the end-of-text token, and a --vocab override. */
START_TEST(test_bpe_tokenizer) {
    char dir[512], config[1024];
    snprintf(dir, sizeof dir, "%s", tmp_path("tokvocab"));
    Bpe *b = toy_vocab();
    bpe_save_gpt2(b, dir);
    Tok tk;
    tok_from_config(&tk, "tokenizer=char\ncharset=6162\n", dir);   /* the override wins */
    ck_assert_int_eq(tk.kind, TOK_BPE);
    ck_assert_int_eq(tk.vocab_size, b->vocab_size);
    ck_assert_int_eq(tk.eot, b->eot);
    tok_config_text(&tk, dir, config, sizeof config);
    Tok back;
    tok_from_config(&back, config, NULL);
    ck_assert_int_eq(back.kind, TOK_BPE);
    const char *text = "the cat sat<|endoftext|>the mat";
    size_t n, nb;
    int *ids = tok_encode(&back, "test", text, strlen(text), &n);
    int *want = bpe_encode_alloc(b, text, strlen(text), 1, &nb);
    ck_assert_uint_eq(n, nb);
    ck_assert_mem_eq(ids, want, n * sizeof(int));
    int eots = 0;
    for (size_t i = 0; i < n; i++) eots += ids[i] == b->eot;
    ck_assert_int_eq(eots, 1);
    char *out = written(&back, ids, n);
    ck_assert_str_eq(out, text);
    free(out);
    free(ids);
    free(want);
    tok_free(&tk);
    tok_free(&back);
    bpe_free(b);
}
END_TEST

/* The word tokenizer: rnn/'s </s>-framed stream, <unk> for unseen words,
 * the vocabulary file named by the checkpoint config, tokens written back. */
START_TEST(test_word_tokenizer) {
    const char *text = "the cat sat\nthe dog\n";
    Tok tk;
    tok_words_from_text(&tk, text, strlen(text), 1);
    ck_assert_int_eq(tk.kind, TOK_WORD);
    ck_assert_int_eq(tk.vocab_size, 4 + 4);   /* specials + the cat sat dog */
    size_t n;
    int *ids = tok_encode(&tk, "test", "the cat\nbird dog", 16, &n);
    const char *want[] = {"</s>", "the", "cat", "</s>", "<unk>", "dog", "</s>"};
    ck_assert_uint_eq(n, 7);
    for (size_t i = 0; i < n; i++) ck_assert_str_eq(vocab_token(tk.words, ids[i]), want[i]);
    /* written back: words with spaces, </s> as a newline */
    char *out = written(&tk, ids + 1, n - 1);
    ck_assert_str_eq(out, "the cat \n<unk> dog \n");
    free(out);
    /* through a checkpoint's config and the saved vocabulary */
    const char *vpath = tmp_path("words_vocab.txt");
    vocab_save(tk.words, vpath);
    char config[2048];
    tok_config_text(&tk, vpath, config, sizeof config);
    Tok back;
    tok_from_config(&back, config, NULL);
    ck_assert_int_eq(back.kind, TOK_WORD);
    ck_assert_int_eq(back.vocab_size, tk.vocab_size);
    size_t n2;
    int *ids2 = tok_encode(&back, "test", "the cat\nbird dog", 16, &n2);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(ids2, ids, n * sizeof(int));
    /* min count 2: words seen once are <unk> */
    Tok pruned;
    tok_words_from_text(&pruned, text, strlen(text), 2);
    ck_assert_int_eq(pruned.vocab_size, 4 + 1);
    free(ids);
    free(ids2);
    tok_free(&tk);
    tok_free(&back);
    tok_free(&pruned);
}
END_TEST

/* s with every run of spaces cut to one and none at a line's ends (malloc'd) */
static char *squeeze_spaces(const char *s) {
    char *out = malloc(strlen(s) + 1);
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' && (k == 0 || out[k - 1] == ' ' || out[k - 1] == '\n')) continue;
        if (*p == '\n' && k > 0 && out[k - 1] == ' ') k--;
        out[k++] = *p;
    }
    out[k] = '\0';
    return out;
}

/* `gpt train --preset ptb`'s data: Mikolov's 10k words, and the streams that
 * rnn/ and ngram/ score (the test stream predicts 82,430 tokens, as KN5's). */
START_TEST(test_ptb_words) {
    char train[1024], test[1024];
    if (!data_path(train, sizeof train, "ptb/ptb.train.txt") || !data_path(test, sizeof test, "ptb/ptb.test.txt"))
        SKIP_TEST("%s is missing (make data)", train);
    size_t len, n;
    char *text = text_load(train, &len);
    Tok tk;
    tok_words_from_text(&tk, text, len, 1);
    free(text);
    /* PTB's 10,000 words count <unk> and the end of sentence: 9,999 + our 3 other specials */
    ck_assert_int_eq(tk.vocab_size, 9999 + 3);
    text = text_load(test, &len);
    int *ids = tok_encode(&tk, "test", text, len, &n);
    ck_assert_uint_eq(n - 1, 82430);
    /* written back, the stream is the file again (spaces aside: PTB's lines
     * start and end with one) */
    char *out = written(&tk, ids + 1, n - 1);
    char *norm = squeeze_spaces(text), *back = squeeze_spaces(out);
    ck_assert_str_eq(back, norm);
    free(back);
    free(norm);
    free(out);
    free(ids);
    free(text);
    tok_free(&tk);
}
END_TEST

/* Labelled examples through a tokenizer (dataset.h's encoder): a char set
 * drops the bytes it lacks, a word model frames the text by </s>. */
START_TEST(test_lset_encoder) {
    Tok chars, words;
    tok_chars_from_text(&chars, "abc", 3);
    tok_words_from_text(&words, "the cat\n", 8, 1);
    LabelledSet s;
    lset_init(&s, 1);
    ck_assert_int_eq(lset_add_text(&s, 1, "abxc", tok_lset_encoder(&chars), 0), 1);
    ck_assert_int_eq(lset_add_text(&s, 0, "xyz", tok_lset_encoder(&chars), 0), 0);   /* nothing left: not added */
    ck_assert_int_eq(lset_add_text(&s, 0, "the dog", tok_lset_encoder(&words), 0), 1);
    ck_assert_int_eq(s.n, 2);
    int len;
    const int *ids = lset_seq(&s, 0, 0, &len);
    const int want_chars[] = {0, 1, 2};
    ck_assert_int_eq(len, 3);
    ck_assert_mem_eq(ids, want_chars, sizeof want_chars);
    ids = lset_seq(&s, 1, 0, &len);
    const char *want_words[] = {"</s>", "the", "<unk>", "</s>"};
    ck_assert_int_eq(len, 4);
    for (int i = 0; i < len; i++) ck_assert_str_eq(vocab_token(words.words, ids[i]), want_words[i]);
    lset_free(&s);
    tok_free(&chars);
    tok_free(&words);
}
END_TEST

static Suite *tokenizer_suite(void) {
    Suite *s = suite_create("tokenizer");
    TCase *tc = tcase_create("bpe");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gpt2_ids);
    tcase_add_test(tc, test_pretokenize);
    tcase_add_test(tc, test_train_by_hand);
    tcase_add_test(tc, test_train_equals_recount);
    tcase_add_test(tc, test_roundtrip_random);
    tcase_add_test(tc, test_merge_heap_equals_simple);
    tcase_add_test(tc, test_gpt2_files_roundtrip);
    tcase_add_test(tc, test_gpt2_files_bad);
    tcase_add_test(tc, test_llmc_tokens);
    tcase_add_test(tc, test_llmc_tokenizer_bad);
    suite_add_tcase(s, tc);
    TCase *tw = tcase_create("tok");
    tcase_set_timeout(tw, 60);
    tcase_add_test(tw, test_char_tokenizer);
    tcase_add_test(tw, test_bpe_tokenizer);
    tcase_add_test(tw, test_word_tokenizer);
    tcase_add_test(tw, test_ptb_words);
    tcase_add_test(tw, test_lset_encoder);
    suite_add_tcase(s, tw);
    return s;
}

TEST_MAIN(tokenizer_suite)
