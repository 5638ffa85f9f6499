/*
 * demo.h -- `word2vec demo`: the chapter's tour on the built-in Bible corpus,
 * in about a minute on two cores: one-hot distances, skip-gram vectors
 * trained in seconds, neighbours, analogies, similarity benchmarks, a PCA
 * picture, and a short run of Bengio's neural LM beside the n-gram model.
 */
#ifndef W2V_DEMO_H
#define W2V_DEMO_H

int w2v_demo_main(int argc, char **argv);

#endif
