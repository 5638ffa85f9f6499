/* test_dataset.c -- labelled examples: fields, views, loaders and their errors. */
#include "dataset.h"
#include "harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *write_file(const char *stem, const char *content) {
    const char *path = tmp_path(stem);
    FILE *f = xfopen(path, "w");
    fputs(content, f);
    fclose(f);
    return path;
}

static Vocab *toy_vocab(void) { return vocab_build(VOCAB_WORD, "good bad film plot", 18, 1, 0); }

/* What a test that dies holds, kept reachable so LeakSanitizer does not
 * report the exit that the test expects. */
static Vocab *dying_vocab;
static LabelledSet dying_set;

START_TEST(test_lset_pairs) {
    LabelledSet s;
    lset_init(&s, 2);   /* source, target */
    int src[] = { 5, 6, 7 }, tgt[] = { 8, 9 };
    const int *seqs[] = { src, tgt };
    int lens[] = { 3, 2 };
    lset_add(&s, -1, seqs, lens);
    lset_add(&s, -1, seqs, (int[]){ 1, 0 });   /* an empty target is allowed */
    ck_assert_int_eq(s.n, 2);
    int len;
    const int *t = lset_seq(&s, 0, 1, &len);
    ck_assert_int_eq(len, 2);
    ck_assert_int_eq(t[0], 8);
    ck_assert_int_eq(t[1], 9);
    ck_assert_int_eq(lset_seq(&s, 1, 0, &len)[0], 5);
    ck_assert_int_eq(len, 1);
    lset_seq(&s, 1, 1, &len);
    ck_assert_int_eq(len, 0);
    lset_free(&s);
}
END_TEST

START_TEST(test_lset_text_cut_and_views) {
    Vocab *v = toy_vocab();
    LabelledSet s, fold, rest;
    lset_init(&s, 1);
    ck_assert_int_eq(lset_add_text(&s, 1, "good film good plot", lset_words(v), 2), 1);
    ck_assert_int_eq(lset_add_text(&s, 0, "   ", lset_words(v), 2), 0);   /* no words: not added */
    ck_assert_int_eq(lset_add_text(&s, 0, "bad unknownword", lset_words(v), 0), 1);
    ck_assert_int_eq(lset_add_text(&s, 0, "bad", lset_words(v), 0), 1);
    ck_assert_int_eq(s.n, 3);
    int len;
    const int *ids = lset_seq(&s, 0, 0, &len);
    ck_assert_int_eq(len, 2);   /* cut to maxlen */
    ck_assert_int_eq(ids[0], vocab_id(v, "good"));
    ck_assert_int_eq(ids[1], vocab_id(v, "film"));
    ids = lset_seq(&s, 1, 0, &len);
    ck_assert_int_eq(len, 2);
    ck_assert_int_eq(ids[1], VOCAB_UNK);
    int folds[] = { 0, 1, 0 };
    lset_subset(&fold, &s, folds, 0, 1);
    lset_subset(&rest, &s, folds, 0, 0);
    ck_assert_int_eq(fold.n, 2);
    ck_assert_int_eq(rest.n, 1);
    ck_assert_ptr_eq(lset_seq(&rest, 0, 0, &len), lset_seq(&s, 1, 0, &len));   /* shared ids */
    ck_assert_int_eq(fold.label[1], 0);
    /* train {1, 0} ties: the lower class wins, and rest holds one example of class 0 */
    ck_assert_double_eq_tol(lset_majority_accuracy(&fold, &rest, 2), 1.0, 1e-12);
    lset_check_classes(&s, 2, "toy");
    lset_free(&fold);
    lset_free(&rest);
    /* the first two examples kept; the set grows again after them */
    lset_truncate(&s, 5);
    ck_assert_int_eq(s.n, 3);
    lset_truncate(&s, 2);
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.nids, 4);
    ck_assert_int_eq(lset_add_text(&s, 1, "plot", lset_words(v), 0), 1);
    ids = lset_seq(&s, 2, 0, &len);
    ck_assert_int_eq(len, 1);
    ck_assert_int_eq(ids[0], vocab_id(v, "plot"));
    ck_assert_int_eq(s.label[2], 1);
    lset_free(&s);
    vocab_free(v);
}
END_TEST

START_TEST(test_lset_missing_class_dies) {
    util_set_prog("test");
    lset_init(&dying_set, 1);
    dying_vocab = toy_vocab();
    lset_add_text(&dying_set, 0, "good", lset_words(dying_vocab), 0);
    lset_check_classes(&dying_set, 2, "toy");   /* class 1 has no example */
}
END_TEST

START_TEST(test_lset_parse_label) {
    const char *text;
    ck_assert_int_eq(lset_parse_label("1 a film", 2, &text), 1);
    ck_assert_str_eq(text, " a film");
    ck_assert_int_eq(lset_parse_label("0\tx", 2, &text), 0);
    ck_assert_int_eq(lset_parse_label("2 x", 2, &text), -1);    /* out of range */
    ck_assert_int_eq(lset_parse_label("-1 x", 2, &text), -1);
    ck_assert_int_eq(lset_parse_label("1x y", 2, &text), -1);   /* not a number then a space */
    ck_assert_int_eq(lset_parse_label("good", 2, &text), -1);
}
END_TEST

START_TEST(test_lset_load_labelled_file) {
    Vocab *v = toy_vocab();
    LabelledSet s;
    lset_init(&s, 1);
    lset_load_labelled_file(&s, write_file("sst", "1 good film\n0 bad plot\n1 good\n"), 2, lset_words(v), 0);
    ck_assert_int_eq(s.n, 3);
    ck_assert_int_eq(s.label[1], 0);
    lset_free(&s);
    vocab_free(v);
}
END_TEST

/* Each malformed file dies with exit 1. */
static void load_dies(const char *content) {
    util_set_prog("test");
    dying_vocab = toy_vocab();
    lset_init(&dying_set, 1);
    lset_load_labelled_file(&dying_set, write_file("bad", content), 2, lset_words(dying_vocab), 0);
}
START_TEST(test_lset_bad_label_dies) { load_dies("1 good\n7 bad\n"); } END_TEST
START_TEST(test_lset_label_without_text_dies) { load_dies("1 good\n0\n"); } END_TEST
START_TEST(test_lset_empty_file_dies) { load_dies(""); } END_TEST

START_TEST(test_lset_load_bible) {
    Vocab *v = toy_vocab();
    const char *text = write_file("verses", "good\nbad\nfilm\nplot\n");
    const char *labels = write_file("labels", "law\tgen\nlaw\tgen\ngospels\tmat\nrevelation\trev\n");
    LabelledSet all, some;
    lset_init(&all, 1);
    lset_load_bible(&all, text, labels, lset_words(v), 0, 0);
    ck_assert_int_eq(all.n, 4);
    ck_assert_int_eq(all.label[0], bible_division("law"));
    ck_assert_int_eq(all.label[3], bible_division("revelation"));
    lset_init(&some, 1);
    lset_load_bible(&some, text, labels, lset_words(v), 0, 2);   /* verses 0 and 2: spread */
    ck_assert_int_eq(some.n, 2);
    ck_assert_int_eq(some.label[1], bible_division("gospels"));
    lset_free(&all);
    lset_free(&some);
    vocab_free(v);
}
END_TEST

START_TEST(test_lset_load_polarity) {
    Vocab *v = toy_vocab();
    const char *pos = write_file("pos", "good film\n\ngood plot\ngood\n"), *neg = write_file("neg", "bad film\n");
    LabelledSet s;
    lset_init(&s, 1);
    lset_load_polarity(&s, pos, neg, lset_words(v), 0);
    ck_assert_int_eq(s.n, 4);   /* the empty line is skipped */
    int labels[] = { 1, 0, 1, 1 }, len;
    for (int i = 0; i < 4; i++) ck_assert_int_eq(s.label[i], labels[i]);
    ck_assert_int_eq(lset_seq(&s, 1, 0, &len)[0], vocab_id(v, "bad"));
    ck_assert_int_eq(lset_seq(&s, 2, 0, &len)[1], vocab_id(v, "plot"));
    lset_free(&s);
    vocab_free(v);
}
END_TEST

START_TEST(test_lset_assign_folds) {
    int fold[23], again[23], size[5] = { 0 };
    Rng r;
    rng_seed(&r, 4, 2);
    lset_assign_folds(fold, 23, 5, &r);
    rng_seed(&r, 4, 2);
    lset_assign_folds(again, 23, 5, &r);
    for (int i = 0; i < 23; i++) {
        ck_assert(fold[i] >= 0 && fold[i] < 5);
        ck_assert_int_eq(fold[i], again[i]);   /* the seed decides */
        size[fold[i]]++;
    }
    for (int k = 0; k < 5; k++) ck_assert(size[k] == 4 || size[k] == 5);   /* 23 = 5 + 5 + 5 + 4 + 4 */
}
END_TEST

START_TEST(test_lset_bible_misaligned_dies) {
    util_set_prog("test");
    dying_vocab = toy_vocab();
    lset_init(&dying_set, 1);
    lset_load_bible(&dying_set, write_file("verses", "good\nbad\n"), write_file("labels", "law\tgen\n"),
                    lset_words(dying_vocab), 0, 0);
}
END_TEST

static Suite *dataset_suite(void) {
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_add_test(tc, test_lset_pairs);
    tcase_add_test(tc, test_lset_text_cut_and_views);
    tcase_add_exit_test(tc, test_lset_missing_class_dies, 1);
    tcase_add_test(tc, test_lset_parse_label);
    tcase_add_test(tc, test_lset_load_labelled_file);
    tcase_add_exit_test(tc, test_lset_bad_label_dies, 1);
    tcase_add_exit_test(tc, test_lset_label_without_text_dies, 1);
    tcase_add_exit_test(tc, test_lset_empty_file_dies, 1);
    tcase_add_test(tc, test_lset_load_bible);
    tcase_add_test(tc, test_lset_load_polarity);
    tcase_add_test(tc, test_lset_assign_folds);
    tcase_add_exit_test(tc, test_lset_bible_misaligned_dies, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dataset_suite)
