/* tagged.c -- a part-of-speech tagged corpus. See tagged.h. */
#include "rnn/tagged.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "text.h"
#include "util.h"

void rnn_tagged_simplify(char *tag) {
    for (char *p = tag; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strncmp(tag, "fw-", 3) == 0) { strcpy(tag, "fw"); return; }
    static const char *const where[] = { "-tl", "-hl", "-nc" };   /* nn-tl-hl: both go */
    for (int again = 1; again; ) {
        again = 0;
        size_t n = strlen(tag);
        for (int k = 0; k < 3; k++)
            if (n > 3 && strcmp(tag + n - 3, where[k]) == 0) { tag[n - 3] = '\0'; again = 1; break; }
    }
}

const char *rnn_tagged_tag_name(const TaggedCorpus *c, int id, char *buf, size_t n) {
    size_t len;
    const char *k = strmap_key(&c->tags, id, &len);
    snprintf(buf, n, "%.*s", (int)len, k);
    return buf;
}

/* A growing split: tokens and text appended one sentence at a time. */
typedef struct {
    TaggedSplit s;
    size_t text_cap;
    long tok_cap;
    int sent_cap;
} SplitBuilder;

static void builder_token(SplitBuilder *b, const char *word, size_t wlen, int word_id, int tag_id) {
    TaggedSplit *s = &b->s;
    if (s->n_tok == b->tok_cap) {
        b->tok_cap = b->tok_cap ? 2 * b->tok_cap : 1024;
        s->tag = xrealloc(s->tag, (size_t)b->tok_cap * sizeof(int));
        s->word = xrealloc(s->word, (size_t)b->tok_cap * sizeof(int));
    }
    s->tag[s->n_tok] = tag_id;
    s->word[s->n_tok++] = word_id;
    while (s->len + wlen + 2 > b->text_cap) {
        b->text_cap = b->text_cap ? 2 * b->text_cap : 4096;
        s->text = xrealloc(s->text, b->text_cap);
    }
    if (s->n_tok - 1 > s->sent_start[s->n_sent]) s->text[s->len++] = ' ';
    memcpy(s->text + s->len, word, wlen);
    s->len += wlen;
    s->text[s->len] = '\0';
}

static void builder_begin_sentence(SplitBuilder *b) {
    TaggedSplit *s = &b->s;
    if (s->n_sent + 2 > b->sent_cap) {
        b->sent_cap = b->sent_cap ? 2 * b->sent_cap : 256;
        s->sent_start = xrealloc(s->sent_start, (size_t)b->sent_cap * sizeof(long));
    }
    s->sent_start[s->n_sent] = s->n_tok;
}

static void builder_end_sentence(SplitBuilder *b) {
    TaggedSplit *s = &b->s;
    s->n_sent++;
    s->sent_start[s->n_sent] = s->n_tok;
    if (s->len + 2 > b->text_cap) { b->text_cap = s->len + 4096; s->text = xrealloc(s->text, b->text_cap); }
    s->text[s->len++] = '\n';
    s->text[s->len] = '\0';
}

/* One line's tokens into split b; 0, or -1 with a message (line numbers from 1). */
static int parse_line(TaggedCorpus *c, SplitBuilder *b, char *line, long lineno, char *err, size_t errlen) {
    char word[256], tag[64];
    builder_begin_sentence(b);
    for (char *tok = strtok(line, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
        char *slash = strrchr(tok, '/');
        if (!slash || slash == tok || !slash[1])
            return err_set(err, errlen, "line %ld: '%s' is not a word/tag token", lineno, tok);
        size_t wlen = (size_t)(slash - tok), tlen = strlen(slash + 1);
        if (wlen >= sizeof word || tlen >= sizeof tag)
            return err_set(err, errlen, "line %ld: a token longer than %zu bytes", lineno, sizeof word - 1);
        for (size_t i = 0; i < wlen; i++) word[i] = (char)tolower((unsigned char)tok[i]);
        memcpy(tag, slash + 1, tlen + 1);
        rnn_tagged_simplify(tag);
        int word_id = strmap_intern(&c->words, word, wlen, NULL);
        int tag_id = strmap_intern(&c->tags, tag, strlen(tag), NULL);
        builder_token(b, word, wlen, word_id, tag_id);
    }
    builder_end_sentence(b);
    return 0;
}

int rnn_tagged_parse(TaggedCorpus *c, const char *text, size_t len, int heldout_every, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    strmap_init(&c->tags);
    strmap_init(&c->words);
    SplitBuilder b[2];
    memset(b, 0, sizeof b);
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    long lineno = 0, sentences = 0;
    int rc = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (strspn(line, " \t\r") == strlen(line)) continue;   /* blank */
        int held = heldout_every > 0 && sentences % heldout_every == heldout_every - 1;
        rc = parse_line(c, &b[held ? TAGGED_HELDOUT : TAGGED_TRAIN], line, lineno, err, errlen);
        sentences++;
    }
    free(copy);
    for (int s = 0; s < 2; s++) c->split[s] = b[s].s;
    if (rc == 0 && (c->split[TAGGED_TRAIN].n_tok == 0 || c->split[TAGGED_HELDOUT].n_tok == 0))
        rc = err_set(err, errlen, "%ld sentences: too few for a training and a held-out part (one in %d held out)",
                     sentences, heldout_every);
    if (rc) rnn_tagged_free(c);
    return rc;
}

/* The Brown files of NLTK's brown.zip, concatenated, through unzip. */
static int read_zip(const char *path, char **buf, size_t *len, char *err, size_t errlen) {
    if (strchr(path, '\''))
        return err_set(err, errlen, "'%s': a quote in the name (cannot pass it to unzip)", path);
    if (!path_exists(path)) return err_set(err, errlen, "'%s': no such file", path);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' 'brown/c[a-r][0-9][0-9]' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p) return err_set(err, errlen, "'%s': cannot run unzip", path);
    size_t cap = 1 << 20, n = 0, got;
    char *b = xmalloc(cap);
    while ((got = fread(b + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) b = xrealloc(b, cap *= 2);
    }
    int status = pclose(p);
    b[n] = '\0';
    if (status != 0 || n == 0) {
        free(b);
        return err_set(err, errlen, "'%s': not NLTK's brown.zip (unzip found no brown/c[a-r][0-9][0-9] in it, "
                       "or unzip is missing: apt-get install unzip)", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

int rnn_tagged_read(TaggedCorpus *c, const char *path, int heldout_every, char *err, size_t errlen) {
    char *buf, msg[512];
    size_t len, n = strlen(path);
    int rc = n > 4 && strcmp(path + n - 4, ".zip") == 0 ? read_zip(path, &buf, &len, err, errlen)
                                                        : text_read(path, &buf, &len, NULL, err, errlen);
    if (rc) return rc;
    rc = rnn_tagged_parse(c, buf, len, heldout_every, msg, sizeof msg);
    free(buf);
    if (rc) return err_set(err, errlen, "'%s': %s", path, msg);
    return 0;
}

void rnn_tagged_free(TaggedCorpus *c) {
    for (int s = 0; s < 2; s++) {
        TaggedSplit *t = &c->split[s];
        free(t->text); free(t->sent_start); free(t->tag); free(t->word);
    }
    strmap_free(&c->tags);
    strmap_free(&c->words);
    memset(c, 0, sizeof *c);
}
