/*
 * sft_data.c -- the task's tokenizer and the layout of an SFT example. See
 * sft_data.h.
 */
#include "rlhf/sft_data.h"

#include <string.h>

#include "util.h"

Vocab *instruct_tokenizer(const InstructSet *s) {
    int n;
    char **words = instruct_vocab(s, &n);
    Vocab *v = vocab_new(VOCAB_WORD);
    for (int i = 0; i < n; i++) vocab_add(v, words[i], strlen(words[i]), 1);
    instruct_vocab_free(words, n);
    return v;
}

/* The ids of text's words into ids[0..cap): the count, or -1 with err on a
 * word outside v. */
static int encode_words(const Vocab *v, const char *text, int *ids, int cap, char *err, size_t errlen) {
    int n = 0;
    for (const char *p = text + strspn(text, " "); *p; p += strspn(p, " ")) {
        size_t len = strcspn(p, " ");
        int id = vocab_find(v, p, len);
        if (id < VOCAB_NSPECIAL)
            return err_set(err, errlen, "the word '%.*s' is not in the task's vocabulary", (int)len, p);
        if (n < cap) ids[n] = id;
        n++;
        p += len;
    }
    return n;
}

int sft_example(const Vocab *v, const char *prompt, const char *response, int T, int *tokens, int *targets,
                char *err, size_t errlen) {
    int np = encode_words(v, prompt, tokens, T, err, errlen);
    if (np < 0) return -1;
    if (np == 0) return err_set(err, errlen, "the prompt is empty");
    int start = np + 1;   /* the response's first position, after <s> */
    int nr = encode_words(v, response, start < T ? tokens + start : tokens, start < T ? T - start : 0, err, errlen);
    if (nr < 0) return -1;
    int used = start + nr;
    if (used > T)
        return err_set(err, errlen, "%d prompt and %d response words, <s> and </s> do not fit in %d positions", np,
                       nr, T);
    tokens[np] = VOCAB_BOS;
    for (int t = used; t < T; t++) tokens[t] = VOCAB_PAD;
    /* position t predicts token t + 1: the response's words, then </s> */
    for (int t = 0; t < T; t++) targets[t] = -1;
    for (int t = np; t < used - 1; t++) targets[t] = tokens[t + 1];
    targets[used - 1] = VOCAB_EOS;
    return used;
}
