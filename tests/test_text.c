/*
 * test_text.c -- UTF-8, vocabularies, splits and token files (common/text.h).
 *
 * Known answers on hand-made inputs: the byte offset of each kind of invalid
 * UTF-8, the ids of a toy vocabulary, the effect of each cutoff, and every
 * malformed vocabulary or token file rejected with its own message. When
 * `make data` has built data/cache/bible/, its files are checked for line
 * alignment too (skipped with a note otherwise).
 */
#include "harness.h"
#include "text.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITE_STR(path, s) write_bytes((path), (s), sizeof(s) - 1)

/* ------------------------------------------------------------------ UTF-8 */

/* Expect s (n bytes) to be invalid with its first bad sequence at offset want. */
static void expect_bad(const char *label, const char *s, size_t n, size_t want) {
    size_t bad = 12345;
    ck_assert_msg(utf8_validate(s, n, &bad) == 0, "%s: accepted", label);
    ck_assert_msg(bad == want, "%s: bad offset %zu, want %zu", label, bad, want);
}
#define EXPECT_BAD(label, lit, want) expect_bad((label), (lit), sizeof(lit) - 1, (want))

START_TEST(test_utf8_valid) {
    const char s[] = "plain ASCII, caf\xC3\xA9, \xE2\x82\xAC 5, \xF0\x9D\x84\x9E clef, "
                     "edges \xED\x9F\xBF \xEE\x80\x80 \xF4\x8F\xBF\xBF \xC2\x80";
    size_t bad = 0;
    ck_assert(utf8_validate(s, sizeof s - 1, &bad) == 1);
    ck_assert(utf8_validate("", 0, &bad) == 1);
    uint32_t cp;
    ck_assert_int_eq(utf8_decode("\xC3\xA9", 2, &cp), 2);
    ck_assert_uint_eq(cp, 0xE9);
    ck_assert_int_eq(utf8_decode("\xE2\x82\xAC", 3, &cp), 3);
    ck_assert_uint_eq(cp, 0x20AC);
    ck_assert_int_eq(utf8_decode("\xF0\x9D\x84\x9E", 4, &cp), 4);
    ck_assert_uint_eq(cp, 0x1D11E);
    /* encode -> decode round trip over every length class and the range ends */
    const uint32_t cps[] = {0x1, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char buf[4];
        int k = utf8_encode(cps[i], buf);
        uint32_t back = 0;
        ck_assert_int_eq(utf8_decode(buf, (size_t)k, &back), k);
        ck_assert_uint_eq(back, cps[i]);
    }
}
END_TEST

START_TEST(test_utf8_invalid_offsets) {
    EXPECT_BAD("overlong 2-byte '/'", "ab\xC0\xAF", 2);
    EXPECT_BAD("overlong 3-byte", "a\xE0\x80\xAF", 1);
    EXPECT_BAD("overlong 4-byte", "\xF0\x80\x80\xAF", 0);
    EXPECT_BAD("surrogate U+D800", "xy\xED\xA0\x80z", 2);
    EXPECT_BAD("surrogate U+DFFF", "\xC3\xA9\xED\xBF\xBF", 2);
    EXPECT_BAD("above U+10FFFF", "ok \xF4\x90\x80\x80", 3);
    EXPECT_BAD("lead byte F5", "\xF5\x80\x80\x80", 0);
    EXPECT_BAD("truncated at end", "abc\xE2\x82", 3);
    EXPECT_BAD("truncated before ASCII", "\xE2\x82X tail", 0);
    EXPECT_BAD("stray continuation", "\xC3\xA9\x80", 2);
    EXPECT_BAD("lone lead then space", "caf\xC3 ", 3);
}
END_TEST

START_TEST(test_text_read_reports_offset) {
    const char *p = tmp_path("latin1");
    WRITE_STR(p, "line one\ncaf\xE9 au lait\n");   /* Latin-1 e-acute at byte 12, line 2 */
    char *buf = NULL, err[512];
    size_t len, bad;
    ck_assert_int_eq(text_read(p, &buf, &len, &bad, err, sizeof err), -1);
    ck_assert_uint_eq(bad, 12);
    ck_assert_msg(strstr(err, "invalid UTF-8 at byte 12 (line 2)") && strstr(err, "iconv"), "message: %s", err);

    WRITE_STR(p, "ab\0cd");
    ck_assert_int_eq(text_read(p, &buf, &len, &bad, err, sizeof err), -1);
    ck_assert_uint_eq(bad, 2);
    ck_assert_msg(strstr(err, "NUL byte at byte 2") != NULL, "message: %s", err);

    ck_assert_int_eq(text_read("/nonexistent/x.txt", &buf, &len, &bad, err, sizeof err), -1);
    ck_assert_uint_eq(bad, SIZE_MAX);
    ck_assert_msg(strstr(err, "cannot open") != NULL, "message: %s", err);

    WRITE_STR(p, "\xC3\xA9t\xC3\xA9\n");
    ck_assert_int_eq(text_read(p, &buf, &len, &bad, err, sizeof err), 0);
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(buf, "\xC3\xA9t\xC3\xA9\n");
    free(buf);
    unlink(p);
}
END_TEST

/* The command-line wrapper dies (exit status 1) with the same message. */
START_TEST(test_text_load_dies) {
    util_set_prog("test_text");
    /* would print "test_text: error: 'tests/fixtures/text_latin1.txt': invalid UTF-8 at byte 3
     * (line 1)"; silenced so that an expected error does not look like a failure in the log */
    ck_assert(freopen("/dev/null", "w", stderr) != NULL);
    text_load("tests/fixtures/text_latin1.txt", NULL);
}
END_TEST

START_TEST(test_lines) {
    char *buf = xstrdup("a\r\nb\n\nlast");
    Lines *l = lines_from_buffer(buf, strlen(buf));
    ck_assert_uint_eq(l->n, 4);
    ck_assert_str_eq(l->line[0], "a");
    ck_assert_str_eq(l->line[1], "b");
    ck_assert_str_eq(l->line[2], "");
    ck_assert_str_eq(l->line[3], "last");
    lines_free(l);
    l = lines_from_buffer(xstrdup(""), 0);
    ck_assert_uint_eq(l->n, 0);
    lines_free(l);
}
END_TEST

/* ------------------------------------------------------------ vocabularies */

static const char TOY[] = "the cat sat on the mat\nthe end";

START_TEST(test_vocab_build_ids) {
    Vocab *v = vocab_build(VOCAB_WORD, TOY, strlen(TOY), 1, 0);
    /* specials, then "the" (3), then the count-1 words in byte order */
    const char *want[] = {"<unk>", "<s>", "</s>", "<pad>", "the", "cat", "end", "mat", "on", "sat"};
    ck_assert_int_eq(v->size, 10);
    for (int i = 0; i < 10; i++) {
        ck_assert_str_eq(vocab_token(v, i), want[i]);
        ck_assert_int_eq(vocab_id(v, want[i]), i);
    }
    ck_assert_int_eq(v->counts[4], 3);
    ck_assert_int_eq(v->counts[VOCAB_UNK], 0);
    /* unknown words -> <unk>; the sizing call with cap 0 */
    const char *s = "the dog sat  on\tthe\nmoon ";
    size_t n = vocab_encode(v, s, strlen(s), NULL, 0);
    ck_assert_uint_eq(n, 6);
    int ids[6];
    vocab_encode(v, s, strlen(s), ids, 6);
    const int want_ids[] = {4, VOCAB_UNK, 9, 8, 4, VOCAB_UNK};
    for (int i = 0; i < 6; i++) ck_assert_int_eq(ids[i], want_ids[i]);
    ck_assert_int_eq(vocab_find(v, "dog", 3), -1);
    ck_assert_int_eq(vocab_find(v, "them", 3), 4);   /* length-bounded lookup of "the" */
    vocab_free(v);
}
END_TEST

START_TEST(test_vocab_cutoffs) {
    const char text[] = "a a a a b b b c c d <unk> <unk>";
    Vocab *v = vocab_build(VOCAB_WORD, text, strlen(text), 2, 0);   /* d (1) is cut */
    ck_assert_int_eq(v->size, 7);
    ck_assert_int_eq(vocab_id(v, "d"), VOCAB_UNK);
    ck_assert_int_eq(vocab_id(v, "c"), 6);
    ck_assert_int_eq(v->counts[VOCAB_UNK], 3);   /* 2 literal <unk> + 1 d */
    vocab_free(v);

    v = vocab_build(VOCAB_WORD, text, strlen(text), 1, 6);   /* room for a, b only */
    ck_assert_int_eq(v->size, 6);
    ck_assert_int_eq(vocab_id(v, "a"), 4);
    ck_assert_int_eq(vocab_id(v, "b"), 5);
    ck_assert_int_eq(vocab_id(v, "c"), VOCAB_UNK);
    ck_assert_int_eq(v->counts[VOCAB_UNK], 2 + 2 + 1);
    /* encoding the counted text yields exactly counts[<unk>] unknowns */
    int ids[12];
    ck_assert_uint_eq(vocab_encode(v, text, strlen(text), ids, 12), 12);
    long unk = 0;
    for (int i = 0; i < 12; i++) unk += ids[i] == VOCAB_UNK;
    ck_assert_int_eq(unk, v->counts[VOCAB_UNK]);
    vocab_free(v);

    /* ties at the cut are broken by byte order: "B" < "a" < "b" */
    const char ties[] = "b a B";
    v = vocab_build(VOCAB_WORD, ties, strlen(ties), 1, 6);
    ck_assert_str_eq(vocab_token(v, 4), "B");
    ck_assert_str_eq(vocab_token(v, 5), "a");
    vocab_free(v);
}
END_TEST

START_TEST(test_vocab_char) {
    const char text[] = "caf\xC3\xA9 \xC3\xA9t\xC3\xA9\n\\\t";
    Vocab *v = vocab_build(VOCAB_CHAR, text, sizeof text - 1, 1, 0);
    ck_assert_int_eq(vocab_id(v, "\xC3\xA9"), 4);   /* 3 times: the most frequent */
    ck_assert_int_eq(v->counts[4], 3);
    size_t n = vocab_encode(v, text, sizeof text - 1, NULL, 0);
    ck_assert_uint_eq(n, 11);   /* code points, not bytes (14) */
    /* an invalid byte is one <unk> */
    int ids[3];
    ck_assert_uint_eq(vocab_encode(v, "c\xFF" "a", 3, ids, 3), 3);
    ck_assert_int_eq(ids[1], VOCAB_UNK);
    ck_assert_int_eq(ids[0], vocab_id(v, "c"));
    vocab_free(v);
}
END_TEST

START_TEST(test_vocab_hash_growth) {
    Vocab *v = vocab_new(VOCAB_WORD);
    char w[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(w, sizeof w, "w%d", i);
        if (vocab_add(v, w, strlen(w), i) != VOCAB_NSPECIAL + i) ck_abort_msg("add %s: wrong id", w);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(w, sizeof w, "w%d", i);
        if (vocab_id(v, w) != VOCAB_NSPECIAL + i) ck_abort_msg("lookup %s: wrong id", w);
    }
    ck_assert_int_eq(vocab_add(v, "w7", 2, 5), VOCAB_NSPECIAL + 7);
    ck_assert_int_eq(v->counts[VOCAB_NSPECIAL + 7], 12);
    vocab_free(v);
}
END_TEST

static void expect_same_vocab(const Vocab *a, const Vocab *b) {
    ck_assert_int_eq(a->kind, b->kind);
    ck_assert_int_eq(a->size, b->size);
    for (int i = 0; i < a->size; i++) {
        ck_assert_str_eq(a->tokens[i], b->tokens[i]);
        ck_assert_int_eq(a->counts[i], b->counts[i]);
        ck_assert_int_eq(vocab_id(b, a->tokens[i]), i);
    }
}

START_TEST(test_vocab_save_load) {
    const char *p = tmp_path("vocab");
    Vocab *v = vocab_build(VOCAB_WORD, TOY, strlen(TOY), 1, 0);
    vocab_save(v, p);
    Vocab *w = vocab_load(p);
    expect_same_vocab(v, w);
    int a[8], b[8];
    vocab_encode(v, TOY, strlen(TOY), a, 8);
    vocab_encode(w, TOY, strlen(TOY), b, 8);
    for (int i = 0; i < 8; i++) ck_assert_int_eq(a[i], b[i]);
    vocab_free(v);
    vocab_free(w);

    /* a char vocabulary with the characters that must be escaped */
    const char text[] = "a\tb\\c\nd\r \xE2\x82\xAC";
    v = vocab_build(VOCAB_CHAR, text, sizeof text - 1, 1, 0);
    vocab_save(v, p);
    w = vocab_load(p);
    expect_same_vocab(v, w);
    vocab_free(v);
    vocab_free(w);
    unlink(p);
}
END_TEST

/* Write contents to a vocabulary file and expect vocab_read to fail with want in its message. */
static void expect_bad_vocab(const char *contents, const char *want) {
    const char *p = tmp_path("badvocab");
    write_bytes(p, contents, strlen(contents));
    Vocab *v = NULL;
    char err[512] = "";
    ck_assert_msg(vocab_read(p, &v, err, sizeof err) == -1, "accepted: %s", contents);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    ck_assert_msg(strstr(err, p) != NULL, "message '%s' lacks the path", err);
    unlink(p);
}

#define SPECIAL_LINES "<unk>\t0\n<s>\t0\n</s>\t0\n<pad>\t0\n"

START_TEST(test_vocab_malformed) {
    expect_bad_vocab("", "is empty");
    expect_bad_vocab("the\t5\n", "not a vocabulary header");
    expect_bad_vocab("nlp-vocab 2 word 5\n" SPECIAL_LINES "x\t1\n", "not a vocabulary header");
    expect_bad_vocab("nlp-vocab 1 byte 5\n" SPECIAL_LINES "x\t1\n", "not a vocabulary header");
    expect_bad_vocab("nlp-vocab 1 word 6\n" SPECIAL_LINES "x\t1\n", "header says 6 tokens but 5 lines");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "x 1\n", "line 6: expected 'token<TAB>count'");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "x\t1x\n", "line 6: the count");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "x\t-3\n", "line 6: the count");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "\t3\n", "line 6: empty token");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "a\\qb\t3\n", "line 6: unknown backslash escape");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "a b\t3\n", "line 6: a word token contains whitespace");
    expect_bad_vocab("nlp-vocab 1 word 6\n" SPECIAL_LINES "x\t2\nx\t1\n", "line 7: duplicate token 'x' (first on line 6)");
    expect_bad_vocab("nlp-vocab 1 word 5\n<s>\t0\n<unk>\t0\n</s>\t0\n<pad>\t0\nx\t1\n",
                     "line 2: expected the special token '<unk>' at id 0");
    expect_bad_vocab("nlp-vocab 1 char 5\n" SPECIAL_LINES "ab\t1\n", "exactly one character");
    expect_bad_vocab("nlp-vocab 1 word 5\n" SPECIAL_LINES "caf\xE9\t1\n", "invalid UTF-8 at byte");
    /* CRLF line ends are accepted */
    const char *p = tmp_path("crlf");
    WRITE_STR(p, "nlp-vocab 1 word 5\r\n<unk>\t0\r\n<s>\t0\r\n</s>\t0\r\n<pad>\t0\r\nx\t1\r\n");
    Vocab *v;
    char err[256];
    ck_assert_msg(vocab_read(p, &v, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(vocab_id(v, "x"), 4);
    vocab_free(v);
    unlink(p);
}
END_TEST

/* ------------------------------------------------------------------ splits */

static void split_sizes(const unsigned char *s, size_t n, size_t got[3]) {
    got[0] = got[1] = got[2] = 0;
    for (size_t i = 0; i < n; i++) got[s[i]]++;
}

START_TEST(test_split_contiguous) {
    unsigned char s[100];
    split_assign(s, 100, 0.1, 0.05, SPLIT_CONTIGUOUS);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(s[i], i < 85 ? SPLIT_TRAIN : i < 95 ? SPLIT_VALID : SPLIT_TEST);
    split_assign(s, 7, 0.1, 0.1, SPLIT_CONTIGUOUS);   /* round(0.7) = 1 each */
    size_t got[3];
    split_sizes(s, 7, got);
    ck_assert_uint_eq(got[0], 5);
    ck_assert_uint_eq(got[1], 1);
    ck_assert_uint_eq(got[2], 1);
    split_assign(s, 0, 0.1, 0.1, SPLIT_CONTIGUOUS);   /* nothing to do, no crash */
}
END_TEST

START_TEST(test_split_interleaved) {
    const size_t sizes[] = {1, 7, 100, 1001, 31102};
    const double fracs[][2] = {{0.1, 0.1}, {0.05, 0.05}, {0.2, 0.0}, {0.0, 0.0}, {1.0 / 3, 1.0 / 3}};
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (size_t b = 0; b < sizeof fracs / sizeof fracs[0]; b++) {
            size_t n = sizes[a];
            unsigned char *s1 = malloc(n), *s2 = malloc(n);
            split_assign(s1, n, fracs[b][0], fracs[b][1], SPLIT_INTERLEAVED);
            split_assign(s2, n, fracs[b][0], fracs[b][1], SPLIT_INTERLEAVED);
            ck_assert_msg(memcmp(s1, s2, n) == 0, "not deterministic");
            size_t got[3];
            split_sizes(s1, n, got);
            size_t nv = (size_t)llround((double)n * fracs[b][0]), nt = (size_t)llround((double)n * fracs[b][1]);
            ck_assert_msg(got[1] == nv && got[2] == nt && got[0] == n - nv - nt,
                          "n=%zu fracs %g %g: got %zu/%zu/%zu", n, fracs[b][0], fracs[b][1], got[0], got[1], got[2]);
            free(s1);
            free(s2);
        }
    /* spread out: with 10% valid, every block of 10 items holds exactly one valid item */
    unsigned char s[100];
    split_assign(s, 100, 0.1, 0.0, SPLIT_INTERLEAVED);
    for (int blk = 0; blk < 10; blk++) {
        int nv = 0;
        for (int i = 0; i < 10; i++) nv += s[blk * 10 + i] == SPLIT_VALID;
        ck_assert_int_eq(nv, 1);
    }
}
END_TEST

/* ------------------------------------------------------------- token files */

START_TEST(test_tokens_round_trip) {
    const char *p = tmp_path("tok");
    int ids[1000];
    for (int i = 0; i < 1000; i++) ids[i] = (i * 7919) % 10007;
    const int vocab_sizes[] = {10007, 70000};   /* u16 storage, then i32 */
    const long want_bytes[] = {32 + 2000, 32 + 4000};
    for (int k = 0; k < 2; k++) {
        tokens_save(p, ids, 1000, vocab_sizes[k]);
        FILE *f = fopen(p, "rb");
        fseek(f, 0, SEEK_END);
        ck_assert_int_eq(ftell(f), want_bytes[k]);
        fclose(f);
        size_t n;
        int vs;
        int *back = tokens_load(p, &n, &vs);
        ck_assert_uint_eq(n, 1000);
        ck_assert_int_eq(vs, vocab_sizes[k]);
        ck_assert(memcmp(back, ids, sizeof ids) == 0);
        free(back);
    }
    tokens_save(p, ids, 0, 5);   /* an empty token file is valid */
    size_t n;
    int vs;
    free(tokens_load(p, &n, &vs));
    ck_assert_uint_eq(n, 0);
    unlink(p);
}
END_TEST

/* Write n bytes as a token file; expect tokens_read to fail with want in its message. */
static void expect_bad_tokens(const char *bytes, size_t n, const char *want) {
    const char *p = tmp_path("badtok");
    write_bytes(p, bytes, n);
    int *ids = NULL, vs;
    size_t count;
    char err[512] = "";
    ck_assert_msg(tokens_read(p, &ids, &count, &vs, err, sizeof err) == -1, "accepted a bad token file");
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    unlink(p);
}

START_TEST(test_tokens_bad_files) {
    char p[512];   /* a copy: tmp_path reuses its buffers after 8 calls */
    snprintf(p, sizeof p, "%s", tmp_path("tok"));
    int ids[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    tokens_save(p, ids, 10, 10);
    size_t len;
    char *good = read_file(p, &len);
    ck_assert_uint_eq(len, 32 + 20);
    char bad[64];

    expect_bad_tokens(good, len - 1, "(truncated)");
    expect_bad_tokens(good, 20, "shorter than the 32-byte header");
    expect_bad_tokens(good, 0, "wrong magic");
    memcpy(bad, good, len);
    bad[len] = 0;
    expect_bad_tokens(bad, len + 1, "(trailing bytes)");
    bad[0] = 'X';
    expect_bad_tokens(bad, len, "wrong magic");
    memcpy(bad, good, len);
    bad[8] = 9;   /* version */
    expect_bad_tokens(bad, len, "version 9");
    memcpy(bad, good, len);
    bad[12] = 4;  /* unknown flag */
    expect_bad_tokens(bad, len, "unknown flags");
    memcpy(bad, good, len);
    bad[24] = 5;  /* vocabulary size 5: ids 5..9 are out of range */
    expect_bad_tokens(bad, len, "token 5 has id 5, not below the vocabulary size 5");
    memcpy(bad, good, len);
    bad[24] = 0;
    expect_bad_tokens(bad, len, "bad vocabulary size 0");
    free(good);
    unlink(p);
}
END_TEST

/* ------------------------------------------------------- the Bible corpus */

static Lines *try_lines(const char *path) {
    if (access(path, R_OK) != 0) return NULL;
    return lines_load(path);
}

/* Each line, then </s>; with lead_eos one more </s> before all (the context of the first word). */
START_TEST(test_sentence_stream) {
    const char text[] = "a b\n\nb zzz\nb";   /* an empty line is a sentence of no words; no final \n */
    Vocab *v = vocab_build(VOCAB_WORD, "a b b", 5, 1, 0);
    int a = vocab_id(v, "a"), b = vocab_id(v, "b"), E = VOCAB_EOS, U = VOCAB_UNK;
    size_t n;
    int *ids = text_sentence_stream(v, text, strlen(text), 0, &n);
    int want[] = { a, b, E, E, b, U, E, b, E };
    ck_assert_uint_eq(n, 9);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(ids[i], want[i]);
    free(ids);
    ids = text_sentence_stream(v, text, strlen(text), 1, &n);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(ids[0], E);
    for (size_t i = 1; i < n; i++) ck_assert_int_eq(ids[i], want[i - 1]);
    free(ids);
    ids = text_sentence_stream(v, "", 0, 1, &n);
    ck_assert_uint_eq(n, 1);
    free(ids);
    vocab_free(v);
}
END_TEST

START_TEST(test_bible_files_aligned) {
    const char *splits[] = {"train", "valid", "test"};
    size_t total = 0;
    for (int s = 0; s < 3; s++) {
        char wp[128], cp[128], lp[128];
        snprintf(wp, sizeof wp, "data/cache/bible/words.%s.txt", splits[s]);
        snprintf(cp, sizeof cp, "data/cache/bible/chars.%s.txt", splits[s]);
        snprintf(lp, sizeof lp, "data/cache/bible/labels.%s.tsv", splits[s]);
        Lines *w = try_lines(wp), *c = try_lines(cp), *l = try_lines(lp);
        if (!w || !c || !l) {
            const char *missing = !w ? wp : !c ? cp : lp;
            lines_free(w);
            lines_free(c);
            lines_free(l);
            SKIP_TEST("%s not found (run `make data` or `scripts/data.sh bible`)", missing);
        }
        ck_assert_msg(w->n == c->n && c->n == l->n, "%s: %zu words / %zu chars / %zu labels lines",
                      splits[s], w->n, c->n, l->n);
        ck_assert_msg(w->n > 0, "%s is empty", wp);
        /* plain ifs in the loop: each ck_assert costs a system call, and there are 31k lines */
        for (size_t i = 0; i < w->n; i++) {
            const char *x = w->line[i];
            size_t len = strlen(x);
            int upper = 0, tabs = 0;
            for (const char *p = x; *p; p++) upper |= *p >= 'A' && *p <= 'Z';
            for (const char *t = l->line[i]; *t; t++) tabs += *t == '\t';
            if (len == 0 || x[0] == ' ' || x[len - 1] == ' ' || strstr(x, "  ") || upper)
                ck_abort_msg("%s line %zu: not normalised: '%s'", wp, i + 1, x);
            if (c->line[i][0] == '\0') ck_abort_msg("%s line %zu is empty", cp, i + 1);
            if (tabs != 2) ck_abort_msg("%s line %zu: want division<TAB>book<TAB>reference", lp, i + 1);
        }
        total += w->n;
        lines_free(w);
        lines_free(c);
        lines_free(l);
    }
    ck_assert_uint_eq(total, 31102);
    printf("bible: %zu verses, words/chars/labels aligned\n", total);
}
END_TEST

/* MR polarity is Latin-1: the reader must refuse it and accept make data's UTF-8 copy. */
START_TEST(test_bible_division_names) {
    ck_assert_int_eq(bible_division("law"), 0);
    ck_assert_int_eq(bible_division("law\tGenesis\tGenesis 1:1"), 0);
    ck_assert_int_eq(bible_division("revelation\tRevelation\tRevelation 22:21"), BIBLE_DIVISIONS - 1);
    ck_assert_int_eq(bible_division("epistles"), 6);
    ck_assert_int_eq(bible_division("la\tx"), -1);     /* a prefix of a name is not the name */
    ck_assert_int_eq(bible_division("laws"), -1);
    ck_assert_int_eq(bible_division(""), -1);
    ck_assert_int_eq(bible_division("\tlaw"), -1);
}
END_TEST

START_TEST(test_mr_polarity_encoding) {
    const char *raw = "data/cache/mr-polarity/rt-polarity.pos", *utf8 = "data/cache/mr-polarity/rt-polarity.pos.utf8";
    if (access(raw, R_OK) != 0 || access(utf8, R_OK) != 0)
        SKIP_TEST("%s not found (run `make data`)", raw);
    char *buf, err[1024];
    size_t len, bad;
    ck_assert_int_eq(text_read(raw, &buf, &len, &bad, err, sizeof err), -1);
    ck_assert_uint_eq(bad, 4645);   /* the first Latin-1 byte of the file */
    printf("MR raw file rejected as expected: %s\n", err);
    ck_assert_msg(text_read(utf8, &buf, &len, &bad, err, sizeof err) == 0, "%s", err);
    free(buf);
}
END_TEST

Suite *text_suite(void) {
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_utf8_valid);
    tcase_add_test(tc, test_utf8_invalid_offsets);
    tcase_add_test(tc, test_text_read_reports_offset);
    tcase_add_exit_test(tc, test_text_load_dies, 1);
    tcase_add_test(tc, test_lines);
    tcase_add_test(tc, test_vocab_build_ids);
    tcase_add_test(tc, test_vocab_cutoffs);
    tcase_add_test(tc, test_vocab_char);
    tcase_add_test(tc, test_vocab_hash_growth);
    tcase_add_test(tc, test_vocab_save_load);
    tcase_add_test(tc, test_vocab_malformed);
    tcase_add_test(tc, test_split_contiguous);
    tcase_add_test(tc, test_split_interleaved);
    tcase_add_test(tc, test_tokens_round_trip);
    tcase_add_test(tc, test_tokens_bad_files);
    tcase_add_test(tc, test_sentence_stream);
    tcase_add_test(tc, test_bible_files_aligned);
    tcase_add_test(tc, test_bible_division_names);
    tcase_add_test(tc, test_mr_polarity_encoding);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(text_suite)
