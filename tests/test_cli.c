/* test_cli.c -- the one command-line parser: flags, presets, aliases, files, bad usage. */
#include "cli.h"
#include "harness.h"
#include "util.h"

#include <string.h>

typedef struct {
    unsigned long long seed;
    int threads, quiet, hidden, context, cell;
    long steps;
    float lr;
    double decay;
    const char *out;
    const char *preset_seen;
} Opts;

static const char *const cells[] = { "rnn", "lstm", "gru", NULL };

/* "small" sets a few fields, as a stage's preset recipe does. */
static int apply_preset(void *ctx, const char *name) {
    Opts *o = ctx;
    if (strcmp(name, "small") != 0) return 0;
    o->hidden = 200;
    o->lr = 1.0f;
    o->steps = 1000;
    o->preset_seen = name;
    return 1;
}

/* Parse the words of line (at most 31) as argv, command "train" first. */
static int parse(Opts *o, char *line, char **files) {
    static char *argv[32];
    int argc = 0;
    argv[argc++] = "train";
    for (char *w = strtok(line, " "); w && argc < 32; w = strtok(NULL, " ")) argv[argc++] = w;
    const CliOption opts[] = {
        CLI_SEED(&o->seed), CLI_THREADS(&o->threads), CLI_OUT(&o->out), CLI_STEPS(&o->steps),
        CLI_LR_F(&o->lr), CLI_QUIET(&o->quiet),
        CLI_OPT("hidden", CLI_INT, &o->hidden, 1, 4096),
        { .name = "context", .type = CLI_INT, .dst = &o->context, .lo = 1, .hi = 1 << 20, .alias = "seq-len" },
        CLI_OPT("decay", CLI_DOUBLE, &o->decay, 0, 1),
        { .name = "cell", .type = CLI_CHOICE, .dst = &o->cell, .choices = cells },
        CLI_END,
    };
    CliSpec spec = { .usage = "usage: train [options] FILE...\n", .options = opts, .preset = apply_preset,
                     .ctx = o, .presets = "small" };
    int n = cli_parse(&spec, argc, argv);
    for (int i = 0; i < n; i++) files[i] = argv[1 + i];
    return n;
}

START_TEST(test_cli_values_and_files) {
    Opts o = { .threads = 1, .hidden = 128, .lr = 2e-3f };
    char line[] = "--seed 7 a.txt --threads=2 --hidden 64 -context 35 --cell gru --quiet --lr 0.5 b.txt --decay 0.25";
    char *files[8];
    ck_assert_int_eq(parse(&o, line, files), 2);
    ck_assert_str_eq(files[0], "a.txt");
    ck_assert_str_eq(files[1], "b.txt");
    ck_assert_uint_eq(o.seed, 7);
    ck_assert_int_eq(o.threads, 2);
    ck_assert_int_eq(o.hidden, 64);
    ck_assert_int_eq(o.context, 35);
    ck_assert_int_eq(o.cell, 2);
    ck_assert_int_eq(o.quiet, 1);
    ck_assert_float_eq(o.lr, 0.5f);
    ck_assert_double_eq(o.decay, 0.25);
}
END_TEST

START_TEST(test_cli_alias_and_double_dash) {
    Opts o = { 0 };
    char line[] = "--seq-len 20 -- --hidden";
    char *files[8];
    ck_assert_int_eq(parse(&o, line, files), 1);
    ck_assert_int_eq(o.context, 20);
    ck_assert_str_eq(files[0], "--hidden");   /* after "--" everything is a file */
}
END_TEST

/* The preset is applied first wherever it stands; flags override it. */
START_TEST(test_cli_flags_override_preset) {
    Opts o = { .hidden = 128 };
    char line[] = "--hidden 300 --preset small --steps 5";
    char *files[8];
    ck_assert_int_eq(parse(&o, line, files), 0);
    ck_assert_str_eq(o.preset_seen, "small");
    ck_assert_int_eq(o.hidden, 300);
    ck_assert_int_eq(o.steps, 5);
    ck_assert_float_eq(o.lr, 1.0f);   /* from the preset, not overridden */
}
END_TEST

/* Each of these is bad usage: exit status 2. */
static void parse_dies(const char *words) {
    util_set_prog("test");
    Opts o = { 0 };
    char line[256], *files[8];
    snprintf(line, sizeof line, "%s", words);
    parse(&o, line, files);
}
START_TEST(test_cli_unknown_option) { parse_dies("--hiden 3"); } END_TEST
START_TEST(test_cli_bad_number) { parse_dies("--hidden 12x"); } END_TEST
START_TEST(test_cli_out_of_range) { parse_dies("--hidden 0"); } END_TEST
START_TEST(test_cli_missing_value) { parse_dies("--hidden"); } END_TEST
START_TEST(test_cli_bad_choice) { parse_dies("--cell tree"); } END_TEST
START_TEST(test_cli_unknown_preset) { parse_dies("--preset huge"); } END_TEST
START_TEST(test_cli_flag_with_value) { parse_dies("--quiet=1"); } END_TEST
START_TEST(test_cli_negative_seed) { parse_dies("--seed -1"); } END_TEST
START_TEST(test_cli_help_exits_0) { parse_dies("--steps 3 --help --bogus"); } END_TEST

static Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, test_cli_values_and_files);
    tcase_add_test(tc, test_cli_alias_and_double_dash);
    tcase_add_test(tc, test_cli_flags_override_preset);
    tcase_add_exit_test(tc, test_cli_unknown_option, 2);
    tcase_add_exit_test(tc, test_cli_bad_number, 2);
    tcase_add_exit_test(tc, test_cli_out_of_range, 2);
    tcase_add_exit_test(tc, test_cli_missing_value, 2);
    tcase_add_exit_test(tc, test_cli_bad_choice, 2);
    tcase_add_exit_test(tc, test_cli_unknown_preset, 2);
    tcase_add_exit_test(tc, test_cli_flag_with_value, 2);
    tcase_add_exit_test(tc, test_cli_negative_seed, 2);
    tcase_add_exit_test(tc, test_cli_help_exits_0, 0);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cli_suite)
