/* test_checkpoint.c -- round trip, and every kind of bad checkpoint rejected with its message. */
#include "checkpoint.h"
#include "harness.h"
#include "rng.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *CONFIG = "model=gpt2\nn_layer=2\nn_embd=8\nlr=0.001\n";

static void make_model(ParamTable *pt, int n_embd) {
    params_init(pt);
    params_add(pt, "wte", 2, 11, n_embd);
    params_add(pt, "ln.b", 1, n_embd);
    params_alloc(pt);
}

/* A saved model with random values and optimizer state; returns the path. */
static const char *saved_model(ParamTable *pt) {
    make_model(pt, 8);
    Rng r;
    rng_seed(&r, 5, 0);
    rng_fill_normal(&r, pt->values, pt->total, 0, 1);
    rng_fill_normal(&r, pt->m, pt->total, 0, 1);
    rng_fill_uniform(&r, pt->v, pt->total, 0, 1);
    const char *path = tmp_path("ckpt");
    checkpoint_save(path, "gpt", CONFIG, pt, 1234, 1);
    return path;
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *data = malloc(*len);
    ck_assert_uint_eq(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

static void spit(const char *path, const unsigned char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Read path expecting failure with a message containing `expect`. */
static void expect_rejected(const char *path, const char *stage, const char *expect) {
    CheckpointInfo ck;
    char err[256] = "";
    int rc = checkpoint_read(path, stage, &ck, err, sizeof err);
    printf("rejected as expected: %s\n", err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, expect) != NULL, "message '%s' lacks '%s'", err, expect);
}

START_TEST(test_round_trip) {
    ParamTable pt, back;
    const char *path = saved_model(&pt);
    CheckpointInfo ck;
    char err[256];
    ck_assert_int_eq(checkpoint_read(path, "gpt", &ck, err, sizeof err), 0);
    ck_assert_str_eq(ck.stage, "gpt");
    ck_assert_int_eq(ck.step, 1234);
    ck_assert_str_eq(ck.config, CONFIG);
    ck_assert_int_eq(config_long(ck.config, "n_embd", -1), 8);
    ck_assert_double_eq(config_double(ck.config, "lr", -1), 0.001);
    ck_assert_int_eq(config_long(ck.config, "absent", -7), -7);
    make_model(&back, (int)config_long(ck.config, "n_embd", 0));
    ck_assert_int_eq(checkpoint_restore(&ck, &back, err, sizeof err), 0);
    ck_assert_mem_eq(back.values, pt.values, pt.total * sizeof(float));
    ck_assert_mem_eq(back.m, pt.m, pt.total * sizeof(float));
    ck_assert_mem_eq(back.v, pt.v, pt.total * sizeof(float));
    checkpoint_free(&ck);
    params_free(&pt);
    params_free(&back);
    remove(path);
}
END_TEST

START_TEST(test_rejects_truncated) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    size_t len;
    unsigned char *data = slurp(path, &len);
    /* cut in the header, in the tensor table, and in the values */
    size_t cuts[] = {6, 100, len / 2, len - 1};
    for (int i = 0; i < 4; i++) {
        spit(path, data, cuts[i]);
        expect_rejected(path, "gpt", "truncated");
    }
    free(data);
    params_free(&pt);
    remove(path);
}
END_TEST

START_TEST(test_rejects_wrong_magic) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    size_t len;
    unsigned char *data = slurp(path, &len);
    data[0] = 'X';
    spit(path, data, len);
    expect_rejected(path, "gpt", "wrong magic");
    free(data);
    params_free(&pt);
    remove(path);
}
END_TEST

START_TEST(test_rejects_wrong_version) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    size_t len;
    unsigned char *data = slurp(path, &len);
    data[8] = 99;   /* the version follows the 8-byte magic */
    spit(path, data, len);
    expect_rejected(path, "gpt", "version 99");
    free(data);
    params_free(&pt);
    remove(path);
}
END_TEST

START_TEST(test_rejects_corrupted_values) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    size_t len;
    unsigned char *data = slurp(path, &len);
    data[len - 40] ^= 0x10;   /* one bit in the optimizer state */
    spit(path, data, len);
    expect_rejected(path, "gpt", "checksum");
    free(data);
    params_free(&pt);
    remove(path);
}
END_TEST

START_TEST(test_rejects_other_stage_and_missing_file) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    expect_rejected(path, "rnn", "written by stage 'gpt'");
    expect_rejected("/nonexistent/model.ckpt", "gpt", "cannot open");
    params_free(&pt);
    remove(path);
}
END_TEST

/* The header names the stage even when the rest of the file is damaged. */
START_TEST(test_is_stage_reads_the_header_only) {
    ParamTable pt;
    const char *path = saved_model(&pt);
    ck_assert_int_eq(checkpoint_is_stage(path, "gpt"), 1);
    ck_assert_int_eq(checkpoint_is_stage(path, "rnn"), 0);
    size_t len;
    unsigned char *data = slurp(path, &len);
    spit(path, data, len / 2);
    ck_assert_int_eq(checkpoint_is_stage(path, "gpt"), 1);
    spit(path, data, 20);   /* cut inside the stage's name */
    ck_assert_int_eq(checkpoint_is_stage(path, "gpt"), 0);
    data[0] = 'X';
    spit(path, data, len);
    ck_assert_int_eq(checkpoint_is_stage(path, "gpt"), 0);
    ck_assert_int_eq(checkpoint_is_stage("/nonexistent/model.ckpt", "gpt"), 0);
    free(data);
    params_free(&pt);
    remove(path);
}
END_TEST

START_TEST(test_restore_rejects_shape_mismatch) {
    ParamTable pt, other;
    const char *path = saved_model(&pt);
    CheckpointInfo ck;
    char err[256];
    ck_assert_int_eq(checkpoint_read(path, "gpt", &ck, err, sizeof err), 0);
    make_model(&other, 16);
    ck_assert_int_eq(checkpoint_restore(&ck, &other, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'wte' has another shape"));
    checkpoint_free(&ck);
    params_free(&pt);
    params_free(&other);
    remove(path);
}
END_TEST

/* A save killed before its rename leaves <path>.tmp.<pid>: the next save of
 * the same path removes it when that process is gone, and only then. */
static void touch(const char *dir, const char *name) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("half a checkpoint", f);
    fclose(f);
}

static int exists_in(const char *dir, const char *name) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

START_TEST(test_save_removes_stale_temp_files) {
    char dir[512], path[600], dead_tmp[64], live_tmp[64], other_tmp[64];
    snprintf(dir, sizeof dir, "%s", tmp_path("stale"));
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/x.ckpt", dir);
    long dead = 999999;   /* a process that does not exist: kill(pid, 0) says ESRCH */
    while (kill((pid_t)dead, 0) == 0 || errno != ESRCH) dead++;
    snprintf(dead_tmp, sizeof dead_tmp, "x.ckpt.tmp.%ld", dead);
    snprintf(live_tmp, sizeof live_tmp, "x.ckpt.tmp.%ld", (long)getppid());   /* a running save */
    snprintf(other_tmp, sizeof other_tmp, "y.ckpt.tmp.%ld", dead);           /* another file's */
    touch(dir, dead_tmp);
    touch(dir, live_tmp);
    touch(dir, other_tmp);
    touch(dir, "x.ckpt.tmp.12ab");                                           /* not a pid */
    ParamTable pt;
    make_model(&pt, 8);
    checkpoint_save(path, "gpt", CONFIG, &pt, 1, 0);
    ck_assert_msg(!exists_in(dir, dead_tmp), "%s (pid %ld is gone) was left behind", dead_tmp, dead);
    ck_assert_msg(exists_in(dir, live_tmp), "%s of a running process was removed", live_tmp);
    ck_assert(exists_in(dir, other_tmp));
    ck_assert(exists_in(dir, "x.ckpt.tmp.12ab"));
    ck_assert(exists_in(dir, "x.ckpt"));
    params_free(&pt);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Saving in parts (ZeRO's gathered state, zero.h) writes the same bytes as
 * checkpoint_save, whatever the pieces. */
START_TEST(test_save_in_parts_equals_save) {
    ParamTable pt;
    const char *whole = saved_model(&pt), *parts = tmp_path("parts");
    CheckpointWriter w;
    checkpoint_begin(&w, parts, "gpt", CONFIG, &pt, 1234, 1);
    size_t cut = 30;   /* m in two pieces, then v's first floats with m's last */
    checkpoint_put_state(&w, pt.m, cut);
    float *rest = malloc(2 * pt.total * sizeof(float));
    memcpy(rest, pt.m + cut, (pt.total - cut) * sizeof(float));
    memcpy(rest + pt.total - cut, pt.v, pt.total * sizeof(float));
    checkpoint_put_state(&w, rest, pt.total - cut + 5);
    checkpoint_put_state(&w, pt.v + 5, pt.total - 5);
    checkpoint_end(&w);
    size_t la, lb;
    unsigned char *a = slurp(whole, &la), *b = slurp(parts, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(a, b, la);
    free(a), free(b), free(rest);
    params_free(&pt);
    remove(whole);
    remove(parts);
}
END_TEST

/* A save in parts that is given too few optimizer floats dies (status 1)
 * instead of writing a checkpoint that would not load. */
START_TEST(test_save_in_parts_rejects_missing_state) {
    ParamTable pt;
    saved_model(&pt);
    CheckpointWriter w;
    checkpoint_begin(&w, tmp_path("short"), "gpt", CONFIG, &pt, 1, 1);
    checkpoint_put_state(&w, pt.m, pt.total);
    checkpoint_end(&w);
}
END_TEST

static Suite *checkpoint_suite(void) {
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_rejects_truncated);
    tcase_add_test(tc, test_rejects_wrong_magic);
    tcase_add_test(tc, test_rejects_wrong_version);
    tcase_add_test(tc, test_rejects_corrupted_values);
    tcase_add_test(tc, test_rejects_other_stage_and_missing_file);
    tcase_add_test(tc, test_is_stage_reads_the_header_only);
    tcase_add_test(tc, test_restore_rejects_shape_mismatch);
    tcase_add_test(tc, test_save_removes_stale_temp_files);
    tcase_add_test(tc, test_save_in_parts_equals_save);
    tcase_add_exit_test(tc, test_save_in_parts_rejects_missing_state, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(checkpoint_suite)
