/* bpe_tokenfile.c -- llm.c's tokenizer and token files. See bpe.h.
 *
 * Both start with a header of 256 little-endian int32s (1024 bytes), as every
 * llm.c file does, so a reader can check the magic number and version before
 * trusting anything else:
 *   tokenizer  [0] 20240328  [1] version 2  [2] V  [3] EOT id
 *              then V times: uint8 length (1..255), that many raw bytes
 *   tokens     [0] 20240520  [1] version 1  [2] count
 *              then count uint16 ids
 * Like llm.c we write the host's int32 and uint16 as they are, which is
 * little-endian on the machines this course targets (x86-64, arm64).
 */
#include "bpe.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_INTS 256
#define HEADER_BYTES (HEADER_INTS * 4)

/* ------------------------------------------------------------- tokenizer */

void llmc_tokenizer_save(const Bpe *b, const char *path) {
    int32_t header[HEADER_INTS] = {0};
    header[0] = LLMC_TOKENIZER_MAGIC;
    header[1] = 2;
    header[2] = b->vocab_size;
    header[3] = b->eot;
    for (int i = 0; i < b->vocab_size; i++)
        if (b->token_len[i] < 1 || b->token_len[i] > 255)
            die("token %d is %d bytes long; llm.c's tokenizer file holds 1..255", i, b->token_len[i]);
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(header, sizeof header, 1, f, tmp);
    for (int i = 0; i < b->vocab_size; i++) {
        unsigned char n = (unsigned char)b->token_len[i];
        xfwrite(&n, 1, 1, f, tmp);
        xfwrite(b->token[i], 1, n, f, tmp);
    }
    atomic_commit(f, tmp, path);
}

/* A decode-only vocabulary: tokens and EOT, no merges. */
static Bpe *decode_only_vocab(unsigned char **tokens, const int *lens, int V, int eot) {
    Bpe *b = bpe_new_tokens((const char *const *)tokens, lens, V, eot);
    b->decode_only = 1;
    for (int i = 0; i < V; i++)
        if (lens[i] == 1 && i != eot && b->byte_token[tokens[i][0]] < 0) b->byte_token[tokens[i][0]] = i;
    b->merges = xmalloc(sizeof *b->merges);
    b->nrank = 16;
    b->rank_keys = xmalloc(b->nrank * sizeof(uint64_t));
    b->rank_vals = xmalloc(b->nrank * sizeof(int));
    memset(b->rank_vals, 0xff, b->nrank * sizeof(int));
    strmap_init(&b->cache);
    return b;
}

int llmc_tokenizer_read(const char *path, Bpe **out, char *err, size_t errlen) {
    *out = NULL;
    size_t len;
    unsigned char *buf;
    if (file_read(path, (char **)&buf, &len, err, errlen) != 0) return -1;
    int rc = -1;
    unsigned char **tokens = NULL;
    int *lens = NULL;
    int32_t h[4];
    if (len < HEADER_BYTES) {
        err_set(err, errlen, "'%s': truncated: %zu bytes, shorter than the 1024-byte header", path, len);
        goto done;
    }
    memcpy(h, buf, sizeof h);
    if (h[0] != LLMC_TOKENIZER_MAGIC) {
        err_set(err, errlen, "'%s': bad magic %d, expected %d (not an llm.c tokenizer file%s)", path, h[0],
                LLMC_TOKENIZER_MAGIC, h[0] == LLMC_TOKENS_MAGIC ? "; this is a token file" : "");
        goto done;
    }
    if (h[1] != 1 && h[1] != 2) {
        err_set(err, errlen, "'%s': unsupported version %d (expected 1 or 2)", path, h[1]);
        goto done;
    }
    int V = h[2], eot = h[1] == 1 ? GPT2_EOT_ID : h[3];
    if (V < 1 || V > (1 << 24)) {
        err_set(err, errlen, "'%s': implausible vocabulary size %d", path, V);
        goto done;
    }
    if (h[1] == 1 && eot >= V) eot = -1;   /* version 1 implied GPT-2's EOT */
    if (eot < -1 || eot >= V) {
        err_set(err, errlen, "'%s': EOT id %d outside the vocabulary of %d", path, eot, V);
        goto done;
    }
    tokens = xmalloc((size_t)V * sizeof(unsigned char *));
    lens = xmalloc((size_t)V * sizeof(int));
    size_t at = HEADER_BYTES;
    for (int i = 0; i < V; i++) {
        if (at >= len || buf[at] == 0 || at + 1 + buf[at] > len) {
            err_set(err, errlen, "'%s': %s at token %d of %d", path,
                    at < len && buf[at] == 0 ? "zero-length token" : "truncated", i, V);
            goto done;
        }
        lens[i] = buf[at];
        tokens[i] = buf + at + 1;
        at += 1 + (size_t)buf[at];
    }
    if (at != len) {
        err_set(err, errlen, "'%s': %zu unexpected bytes after the %d tokens", path, len - at, V);
        goto done;
    }
    *out = decode_only_vocab(tokens, lens, V, eot);
    rc = 0;
done:
    free(tokens);
    free(lens);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- tokens */

void llmc_tokens_save(const char *path, const int *ids, size_t n) {
    if (n > INT32_MAX) die("%zu tokens: llm.c's token file counts at most %d", n, INT32_MAX);
    int32_t header[HEADER_INTS] = {0};
    header[0] = LLMC_TOKENS_MAGIC;
    header[1] = 1;
    header[2] = (int32_t)n;
    uint16_t *u = xmalloc((n ? n : 1) * sizeof(uint16_t));
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] > 65535)
            die("token %zu is id %d: llm.c's token file stores uint16 ids (0..65535)", i, ids[i]);
        u[i] = (uint16_t)ids[i];
    }
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(header, sizeof header, 1, f, tmp);
    if (n) xfwrite(u, sizeof(uint16_t), n, f, tmp);
    atomic_commit(f, tmp, path);
    free(u);
}

int llmc_tokens_read(const char *path, int vocab_size, int **ids, size_t *n, char *err, size_t errlen) {
    *ids = NULL;
    *n = 0;
    size_t len;
    unsigned char *buf;
    if (file_read(path, (char **)&buf, &len, err, errlen) != 0) return -1;
    int rc = llmc_tokens_parse(buf, len, path, vocab_size, ids, n, err, errlen);
    free(buf);
    return rc;
}

int llmc_tokens_parse(const unsigned char *buf, size_t len, const char *name, int vocab_size,
                      int **ids_out, size_t *n_out, char *err, size_t errlen) {
    *ids_out = NULL;
    *n_out = 0;
    int32_t h[3];
    if (len < HEADER_BYTES) {
        err_set(err, errlen, "'%s': truncated: %zu bytes, shorter than the 1024-byte header", name, len);
        return -1;
    }
    memcpy(h, buf, sizeof h);
    if (h[0] != LLMC_TOKENS_MAGIC) {
        err_set(err, errlen, "'%s': bad magic %d, expected %d (not an llm.c token file)", name, h[0],
                LLMC_TOKENS_MAGIC);
        return -1;
    }
    if (h[1] != 1) {
        err_set(err, errlen, "'%s': unsupported version %d (expected 1)", name, h[1]);
        return -1;
    }
    size_t want = HEADER_BYTES + 2 * (size_t)(h[2] < 0 ? 0 : h[2]);
    if (h[2] < 0 || len != want) {
        err_set(err, errlen, "'%s': the header counts %d tokens (%zu bytes) but the file has %zu bytes%s",
                name, h[2], want, len, len < want ? " (truncated)" : "");
        return -1;
    }
    size_t n = (size_t)h[2];
    int *ids = xmalloc((n ? n : 1) * sizeof(int));
    for (size_t i = 0; i < n; i++) {
        uint16_t u;
        memcpy(&u, buf + HEADER_BYTES + 2 * i, 2);
        ids[i] = u;
        if (vocab_size > 0 && ids[i] >= vocab_size) {
            err_set(err, errlen, "'%s': token %zu is id %d, outside the vocabulary of %d "
                    "(vocabulary mismatch?)", name, i, ids[i], vocab_size);
            free(ids);
            return -1;
        }
    }
    *ids_out = ids;
    *n_out = n;
    return 0;
}
