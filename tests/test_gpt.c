/*
 * test_gpt.c -- chapter 6, tokenizer part: GPT-2's byte-level BPE (gpt/bpe.h).
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
 *   - The CLI's exit statuses (when the gpt binary has been built).
 */
#include "harness.h"
#include "gpt/bpe.h"
#include "gpt/finetune.h"
#include "gpt/gpt.h"
#include "gradcheck.h"
#include "gpt/sample.h"
#include "gpt/train.h"
#include "ops.h"
#include "optim.h"
#include "rng.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
    buf[len] = '\0';
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* replace the first `from` in s by `to` (malloc'd result); fails if absent */
static char *replace_once(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    ck_assert_msg(at != NULL, "'%s' not found", from);
    size_t a = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    memcpy(out, s, a);
    strcpy(out + a, to);
    strcat(out, at + strlen(from));
    return out;
}

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
    Pretok p;
    pretok_init(&p, s, n);
    size_t a, e, last = 0;
    while (pretok_next(&p, &a, &e)) {
        ck_assert_msg(a == last && e > a, "pieces must tile the text");
        if (a) *o++ = '|';
        memcpy(o, s + a, e - a);
        o += e - a;
        last = e;
    }
    ck_assert(last == n);
    *o = '\0';
    pretok_free(&p);
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
    Pretok p;
    pretok_init(&p, text, len);
    size_t a, e;
    while (pretok_next(&p, &a, &e)) counts[strmap_intern(&words, text + a, e - a, NULL)]++;
    pretok_free(&p);
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

/* ---------------------------------------------------------------- CLI */

/* exit status of a shell command */
static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli) {
    const char *bin = getenv("BIN");
    char gpt[600];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0)
        SKIP_TEST("%s is not built", gpt);
    Bpe *b = toy_vocab();
    char dir[512], cmd[4096];
    snprintf(dir, sizeof dir, "%s", tmp_path("clivocab"));
    bpe_save_gpt2(b, dir);
    const char *ids = tmp_path("ids.txt"), *out = tmp_path("out.txt"), *tok = tmp_path("cli.tok");
    /* text -> ids -> text, and through an llm.c token file */
    snprintf(cmd, sizeof cmd, "printf 'the cat\\377 sat\\n' | %s encode --vocab %s > %s && %s decode --vocab %s %s > %s"
             " && printf 'the cat\\377 sat\\n' | cmp -s - %s", gpt, dir, ids, gpt, dir, ids, out, out);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "printf 'the cat' | %s encode --vocab %s --out %s && %s decode --vocab %s < %s | grep -qx 'the cat'",
             gpt, dir, tok, gpt, dir, tok);
    ck_assert_int_eq(run(cmd), 0);
    struct { const char *args; int status; } cases[] = {
        {"--help", 0}, {"encode --help", 0}, {"decode --help", 0}, {"bpe-train --help", 0}, {"demo --help", 0},
        {"", 2}, {"frobnicate", 2}, {"encode --bogus", 2}, {"bpe-train --vocab-size 12", 2},
        {"encode --vocab /nonexistent < /dev/null", 1},
        {"decode --vocab DIR <<< '1 2 x3'", 1},
        {"decode --vocab DIR <<< '1 99999'", 1},
        {"decode --tokenizer /nonexistent <<< '1'", 1},
        {"bpe-train --data /nonexistent", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *args = strstr(cases[k].args, "DIR") ? replace_once(cases[k].args, "DIR", dir) : strdup(cases[k].args);
        snprintf(cmd, sizeof cmd, "bash -c \"%s %s\" > /dev/null 2>&1", gpt, args);
        int st = run(cmd);
        ck_assert_msg(st == cases[k].status, "gpt %s: exit %d, want %d", args, st, cases[k].status);
        free(args);
    }
    printf("CLI OK  exit statuses 0 (help), 1 (bad input), 2 (bad usage)\n");
    bpe_free(b);
}
END_TEST

/* ======================================================= the GPT model
 * gpt/gpt.h against tests/fixtures/gpt_model*.bin, written by
 * tests/ref/ref_gpt.py (PyTorch 1.13, float32): logits, loss and every
 * gradient of a tiny GPT-2 (2 layers, 4 heads, 32 wide, context 16, vocab
 * 64), and the losses of 6 AdamW steps; the same for a bias-free model. */

/* A model built from a fixture's config tensor, with its parameters. */
static void model_from_fixture(Gpt *m, const Fixture *fx, int *B, int *T) {
    const float *cf = fixture_get(fx, "config", NULL);
    GptConfig cfg = {.vocab_size = (int)cf[0], .max_seq_len = (int)cf[1], .n_layer = (int)cf[2],
                     .n_head = (int)cf[3], .channels = (int)cf[4], .bias = (int)cf[7], .dropout = 0.0f};
    *B = (int)cf[5];
    *T = (int)cf[6];
    gpt_build(m, &cfg);
    for (int k = 0; k < m->pt.count; k++) {
        size_t n;
        const float *src = fixture_get(fx, m->pt.info[k].name, &n);
        ck_assert_uint_eq(n, m->pt.info[k].size);
        memcpy(m->pt.values + m->pt.info[k].offset, src, n * sizeof(float));
    }
}

static int *fixture_ids(const Fixture *fx, const char *name, size_t n) {
    int *ids = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) ids[i] = fixture_int(fx, name, i);
    return ids;
}

static void check_against_pytorch(const char *fixture) {
    Fixture *fx = fixture_load(fixture);
    Gpt m;
    int B, T;
    model_from_fixture(&m, fx, &B, &T);
    int *idx = fixture_ids(fx, "idx", (size_t)B * T), *tgt = fixture_ids(fx, "targets", (size_t)B * T);
    size_t n;
    const float *want = fixture_get(fx, "logits", &n);
    double loss = gpt_forward(&m, idx, tgt, B, T);
    /* logits and loss to 1e-5 absolute (float32 both sides, |logits| < 1) */
    ck_assert(check_tensor("logits", m.a.logits, want, n, 1e-5f));
    float lossf = (float)loss;
    ck_assert(check_tensor("loss", &lossf, fixture_get(fx, "loss", NULL), 1, 1e-5f));
    params_zero_grad(&m.pt);
    gpt_backward(&m, 1.0f);
    /* every gradient to 1e-6 absolute (measured maxdiffs are ~1e-8) */
    for (int k = 0; k < m.pt.count; k++) {
        char dname[80];
        snprintf(dname, sizeof dname, "d%s", m.pt.info[k].name);
        size_t gn;
        const float *gw = fixture_get(fx, dname, &gn);
        ck_assert_uint_eq(gn, m.pt.info[k].size);
        ck_assert(check_tensor(dname, m.pt.grads + m.pt.info[k].offset, gw, gn, 1e-6f));
    }
    /* 6 AdamW steps on the same batch, as the reference: lr 1e-2, betas
     * (0.9, 0.95), decay 0.1 on matrices, clip 1.0; losses to 1e-5 */
    size_t ns;
    const float *want_losses = fixture_get(fx, "adamw_losses", &ns);
    float *losses = malloc(ns * sizeof(float));
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.95f, .eps = 1e-8f, .weight_decay = 0.1f, .decoupled = 1};
    for (size_t s = 0; s < ns; s++) {
        losses[s] = (float)gpt_forward(&m, idx, tgt, B, T);
        params_zero_grad(&m.pt);
        gpt_backward(&m, 1.0f);
        clip_grad_norm(&m.pt, 1.0f);
        adam_step(&m.pt, &ac, 1e-2f, (int)s + 1);
    }
    ck_assert(check_tensor("adamw_losses", losses, want_losses, ns, 1e-5f));
    free(losses);
    free(idx);
    free(tgt);
    gpt_free(&m);
    fixture_free(fx);
}

START_TEST(test_model_pytorch) { check_against_pytorch("gpt_model"); }
END_TEST

START_TEST(test_model_pytorch_nobias) { check_against_pytorch("gpt_model_nobias"); }
END_TEST

/* A small random model for the tests that need no reference. */
static void random_model(Gpt *m, int bias, int maxT) {
    GptConfig cfg = {.max_seq_len = maxT, .vocab_size = 50, .n_layer = 2, .n_head = 2, .channels = 16,
                     .bias = bias, .dropout = 0.0f};
    gpt_build(m, &cfg);
    gpt_init_weights(m, 7);
    /* larger weights than GPT-2's init, so attention is far from uniform */
    for (size_t i = 0; i < m->pt.total; i++) m->pt.values[i] *= 5.0f;
}

START_TEST(test_kv_cache) {
    Gpt m;
    int T = 48, V = 50;
    random_model(&m, 1, T);
    int toks[48];
    Rng r;
    rng_seed(&r, 3, 0);
    for (int t = 0; t < T; t++) toks[t] = (int)rng_below(&r, (uint32_t)V);
    gpt_forward(&m, toks, NULL, 1, T);
    GptCache c;
    gpt_cache_init(&c, &m);
    /* token by token */
    float *all = malloc((size_t)T * V * sizeof(float));
    for (int t = 0; t < T; t++) gpt_forward_cached(&m, &c, toks + t, 1, all + (size_t)t * V);
    ck_assert(check_tensor("kv-cache one at a time", all, m.a.logits, (size_t)T * V, 1e-4f));
    /* a 10-token prompt at once, then one at a time */
    gpt_cache_reset(&c);
    gpt_forward_cached(&m, &c, toks, 10, all);
    for (int t = 10; t < T; t++) gpt_forward_cached(&m, &c, toks + t, 1, all + (size_t)t * V);
    ck_assert(check_tensor("kv-cache prompt+steps", all, m.a.logits, (size_t)T * V, 1e-4f));
    /* gpt eval's windows through the cache == one batched forward pass over them */
    int stream[5 * 16 + 3], x[5 * 16], y[5 * 16];
    for (int i = 0; i < 5 * 16 + 3; i++) stream[i] = (int)rng_below(&r, (uint32_t)V);
    for (int w = 0; w < 5; w++)
        for (int t = 0; t < 16; t++) x[w * 16 + t] = stream[w * 16 + t], y[w * 16 + t] = stream[w * 16 + t + 1];
    Gpt m2;
    random_model(&m2, 1, 16);
    float batched = (float)gpt_forward(&m2, x, y, 5, 16);
    size_t count;
    float windows = (float)gpt_eval_windows(&m2, stream, 5 * 16 + 3, 16, &count);
    ck_assert_uint_eq(count, 5 * 16);
    ck_assert(check_tensor("eval windows == batched loss", &windows, &batched, 1, 1e-5f));
    gpt_free(&m2);
    free(all);
    gpt_cache_free(&c);
    gpt_free(&m);
}
END_TEST

START_TEST(test_llmc_roundtrip) {
    for (int bias = 0; bias <= 1; bias++) {
        Gpt a, b;
        random_model(&a, bias, 16);
        const char *path = tmp_path("model_llmc.bin");
        llmc_model_save(&a, path);
        char err[512];
        ck_assert_msg(llmc_model_read(path, &b, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(b.cfg.vocab_size, 50);
        ck_assert_int_eq(b.cfg.bias, 1);
        /* same tensors bit for bit; the biases of a bias-free model read as zeros */
        for (int k = 0; k < a.pt.count; k++) {
            const ParamInfo *p = &a.pt.info[k];
            ck_assert(memcmp(a.pt.values + p->offset, params_get(&b.pt, p->name), p->size * sizeof(float)) == 0);
        }
        int toks[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        gpt_forward(&a, toks, NULL, 1, 16);
        gpt_forward(&b, toks, NULL, 1, 16);
        ck_assert(check_tensor(bias ? "llm.c round trip, bias" : "llm.c round trip, no bias", b.a.logits,
                               a.a.logits, 16 * 50, 0.0f));
        gpt_free(&a);
        gpt_free(&b);
    }
}
END_TEST

/* The PyTorch reference also wrote its parameters as an llm.c model file. */
START_TEST(test_llmc_reference) {
    Fixture *fx = fixture_load("gpt_model");
    char path[512], err[512];
    snprintf(path, sizeof path, "tests/fixtures/gpt_model_llmc.bin");
    Gpt m;
    ck_assert_msg(llmc_model_read(path, &m, err, sizeof err) == 0, "%s", err);
    int B = 2, T = 16;
    int *idx = fixture_ids(fx, "idx", (size_t)B * T);
    size_t n;
    const float *want = fixture_get(fx, "logits", &n);
    gpt_forward(&m, idx, NULL, B, T);
    ck_assert(check_tensor("logits from llm.c file", m.a.logits, want, n, 1e-5f));
    free(idx);
    gpt_free(&m);
    fixture_free(fx);
}
END_TEST

/* Corrupt copies of an llm.c file each fail with a message, never a crash. */
START_TEST(test_llmc_bad) {
    size_t len;
    char *buf = read_all("tests/fixtures/gpt_model_llmc.bin", &len);
    const char *path = tmp_path("bad_llmc.bin");
    char err[512];
    Gpt m;
    int32_t h[2];
    memcpy(h, buf, sizeof h);
    struct { int off; int32_t val; size_t len; const char *want; } cases[] = {
        {0, 12345, 0, "bad magic"},  {4, 5, 0, "version 5"},  {-1, 0, 100, "truncated"},
        {-1, 0, 5000, "truncated"}, {24, 33, 0, "bad llm.c header"}, {-1, 0, 1, "extra"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *copy = malloc(len + 8);
        memcpy(copy, buf, len);
        size_t n = len;
        if (cases[k].off >= 0) memcpy(copy + cases[k].off, &cases[k].val, 4);
        if (!strcmp(cases[k].want, "extra")) { memset(copy + len, 0, 4); n = len + 4; }
        else if (cases[k].len) n = cases[k].len;
        write_bytes(path, copy, n);
        ck_assert_int_eq(llmc_model_read(path, &m, err, sizeof err), -1);
        printf("BAD FILE OK  %s\n", err);
        if (strcmp(cases[k].want, "extra") && strcmp(cases[k].want, "truncated"))
            ck_assert_msg(strstr(err, cases[k].want) != NULL, "'%s' lacks '%s'", err, cases[k].want);
        free(copy);
    }
    free(buf);
}
END_TEST

/* Train N steps and save, resume for M steps == N+M steps straight, bit for
 * bit (dropout on, so the per-step random streams are exercised too). */
START_TEST(test_resume_bitwise) {
    enum { N = 5, M = 4, V = 50 };
    int stream[2000];
    Rng r;
    rng_seed(&r, 11, 0);
    for (int i = 0; i < 2000; i++) stream[i] = (int)rng_below(&r, V) % (i % 7 + 3);   /* some structure */
    TrainConfig tc = {.batch = 4, .seq_len = 16, .accum = 2, .steps = N + M, .lr = 3e-3f, .min_lr = 3e-4f,
                      .warmup = 2, .decay_steps = N + M, .beta1 = 0.9f, .beta2 = 0.99f, .weight_decay = 0.1f,
                      .grad_clip = 1.0f, .eval_interval = 3, .eval_iters = 2, .log_interval = 1, .seed = 5,
                      .quiet = 1};
    float straight[N + M], resumed[N + M];
    Gpt a;
    random_model(&a, 0, 16);
    a.cfg.dropout = 0.1f;
    char dir_a[512], dir_b[512], ckpt[600];
    snprintf(dir_a, sizeof dir_a, "%s", tmp_path("resume_a"));
    snprintf(dir_b, sizeof dir_b, "%s", tmp_path("resume_b"));
    tc.out_dir = dir_a;
    gpt_train(&a, &tc, stream, 1500, stream + 1500, 500, 0, straight);
    gpt_free(&a);

    Gpt b;
    random_model(&b, 0, 16);
    b.cfg.dropout = 0.1f;
    tc.out_dir = dir_b;
    tc.steps = N;
    gpt_train(&b, &tc, stream, 1500, stream + 1500, 500, 0, resumed);
    gpt_free(&b);
    Gpt c;
    char *config;
    long step;
    snprintf(ckpt, sizeof ckpt, "%s/ckpt.bin", dir_b);
    gpt_load_any(ckpt, &c, &config, &step);
    ck_assert_int_eq(step, N);
    c.cfg.dropout = 0.1f;
    tc.steps = N + M;
    gpt_train(&c, &tc, stream, 1500, stream + 1500, 500, N, resumed + N);
    ck_assert(memcmp(straight, resumed, sizeof straight) == 0);
    printf("RESUME OK  %d+%d steps == %d steps bit for bit (last loss %.6f)\n", N, M, N + M, straight[N + M - 1]);
    free(config);
    gpt_free(&c);
}
END_TEST

/* Sampling settings: top-k 1 and a tiny top-p are greedy; out-of-range dies. */
START_TEST(test_sampler) {
    float logits[5] = {0.1f, 2.0f, -1.0f, 1.9f, 0.0f}, probs[5];
    int order[5];
    Rng r;
    rng_seed(&r, 1, 0);
    SamplerConfig greedy = {0.0f, 0, 1.0f}, k1 = {1.0f, 1, 1.0f}, p_small = {1.0f, 0, 0.01f}, k2 = {1.0f, 2, 1.0f};
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(sampler_draw(&greedy, logits, 5, probs, order, &r), 1);
        ck_assert_int_eq(sampler_draw(&k1, logits, 5, probs, order, &r), 1);
        ck_assert_int_eq(sampler_draw(&p_small, logits, 5, probs, order, &r), 1);
        int t = sampler_draw(&k2, logits, 5, probs, order, &r);
        ck_assert(t == 1 || t == 3);
    }
}
END_TEST

/* replace_once, or a copy when `from` is absent */
static char *replace_if(const char *s, const char *from, const char *to) {
    return strstr(s, from) ? replace_once(s, from, to) : strdup(s);
}

/* The gpt binary end to end on a tiny text: train, sample (cached and not),
 * eval, convert both ways, and every kind of bad input. */
START_TEST(test_model_cli) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[8192];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0)
        SKIP_TEST("%s is not built", gpt);
    char text[600], run_dir[600], ck[700], llmc[600], back[600], out1[600], out2[600];
    snprintf(text, sizeof text, "%s", tmp_path("tiny.txt"));
    snprintf(run_dir, sizeof run_dir, "%s", tmp_path("tinyrun"));
    snprintf(ck, sizeof ck, "%s/ckpt.bin", run_dir);
    snprintf(llmc, sizeof llmc, "%s", tmp_path("tiny_llmc.bin"));
    snprintf(back, sizeof back, "%s", tmp_path("tiny_back.bin"));
    snprintf(out1, sizeof out1, "%s", tmp_path("s1.txt"));
    snprintf(out2, sizeof out2, "%s", tmp_path("s2.txt"));
    FILE *f = fopen(text, "w");
    for (int i = 0; i < 200; i++) fprintf(f, "the cat sat on the mat. ");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s train --data %s --layers 1 --heads 2 --width 16 --context 16 --batch 4 --steps 30 "
             "--eval-interval 10 --eval-iters 2 --final-eval-iters 4 --out %s --quiet > %s 2>&1 && grep -q "
             "'^RESULT stage=gpt .*split=val.* loss=' %s", gpt, text, run_dir, out1, out1);
    ck_assert_int_eq(run(cmd), 0);
    /* greedy, 40 tokens: longer than the context, so the refill path runs; cached == uncached */
    snprintf(cmd, sizeof cmd, "%s sample --model %s --prompt 'the ' --tokens 40 --temperature 0 > %s 2>/dev/null && "
             "%s sample --model %s --prompt 'the ' --tokens 40 --temperature 0 --no-cache > %s 2>/dev/null && "
             "cmp -s %s %s", gpt, ck, out1, gpt, ck, out2, out1, out2);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s eval --model %s --data %s --context 16 | grep -q '^RESULT stage=gpt.* loss='", gpt, ck, text);
    ck_assert_int_eq(run(cmd), 0);
    /* a word-level model: --test ends with whole-stream RESULT lines (windows,
     * and sliding with --eval-stride); sampling writes words; fine-tuning reads
     * the checkpoint's word vocabulary */
    char wtext[600], wtest[600], wlab[600], wrun[600], wck[700];
    snprintf(wtext, sizeof wtext, "%s", tmp_path("words.txt"));
    snprintf(wtest, sizeof wtest, "%s", tmp_path("words_test.txt"));
    snprintf(wlab, sizeof wlab, "%s", tmp_path("words_labelled.txt"));
    snprintf(wrun, sizeof wrun, "%s", tmp_path("wordrun"));
    snprintf(wck, sizeof wck, "%s/ckpt.bin", wrun);
    f = fopen(wtext, "w");
    for (int i = 0; i < 150; i++) fprintf(f, " the cat sat on the mat %s\n", i % 3 ? "." : "!");
    fclose(f);
    f = fopen(wtest, "w");
    for (int i = 0; i < 9; i++) fprintf(f, "the dog sat on the mat .\n");
    fclose(f);
    f = fopen(wlab, "w");
    fprintf(f, "1 a good dog\n0 a bad cat\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s train --data %s --val %s --test %s --words --add-unlabelled %s --layers 1 --heads 2 "
             "--width 16 --context 8 --batch 4 --steps 20 --eval-interval 0 --eval-stride 2 --out %s --quiet > %s 2>&1 && "
             "grep -q '^RESULT stage=gpt .*split=valid eval=windows context=8 stride=8 tokens=72 ' %s && "
             "grep -q '^RESULT stage=gpt .*split=test eval=windows .*tokens=72 .*ppl=' %s && "
             "grep -q '^RESULT stage=gpt .*split=test eval=sliding context=8 stride=2 tokens=72 ' %s && "
             "grep -qxP 'good\\t1' %s/vocab.txt",
             gpt, wtext, wtest, wtest, wlab, wrun, out1, out1, out1, out1, wrun);
    ck_assert_int_eq(run(cmd), 0);
    /* gpt eval --stride gives the run's own test losses back */
    snprintf(cmd, sizeof cmd, "for s in 8 2; do %s eval --model %s --data %s --stride $s | sed 's/.*loss=\\([0-9.]*\\).*/\\1/'; done > %s && "
             "grep 'split=test' %s | sed 's/.*loss=\\([0-9.]*\\).*/\\1/' | cmp -s - %s", gpt, wck, wtest, out2, out1, out2);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s sample --model %s --prompt 'the cat' --tokens 12 --temperature 0 2>/dev/null | "
             "grep -q '^the cat[a-z .!]*$'", gpt, wck);
    ck_assert_int_eq(run(cmd), 0);
    char sst[1024];
    if (data_path(sst, sizeof sst, "sst/stsa.binary.train")) {
        snprintf(cmd, sizeof cmd, "%s finetune --model %s --task sst2 --max-train 32 --epochs 1 --quiet > %s 2>&1 && "
                 "grep -c '^RESULT stage=gpt task=finetune data=sst2 init=.* acc=' %s | grep -qx 2", gpt, wck, out1, out1);
        ck_assert_int_eq(run(cmd), 0);
    }
    /* bad input: exit 1 (with a message), bad usage: exit 2 */
    char trunc[600], garbage[600], trunc_tok[600], tok[600], toy[600], long_prompt[600];
    snprintf(trunc, sizeof trunc, "%s", tmp_path("trunc.bin"));
    snprintf(garbage, sizeof garbage, "%s", tmp_path("garbage.bin"));
    snprintf(tok, sizeof tok, "%s", tmp_path("toks.bin"));
    snprintf(trunc_tok, sizeof trunc_tok, "%s", tmp_path("trunc_toks.bin"));
    snprintf(toy, sizeof toy, "%s", tmp_path("toyvocab"));
    snprintf(long_prompt, sizeof long_prompt, "%s", tmp_path("long_prompt.txt"));
    Bpe *b = toy_vocab();
    bpe_save_gpt2(b, toy);
    bpe_free(b);
    int ids[40];
    for (int i = 0; i < 40; i++) ids[i] = i % 7;
    llmc_tokens_save(tok, ids, 40);
    /* ours -> llm.c -> ours: the same eval loss on an llm.c token file, all three */
    snprintf(cmd, sizeof cmd, "%s convert --in %s --out %s > /dev/null && %s convert --in %s --out %s > /dev/null && "
             "for m in %s %s %s; do %s eval --model $m --data %s --context 4 | sed 's/.*loss=//'; done | uniq | "
             "wc -l | grep -qx 1", gpt, ck, llmc, gpt, llmc, back, ck, llmc, back, gpt, tok);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "head -c 3000 %s > %s && head -c 100 /dev/urandom > %s && head -c 1050 %s > %s && "
             "head -c 300 %s > %s", ck, trunc, garbage, tok, trunc_tok, text, long_prompt);
    ck_assert_int_eq(run(cmd), 0);
    struct { const char *fmt; int status; } cases[] = {
        {"sample --model %s --prompt '' --tokens 5", 1},                       /* empty prompt */
        {"sample --model %s --prompt-file /dev/null --tokens 5", 1},           /* empty prompt file */
        {"sample --model %s --prompt 'the \xc3\xa9' --tokens 5", 1},           /* byte not in the charset */
        {"sample --model %s --top-p 0 --tokens 5", 2},                         /* top-p outside (0,1] */
        {"sample --model %s --top-p 1.5 --tokens 5", 2},
        {"sample --model %s --temperature -1 --tokens 5", 2},
        {"sample --model %s --prompt-file LONG --tokens 5", 0},                /* cropped, with a warning */
        {"sample --model TRUNC --tokens 5", 1},                                /* truncated checkpoint */
        {"sample --model GARBAGE --tokens 5", 1},                              /* wrong magic */
        {"eval --model %s --data TRUNCTOK --context 4", 1},                    /* truncated token file */
        {"eval --model %s --data TOK --context 4", 0},                         /* ids < 65: fine */
        {"sample --model %s --vocab TOY --tokens 5", 1},                       /* vocabulary mismatch */
        {"eval --model %s --data LONG --vocab /nonexistent", 1},              /* no such vocabulary */
        {"train --data /nonexistent --steps 1", 1},
        {"train --steps 1", 2},
        {"train --preset nope", 2},
        {"train --data LONG --add-unlabelled LONG --steps 1", 2},             /* needs --words */
        {"train --data LONG --words --vocab TOY --steps 1", 2},
        {"train --data LONG --context 8 --eval-stride 9 --steps 1", 2},       /* stride > context */
        {"train --data LONG --words --add-unlabelled /nonexistent --steps 1", 1},
        {"train --data LONG --words --add-unlabelled GARBAGE --steps 1", 1},  /* not UTF-8 text */
        {"eval --model %s", 2},
        {"eval --model %s --data LONG --context 4 --stride 5", 1},            /* stride > context */
        {"convert --in %s", 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[1024], *a1, *a2, *a3, *a4, *a5;
        snprintf(args, sizeof args, cases[k].fmt, ck);
        a1 = replace_if(args, "TRUNCTOK", trunc_tok);
        a2 = replace_if(a1, "TRUNC", trunc);
        a3 = replace_if(a2, "GARBAGE", garbage);
        a4 = replace_if(a3, "TOY", toy);
        a5 = replace_if(a4, "LONG", long_prompt);
        char *a6 = replace_if(a5, "TOK", tok);
        snprintf(cmd, sizeof cmd, "%s %s > /dev/null 2> %s", gpt, a6, out2);
        int st = run(cmd);
        size_t n;
        char *msg = read_all(out2, &n);
        printf("CLI %-60.60s exit %d  %.100s\n", cases[k].fmt, st, msg);
        ck_assert_msg(st == cases[k].status, "gpt %s: exit %d, want %d", a6, st, cases[k].status);
        if (st == 1) ck_assert_msg(strstr(msg, "gpt: error:") != NULL, "no error message for %s", a6);
        if (strstr(cases[k].fmt, "prompt-file LONG")) ck_assert(strstr(msg, "keeping its last") != NULL);
        free(msg);
        free(a1), free(a2), free(a3), free(a4), free(a5), free(a6);
    }
}
END_TEST

/* gpt_backward_final (the entry of fine-tuning heads) against central
 * differences of L = sum(lnf * R) over every parameter. */
typedef struct {
    Gpt *m;
    const int *x;
    const float *r;
    int B, T;
} LnfCtx;

static double lnf_loss(void *p) {
    LnfCtx *c = p;
    gpt_forward(c->m, c->x, NULL, c->B, c->T);
    double s = 0.0;
    for (size_t i = 0; i < (size_t)c->B * c->T * c->m->cfg.channels; i++) s += (double)c->m->a.lnf[i] * c->r[i];
    return s;
}

START_TEST(test_backward_final_gradcheck) {
    Gpt m;
    GptConfig cfg = {.max_seq_len = 6, .vocab_size = 11, .n_layer = 1, .n_head = 2, .channels = 8, .bias = 1};
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 3);
    /* embeddings of unit scale, as after training: with GPT-2's 0.02 the
     * stream is so small that LayerNorm is far from linear over eps = 1e-2 */
    float *emb[2] = {m.w.wte, m.w.wpe};
    size_t emb_n[2] = {11 * 8, 6 * 8};
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < emb_n[e]; i++) emb[e][i] *= 50.0f;
    int x[12] = {1, 5, 2, 9, 0, 3, 4, 4, 7, 10, 6, 8};
    float r[2 * 6 * 8];
    Rng g;
    rng_seed(&g, 9, 0);
    rng_fill_uniform(&g, r, 96, -1.0f, 1.0f);
    LnfCtx c = {&m, x, r, 2, 6};
    lnf_loss(&c);
    params_zero_grad(&m.pt);
    gpt_backward_final(&m, r);
    float *grad = malloc(m.pt.total * sizeof(float));
    memcpy(grad, m.pt.grads, m.pt.total * sizeof(float));
    double err = gradcheck("gpt_backward_final, all parameters", lnf_loss, &c, m.pt.values, grad, m.pt.total, 1e-2f);
    printf("GRADCHECK backward_final: max relative error %.2e (tolerance 2e-2)\n", err);
    ck_assert(err < 2e-2);
    free(grad);
    gpt_free(&m);
}
END_TEST

/* Fine-tuning learns a toy task (label = whether token 3 occurs), far above chance. */
START_TEST(test_finetune_toy) {
    Gpt m;
    random_model(&m, 0, 12);
    for (size_t i = 0; i < m.pt.total; i++) m.pt.values[i] /= 5.0f;   /* back to GPT-2's scale */
    ClassData d = {0};
    int n = 256;
    d.offset = malloc((size_t)(n + 1) * sizeof(int));
    d.ids = malloc((size_t)n * 12 * sizeof(int));
    d.label = malloc((size_t)n * sizeof(int));
    d.n = n;
    Rng r;
    rng_seed(&r, 4, 0);
    d.offset[0] = 0;
    for (int i = 0; i < n; i++) {
        int len = 4 + (int)rng_below(&r, 9), has = 0;
        for (int t = 0; t < len; t++) {
            int id = 4 + (int)rng_below(&r, 40);
            if (rng_below(&r, 2 * len) == 0) id = 3;
            has |= id == 3;
            d.ids[d.offset[i] + t] = id;
        }
        d.label[i] = has;
        d.offset[i + 1] = d.offset[i] + len;
    }
    ClassHead h;
    class_head_init(&h, 2, m.cfg.channels, 1);
    FinetuneConfig fc = {.batch = 16, .epochs = 15, .lr = 3e-3f, .weight_decay = 0.0f, .dropout = 0.0f,
                         .grad_clip = 1.0f, .seed = 1, .quiet = 1};
    double before = gpt_classify_accuracy(&m, &h, &d, 16);
    gpt_finetune(&m, &h, &fc, &d);
    double after = gpt_classify_accuracy(&m, &h, &d, 16);
    printf("FINETUNE toy task: training accuracy %.3f -> %.3f\n", before, after);
    ck_assert(after > 0.9);
    /* a checkpoint's Adam moments (pretraining's) do not leak into fine-tuning:
     * the same model with junk moments fine-tunes to the same weights */
    Gpt a, b;
    random_model(&a, 0, 12);
    random_model(&b, 0, 12);
    for (size_t i = 0; i < b.pt.total; i++) b.pt.m[i] = 0.5f, b.pt.v[i] = 3.0f;
    fc.epochs = 1;
    ClassHead ha, hb;
    class_head_init(&ha, 2, a.cfg.channels, 1);
    class_head_init(&hb, 2, b.cfg.channels, 1);
    gpt_finetune(&a, &ha, &fc, &d);
    gpt_finetune(&b, &hb, &fc, &d);
    ck_assert_mem_eq(a.pt.values, b.pt.values, a.pt.total * sizeof(float));
    class_head_free(&ha), class_head_free(&hb);
    gpt_free(&a), gpt_free(&b);
    class_head_free(&h);
    class_data_free(&d);
    gpt_free(&m);
}
END_TEST


/* Every token of a stream scored once: stride T over a whole number of
 * windows is gpt eval's loss; a leftover is scored too; stride 1 gives each
 * token exactly the last T tokens before it as context. */
START_TEST(test_eval_stream) {
    Gpt m;
    int T = 8, V = 50, n = 4 * 8 + 1;
    random_model(&m, 0, T);
    int stream[40];
    Rng r;
    rng_seed(&r, 9, 0);
    for (int i = 0; i < 40; i++) stream[i] = (int)rng_below(&r, (uint32_t)V);
    size_t count, c2;
    float whole = (float)gpt_eval_windows(&m, stream, (size_t)n, T, &count);
    float stream_loss = (float)gpt_eval_stream(&m, stream, (size_t)n, T, T, &c2);
    ck_assert_uint_eq(c2, count);
    ck_assert(check_tensor("eval stream stride T == eval windows", &stream_loss, &whole, 1, 1e-5f));
    /* brute force: token j (1..n-1) predicted from tokens[max(0, j-T) .. j) */
    GptCache c;
    gpt_cache_init(&c, &m);
    float *logits = malloc((size_t)T * V * sizeof(float)), *probs = malloc((size_t)V * sizeof(float));
    int N = 37;
    double sum = 0.0;
    for (int j = 1; j < N; j++) {
        int a = j > T ? j - T : 0;
        gpt_cache_reset(&c);
        gpt_forward_cached(&m, &c, stream + a, j - a, logits);
        sum += crossentropy_forward(probs, logits + (size_t)(j - a - 1) * V, stream + j, 1, V, -1, 0.0f);
    }
    float brute = (float)(sum / (N - 1)), sliding = (float)gpt_eval_stream(&m, stream, (size_t)N, T, 1, &c2);
    ck_assert_uint_eq(c2, (size_t)N - 1);
    ck_assert(check_tensor("eval stream stride 1 == token by token", &sliding, &brute, 1, 1e-5f));
    /* stride T with a leftover (36 predictions = 4 windows + 4): all scored, the
     * last window reaching back; strides in between land between the two */
    float wins = (float)gpt_eval_stream(&m, stream, (size_t)N, T, T, &c2), mid = (float)gpt_eval_stream(&m, stream, (size_t)N, T, 3, &c2);
    ck_assert_uint_eq(c2, (size_t)N - 1);
    printf("EVAL stream: stride 8 %.4f, stride 3 %.4f, stride 1 %.4f\n", wins, mid, sliding);
    ck_assert(isfinite(wins) && isfinite(mid));
    free(logits);
    free(probs);
    gpt_cache_free(&c);
    gpt_free(&m);
}
END_TEST

/* The word tokenizer: rnn/'s </s>-framed stream, <unk> for unseen words,
 * the vocabulary file named by the checkpoint config, tokens written back. */
START_TEST(test_word_tokenizer) {
    const char *text = "the cat sat\nthe dog\n";
    Tokenizer tk;
    tokenizer_words_from_text(&tk, text, strlen(text), 1);
    ck_assert_int_eq(tk.kind, 2);
    ck_assert_int_eq(tk.vocab_size, 4 + 4);   /* specials + the cat sat dog */
    size_t n;
    int *ids = tokenizer_encode(&tk, "the cat\nbird dog", 16, &n);
    const char *want[] = {"</s>", "the", "cat", "</s>", "<unk>", "dog", "</s>"};
    ck_assert_uint_eq(n, 7);
    for (size_t i = 0; i < n; i++) ck_assert_str_eq(vocab_token(tk.words, ids[i]), want[i]);
    /* written back: words with spaces, </s> as a newline */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    for (size_t i = 1; i < n; i++) tokenizer_write(&tk, ids[i], f);
    fclose(f);
    ck_assert_str_eq(out, "the cat \n<unk> dog \n");
    free(out);
    /* through a checkpoint's config and the saved vocabulary */
    const char *vpath = tmp_path("words_vocab.txt");
    vocab_save(tk.words, vpath);
    char config[2048];
    tokenizer_config_text(&tk, vpath, config, sizeof config);
    Tokenizer back;
    tokenizer_from_config(&back, config, NULL);
    ck_assert_int_eq(back.kind, 2);
    ck_assert_int_eq(back.vocab_size, tk.vocab_size);
    size_t n2;
    int *ids2 = tokenizer_encode(&back, "the cat\nbird dog", 16, &n2);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(ids2, ids, n * sizeof(int));
    /* min count 2: words seen once are <unk> */
    Tokenizer pruned;
    tokenizer_words_from_text(&pruned, text, strlen(text), 2);
    ck_assert_int_eq(pruned.vocab_size, 4 + 1);
    free(ids);
    free(ids2);
    tokenizer_free(&tk);
    tokenizer_free(&back);
    tokenizer_free(&pruned);
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
    Tokenizer tk;
    tokenizer_words_from_text(&tk, text, len, 1);
    free(text);
    /* PTB's 10,000 words count <unk> and the end of sentence: 9,999 + our 3 other specials */
    ck_assert_int_eq(tk.vocab_size, 9999 + 3);
    text = text_load(test, &len);
    int *ids = tokenizer_encode(&tk, text, len, &n);
    ck_assert_uint_eq(n - 1, 82430);
    /* written back, the stream is the file again (spaces aside: PTB's lines
     * start and end with one) */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    for (size_t i = 1; i < n; i++) tokenizer_write(&tk, ids[i], f);
    fclose(f);
    char *norm = squeeze_spaces(text), *back = squeeze_spaces(out);
    ck_assert_str_eq(back, norm);
    free(back);
    free(norm);
    free(out);
    free(ids);
    free(text);
    tokenizer_free(&tk);
}
END_TEST

static Suite *gpt_suite(void) {
    Suite *s = suite_create("gpt");
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
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("model");
    tcase_set_timeout(tm, 60);
    tcase_add_test(tm, test_model_pytorch);
    tcase_add_test(tm, test_model_pytorch_nobias);
    tcase_add_test(tm, test_kv_cache);
    tcase_add_test(tm, test_eval_stream);
    tcase_add_test(tm, test_word_tokenizer);
    tcase_add_test(tm, test_ptb_words);
    tcase_add_test(tm, test_llmc_roundtrip);
    tcase_add_test(tm, test_llmc_reference);
    tcase_add_test(tm, test_llmc_bad);
    tcase_add_test(tm, test_resume_bitwise);
    tcase_add_test(tm, test_sampler);
    tcase_add_test(tm, test_backward_final_gradcheck);
    tcase_add_test(tm, test_finetune_toy);
    tcase_add_test(tm, test_model_cli);
    suite_add_tcase(s, tm);
    return s;
}

TEST_MAIN(gpt_suite)
