/*
 * classify_demo.h -- the classification part of `rnn demo`: which division of
 * the Bible a verse is from, with and without pretrained word vectors.
 *
 * It links word2vec/'s trainer (train.h), so bin/rnn and tests/test_rnn need
 * libword2vec.a once this is called.
 */
#ifndef RNN_CLASSIFY_DEMO_H
#define RNN_CLASSIFY_DEMO_H

/* Trains skip-gram vectors on every training verse (unlabelled text), then
 * DNN / CNN / LSTM x rand / static / non-static classifiers on one training
 * verse in 20 (the labelled ones), and prints their test accuracy as
 * a table beside the majority class, a RESULT line per encoder (task=bible-demo
 * encoder= rand= static= nonstatic=); writes ROOT/classify.tsv and the
 * vectors ROOT/bible-vectors.bin. quick: the rand column only, no vectors. */
void rnn_cls_demo_table(const char *root, int quick);

#endif
