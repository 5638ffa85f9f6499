/*
 * test_seq2seq_cli.c -- the `seq2seq` command line as a learner runs it:
 * $BIN/seq2seq (the Makefile passes BIN: bin/, or build/san/bin under SAN=1)
 * as a child process from the repository root, judged by its exit status,
 * its stdout and its stderr (DESIGN.md: bad input exits 1 with
 * "seq2seq: error: ...", bad usage 2).
 *
 *   bleu     sacreBLEU's README example number for number (REFERENCES.md,
 *            tests/fixtures/bleu_sacrebleu.json), each --tokenize, --smooth
 *            and --lowercase, and its errors
 *   model    train, eval, translate and attention on a tiny --task files
 *            corpus (a model of a few thousand weights, one epoch), then
 *            every kind of bad corpus, bad model folder and bad usage
 *
 * The date normaliser's accuracy is tested in test_dates_quality.c: it
 * trains for seconds, not milliseconds.
 */
#include "harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ running it */

#define STAGE "seq2seq"

/* A whole file as a string (malloc'd). */
static char *slurp(const char *path) {
    size_t n;
    return read_all(path, &n);
}

/* harness.h runs the binary and keeps the scratch folder */
#define EXPECT(args, in, status, ...) bin_expect(STAGE, args, in, status, (const char *const[]){ __VA_ARGS__, NULL })
#define at scratch_at
#define put scratch_put

/* ------------------------------------------------------------------ bleu */

/* sacreBLEU's README example: three hypotheses, two reference streams. */
static void readme_example(void) {
    put("hyp.txt", "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
    put("ref1.txt", "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
    put("ref2.txt", "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
}

/* The RESULT line of `seq2seq bleu --hyp hyp.txt --ref ref1.txt --ref ref2.txt OPTIONS`. */
static char *bleu_readme(const char *options) {
    char args[4096];
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s --ref %s %s", at("hyp.txt"), at("ref1.txt"), at("ref2.txt"),
             options);
    return bin_expect_ok(STAGE, args, NULL);
}

START_TEST(test_bleu_readme) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("bleu_readme");
    readme_example();
    char *out = bleu_readme("--chrf");
    /* 14/7/5/3 matches of 17/14/11/8, hyp 17, ref 18 (REFERENCES.md) */
    expect_has(out, "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n",
               "bleu's verbose line");
    expect_has(out, "RESULT stage=seq2seq metric=bleu tokenize=13a smooth=exp refs=2 segments=3 bleu=48.530827 "
                    "p1=82.352941 p2=50.000000 p3=45.454545 p4=37.500000 bp=0.942873 ratio=0.944444 hyp_len=17 "
                    "ref_len=18\n", "bleu's RESULT");
    expect_has(out, "RESULT stage=seq2seq metric=chrf refs=2 segments=3 chrf=59.727518\n", "chrF's RESULT");
    free(out);
    /* --ref=FILE, and the streams in the other order: the same score */
    char args[4096];
    snprintf(args, sizeof args, "bleu --ref=%s --hyp %s --ref=%s", at("ref2.txt"), at("hyp.txt"), at("ref1.txt"));
    out = bin_expect_ok(STAGE, args, NULL);
    expect_has(out, " refs=2 segments=3 bleu=48.530827 ", "bleu --ref=");
    free(out);
    scratch_end();
}
END_TEST

START_TEST(test_bleu_options) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("bleu_options");
    readme_example();
    /* sacreBLEU 2.6.0's scores of the README example (tests/fixtures/bleu_sacrebleu.json) */
    static const struct {
        const char *options, *want;
    } cases[] = {
        { "--tokenize 13a --lowercase", "tokenize=13a smooth=exp refs=2 segments=3 bleu=48.530827 " },
        { "--tokenize intl", "tokenize=intl smooth=exp refs=2 segments=3 bleu=43.916235 p1=73.684211 " },
        { "--tokenize char", "tokenize=char smooth=exp refs=2 segments=3 bleu=72.610642 " },
        { "--tokenize char --lowercase", "bleu=72.265688 p1=89.655172 " },
        { "--tokenize none", "tokenize=none smooth=exp refs=2 segments=3 bleu=49.191957 " },
        { "--smooth add-k", "tokenize=13a smooth=add-k refs=2 segments=3 bleu=52.701090 p1=82.352941 p2=53.333333 " },
        { "--smooth add-k --smooth-value 2", "smooth=add-k refs=2 segments=3 bleu=56.031835 " },
        { "--smooth floor", "smooth=floor refs=2 segments=3 bleu=48.530827 " },
        { "--smooth none", "smooth=none refs=2 segments=3 bleu=48.530827 " },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = bleu_readme(cases[i].options);
        expect_has(out, cases[i].want, cases[i].options);
        free(out);
    }
    /* Where smoothing matters: no 4-gram matches. "a b c d" against "a b c e":
     * p = 3/4, 2/3, 1/2, 0/1; exp makes p4 1/(2*1), floor 0.1/1, none scores 0,
     * add-k (k = 1) 3/4, (2+1)/(3+1), (1+1)/(2+1), (0+1)/(1+1). */
    put("h.txt", "a b c d\n");
    put("r.txt", "a b c e\n");
    static const struct {
        const char *smooth, *want;
    } smooth[] = {
        { "exp", "bleu=59.460356 " },    /* (3/4 * 2/3 * 1/2 * 1/2)^(1/4) */
        { "floor", "bleu=39.763536 " },  /* (3/4 * 2/3 * 1/2 * 1/10)^(1/4) */
        { "floor --smooth-value 0.5", "bleu=59.460356 " },
        { "none", "bleu=0.000000 " },
        { "add-k", "bleu=65.803701 " },  /* (3/4 * 3/4 * 2/3 * 1/2)^(1/4) */
    };
    for (size_t i = 0; i < sizeof smooth / sizeof *smooth; i++) {
        char args[2048];
        snprintf(args, sizeof args, "bleu --hyp %s --ref %s --tokenize none --smooth %s", at("h.txt"), at("r.txt"),
                 smooth[i].smooth);
        char *out = bin_expect_ok(STAGE, args, NULL);
        expect_has(out, smooth[i].want, args);
        free(out);
    }
    scratch_end();
}
END_TEST

START_TEST(test_bleu_errors) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("bleu_errors");
    readme_example();
    char args[4096], hyp[700], ref1[700];
    snprintf(hyp, sizeof hyp, "%s", at("hyp.txt"));
    snprintf(ref1, sizeof ref1, "%s", at("ref1.txt"));
    const char *short_ref = put("short.txt", "The dog bit the man.\nIt was not unexpected.\n");
    const char *bad_utf8 = put("latin1.txt", "The dog bit the man.\nIt was not \xe9tonnant.\nThe man bit him first.\n");
    /* bad input: 1, naming the files (and the line) */
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s --ref %s", hyp, ref1, short_ref);
    EXPECT(args, NULL, 1, short_ref, hyp, "line-aligned");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s", short_ref, ref1);
    EXPECT(args, NULL, 1, short_ref, ref1);
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s", hyp, bad_utf8);
    EXPECT(args, NULL, 1, bad_utf8, "invalid UTF-8", "line 2");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s", bad_utf8, ref1);
    EXPECT(args, NULL, 1, bad_utf8, "invalid UTF-8", "line 2");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s", at("absent.txt"), ref1);
    EXPECT(args, NULL, 1, at("absent.txt"));
    /* bad usage: 2 */
    snprintf(args, sizeof args, "bleu --hyp %s", hyp);
    EXPECT(args, NULL, 2, "--ref");
    snprintf(args, sizeof args, "bleu --ref %s", ref1);
    EXPECT(args, NULL, 2, "--hyp");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s --tokenize zh", hyp, ref1);
    EXPECT(args, NULL, 2, "--tokenize", "zh");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s --smooth laplace", hyp, ref1);
    EXPECT(args, NULL, 2, "--smooth", "laplace");
    snprintf(args, sizeof args, "bleu --hyp %s --ref", hyp);
    EXPECT(args, NULL, 2, "--ref");
    snprintf(args, sizeof args, "bleu --hyp %s --ref %s %s", hyp, ref1, ref1);
    EXPECT(args, NULL, 2, "unexpected argument");
    scratch_end();
}
END_TEST

/* ------------------------------------------------------------ a tiny model */

/* A handful of German -> English pairs, every sentence of 2 to 5 words. */
static const char tiny_src[] =
    "ein hund läuft .\neine katze schläft\nder mann liest ein buch\ndie frau singt\n"
    "ein kind spielt im park\nein hund schläft .\n";
static const char tiny_tgt[] =
    "a dog runs .\na cat sleeps\nthe man reads a book\nthe woman sings\n"
    "a child plays in the park\na dog sleeps .\n";

#define TINY_MODEL "--emb 8 --hidden 8 --dec-hidden 8 --att-size 8 --epochs 1 --batch 4 --threads 1 --quiet"

static void tiny_corpus(void) {
    put("src.txt", tiny_src);
    put("tgt.txt", tiny_tgt);
}

/* The data options of `train --task files`: training pairs from the given
 * files, validation and test pairs from src.txt/tgt.txt. */
static const char *files_args(const char *train_src, const char *train_tgt) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "--task files --train-src %s --train-tgt %s --valid-src %s --valid-tgt %s "
             "--test-src %s --test-tgt %s", at(train_src), at(train_tgt), at("src.txt"), at("tgt.txt"),
             at("src.txt"), at("tgt.txt"));
    return buf;
}

/* Train the tiny model into root/run (with `extra` options); its stdout. */
static char *train_tiny(const char *run, const char *extra) {
    char args[8192];
    snprintf(args, sizeof args, "train %s " TINY_MODEL " %s --out %s", files_args("src.txt", "tgt.txt"), extra,
             at(run));
    return bin_expect_ok(STAGE, args, NULL);
}

/* The value of key= in a RESULT line ("" when absent), in buf. */
static const char *result_value(const char *text, const char *key, char *buf, size_t n) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(text, pat);
    buf[0] = '\0';
    if (p) {
        p += strlen(pat);
        size_t k = strcspn(p, " \n");
        snprintf(buf, n, "%.*s", (int)(k < n ? k : n - 1), p);
    }
    return buf;
}

START_TEST(test_train_eval) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("train_eval");
    tiny_corpus();
    char *out = train_tiny("run", "");
    expect_has(out, "RESULT stage=seq2seq model=bahdanau data=files split=test pairs=6 tokens=", "train's RESULT");
    expect_has(out, " ppl=", "train's RESULT");
    expect_has(out, " bleu=", "train's RESULT");
    expect_has(out, " bleu_beam=", "train's RESULT");
    const char *files[] = { "run/model.ckpt", "run/src_vocab.txt", "run/tgt_vocab.txt", "run/metrics.tsv",
                            "run/config.txt", "run/best/model.ckpt", "run/best/src_vocab.txt",
                            "run/best/tgt_vocab.txt" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        ck_assert_msg(scratch_exists(files[i]), "train wrote no %s", files[i]);
    /* eval scores the best weights on the same pairs: the same loss */
    char args[4096], train_loss[32], eval_loss[32];
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1 --hyp-out %s --by-length",
             at("run"), at("src.txt"), at("tgt.txt"), at("hyps.txt"));
    char *ev = bin_expect_ok(STAGE, args, NULL);
    expect_has(ev, "RESULT stage=seq2seq model=bahdanau data=files split=test pairs=6 tokens=", "eval's RESULT");
    expect_has(ev, " ppl=", "eval's RESULT");
    expect_has(ev, " bleu=", "eval's RESULT");
    expect_has(ev, "RESULT stage=seq2seq model=bahdanau data=files split=test bucket=1-10 pairs=6 bleu=",
               "eval --by-length");
    ck_assert_str_eq(result_value(ev, "loss", eval_loss, sizeof eval_loss),
                     result_value(out, "loss", train_loss, sizeof train_loss));
    char *hyps = slurp(at("hyps.txt"));
    ck_assert_int_eq(count_lines(hyps), 6);
    free(hyps);
    free(ev);
    free(out);
    /* a files model needs its files named: bad usage */
    snprintf(args, sizeof args, "eval --model %s", at("run"));
    EXPECT(args, NULL, 2, "--test-src");
    scratch_end();
}
END_TEST

START_TEST(test_translate) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("translate");
    tiny_corpus();
    free(train_tiny("run", ""));
    char args[4096];
    /* one line out per line in, greedy as eval decodes (unknown words too) */
    const char *in = put("in.txt", "ein hund läuft .\nder mann liest\nein unbekanntes wort\n");
    snprintf(args, sizeof args, "translate --model %s --threads 1", at("run"));
    char *out = bin_expect_ok(STAGE, args, in);
    ck_assert_int_eq(count_lines(out), 3);
    free(out);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1 --hyp-out %s", at("run"),
             at("src.txt"), at("tgt.txt"), at("hyps.txt"));
    free(bin_expect_ok(STAGE, args, NULL));
    snprintf(args, sizeof args, "translate --model %s --threads 1", at("run"));
    out = bin_expect_ok(STAGE, args, at("src.txt"));
    char *hyps = slurp(at("hyps.txt"));
    ck_assert_str_eq(out, hyps);
    free(hyps);
    free(out);
    /* --nbest: N lines per sentence, SCORE<TAB>TEXT, best first */
    snprintf(args, sizeof args, "translate --model %s --threads 1 --beam 3 --nbest 2", at("run"));
    out = bin_expect_ok(STAGE, args, in);
    ck_assert_int_eq(count_lines(out), 6);
    double prev = 0.0;
    int k = 0;
    for (char *line = out; *line; line = strchr(line, '\n') + 1, k++) {
        char *end;
        double score = strtod(line, &end);
        ck_assert_msg(end > line && *end == '\t', "not SCORE<TAB>TEXT: %s", line);
        ck_assert_msg(score <= 0.0, "a log-probability above 0: %s", line);
        if (k % 2 == 1) ck_assert_msg(score <= prev, "the 2nd best above the best: %s", out);
        prev = score;
    }
    free(out);
    /* bad input on stdin: which line */
    snprintf(args, sizeof args, "translate --model %s --threads 1", at("run"));
    EXPECT(args, put("empty_line.txt", "ein hund\n\nder mann\n"), 1, "stdin:2:", "empty");
    EXPECT(args, put("blank_line.txt", "ein hund\n  \t \n"), 1, "stdin:2:");
    EXPECT(args, put("latin1_line.txt", "ein hund\nsch\xf6n\n"), 1, "stdin:2:", "UTF-8");
    /* an empty stdin: nothing out, all is well */
    out = bin_expect_ok(STAGE, args, NULL);
    ck_assert_str_eq(out, "");
    free(out);
    scratch_end();
}
END_TEST

START_TEST(test_attention) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("attention");
    tiny_corpus();
    free(train_tiny("run", ""));
    char args[4096];
    ck_assert_int_eq(mkdir(at("plots"), 0777), 0);
    snprintf(args, sizeof args, "attention --model %s --png %s --threads 1 'der mann liest ein buch'", at("run"),
             at("plots/att.png"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    ck_assert_int_eq(count_lines(out), 1);   /* the translation */
    free(out);
    /* the data and script beside the PNG, whether or not gnuplot drew it */
    ck_assert_msg(scratch_exists("plots/att.dat"), "no plots/att.dat beside the PNG");
    ck_assert_msg(scratch_exists("plots/att.gp"), "no plots/att.gp beside the PNG");
    if (system("command -v gnuplot > /dev/null 2>&1") == 0)
        ck_assert_msg(scratch_exists("plots/att.png"), "gnuplot is here but drew no plots/att.png");
    /* no sentence, two sentences, an empty one, a folder that is not there */
    snprintf(args, sizeof args, "attention --model %s --png %s", at("run"), at("plots/a.png"));
    EXPECT(args, NULL, 2, "SENTENCE");
    snprintf(args, sizeof args, "attention --model %s --png %s 'ein hund' 'der mann'", at("run"), at("plots/a.png"));
    EXPECT(args, NULL, 2, "SENTENCE");
    snprintf(args, sizeof args, "attention --model %s --png %s ''", at("run"), at("plots/a.png"));
    EXPECT(args, NULL, 1, "empty");
    snprintf(args, sizeof args, "attention --model %s --png %s 'ein hund'", at("run"), at("missing/a.png"));
    EXPECT(args, NULL, 1, at("missing/"));
    /* a model without attention has none to draw */
    free(train_tiny("plain", "--attention none --bidirectional 0"));
    snprintf(args, sizeof args, "attention --model %s --png %s 'ein hund'", at("plain"), at("plots/b.png"));
    EXPECT(args, NULL, 1, "no attention");
    scratch_end();
}
END_TEST

START_TEST(test_bad_corpus) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("bad_corpus");
    tiny_corpus();
    put("short.txt", "a dog runs .\na cat sleeps\n");
    put("empty_line.txt", "ein hund läuft .\neine katze schläft\n\ndie frau singt\n"
                          "ein kind spielt im park\nein hund schläft .\n");
    put("latin1.txt", "ein hund l\xe4uft .\neine katze schl\xe4" "ft\nder mann liest ein buch\ndie frau singt\n"
                      "ein kind spielt im park\nein hund schläft .\n");
    char args[8192];
    char src[700], tgt[700], shrt[700], empty[700], latin1[700];
    snprintf(src, sizeof src, "%s", at("src.txt"));
    snprintf(tgt, sizeof tgt, "%s", at("tgt.txt"));
    snprintf(shrt, sizeof shrt, "%s", at("short.txt"));
    snprintf(empty, sizeof empty, "%s", at("empty_line.txt"));
    snprintf(latin1, sizeof latin1, "%s", at("latin1.txt"));
    /* training files: the message names the file (and the line) */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("src.txt", "short.txt"), at("r1"));
    EXPECT(args, NULL, 1, shrt, src);
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("short.txt", "tgt.txt"), at("r1"));
    EXPECT(args, NULL, 1, shrt, tgt);
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("empty_line.txt", "tgt.txt"), at("r1"));
    char where[800];
    snprintf(where, sizeof where, "%s:3:", empty);
    EXPECT(args, NULL, 1, where, "empty line");
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("latin1.txt", "tgt.txt"), at("r1"));
    snprintf(where, sizeof where, "%s:1:", latin1);
    EXPECT(args, NULL, 1, where, "UTF-8");
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("src.txt", "absent.txt"), at("r1"));
    EXPECT(args, NULL, 1, at("absent.txt"));
    ck_assert_msg(!scratch_exists("r1/model.ckpt"), "a failed training run left a checkpoint");
    /* the files of --task files are options: leaving them out is bad usage */
    snprintf(args, sizeof args, "train --task files --train-src %s --train-tgt %s " TINY_MODEL " --out %s", src, tgt,
             at("r1"));
    EXPECT(args, NULL, 2, "--valid-src");
    /* eval's test files: the same answers */
    free(train_tiny("run", ""));
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), src, shrt);
    EXPECT(args, NULL, 1, shrt, src);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), empty, tgt);
    snprintf(where, sizeof where, "%s:3:", empty);
    EXPECT(args, NULL, 1, where);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), latin1, tgt);
    snprintf(where, sizeof where, "%s:1:", latin1);
    EXPECT(args, NULL, 1, where, "UTF-8");
    scratch_end();
}
END_TEST

/* cp -r root/from root/to */
static void copy_run(const char *from, const char *to) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", at(from), at(to));
    ck_assert_int_eq(system(cmd), 0);
}

static void copy_file(const char *from, const char *to) {
    size_t n;
    char *data = read_all(at(from), &n);
    write_bytes(at(to), data, n);
    free(data);
}

/* translate, eval and attention on the model folder root/run must all fail
 * with status 1 and each of the messages. */
static void expect_bad_model(const char *run, const char *const *has) {
    char args[4096];
    snprintf(args, sizeof args, "translate --model %s --threads 1", at(run));
    bin_expect(STAGE, args, put("one.txt", "ein hund\n"), 1, has);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1", at(run), at("src.txt"),
             at("tgt.txt"));
    bin_expect(STAGE, args, NULL, 1, has);
    snprintf(args, sizeof args, "attention --model %s --png %s 'ein hund'", at(run), at("a.png"));
    bin_expect(STAGE, args, NULL, 1, has);
}
#define EXPECT_BAD_MODEL(run, ...) expect_bad_model(run, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_bad_model) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("bad_model");
    tiny_corpus();
    free(train_tiny("run", ""));
    /* another vocabulary: a model trained on other words */
    put("other_src.txt", "x y z\nw v\n");
    put("other_tgt.txt", "p q\nr\n");
    char args[8192];
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("other_src.txt", "other_tgt.txt"),
             at("other"));
    free(bin_expect_ok(STAGE, args, NULL));

    /* a well-formed vocabulary of another size, in best/ and in the run */
    copy_run("run", "swapped");
    copy_file("other/src_vocab.txt", "swapped/best/src_vocab.txt");
    EXPECT_BAD_MODEL("swapped", "swapped/best/src_vocab.txt", "tokens but the model", "expects");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -r '%s'", at("swapped/best"));
    ck_assert_int_eq(system(cmd), 0);
    copy_file("other/tgt_vocab.txt", "swapped/tgt_vocab.txt");
    EXPECT_BAD_MODEL("swapped", "swapped/tgt_vocab.txt", "tokens but the model", "expects");
    /* a truncated vocabulary */
    copy_run("run", "short_vocab");
    scratch_cut_in_half("short_vocab/best/src_vocab.txt");
    EXPECT_BAD_MODEL("short_vocab", "short_vocab/best/src_vocab.txt");
    /* truncated checkpoints: best/ and the last epoch's */
    copy_run("run", "cut");
    scratch_cut_in_half("cut/best/model.ckpt");
    scratch_cut_in_half("cut/model.ckpt");
    EXPECT_BAD_MODEL("cut", "cut/best/model.ckpt", "truncated");
    snprintf(cmd, sizeof cmd, "rm -r '%s'", at("cut/best"));
    ck_assert_int_eq(system(cmd), 0);
    EXPECT_BAD_MODEL("cut", "cut/model.ckpt", "truncated");
    /* --resume from it */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --epochs 2 --resume --out %s",
             files_args("src.txt", "tgt.txt"), at("cut"));
    EXPECT(args, NULL, 1, "cut/model.ckpt", "truncated");
    /* --resume on other pairs: their vocabularies differ from the saved ones */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --epochs 2 --resume --out %s",
             files_args("other_src.txt", "other_tgt.txt"), at("run"));
    EXPECT(args, NULL, 1, "vocabularies");
    /* not a model folder */
    EXPECT_BAD_MODEL("nothing_here", "nothing_here");
    scratch_end();
}
END_TEST

START_TEST(test_usage) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("usage");
    static const char *const commands[] = { "train", "eval", "translate", "attention", "bleu", "demo", "bench" };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        char args[64], want[64];
        snprintf(args, sizeof args, "%s --help", commands[i]);
        snprintf(want, sizeof want, "Usage: seq2seq %s", commands[i]);
        char *out = bin_expect_ok(STAGE, args, NULL);
        expect_has(out, want, args);
        free(out);
    }
    char *out = bin_expect_ok(STAGE, "--help", NULL);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) expect_has(out, commands[i], "seq2seq --help");
    free(out);
    BinRun none = bin_run(STAGE, "", NULL);   /* no command: the overview, on stderr */
    ck_assert_int_eq(none.status, 2);
    expect_has(none.err, "Usage: seq2seq COMMAND", "seq2seq without a command");
    bin_run_free(&none);
    EXPECT("frobnicate", NULL, 2, "frobnicate");
    EXPECT("train --frobnicate", NULL, 2, "--frobnicate");
    EXPECT("train --preset nowhere", NULL, 2, "nowhere");
    EXPECT("train --attention additive", NULL, 2, "--attention");
    EXPECT("train --cell rnn", NULL, 2, "gru or lstm");
    EXPECT("train --beam 0", NULL, 2, "--beam");
    EXPECT("train --feed-context --attention bahdanau", NULL, 2, "--feed-context", "--attention none");
    EXPECT("train --feed-context --attention luong-dot", NULL, 2, "--feed-context");
    EXPECT("translate --model DIR --beam 2 --nbest 3", NULL, 2, "--nbest");
    EXPECT("translate", NULL, 2, "--model");
    EXPECT("translate --model DIR extra", NULL, 2, "extra");
    EXPECT("eval", NULL, 2, "--model");
    EXPECT("eval --model DIR --split dev", NULL, 2, "--split");
    scratch_end();
}
END_TEST

static Suite *seq2seq_cli_suite(void) {
    Suite *s = suite_create("seq2seq_cli");
    TCase *bleu = tcase_create("bleu");
    tcase_set_timeout(bleu, 30);   /* a dozen runs of the binary: seconds on a loaded machine */
    tcase_add_test(bleu, test_bleu_readme);
    tcase_add_test(bleu, test_bleu_options);
    tcase_add_test(bleu, test_bleu_errors);
    suite_add_tcase(s, bleu);
    /* each test trains a model of a few thousand weights for one epoch (well
     * under a second), and runs the binary a dozen times */
    TCase *model = tcase_create("model");
    tcase_set_timeout(model, 30);
    tcase_add_test(model, test_train_eval);
    tcase_add_test(model, test_translate);
    tcase_add_test(model, test_attention);
    tcase_add_test(model, test_bad_corpus);
    tcase_add_test(model, test_bad_model);
    tcase_add_test(model, test_usage);
    suite_add_tcase(s, model);
    return s;
}

TEST_MAIN(seq2seq_cli_suite)
