/*
 * test_s2s_corpus.c -- the translation corpus (common/s2s_corpus.h) and the
 * date task (common/s2s_dates.h).
 *
 * Known answers: spaCy's tokenization of hand-picked English, German and
 * Spanish lines; each malformed corpus rejected with "FILE:LINE: ..."; a
 * toy vocabulary's cutoff; the exact layout of padded time-major batches and
 * the shuffling contract (every pair once per epoch, seeded order). When
 * `make data` has built them, the Multi30k test set's English token count
 * (13,058, the tutorials' number) and the bible-es files are checked too.
 * The date task's splits share no input, and its evaluation splits do not
 * change with the seed.
 */
#include "harness.h"
#include "s2s_corpus.h"
#include "s2s_dates.h"
#include "s2s_tasks.h"
#include "strmap.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITE_STR(path, s) write_bytes((path), (s), strlen(s))

static void expect_tokens(S2sLang lang, const char *line, const char *want) {
    char *got = s2s_normalise_lang(line, strlen(line), S2S_WORDS, lang);
    ck_assert_msg(strcmp(got, want) == 0, "'%s' (lang %d) -> '%s', want '%s'", line, (int)lang, got, want);
    free(got);
}

/* A scratch path ending in .EXT (the extension names the language). */
static const char *tmp_ext(const char *stem, const char *ext) {
    static char buf[4][600];
    static int k = 0;
    char *p = buf[k++ % 4];
    snprintf(p, 600, "%s.%s", tmp_path(stem), ext);
    return p;
}

/* ------------------------------------------------------------- tokenizer */

START_TEST(test_tokenize_english) {
    expect_tokens(S2S_LANG_EN, "Two young, White males are outside near many bushes.",
                  "two young , white males are outside near many bushes .");
    expect_tokens(S2S_LANG_EN, "Don't stop, it's John's T-shirt!", "do n't stop , it 's john 's t - shirt !");
    expect_tokens(S2S_LANG_EN, "The dog can't swim.", "the dog ca n't swim .");
    expect_tokens(S2S_LANG_EN, "They're here... We've won; I'm happy", "they 're here ... we 've won ; i 'm happy");
    expect_tokens(S2S_LANG_EN, "A man (wearing a hat) sells 3.5 kg of fruit for $10.",
                  "a man ( wearing a hat ) sells 3.5 kg of fruit for $ 10 .");
    expect_tokens(S2S_LANG_EN, "Mr. Smith met the U.S. team at 5pm.", "mr. smith met the u.s. team at 5 pm .");
    expect_tokens(S2S_LANG_EN, "A 10-year-old boy ran 10km.", "a 10 - year - old boy ran 10 km .");
    expect_tokens(S2S_LANG_EN, "\"Hello,\" she said.", "\" hello , \" she said .");
    /* a period after two capitals splits off, after one it stays (an initial) */
    expect_tokens(S2S_LANG_EN, "The kids' toys, USA. A.", "the kids ' toys , usa . a.");
    expect_tokens(S2S_LANG_EN, "Cannot gonna e-mail", "can not gon na e - mail");
    /* whitespace of any kind only separates; none is left at the ends */
    expect_tokens(S2S_LANG_EN, "  spaced \t out\xC2\xA0here  ", "spaced out here");
    expect_tokens(S2S_LANG_EN, "", "");
    /* s2s_normalise is the English rule set */
    char *s = s2s_normalise("Isn't it?", 9, S2S_WORDS);
    ck_assert_str_eq(s, "is n't it ?");
    free(s);
}
END_TEST

START_TEST(test_tokenize_german) {
    expect_tokens(S2S_LANG_DE, "Zwei Männer in T-Shirts spielen Fußball.", "zwei männer in t-shirts spielen fußball .");
    expect_tokens(S2S_LANG_DE, "Am 1. Mai, z.B. um 3.5 Uhr...", "am 1. mai , z.b. um 3.5 uhr ...");
    expect_tokens(S2S_LANG_DE, "\xE2\x80\x9E" "Hallo" "\xE2\x80\x9C" ", sagt er.",
                  "\xE2\x80\x9E hallo \xE2\x80\x9C , sagt er .");
    expect_tokens(S2S_LANG_DE, "Ein 10-jähriger Junge.", "ein 10-jähriger junge .");
    expect_tokens(S2S_LANG_DE, "ÄRGER ÜBER ÖL", "ärger über öl");
}
END_TEST

START_TEST(test_tokenize_spanish) {
    expect_tokens(S2S_LANG_ES, "¿Dónde está el niño? ¡Ven aquí!", "¿ dónde está el niño ? ¡ ven aquí !");
    expect_tokens(S2S_LANG_ES, "EN el principio crió Dios los cielos y la tierra.",
                  "en el principio crió dios los cielos y la tierra .");
    expect_tokens(S2S_LANG_ES, "Y dijo Dios: Sea la luz: y fué la luz.", "y dijo dios : sea la luz : y fué la luz .");
    expect_tokens(S2S_LANG_ES, "ÉL ESTÁ AQUÍ, SEÑOR.", "él está aquí , señor .");
    /* no English clitics in Spanish */
    expect_tokens(S2S_LANG_ES, "Don't", "don't");
}
END_TEST

START_TEST(test_chars_and_counts) {
    const char line[] = "Año 9";
    char *s = s2s_normalise(line, strlen(line), S2S_CHARS);
    ck_assert_str_eq(s, "Año 9");   /* kept as it is: case, spaces */
    ck_assert_int_eq(s2s_count_tokens(s, S2S_CHARS), 5);
    free(s);
    ck_assert_int_eq(s2s_count_tokens("a bb  c", S2S_WORDS), 3);
    ck_assert_int_eq(s2s_count_tokens("", S2S_WORDS), 0);
    ck_assert_int_eq(s2s_lang_of_path("data/cache/multi30k/train.de"), S2S_LANG_DE);
    ck_assert_int_eq(s2s_lang_of_path("bible-es/test.es"), S2S_LANG_ES);
    ck_assert_int_eq(s2s_lang_of_path("x.en"), S2S_LANG_EN);
    ck_assert_int_eq(s2s_lang_of_path("dir.de/file"), S2S_LANG_EN);
}
END_TEST

/* ---------------------------------------------------------------- loading */

START_TEST(test_load_ok) {
    const char *de = tmp_ext("ok", "de"), *en = tmp_ext("ok", "en");
    WRITE_STR(de, "Ein Mann im T-Shirt.\r\nZwei Hunde\n");
    WRITE_STR(en, "A man in a T-shirt.\r\nTwo dogs");   /* CRLF, and no final newline */
    S2sPairs p = {0};
    char err[512];
    ck_assert_msg(s2s_pairs_load(&p, de, en, S2S_WORDS, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p.n, 2);
    ck_assert_str_eq(p.src_text[0], "ein mann im t-shirt .");   /* German keeps the hyphen */
    ck_assert_str_eq(p.tgt_text[0], "a man in a t - shirt .");  /* English splits it */
    ck_assert_str_eq(p.tgt_text[1], "two dogs");
    ck_assert_int_eq(p.src_len[0], 5);
    ck_assert_int_eq(p.tgt_len[0], 8);
    ck_assert_ptr_null(p.src[0]);
    /* loading again appends */
    ck_assert_int_eq(s2s_pairs_load(&p, de, en, S2S_CHARS, err, sizeof err), 0);
    ck_assert_int_eq(p.n, 4);
    ck_assert_str_eq(p.tgt_text[2], "A man in a T-shirt.");
    s2s_pairs_free(&p);
    ck_assert_int_eq(p.n, 0);
    unlink(de);
    unlink(en);
}
END_TEST

/* Load must fail with a message starting "want_file:want_line:" and containing
 * what; p (holding one pair before) must be unchanged. */
static void expect_load_error(const char *src, const char *tgt, S2sTokens kind, const char *want_file,
                              int want_line, const char *what) {
    S2sPairs p = {0};
    s2s_pairs_add(&p, "x", "y", kind);
    char err[512] = "", prefix[700];
    ck_assert_int_eq(s2s_pairs_load(&p, src, tgt, kind, err, sizeof err), -1);
    snprintf(prefix, sizeof prefix, "%s:%d: ", want_file, want_line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "message '%s', want it to start '%s'", err, prefix);
    ck_assert_msg(strstr(err, what) != NULL, "message '%s' lacks '%s'", err, what);
    ck_assert_int_eq(p.n, 1);
    ck_assert_str_eq(p.src_text[0], "x");
    s2s_pairs_free(&p);
}

START_TEST(test_load_errors) {
    const char *a = tmp_ext("bad", "de"), *b = tmp_ext("bad", "en");
    /* mismatched line counts, either side short */
    WRITE_STR(a, "eins\nzwei\ndrei\n");
    WRITE_STR(b, "one\ntwo\n");
    expect_load_error(a, b, S2S_WORDS, b, 2, "has 3 lines");
    expect_load_error(b, a, S2S_WORDS, b, 2, "has 3 lines");
    /* an empty line, and one with nothing but spaces */
    WRITE_STR(b, "one\n\nthree\n");
    expect_load_error(a, b, S2S_WORDS, b, 2, "empty line");
    expect_load_error(a, b, S2S_CHARS, b, 2, "empty line");
    WRITE_STR(b, "one\ntwo\n \t \n");
    expect_load_error(b, a, S2S_WORDS, b, 3, "empty line");
    /* invalid UTF-8 (Latin-1 e-acute) on line 2, and a NUL byte on line 3 */
    WRITE_STR(b, "one\ncaf\xE9\nthree\n");
    expect_load_error(a, b, S2S_WORDS, b, 2, "invalid UTF-8");
    write_bytes(b, "one\ntwo\nth\0ree\n", 15);
    expect_load_error(b, a, S2S_WORDS, b, 3, "NUL byte");
    /* an empty file */
    WRITE_STR(b, "");
    expect_load_error(a, b, S2S_WORDS, b, 1, "empty");
    /* a missing file */
    S2sPairs p = {0};
    char err[512];
    ck_assert_int_eq(s2s_pairs_load(&p, a, "/nonexistent/x.en", S2S_WORDS, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/nonexistent/x.en") != NULL, "message: %s", err);
    ck_assert_int_eq(p.n, 0);
    unlink(a);
    unlink(b);
}
END_TEST

/* ------------------------------------------------- vocabularies, encoding */

START_TEST(test_vocab_min_count) {
    S2sPairs p = {0};
    s2s_pairs_add(&p, "a b a", "x y", S2S_WORDS);
    s2s_pairs_add(&p, "a c b", "x z", S2S_WORDS);
    s2s_pairs_add(&p, "d", "x", S2S_WORDS);
    Vocab *sv = s2s_vocab_build(&p, 0, S2S_WORDS, 2, 0);
    Vocab *tv = s2s_vocab_build(&p, 1, S2S_WORDS, 1, 0);
    /* source: a (3), b (2); c and d seen once are cut */
    ck_assert_int_eq(sv->size, VOCAB_NSPECIAL + 2);
    ck_assert_int_eq(vocab_id(sv, "a"), 4);
    ck_assert_int_eq(vocab_id(sv, "b"), 5);
    ck_assert_int_eq(vocab_find(sv, "c", 1), -1);
    ck_assert_int_eq(tv->size, VOCAB_NSPECIAL + 3);
    ck_assert_int_eq(vocab_id(tv, "x"), 4);
    s2s_pairs_encode(&p, sv, tv);
    ck_assert_int_eq(p.src_len[1], 3);
    const int want[] = {4, VOCAB_UNK, 5};
    for (int t = 0; t < 3; t++) ck_assert_int_eq(p.src[1][t], want[t]);
    char *text = s2s_detokenize(sv, p.src[1], p.src_len[1], S2S_WORDS);
    ck_assert_str_eq(text, "a <unk> b");
    free(text);
    const int with_specials[] = {VOCAB_BOS, 4, 5, VOCAB_EOS, VOCAB_PAD};
    text = s2s_detokenize(sv, with_specials, 5, S2S_WORDS);
    ck_assert_str_eq(text, "a b");
    free(text);
    /* both sides (side 2): one joint vocabulary, counts summed over the
     * sides: x (3), a (3), b (2), y, c, z, d (1) */
    Vocab *joint = s2s_vocab_build(&p, 2, S2S_WORDS, 2, 0);
    ck_assert_int_eq(joint->size, VOCAB_NSPECIAL + 3);
    ck_assert_int_ge(vocab_find(joint, "x", 1), VOCAB_NSPECIAL);
    ck_assert_int_ge(vocab_find(joint, "a", 1), VOCAB_NSPECIAL);
    ck_assert_int_ge(vocab_find(joint, "b", 1), VOCAB_NSPECIAL);
    vocab_free(joint);
    /* a max size keeps the most frequent */
    Vocab *small = s2s_vocab_build(&p, 0, S2S_WORDS, 1, VOCAB_NSPECIAL + 1);
    ck_assert_int_eq(small->size, VOCAB_NSPECIAL + 1);
    ck_assert_int_eq(vocab_id(small, "a"), 4);
    vocab_free(small);
    /* characters */
    S2sPairs c = {0};
    s2s_pairs_add(&c, "9 mai", "09", S2S_CHARS);
    Vocab *cv = s2s_vocab_build(&c, 0, S2S_CHARS, 1, 0);
    ck_assert_int_eq(cv->size, VOCAB_NSPECIAL + 5);
    s2s_pairs_encode(&c, cv, cv);
    ck_assert_int_eq(c.src_len[0], 5);
    text = s2s_detokenize(cv, c.src[0], c.src_len[0], S2S_CHARS);
    ck_assert_str_eq(text, "9 mai");
    free(text);
    vocab_free(cv);
    s2s_pairs_free(&c);
    vocab_free(sv);
    vocab_free(tv);
    s2s_pairs_free(&p);
}
END_TEST

START_TEST(test_filter_len) {
    S2sPairs p = {0};
    s2s_pairs_add(&p, "a b", "x", S2S_WORDS);
    s2s_pairs_add(&p, "a b c d", "x", S2S_WORDS);
    s2s_pairs_add(&p, "a", "x y z w", S2S_WORDS);
    s2s_pairs_add(&p, "a b c", "x y z", S2S_WORDS);
    s2s_pairs_filter_len(&p, 3);
    ck_assert_int_eq(p.n, 2);
    ck_assert_str_eq(p.src_text[0], "a b");
    ck_assert_str_eq(p.src_text[1], "a b c");
    s2s_pairs_free(&p);
}
END_TEST

/* ---------------------------------------------------------------- batches */

/* n pairs: pair i has source length 1 + i % 5 and target length 1 + (i * 3) % 4,
 * ids 4 + i % 7 so that every id is a real token. */
static Vocab *toy_pairs(S2sPairs *p, int n) {
    memset(p, 0, sizeof *p);
    const char *words[] = {"a", "b", "c", "d", "e", "f", "g"};
    for (int i = 0; i < n; i++) {
        char src[64] = "", tgt[64] = "";
        for (int t = 0; t < 1 + i % 5; t++) strcat(strcat(src, t ? " " : ""), words[(i + t) % 7]);
        for (int t = 0; t < 1 + (i * 3) % 4; t++) strcat(strcat(tgt, t ? " " : ""), words[(i + 2 * t) % 7]);
        s2s_pairs_add(p, src, tgt, S2S_WORDS);
    }
    Vocab *v = s2s_vocab_build(p, 0, S2S_WORDS, 1, 0);
    s2s_pairs_encode(p, v, v);
    return v;
}

/* Every pair in exactly one column of one batch, with its ids, BOS/EOS and
 * padding in place; returns the columns in batch order (seen[k] = pair). */
static void check_batches(const S2sBatches *bs, const S2sPairs *p, int max_len, int *order) {
    int *count = xcalloc((size_t)p->n, sizeof(int));
    int k = 0;
    for (int bi = 0; bi < bs->nbatches; bi++) {
        const S2sBatch *b = &bs->batch[bi];
        ck_assert(b->B >= 1 && b->B <= bs->max_B && b->S <= bs->max_S && b->T <= bs->max_T);
        int longest_src = 0, longest_tgt = 0;
        for (int j = 0; j < b->B; j++) {
            int i = b->index[j];
            ck_assert(i >= 0 && i < p->n);
            count[i]++;
            order[k++] = i;
            int s = p->src_len[i] < max_len || !max_len ? p->src_len[i] : max_len;
            int m = p->tgt_len[i] < max_len || !max_len ? p->tgt_len[i] : max_len;
            ck_assert_int_eq(b->src_len[j], s);
            if (s > longest_src) longest_src = s;
            if (m + 1 > longest_tgt) longest_tgt = m + 1;
            for (int t = 0; t < b->S; t++)
                ck_assert_int_eq(b->src[t * b->B + j], t < s ? p->src[i][t] : VOCAB_PAD);
            ck_assert_int_eq(b->tgt_in[j], VOCAB_BOS);
            for (int t = 0; t < b->T; t++) {
                int in = t == 0 ? VOCAB_BOS : t <= m ? p->tgt[i][t - 1] : VOCAB_PAD;
                int out = t < m ? p->tgt[i][t] : t == m ? VOCAB_EOS : VOCAB_PAD;
                ck_assert_int_eq(b->tgt_in[t * b->B + j], in);
                ck_assert_int_eq(b->tgt_out[t * b->B + j], out);
            }
        }
        ck_assert_int_eq(b->S, longest_src);   /* no all-padding rows */
        ck_assert_int_eq(b->T, longest_tgt);
    }
    ck_assert_int_eq(k, p->n);
    for (int i = 0; i < p->n; i++) ck_assert_msg(count[i] == 1, "pair %d in %d batches", i, count[i]);
    free(count);
}

START_TEST(test_batches_layout) {
    S2sPairs p;
    Vocab *v = toy_pairs(&p, 11);
    S2sBatches bs;
    int order[11];
    s2s_batches_make(&bs, &p, 4, 0, NULL);
    ck_assert_int_eq(bs.nbatches, 3);
    ck_assert_int_eq(bs.max_B, 4);
    ck_assert_int_eq(bs.max_S, 5);
    ck_assert_int_eq(bs.max_T, 5);
    ck_assert_int_eq(bs.batch[2].B, 3);   /* the rest */
    check_batches(&bs, &p, 0, order);
    for (int i = 0; i < 11; i++) ck_assert_int_eq(order[i], i);   /* no rng: corpus order */
    /* pair 1: src "b c", tgt "b d f a"; column 1 of batch 0 (S 4, T 5) */
    const S2sBatch *b = &bs.batch[0];
    ck_assert_int_eq(b->S, 4);
    ck_assert_int_eq(b->T, 5);
    ck_assert_int_eq(b->src[0 * 4 + 1], vocab_id(v, "b"));
    ck_assert_int_eq(b->src[1 * 4 + 1], vocab_id(v, "c"));
    ck_assert_int_eq(b->src[2 * 4 + 1], VOCAB_PAD);
    ck_assert_int_eq(b->tgt_in[1 * 4 + 1], vocab_id(v, "b"));
    ck_assert_int_eq(b->tgt_out[3 * 4 + 1], vocab_id(v, "a"));
    ck_assert_int_eq(b->tgt_out[4 * 4 + 1], VOCAB_EOS);
    ck_assert_int_eq(b->tgt_in[4 * 4 + 1], vocab_id(v, "a"));
    ck_assert_int_eq(b->tgt_out[4 * 4 + 0], VOCAB_PAD);   /* pair 0: one target token */
    s2s_batches_free(&bs);
    /* truncation to max_len ids */
    s2s_batches_make(&bs, &p, 4, 2, NULL);
    ck_assert_int_eq(bs.max_S, 2);
    ck_assert_int_eq(bs.max_T, 3);
    check_batches(&bs, &p, 2, order);
    s2s_batches_free(&bs);
    vocab_free(v);
    s2s_pairs_free(&p);
}
END_TEST

START_TEST(test_batches_shuffle) {
    enum { N = 103 };
    S2sPairs p;
    Vocab *v = toy_pairs(&p, N);
    S2sBatches a, b, c;
    int oa[N], ob[N], oc[N];
    Rng r1, r2, r3;
    rng_seed(&r1, 7, 1);
    rng_seed(&r2, 7, 1);
    rng_seed(&r3, 8, 1);
    s2s_batches_make(&a, &p, 8, 0, &r1);
    s2s_batches_make(&b, &p, 8, 0, &r2);
    s2s_batches_make(&c, &p, 8, 0, &r3);
    check_batches(&a, &p, 0, oa);
    check_batches(&b, &p, 0, ob);
    check_batches(&c, &p, 0, oc);
    ck_assert(memcmp(oa, ob, sizeof oa) == 0);   /* same seed, same order */
    ck_assert(memcmp(oa, oc, sizeof oa) != 0);   /* another seed, another */
    /* bucketed: a full batch holds one source length (lengths 1..5, ~20 pairs each) */
    int one_length = 0;
    for (int k = 0; k < a.nbatches; k++) {
        int lo = 99, hi = 0;
        for (int j = 0; j < a.batch[k].B; j++) {
            int s = a.batch[k].src_len[j];
            lo = s < lo ? s : lo;
            hi = s > hi ? s : hi;
        }
        one_length += lo == hi;
    }
    ck_assert_int_ge(one_length, a.nbatches - 5);
    /* the next epoch: the same pairs once each, in a new order, same pool */
    const int *pool = a.pool;
    s2s_batches_shuffle(&a, &p, &r1);
    int oa2[N];
    check_batches(&a, &p, 0, oa2);
    ck_assert(memcmp(oa, oa2, sizeof oa) != 0);
    s2s_batches_shuffle(&b, &p, &r2);
    check_batches(&b, &p, 0, ob);
    ck_assert(memcmp(oa2, ob, sizeof ob) == 0);
    ck_assert(a.pool == pool || a.pool_len > a.pool_cap / 2);
    s2s_batches_free(&a);
    s2s_batches_free(&b);
    s2s_batches_free(&c);
    vocab_free(v);
    s2s_pairs_free(&p);
}
END_TEST

/* ------------------------------------------------------------------ dates */

/* y-m-d from "YYYY-MM-DD", checking the form and that the date exists in range. */
static void parse_iso(const char *s, int *y, int *m, int *d) {
    ck_assert_msg(strlen(s) == 10 && s[4] == '-' && s[7] == '-', "not ISO: '%s'", s);
    ck_assert_int_eq(sscanf(s, "%4d-%2d-%2d", y, m, d), 3);
    ck_assert(*y >= S2S_DATES_YEAR_MIN && *y <= S2S_DATES_YEAR_MAX);
    ck_assert(*m >= 1 && *m <= 12);
    ck_assert(*d >= 1 && *d <= s2s_dates_days_in_month(*y, *m));
}

START_TEST(test_dates_calendar) {
    char buf[64], iso[11];
    ck_assert_int_eq(s2s_dates_weekday(2018, 5, 9), 2);    /* a wednesday */
    ck_assert_int_eq(s2s_dates_weekday(1998, 3, 3), 1);    /* a tuesday */
    ck_assert_int_eq(s2s_dates_weekday(2000, 1, 1), 5);    /* a saturday */
    ck_assert_int_eq(s2s_dates_days_in_month(2000, 2), 29);
    ck_assert_int_eq(s2s_dates_days_in_month(1900, 2), 28);
    ck_assert_int_eq(s2s_dates_days_in_month(2024, 2), 29);
    s2s_dates_iso(iso, 2018, 5, 9);
    ck_assert_str_eq(iso, "2018-05-09");
    const char *want[] = {"9 may 2018", "wednesday 9 may 2018", "9/5/18", "May 9th, 2018", "09.05.2018"};
    for (int f = 0; f < 5; f++) {
        s2s_dates_render(buf, sizeof buf, f, 2018, 5, 9);
        ck_assert_str_eq(buf, want[f]);
    }
    s2s_dates_render(buf, sizeof buf, 6, 1998, 3, 3);
    ck_assert_str_eq(buf, "tuesday, march 3, 1998");
    s2s_dates_render(buf, sizeof buf, 3, 2001, 11, 22);
    ck_assert_str_eq(buf, "November 22nd, 2001");
    s2s_dates_render(buf, sizeof buf, 10, 1971, 1, 11);
    ck_assert_str_eq(buf, "the 11th of january 1971");
}
END_TEST

START_TEST(test_dates_pairs) {
    S2sPairs a = {0}, b = {0}, c = {0};
    s2s_dates_add(&a, 300, 42, S2S_DATES_TRAIN);
    s2s_dates_add(&b, 300, 42, S2S_DATES_TRAIN);
    s2s_dates_add(&c, 300, 43, S2S_DATES_TRAIN);
    ck_assert_int_eq(a.n, 300);
    ck_assert_int_eq(a.kind, S2S_CHARS);
    int differ = 0;
    for (int i = 0; i < a.n; i++) {
        ck_assert_str_eq(a.src_text[i], b.src_text[i]);
        ck_assert_str_eq(a.tgt_text[i], b.tgt_text[i]);
        differ += strcmp(a.src_text[i], c.src_text[i]) != 0;
        int y, m, d;
        parse_iso(a.tgt_text[i], &y, &m, &d);
        ck_assert_int_eq(a.tgt_len[i], 10);
        ck_assert_int_le(a.src_len[i], S2S_DATES_MAX_INPUT);
        /* the input is that date in one of the training formats */
        int found = 0;
        char buf[64];
        for (int f = 0; f < s2s_dates_nformats() && !found; f++) {
            s2s_dates_render(buf, sizeof buf, f, y, m, d);
            found = !s2s_dates_heldout(f) && strcmp(buf, a.src_text[i]) == 0;
        }
        ck_assert_msg(found, "'%s' -> %s: no training format writes it", a.src_text[i], a.tgt_text[i]);
    }
    ck_assert_int_gt(differ, 250);
    s2s_pairs_free(&a);
    s2s_pairs_free(&b);
    s2s_pairs_free(&c);
}
END_TEST

START_TEST(test_dates_heldout) {
    int ntrain = 0, nheld = 0, nf = s2s_dates_nformats();
    for (int f = 0; f < nf; f++) {
        if (s2s_dates_heldout(f)) nheld++;
        else ntrain++;
    }
    ck_assert_int_ge(ntrain, 10);
    ck_assert_int_ge(nheld, 3);
    /* a held-out format writes no date the way any training format writes it */
    const int dates[][3] = {{2018, 5, 9}, {1950, 1, 1}, {2049, 12, 31}, {1977, 10, 23}, {2003, 2, 28}};
    for (size_t k = 0; k < sizeof dates / sizeof dates[0]; k++)
        for (int h = 0; h < nf; h++) {
            if (!s2s_dates_heldout(h)) continue;
            char held[64], seen[64];
            s2s_dates_render(held, sizeof held, h, dates[k][0], dates[k][1], dates[k][2]);
            for (int f = 0; f < nf; f++) {
                if (s2s_dates_heldout(f)) continue;
                s2s_dates_render(seen, sizeof seen, f, dates[k][0], dates[k][1], dates[k][2]);
                ck_assert_msg(strcmp(held, seen) != 0, "held-out format %d writes '%s' as format %d does", h,
                              held, f);
            }
        }
    /* held-out examples: only held-out formats, and no character training lacks */
    S2sPairs train = {0}, test = {0};
    s2s_dates_add(&train, 2000, 1, S2S_DATES_TRAIN);
    s2s_dates_add(&test, 200, 2, S2S_DATES_HELDOUT);
    Vocab *v = s2s_vocab_build(&train, 0, S2S_CHARS, 1, 0);
    s2s_pairs_encode(&test, v, v);
    for (int i = 0; i < test.n; i++) {
        int y, m, d, found = 0;
        parse_iso(test.tgt_text[i], &y, &m, &d);
        char buf[64];
        for (int f = 0; f < nf && !found; f++) {
            s2s_dates_render(buf, sizeof buf, f, y, m, d);
            found = s2s_dates_heldout(f) && strcmp(buf, test.src_text[i]) == 0;
        }
        ck_assert_msg(found, "'%s' is in no held-out format", test.src_text[i]);
        for (int t = 0; t < test.src_len[i]; t++)
            ck_assert_msg(test.src[i][t] != VOCAB_UNK, "'%s': a character training never shows", test.src_text[i]);
    }
    /* one format only */
    S2sPairs one = {0};
    s2s_dates_add_format(&one, 20, 3, 2);
    for (int i = 0; i < one.n; i++) ck_assert_ptr_nonnull(strchr(one.src_text[i], '/'));
    s2s_pairs_free(&one);
    vocab_free(v);
    s2s_pairs_free(&train);
    s2s_pairs_free(&test);
}
END_TEST

/* The dates task: a seed changes the training pairs only; no input occurs
 * twice within or across the three splits (drawn independently, about 30 of
 * 10,000 training inputs would repeat an evaluation one). */
START_TEST(test_dates_splits_disjoint) {
    S2sTaskOptions o = { .task = S2S_TASK_DATES, .dates_train = S2S_DATES_TRAIN_PAIRS,
                         .dates_eval = S2S_DATES_EVAL_PAIRS, .min_count = 1 };
    S2sData a, b;
    s2s_data_load(&a, &o, NULL, NULL, 1);
    s2s_data_load(&b, &o, NULL, NULL, 2);
    for (int s = SPLIT_VALID; s <= SPLIT_TEST; s++) {
        ck_assert_int_eq(a.split[s].n, S2S_DATES_EVAL_PAIRS);
        for (int i = 0; i < a.split[s].n; i++) ck_assert_str_eq(a.split[s].src_text[i], b.split[s].src_text[i]);
    }
    int differ = 0;
    for (int i = 0; i < 100; i++) differ += strcmp(a.split[SPLIT_TRAIN].src_text[i], b.split[SPLIT_TRAIN].src_text[i]) != 0;
    ck_assert_int_gt(differ, 90);
    StrMap seen;
    strmap_init(&seen);
    for (int s = 0; s < 3; s++) {
        ck_assert_int_eq(a.split[s].n, s == SPLIT_TRAIN ? S2S_DATES_TRAIN_PAIRS : S2S_DATES_EVAL_PAIRS);
        for (int i = 0; i < a.split[s].n; i++) {
            const char *in = a.split[s].src_text[i];
            int added;
            strmap_intern(&seen, in, strlen(in), &added);
            ck_assert_msg(added, "split %d pair %d: '%s' occurs twice", s, i, in);
        }
    }
    strmap_free(&seen);
    s2s_data_free(&a);
    s2s_data_free(&b);
}
END_TEST

/* ------------------------------------------------------- the real corpora */

START_TEST(test_multi30k_test_tokens) {
    const char *de = "data/cache/multi30k/test_2016_flickr.de", *en = "data/cache/multi30k/test_2016_flickr.en";
    if (!path_exists(de) || !path_exists(en)) SKIP_TEST("%s not found (run `make data`)", en);
    S2sPairs p = {0};
    char err[512];
    ck_assert_msg(s2s_pairs_load(&p, de, en, S2S_WORDS, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p.n, 1000);
    long tokens = 0;
    for (int i = 0; i < p.n; i++) tokens += p.tgt_len[i];
    ck_assert_int_eq(tokens, 13058);   /* the tutorials' reference token count */
    s2s_pairs_free(&p);
}
END_TEST

START_TEST(test_bible_es) {
    const char *en = "data/cache/bible-es/test.en", *es = "data/cache/bible-es/test.es";
    if (!path_exists(en) || !path_exists(es))
        SKIP_TEST("%s not found (run `make data` or `scripts/data.sh bible-es`)", en);
    S2sPairs p = {0};
    char err[512];
    ck_assert_msg(s2s_pairs_load(&p, en, es, S2S_WORDS, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p.n, 1525);
    int short_pairs = 0;
    for (int i = 0; i < p.n; i++) short_pairs += p.src_len[i] <= 30 && p.tgt_len[i] <= 30;
    s2s_pairs_filter_len(&p, 30);
    ck_assert_int_eq(p.n, short_pairs);
    ck_assert_int_gt(p.n, 500);
    s2s_pairs_free(&p);
}
END_TEST

START_TEST(test_synthetic_batch) {
    /* the benchmarks' batch: every length 6..20 on each side, random words,
     * BOS words EOS on the target, padding after */
    Rng r;
    rng_seed(&r, 1, 0);
    S2sBatch b;
    s2s_batch_synthetic(&b, 30, 50, 40, &r);
    ck_assert_int_eq(b.B, 30);
    ck_assert_int_eq(b.S, 20);
    ck_assert_int_eq(b.T, 21);
    for (int j = 0; j < b.B; j++) {
        int n = 6 + (4 * j) % 15, m = 6 + (7 * j) % 15;
        ck_assert_int_eq(b.src_len[j], n);
        for (int s = 0; s < b.S; s++) {
            int id = b.src[s * b.B + j];
            if (s < n) ck_assert(id >= VOCAB_NSPECIAL && id < 50);
            else ck_assert_int_eq(id, VOCAB_PAD);
        }
        ck_assert_int_eq(b.tgt_in[j], VOCAB_BOS);
        for (int t = 0; t < b.T; t++) {
            int in = b.tgt_in[t * b.B + j], out = b.tgt_out[t * b.B + j];
            if (t < m) ck_assert(out >= VOCAB_NSPECIAL && out < 40);
            else ck_assert_int_eq(out, t == m ? VOCAB_EOS : VOCAB_PAD);
            if (t > 0 && t <= m) ck_assert_int_eq(in, b.tgt_out[(t - 1) * b.B + j]);
            if (t > m) ck_assert_int_eq(in, VOCAB_PAD);
        }
    }
    s2s_batch_free(&b);
}
END_TEST

static Suite *seq2seq_corpus_suite(void) {
    Suite *s = suite_create("seq2seq_corpus");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_tokenize_english);
    tcase_add_test(tc, test_tokenize_german);
    tcase_add_test(tc, test_tokenize_spanish);
    tcase_add_test(tc, test_chars_and_counts);
    tcase_add_test(tc, test_load_ok);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_vocab_min_count);
    tcase_add_test(tc, test_filter_len);
    tcase_add_test(tc, test_batches_layout);
    tcase_add_test(tc, test_batches_shuffle);
    tcase_add_test(tc, test_synthetic_batch);
    tcase_add_test(tc, test_dates_calendar);
    tcase_add_test(tc, test_dates_pairs);
    tcase_add_test(tc, test_dates_heldout);
    tcase_add_test(tc, test_dates_splits_disjoint);
    tcase_add_test(tc, test_multi30k_test_tokens);
    tcase_add_test(tc, test_bible_es);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(seq2seq_corpus_suite)
