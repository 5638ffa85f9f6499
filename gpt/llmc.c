/*
 * llmc.c -- llm.c's GPT-2 checkpoint format, and loading either format.
 *
 * llm.c (Karpathy, train_gpt2.c / train_gpt2.py write_model) stores a model as
 *     int32 header[256]: [0] magic 20240326, [1] version 3 (float32),
 *                        [2] max_seq_len, [3] vocab_size, [4] num_layers,
 *                        [5] num_heads, [6] channels, [7] padded_vocab_size
 *     float32 tensors, back to back, in gpt_tensor_names' order, with wte
 *     (Vp,C) padded from V to Vp rows (a multiple of 128, for fast GPU
 *     kernels) by zero rows that the loss never reads.
 * Our table has the same tensors in the same order without the padding, so
 * reading and writing is a copy, tensor by tensor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "gpt.h"
#include "util.h"

static int fail(char *err, size_t errlen, const char *msg, const char *path) {
    snprintf(err, errlen, "'%s': %s", path, msg);
    return -1;
}

/* Floats of each of the 16 tensors as llm.c stores them (wte padded to Vp). */
static void llmc_sizes(size_t *s, int maxT, int Vp, int L, int C) {
    size_t l = L, c = C;
    size_t sz[GPT_NUM_TENSORS] = {(size_t)Vp * c, (size_t)maxT * c, l * c, l * c, l * 3 * c * c, l * 3 * c,
                                  l * c * c,      l * c,            l * c, l * c, l * 4 * c * c, l * 4 * c,
                                  l * 4 * c * c,  l * c,            c,     c};
    memcpy(s, sz, sizeof sz);
}

void llmc_model_save(const Gpt *m, const char *path) {
    const GptConfig *g = &m->cfg;
    int V = g->vocab_size, C = g->channels, Vp = (V + 127) / 128 * 128;
    int32_t header[256] = {0};
    header[0] = LLMC_MODEL_MAGIC;
    header[1] = LLMC_MODEL_VERSION;
    header[2] = g->max_seq_len;
    header[3] = V;
    header[4] = g->n_layer;
    header[5] = g->n_head;
    header[6] = C;
    header[7] = Vp;
    size_t sizes[GPT_NUM_TENSORS];
    llmc_sizes(sizes, g->max_seq_len, Vp, g->n_layer, C);
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    xfwrite(header, sizeof(int32_t), 256, f, path);
    size_t maxn = 0;
    for (int i = 0; i < GPT_NUM_TENSORS; i++) maxn = sizes[i] > maxn ? sizes[i] : maxn;
    float *zeros = xcalloc(maxn, sizeof(float));
    for (int i = 0; i < GPT_NUM_TENSORS; i++) {
        int k = params_find(&m->pt, gpt_tensor_names[i]);
        if (k < 0) {   /* a bias of a bias = 0 model: zeros mean "no bias" */
            xfwrite(zeros, sizeof(float), sizes[i], f, path);
            continue;
        }
        const ParamInfo *p = &m->pt.info[k];
        xfwrite(m->pt.values + p->offset, sizeof(float), p->size, f, path);
        if (i == 0) xfwrite(zeros, sizeof(float), (size_t)(Vp - V) * C, f, path);   /* padded rows */
    }
    free(zeros);
    atomic_commit(f, tmp, path);
}

int llmc_model_read(const char *path, Gpt *m, char *err, size_t errlen) {
    FILE *f = fopen_file(path, "rb", err, errlen);
    if (!f) return -1;
    int32_t h[256];
    if (fread(h, sizeof(int32_t), 256, f) != 256) {
        fclose(f);
        return fail(err, errlen, "truncated llm.c model file (shorter than its 1024-byte header)", path);
    }
    if (h[0] != LLMC_MODEL_MAGIC) {
        fclose(f);
        return fail(err, errlen, "not an llm.c model file (bad magic; want 20240326)", path);
    }
    if (h[1] != LLMC_MODEL_VERSION) {
        fclose(f);
        snprintf(err, errlen, "'%s': llm.c model version %d is not supported (want 3 = float32)", path, h[1]);
        return -1;
    }
    GptConfig cfg = {.max_seq_len = h[2], .vocab_size = h[3], .n_layer = h[4], .n_head = h[5],
                     .channels = h[6], .bias = 1, .dropout = 0.0f};
    int Vp = h[7];
    if (cfg.max_seq_len < 1 || cfg.vocab_size < 1 || cfg.n_layer < 1 || cfg.n_head < 1 || cfg.channels < 1 ||
        cfg.channels % cfg.n_head || Vp < cfg.vocab_size || cfg.max_seq_len > 1 << 20 ||
        cfg.channels > 1 << 16 || cfg.n_layer > 1024 || Vp > 1 << 24) {
        fclose(f);
        snprintf(err, errlen, "'%s': bad llm.c header (maxT=%d V=%d L=%d NH=%d C=%d Vp=%d)", path, h[2], h[3], h[4],
                 h[5], h[6], h[7]);
        return -1;
    }
    size_t sizes[GPT_NUM_TENSORS], total = 0;
    llmc_sizes(sizes, cfg.max_seq_len, Vp, cfg.n_layer, cfg.channels);
    for (int i = 0; i < GPT_NUM_TENSORS; i++) total += sizes[i];
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return fail(err, errlen, "cannot seek in the llm.c model file", path);
    }
    long flen = ftell(f);
    if (flen < 0 || (size_t)flen != 1024 + total * sizeof(float)) {
        fclose(f);
        snprintf(err, errlen, "'%s': llm.c model file has %ld bytes but its header says %zu (truncated?)", path,
                 flen, 1024 + total * sizeof(float));
        return -1;
    }
    fseek(f, 1024, SEEK_SET);
    gpt_build(m, &cfg);
    for (int i = 0; i < GPT_NUM_TENSORS; i++) {
        const ParamInfo *p = &m->pt.info[params_find(&m->pt, gpt_tensor_names[i])];
        int ok = fread(m->pt.values + p->offset, sizeof(float), p->size, f) == p->size;
        /* skip wte's padded rows */
        if (ok && i == 0) ok = fseek(f, (long)((sizes[0] - p->size) * sizeof(float)), SEEK_CUR) == 0;
        if (!ok) {
            fclose(f);
            gpt_free(m);
            return fail(err, errlen, "read error in the llm.c model file", path);
        }
    }
    fclose(f);
    return 0;
}

void gpt_load_any(const char *path, Gpt *m, char **config_text, long *step) {
    FILE *f = xfopen(path, "rb");
    unsigned char head[8] = {0};
    size_t n = fread(head, 1, 8, f);
    fclose(f);
    char err[1024];
    *config_text = NULL;
    *step = 0;
    int32_t magic;
    memcpy(&magic, head, 4);
    if (n >= 4 && magic == LLMC_MODEL_MAGIC) {
        if (llmc_model_read(path, m, err, sizeof err) != 0) die("%s", err);
        return;
    }
    if (n < 8 || memcmp(head, "NLPCKPT1", 8) != 0)
        die("'%s' is neither a gpt checkpoint (magic NLPCKPT1) nor an llm.c model (magic 20240326)", path);
    CheckpointInfo ck;
    if (checkpoint_read(path, "gpt", &ck, err, sizeof err) != 0) die("%s", err);
    GptConfig cfg;
    if (gpt_config_parse(ck.config, &cfg, err, sizeof err) != 0) die("'%s': %s", path, err);
    gpt_build(m, &cfg);
    if (checkpoint_restore(&ck, &m->pt, err, sizeof err) != 0) die("'%s': %s", path, err);
    *config_text = xstrdup(ck.config);
    *step = ck.step;
    checkpoint_free(&ck);
}
