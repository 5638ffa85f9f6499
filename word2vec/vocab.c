/* vocab.c -- word2vec's vocabulary, corpus encoding and Huffman tree. See vocab.h. */
#include "word2vec/vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

/* ---------------------------------------------------------------- reading words */

size_t w2v_next_word(const char *buf, size_t len, size_t *pos, char *word) {
    size_t p = *pos, n = 0, full = 0;
    while (p < len) {
        char ch = buf[p];
        if (ch == '\r') { p++; continue; }
        if (ch == ' ' || ch == '\t' || ch == '\n') {
            if (full > 0) break;          /* leave a newline for the next call */
            p++;
            if (ch == '\n') {
                strcpy(word, W2V_EOS);
                *pos = p;
                return 4;
            }
            continue;
        }
        if (n < W2V_MAX_WORD - 1) word[n++] = ch;   /* cut, as the original's MAX_STRING */
        full++;
        p++;
    }
    word[n] = '\0';
    *pos = p;
    return full;
}

/* ---------------------------------------------------------------- the corpus file */

char *w2v_corpus_load(const char *path, size_t *len) {
    char *buf = read_file(path, len);
    const char *nul = memchr(buf, '\0', *len);
    if (nul) {
        size_t at = (size_t)(nul - buf);
        die("'%s': NUL byte at byte %zu (line %zu): not a text file\n"
            "HINT: is it a binary file (a vector file or checkpoint)?", path, at, text_line_of(buf, at));
    }
    size_t bad;
    if (!utf8_validate(buf, *len, &bad))
        warn("'%s': invalid UTF-8 at byte %zu (line %zu); its words are read as bytes, as the original "
             "word2vec does", path, bad, text_line_of(buf, bad));
    return buf;
}

/* ---------------------------------------------------------------- the table */

int w2v_vocab_find(const W2vVocab *v, const char *word) {
    return strmap_find(&v->index, word, strlen(word));
}

/* Append word as the next id; the index's entry numbers are the ids. */
static int append_word(W2vVocab *v, int *cap, const char *word, long long count) {
    if (v->size == *cap) {
        *cap *= 2;
        v->words = xrealloc(v->words, (size_t)*cap * sizeof(char *));
        v->counts = xrealloc(v->counts, (size_t)*cap * sizeof(long long));
    }
    int id = v->size++;
    v->words[id] = xstrdup(word);
    v->counts[id] = count;
    v->train_words += count;
    return id;
}

/* Add count to word, appending it if new. */
static int add_word(W2vVocab *v, int *cap, const char *word, long long count) {
    int added, id = strmap_intern(&v->index, word, strlen(word), &added);
    if (added) return append_word(v, cap, word, count);
    v->counts[id] += count;
    v->train_words += count;
    return id;
}

static W2vVocab *vocab_empty(void) {
    W2vVocab *v = xcalloc(1, sizeof(W2vVocab));
    int cap = 1024;
    v->words = xmalloc((size_t)cap * sizeof(char *));
    v->counts = xmalloc((size_t)cap * sizeof(long long));
    strmap_init(&v->index);
    return v;
}

/* ---------------------------------------------------------------- building */

static const long long *sort_counts;   /* qsort has no context argument */

/* Count descending; ties by first appearance (smaller id first). */
static int by_count_desc(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (sort_counts[i] != sort_counts[j]) return sort_counts[i] > sort_counts[j] ? -1 : 1;
    return (i > j) - (i < j);
}

W2vVocab *w2v_vocab_build(const char *buf, size_t len, long long min_count, char *err, size_t errlen) {
    W2vVocab *full = vocab_empty();
    int cap = 1024;
    add_word(full, &cap, W2V_EOS, 0);   /* index 0, whatever its count */
    char word[W2V_MAX_WORD];
    size_t pos = 0;
    while (w2v_next_word(buf, len, &pos, word) > 0) add_word(full, &cap, word, 1);

    /* order ids 1.. by count, keep those with count >= min_count */
    int *order = xmalloc((size_t)full->size * sizeof(int));
    int n = 0;
    for (int id = 1; id < full->size; id++)
        if (full->counts[id] >= min_count) order[n++] = id;
    sort_counts = full->counts;
    qsort(order, (size_t)n, sizeof(int), by_count_desc);

    W2vVocab *v = NULL;
    if (n == 0) {
        snprintf(err, errlen, "empty corpus: no word occurs at least %lld times (min-count)", min_count);
    } else {
        v = vocab_empty();
        int vcap = 1024;
        add_word(v, &vcap, W2V_EOS, full->counts[0]);
        for (int k = 0; k < n; k++) add_word(v, &vcap, full->words[order[k]], full->counts[order[k]]);
    }
    free(order);
    w2v_vocab_free(full);
    return v;
}

W2vVocab *w2v_vocab_from_counts(const char *const *words, const long long *counts, int n) {
    W2vVocab *v = vocab_empty();
    int cap = 1024;
    for (int i = 0; i < n; i++) {
        int added;
        strmap_intern(&v->index, words[i], strlen(words[i]), &added);
        if (!added) die("the vocabulary lists '%s' twice", words[i]);
        append_word(v, &cap, words[i], counts[i]);
    }
    return v;
}

void w2v_vocab_free(W2vVocab *v) {
    if (!v) return;
    for (int i = 0; i < v->size; i++) free(v->words[i]);
    free(v->words);
    free(v->counts);
    strmap_free(&v->index);
    free(v->codelen);
    free(v->codes);
    free(v->points);
    free(v);
}

int *w2v_encode(const W2vVocab *v, const char *buf, size_t len, size_t *n) {
    size_t cap = 1 << 16, count = 0, pos = 0;
    int *ids = xmalloc(cap * sizeof(int));
    char word[W2V_MAX_WORD];
    while (w2v_next_word(buf, len, &pos, word) > 0) {
        int id = w2v_vocab_find(v, word);
        if (id < 0) continue;
        if (count == cap) ids = xrealloc(ids, (cap *= 2) * sizeof(int));
        ids[count++] = id;
    }
    *n = count;
    return ids;
}

/* ---------------------------------------------------------------- Huffman tree */

/*
 * The original's CreateBinaryTree. Leaves 0..V-1 hold the counts, sorted
 * descending, so reading them from V-1 down gives the smallest first; inner
 * nodes V..2V-2 are created in ascending order of count. Two queues (leaves
 * from the right, inner nodes from the left) thus yield the two smallest nodes
 * in O(1) each time, and the tree is built in O(V). The second-smallest child
 * of each merge is the "1" branch.
 */
void w2v_vocab_huffman(W2vVocab *v) {
    int V = v->size;
    if (V < 2) die("hierarchical softmax needs at least one word besides </s>");
    long long *count = xmalloc((size_t)2 * V * sizeof(long long));
    int *parent = xmalloc((size_t)2 * V * sizeof(int));
    uint8_t *binary = xcalloc((size_t)2 * V, 1);
    for (int a = 0; a < V; a++) count[a] = v->counts[a];
    for (int a = V; a < 2 * V; a++) count[a] = (long long)1e15;
    int pos1 = V - 1, pos2 = V;
    for (int a = 0; a < V - 1; a++) {
        int min[2];
        for (int k = 0; k < 2; k++) {
            if (pos1 >= 0 && count[pos1] < count[pos2]) min[k] = pos1--;
            else min[k] = pos2++;
        }
        count[V + a] = count[min[0]] + count[min[1]];
        parent[min[0]] = V + a;
        parent[min[1]] = V + a;
        binary[min[1]] = 1;
    }
    v->codelen = xmalloc((size_t)V * sizeof(int));
    v->codes = xmalloc((size_t)V * W2V_MAX_CODE);
    v->points = xmalloc((size_t)V * W2V_MAX_CODE * sizeof(int));
    int root = 2 * V - 2;
    for (int a = 0; a < V; a++) {
        /* walk leaf -> root, then store root -> leaf */
        uint8_t code[W2V_MAX_CODE];
        int node[W2V_MAX_CODE];
        int len = 0;
        for (int b = a; b != root; b = parent[b]) {
            if (len == W2V_MAX_CODE) die("Huffman code of '%s' longer than %d bits", v->words[a], W2V_MAX_CODE);
            code[len] = binary[b];
            node[len] = parent[b];
            len++;
        }
        v->codelen[a] = len;
        for (int d = 0; d < len; d++) {
            v->codes[(size_t)a * W2V_MAX_CODE + d] = code[len - 1 - d];
            v->points[(size_t)a * W2V_MAX_CODE + d] = node[len - 1 - d] - V;   /* inner node -> syn1 row */
        }
    }
    free(count);
    free(parent);
    free(binary);
}

void w2v_vocab_save(const W2vVocab *v, const char *path) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    for (int i = 0; i < v->size; i++) fprintf(f, "%s %lld\n", v->words[i], v->counts[i]);
    atomic_commit(f, tmp, path);
}
