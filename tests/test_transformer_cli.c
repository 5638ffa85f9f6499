/*
 * test_transformer_cli.c -- the `transformer` command line as a learner runs
 * it: $BIN/transformer (the Makefile passes BIN: bin/, or build/san/bin
 * under SAN=1) as a child process from the repository root, judged by its
 * exit status, its stdout and its stderr (DESIGN.md: bad input exits 1 with
 * "transformer: error: ...", bad usage 2).
 *
 * On a tiny --task files corpus (a model of a few thousand weights, one
 * epoch): train, eval, translate and attention agree with one another;
 * --resume goes on from the saved Adam state exactly as an uninterrupted
 * run; --share-emb builds one vocabulary; then every kind of bad corpus,
 * bad (truncated, corrupted, foreign) model folder and bad usage.
 *
 * The date model's accuracy is tested in test_dates_quality.c: it
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

#define STAGE "transformer"

/* A whole file as a string (malloc'd). */
static char *slurp(const char *path) {
    size_t n;
    return read_all(path, &n);
}

/* harness.h runs the binary and keeps the scratch folder */
#define EXPECT(args, in, status, ...) bin_expect(STAGE, args, in, status, (const char *const[]){ __VA_ARGS__, NULL })
#define at scratch_at
#define put scratch_put

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

static void remove_tree(const char *name) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -r '%s'", at(name));
    ck_assert_int_eq(system(cmd), 0);
}

/* ------------------------------------------------------------ a tiny model */

/* A handful of German -> English pairs, every sentence of 2 to 5 words. */
static const char tiny_src[] =
    "ein hund läuft .\neine katze schläft\nder mann liest ein buch\ndie frau singt\n"
    "ein kind spielt im park\nein hund schläft .\n";
static const char tiny_tgt[] =
    "a dog runs .\na cat sleeps\nthe man reads a book\nthe woman sings\n"
    "a child plays in the park\na dog sleeps .\n";

/* 2 heads of width 4, one layer a side: a few thousand weights */
#define TINY_MODEL "--d-model 8 --heads 2 --ff 16 --layers 1 --epochs 1 --batch 4 --threads 1 --quiet"

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

START_TEST(test_train_eval) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("train_eval");
    tiny_corpus();
    char *out = train_tiny("run", "");
    expect_has(out, "RESULT stage=transformer model=transformer data=files split=test pairs=6 tokens=",
               "train's RESULT");
    const char *keys[] = { " loss=", " ppl=", " bleu=", " beam=5 ", " bleu_beam=", " exact=", " params=", " train_s=" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) expect_has(out, keys[i], "train's RESULT");
    const char *files[] = { "run/model.ckpt", "run/src_vocab.txt", "run/tgt_vocab.txt", "run/metrics.tsv",
                            "run/config.txt", "run/best/model.ckpt", "run/best/src_vocab.txt",
                            "run/best/tgt_vocab.txt" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        ck_assert_msg(scratch_exists(files[i]), "train wrote no %s", files[i]);
    /* metrics.tsv: seq2seq's columns, a train and a valid row per epoch */
    char *tsv = slurp(at("run/metrics.tsv"));
    expect_has(tsv, "step\tepoch\tsplit\tloss\tppl\tbleu\texact\tlr\tgrad_norm\ttok_per_s\telapsed_s\n", "metrics.tsv");
    expect_has(tsv, "\ttrain\t", "metrics.tsv");
    expect_has(tsv, "\tvalid\t", "metrics.tsv");
    ck_assert_int_eq(count_lines(tsv), 3);
    free(tsv);
    /* eval scores the best weights on the same pairs: the same loss */
    char args[4096], train_loss[32], eval_loss[32];
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1 --hyp-out %s",
             at("run"), at("src.txt"), at("tgt.txt"), at("hyps.txt"));
    char *ev = bin_expect_ok(STAGE, args, NULL);
    expect_has(ev, "RESULT stage=transformer model=transformer data=files split=test pairs=6 tokens=",
               "eval's RESULT");
    expect_has(ev, " ppl=", "eval's RESULT");
    expect_has(ev, " bleu=", "eval's RESULT");
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

/* The variants of the model train and evaluate too: pre-LN, learned
 * positions, shared embeddings over one joint vocabulary, Noam's schedule,
 * label smoothing, unequal stacks. */
START_TEST(test_variants) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("variants");
    tiny_corpus();
    free(train_tiny("run", "--norm pre --pos learned --share-emb --schedule noam --warmup 2 "
                           "--label-smoothing 0.1 --enc-layers 2 --dec-layers 1"));
    char *config = slurp(at("run/config.txt"));
    expect_has(config, "joint_vocab = 1", "config.txt");
    expect_has(config, "schedule = noam", "config.txt");
    free(config);
    /* one vocabulary, both sides */
    char *sv = slurp(at("run/src_vocab.txt")), *tv = slurp(at("run/tgt_vocab.txt"));
    ck_assert_str_eq(sv, tv);
    expect_has(sv, "hund", "the joint vocabulary");
    expect_has(sv, "dog", "the joint vocabulary");
    free(sv);
    free(tv);
    char args[4096];
    snprintf(args, sizeof args, "translate --model %s --threads 1", at("run"));
    char *out = bin_expect_ok(STAGE, args, put("in.txt", "ein hund\n"));
    ck_assert_int_eq(count_lines(out), 1);
    free(out);
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
    /* longer than the model's positions (the longest training sentence, 5 + BOS) */
    EXPECT(args, put("long_line.txt", "ein hund\nein hund und eine katze und ein mann\n"), 1, "stdin:2:",
           "max_pos");
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
    free(train_tiny("run", "--enc-layers 2 --dec-layers 1"));
    char args[4096];
    snprintf(args, sizeof args, "attention --model %s --out %s --threads 1 'der mann liest ein buch'", at("run"),
             at("plots"));
    char *out = bin_expect_ok(STAGE, args, NULL);
    ck_assert_int_eq(count_lines(out), 1);   /* the translation */
    free(out);
    /* every layer of every kind, its heads in one grid; the data and script
     * beside each PNG, whether or not gnuplot drew it */
    int gnuplot = system("command -v gnuplot > /dev/null 2>&1") == 0;
    const char *stems[] = { "plots/cross_layer1", "plots/enc_layer1", "plots/enc_layer2", "plots/dec_layer1" };
    for (size_t i = 0; i < sizeof stems / sizeof *stems; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s.dat", stems[i]);
        ck_assert_msg(scratch_exists(name), "no %s", name);
        snprintf(name, sizeof name, "%s.gp", stems[i]);
        ck_assert_msg(scratch_exists(name), "no %s", name);
        char *gp = slurp(at(name));
        expect_has(gp, "set multiplot layout 1,2", name);   /* 2 heads side by side */
        free(gp);
        snprintf(name, sizeof name, "%s.png", stems[i]);
        if (gnuplot) ck_assert_msg(scratch_exists(name), "gnuplot is here but drew no %s", name);
    }
    ck_assert_msg(!scratch_exists("plots/dec_layer2.dat"), "a decoder layer the model does not have");
    /* one layer, one kind, one head: a single map */
    snprintf(args, sizeof args, "attention --model %s --out %s --kind enc --layer 2 --head 2 'ein hund'", at("run"),
             at("one"));
    free(bin_expect_ok(STAGE, args, NULL));
    ck_assert_msg(scratch_exists("one/enc_layer2_head2.dat"), "no one/enc_layer2_head2.dat");
    ck_assert_msg(!scratch_exists("one/cross_layer1.dat"), "--kind enc drew cross-attention");
    /* bad usage: no sentence, two sentences, a kind that is not one */
    snprintf(args, sizeof args, "attention --model %s --out %s", at("run"), at("plots"));
    EXPECT(args, NULL, 2, "SENTENCE");
    snprintf(args, sizeof args, "attention --model %s --out %s 'ein hund' 'der mann'", at("run"), at("plots"));
    EXPECT(args, NULL, 2, "SENTENCE");
    snprintf(args, sizeof args, "attention --model %s --out %s --kind self 'ein hund'", at("run"), at("plots"));
    EXPECT(args, NULL, 2, "--kind");
    /* bad input: an empty sentence, a layer or head the model lacks */
    snprintf(args, sizeof args, "attention --model %s --out %s ''", at("run"), at("plots"));
    EXPECT(args, NULL, 1, "empty");
    snprintf(args, sizeof args, "attention --model %s --out %s --layer 3 'ein hund'", at("run"), at("plots"));
    EXPECT(args, NULL, 1, "--layer 3");
    snprintf(args, sizeof args, "attention --model %s --out %s --kind dec --layer 2 'ein hund'", at("run"),
             at("plots"));
    EXPECT(args, NULL, 1, "--layer 2");
    snprintf(args, sizeof args, "attention --model %s --out %s --head 3 'ein hund'", at("run"), at("plots"));
    EXPECT(args, NULL, 1, "--head 3", "2 heads");
    scratch_end();
}
END_TEST

/* Train 1 epoch, then --resume to 2: without dropout the result is exactly
 * the uninterrupted 2-epoch run's (the same batches, Adam's moments and step
 * count restored); the metrics go on where they stopped. */
/* The loss= of eval on the tiny corpus, into buf. */
static const char *eval_loss(const char *model, char *buf, size_t n) {
    char args[4096];
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1", at(model), at("src.txt"),
             at("tgt.txt"));
    char *ev = bin_expect_ok(STAGE, args, NULL);
    result_value(ev, "loss", buf, n);
    free(ev);
    return buf;
}

/* --average K keeps the last K epochs' weights and tests their mean;
 * `average` of one folder twice gives that folder's model back; folders of
 * two shapes do not average. */
START_TEST(test_average) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("average");
    tiny_corpus();
    char *out = train_tiny("run", "--epochs 3 --average 2");
    ck_assert_msg(!scratch_exists("run/epochs/1"), "epoch 1 fell out of the window but is kept");
    const char *files[] = { "run/epochs/2/model.ckpt", "run/epochs/3/model.ckpt", "run/average/model.ckpt" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        ck_assert_msg(scratch_exists(files[i]), "train --average wrote no %s", files[i]);
    expect_has(out, "the mean of epochs 2-3 (2 checkpoints)", "train --average");
    char a[32], b[32];
    ck_assert_str_eq(eval_loss("run/average", a, sizeof a), result_value(out, "loss", b, sizeof b));
    char args[4096];
    snprintf(args, sizeof args, "average --out %s %s %s", at("twice"), at("run/epochs/3"), at("run/epochs/3"));
    free(bin_expect_ok(STAGE, args, NULL));
    ck_assert_str_eq(eval_loss("twice", a, sizeof a), eval_loss("run/epochs/3", b, sizeof b));
    free(train_tiny("wide", "--d-model 16"));
    snprintf(args, sizeof args, "average --out %s %s %s", at("mixed"), at("run/epochs/3"), at("wide"));
    EXPECT(args, NULL, 1, "is not the shape of");
    snprintf(args, sizeof args, "average --out %s", at("none"));
    EXPECT(args, NULL, 2, "the model folders");
    free(out);
    scratch_end();
}
END_TEST

START_TEST(test_resume) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    scratch_begin("resume");
    tiny_corpus();
    char *whole = train_tiny("whole", "--dropout 0 --epochs 2");
    free(train_tiny("part", "--dropout 0 --epochs 1"));
    char args[8192];
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --dropout 0 --epochs 2 --resume --out %s",
             files_args("src.txt", "tgt.txt"), at("part"));
    char *resumed = bin_expect_ok(STAGE, args, NULL);
    char a[32], b[32];
    ck_assert_str_eq(result_value(resumed, "loss", a, sizeof a), result_value(whole, "loss", b, sizeof b));
    ck_assert_str_eq(result_value(resumed, "bleu", a, sizeof a), result_value(whole, "bleu", b, sizeof b));
    char *tsv = slurp(at("part/metrics.tsv"));
    ck_assert_int_eq(count_lines(tsv), 5);   /* header, 2 epochs x (train, valid) */
    /* the epoch and step columns go on; elapsed_s never goes back */
    int last_epoch = 0;
    long last_step = 0;
    double last_elapsed = -1.0;
    for (char *row = strchr(tsv, '\n') + 1; *row; row = strchr(row, '\n') + 1) {
        long step = strtol(row, &row, 10);
        int epoch = (int)strtol(row, &row, 10);
        char *tab = strchr(row, '\n');
        while (tab[-1] != '\t') tab--;
        double elapsed = strtod(tab, NULL);
        ck_assert_msg(epoch >= last_epoch && step >= last_step && elapsed >= last_elapsed, "metrics.tsv:\n%s", tsv);
        last_epoch = epoch, last_step = step, last_elapsed = elapsed;
    }
    ck_assert_int_eq(last_epoch, 2);
    ck_assert_int_eq(last_step, 4);   /* 6 pairs in batches of 4: 2 steps an epoch */
    free(tsv);
    free(resumed);
    free(whole);
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
    char args[8192], where[800];
    char src[700], tgt[700], shrt[700], empty[700], latin1[700];
    snprintf(src, sizeof src, "%s", at("src.txt"));
    snprintf(tgt, sizeof tgt, "%s", at("tgt.txt"));
    snprintf(shrt, sizeof shrt, "%s", at("short.txt"));
    snprintf(empty, sizeof empty, "%s", at("empty_line.txt"));
    snprintf(latin1, sizeof latin1, "%s", at("latin1.txt"));
    /* training files: the message names the file (and the line) */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("src.txt", "short.txt"), at("r1"));
    EXPECT(args, NULL, 1, shrt, src);
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("empty_line.txt", "tgt.txt"), at("r1"));
    snprintf(where, sizeof where, "%s:3:", empty);
    EXPECT(args, NULL, 1, where, "empty line");
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("latin1.txt", "tgt.txt"), at("r1"));
    snprintf(where, sizeof where, "%s:1:", latin1);
    EXPECT(args, NULL, 1, where, "UTF-8");
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --out %s", files_args("src.txt", "absent.txt"), at("r1"));
    EXPECT(args, NULL, 1, at("absent.txt"));
    /* positions too few for the task's sentences */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --max-pos 3 --out %s", files_args("src.txt", "tgt.txt"),
             at("r1"));
    EXPECT(args, NULL, 1, "--max-pos 3");
    ck_assert_msg(!scratch_exists("r1/model.ckpt"), "a failed training run left a checkpoint");
    /* the files of --task files are options: leaving them out is bad usage */
    snprintf(args, sizeof args, "train --task files --train-src %s --train-tgt %s " TINY_MODEL " --out %s", src, tgt,
             at("r1"));
    EXPECT(args, NULL, 2, "--valid-src");
    /* eval's test files: the same answers; sentences longer than the model's positions */
    free(train_tiny("run", ""));
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), src, shrt);
    EXPECT(args, NULL, 1, shrt, src);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), empty, tgt);
    snprintf(where, sizeof where, "%s:3:", empty);
    EXPECT(args, NULL, 1, where);
    put("long_src.txt", "ein hund und eine katze und ein mann\n");
    put("long_tgt.txt", "a dog\n");
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s", at("run"), at("long_src.txt"),
             at("long_tgt.txt"));
    EXPECT(args, NULL, 1, "test pair 1", "max_pos");
    scratch_end();
}
END_TEST

/* translate, eval and attention on the model folder root/run must all fail
 * with status 1 and each of the messages. */
static void expect_bad_model(const char *run, const char *const *has) {
    char args[4096];
    snprintf(args, sizeof args, "translate --model %s --threads 1", at(run));
    bin_expect(STAGE, args, put("one.txt", "ein hund\n"), 1, has);
    snprintf(args, sizeof args, "eval --model %s --test-src %s --test-tgt %s --threads 1", at(run), at("src.txt"),
             at("tgt.txt"));
    bin_expect(STAGE, args, NULL, 1, has);
    snprintf(args, sizeof args, "attention --model %s --out %s 'ein hund'", at(run), at("maps"));
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
    EXPECT_BAD_MODEL("swapped", "swapped/best/src_vocab.txt");
    remove_tree("swapped/best");
    copy_file("other/tgt_vocab.txt", "swapped/tgt_vocab.txt");
    EXPECT_BAD_MODEL("swapped", "swapped/tgt_vocab.txt");
    /* a truncated vocabulary */
    copy_run("run", "short_vocab");
    scratch_cut_in_half("short_vocab/best/src_vocab.txt");
    EXPECT_BAD_MODEL("short_vocab", "short_vocab/best/src_vocab.txt");
    /* truncated checkpoints: best/ and the last epoch's */
    copy_run("run", "cut");
    scratch_cut_in_half("cut/best/model.ckpt");
    scratch_cut_in_half("cut/model.ckpt");
    EXPECT_BAD_MODEL("cut", "cut/best/model.ckpt", "truncated");
    remove_tree("cut/best");
    EXPECT_BAD_MODEL("cut", "cut/model.ckpt", "truncated");
    /* --resume from it */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --epochs 2 --resume --out %s",
             files_args("src.txt", "tgt.txt"), at("cut"));
    EXPECT(args, NULL, 1, "cut/model.ckpt", "truncated");
    /* a corrupted checkpoint: one bit flipped, its checksum says so */
    copy_run("run", "flipped");
    scratch_flip_a_bit("flipped/best/model.ckpt");
    EXPECT_BAD_MODEL("flipped", "flipped/best/model.ckpt", "corrupted");
    scratch_flip_a_bit("flipped/model.ckpt");
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --epochs 2 --resume --out %s",
             files_args("src.txt", "tgt.txt"), at("flipped"));
    EXPECT(args, NULL, 1, "flipped/model.ckpt", "corrupted");
    /* --resume on other pairs: their vocabularies differ from the saved ones */
    snprintf(args, sizeof args, "train %s " TINY_MODEL " --epochs 2 --resume --out %s",
             files_args("other_src.txt", "other_tgt.txt"), at("run"));
    EXPECT(args, NULL, 1, "vocabularies");
    /* not a model folder */
    EXPECT_BAD_MODEL("nothing_here", "nothing_here");
    /* chapter 4's model folder: another stage's checkpoint */
    if (bin_path("seq2seq")) {
        snprintf(args, sizeof args, "train %s --emb 8 --hidden 8 --dec-hidden 8 --att-size 8 --epochs 1 --batch 4 "
                 "--threads 1 --quiet --out %s", files_args("src.txt", "tgt.txt"), at("rnn"));
        BinRun r = bin_run("seq2seq", args, NULL);
        ck_assert_int_eq(r.status, 0);
        bin_run_free(&r);
        EXPECT_BAD_MODEL("rnn", "rnn/best/model.ckpt", "seq2seq");
    }
    scratch_end();
}
END_TEST

START_TEST(test_usage) {
    if (!bin_path(STAGE)) SKIP_TEST("%s is not built", STAGE);
    static const char *const commands[] = { "train", "eval", "translate", "attention", "demo", "bench" };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        char args[64], want[64];
        snprintf(args, sizeof args, "%s --help", commands[i]);
        snprintf(want, sizeof want, "Usage: transformer %s", commands[i]);
        char *out = bin_expect_ok(STAGE, args, NULL);
        expect_has(out, want, args);
        free(out);
    }
    char *out = bin_expect_ok(STAGE, "--help", NULL);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) expect_has(out, commands[i], "transformer --help");
    free(out);
    BinRun none = bin_run(STAGE, "", NULL);   /* no command: the overview, on stderr */
    ck_assert_int_eq(none.status, 2);
    expect_has(none.err, "Usage: transformer COMMAND", "transformer without a command");
    bin_run_free(&none);
    EXPECT("frobnicate", NULL, 2, "frobnicate");
    EXPECT("train --frobnicate", NULL, 2, "--frobnicate");
    EXPECT("train --preset nowhere", NULL, 2, "nowhere");
    EXPECT("train --pos rotary", NULL, 2, "--pos");
    EXPECT("train --norm mid", NULL, 2, "--norm");
    EXPECT("train --schedule cosine", NULL, 2, "--schedule");
    EXPECT("train --d-model 10 --heads 4", NULL, 2, "--d-model 10", "--heads 4");
    EXPECT("train --beta2 1", NULL, 2, "--beta2");
    EXPECT("train --dropout 1", NULL, 2, "--dropout");
    EXPECT("train --beam 0", NULL, 2, "--beam");
    EXPECT("train extra", NULL, 2, "extra");
    EXPECT("translate --model DIR --beam 2 --nbest 3", NULL, 2, "--nbest");
    EXPECT("translate", NULL, 2, "--model");
    EXPECT("translate --model DIR extra", NULL, 2, "extra");
    EXPECT("eval", NULL, 2, "--model");
    EXPECT("eval --model DIR --split dev", NULL, 2, "--split");
    EXPECT("attention 'ein hund'", NULL, 2, "--model");
    EXPECT("demo extra", NULL, 2, "extra");
}
END_TEST

static Suite *transformer_cli_suite(void) {
    Suite *s = suite_create("transformer_cli");
    /* each test trains a model of a few thousand weights for an epoch or
     * two (well under a second), and runs the binary a dozen times */
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_train_eval);
    tcase_add_test(tc, test_variants);
    tcase_add_test(tc, test_translate);
    tcase_add_test(tc, test_attention);
    tcase_add_test(tc, test_resume);
    tcase_add_test(tc, test_average);
    tcase_add_test(tc, test_bad_corpus);
    tcase_add_test(tc, test_bad_model);
    tcase_add_test(tc, test_usage);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(transformer_cli_suite)
