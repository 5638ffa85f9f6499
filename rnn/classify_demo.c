/*
 * classify_demo.c -- the demo's classification table. See classify_demo.h.
 *
 * The setting where pretrained vectors pay: much unlabelled text (every
 * training verse, 850k words, for word2vec) and few labelled sentences (one
 * verse in 20, 1,400, for the classifiers). Sizes are cut so the table takes
 * well under a minute on one thread (~16 s of CPU): 64-d vectors, 3 passes;
 * 50 maps per width, H 64, 5 epochs. Typical result: the CNN gains ~9 points
 * from static vectors and ~9 more from fine-tuning them; the mean of frozen
 * vectors (DNN) is worse than learned ones.
 */
#include "rnn/classify_demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "matmul.h"
#include "metrics.h"
#include "rnn/classify.h"
#include "util.h"
#include "vectors.h"
#include "word2vec/train.h"
#include "word2vec/vocab.h"

#define DEMO_DIM 64
#define DEMO_LABELLED_EVERY 20   /* one training verse in 20 keeps its label */

/* Skip-gram with negative sampling on the training verses (word2vec/). */
static Vectors *bible_vectors(const char *path, const char *out) {
    size_t len, n;
    char *text = read_file(path, &len);
    char err[512];
    W2vConfig cfg;
    w2v_config_default(&cfg);
    cfg.cbow = 0; cfg.size = DEMO_DIM; cfg.iter = 3; cfg.min_count = 2; cfg.threads = 1; cfg.quiet = 1;
    W2vVocab *vocab = w2v_vocab_build(text, len, cfg.min_count, err, sizeof err);
    if (!vocab) die("'%s': %s", path, err);
    int *ids = w2v_encode(vocab, text, len, &n);
    free(text);
    double t0 = now_seconds();
    W2vModel *m = w2v_model_new(&cfg, vocab);
    w2v_train(m, ids, n);
    Vectors *v = w2v_vectors(m);
    vectors_save(v, out, 1);
    printf("  word vectors: skip-gram %d-d, %d passes over %zu words of training verses, %.1f s -> %s\n",
           DEMO_DIM, cfg.iter, n, now_seconds() - t0, out);
    free(ids);
    w2v_model_free(m);
    return v;
}

/* An encoder's row as a RESULT line: test accuracy % per embedding (rand only when quick). */
static void demo_result(const char *encoder, const double acc[3], int quick) {
    result_begin("rnn");
    result_str("task", "bible-demo");
    result_str("encoder", encoder);
    result_num("rand", 100 * acc[0], 2);
    if (!quick) {
        result_num("static", 100 * acc[1], 2);
        result_num("nonstatic", 100 * acc[2], 2);
    }
    result_end();
}

void rnn_cls_demo_table(const char *root, int quick) {
    char tr[4096], vec_path[4096], table_path[4096];
    LabelledSet all, test, train;
    data_path_or_die(tr, sizeof tr, "bible/words.train.txt");   /* word2vec reads the same verses */
    Vocab *v = rnn_cls_load_bible_task(&all, &test, 64);
    snprintf(vec_path, sizeof vec_path, "%s/bible-vectors.bin", root);
    snprintf(table_path, sizeof table_path, "%s/classify.tsv", root);
    make_dirs(root);
    double t0 = now_seconds();

    int *every = xmalloc((size_t)all.n * sizeof(int));
    for (int i = 0; i < all.n; i++) every[i] = i % DEMO_LABELLED_EVERY;
    lset_subset(&train, &all, every, 0, 1);

    float *pre = NULL;
    if (!quick) {
        Vectors *vec = bible_vectors(tr, vec_path);
        pre = xmalloc((size_t)v->size * DEMO_DIM * sizeof(float));
        Rng rng;
        rng_seed(&rng, 1, 5);
        int found = rnn_cls_pretrained_rows(pre, v, DEMO_DIM, vec, vec_path, &rng, NULL);
        printf("  %d of %d classifier words have a vector; %d labelled training verses of %d\n",
               found, v->size - VOCAB_NSPECIAL, train.n, all.n);
        vectors_free(vec);
    }
    RnnClsTrainOptions o = { .model = { .V = v->size, .E = DEMO_DIM, .H = 64, .F = 50, .NC = BIBLE_DIVISIONS,
                                     .dropout = 0.5f, .max_norm = 3.0f },
                          .batch = 50, .epochs = 5, .lr = 2e-3f, .seed = 1337, .quiet = 1 };
    char *tmp;
    FILE *f = atomic_open(table_path, &tmp);
    fprintf(f, "encoder\trand\tstatic\tnonstatic\n");
    printf("  encoder   rand    static  non-static   (test accuracy %%, %d epochs)\n", o.epochs);
    for (int e = 0; e < 3; e++) {
        o.model.enc = (RnnClsEncoder)e;
        double acc[3] = { NAN, NAN, NAN };
        for (int mode = 0; mode < (quick ? 1 : 3); mode++) {
            o.model.emb = (RnnClsEmbedding)mode;
            acc[mode] = rnn_cls_train_eval(&o, &train, NULL, &test, mode ? pre : NULL).test_acc;
        }
        const char *name = rnn_cls_encoder_name((RnnClsEncoder)e);
        printf("  %-7s  %6.2f  %6.2f  %6.2f\n", name, 100 * acc[0], 100 * acc[1], 100 * acc[2]);
        fprintf(f, "%s\t%.2f\t%.2f\t%.2f\n", name, 100 * acc[0], 100 * acc[1], 100 * acc[2]);
        demo_result(name, acc, quick);
        fflush(stdout);
    }
    atomic_commit(f, tmp, table_path);
    printf("  majority class: %.2f%%   (%.0f s; table: %s)\n", 100 * lset_majority_accuracy(&train, &test, BIBLE_DIVISIONS),
           now_seconds() - t0, table_path);
    free(pre);
    free(every);
    lset_free(&train);
    lset_free(&all);
    lset_free(&test);
    vocab_free(v);
}
