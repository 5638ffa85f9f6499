/* checkpoint.c -- atomic checkpoint save, validated load. See checkpoint.h. */
#include "checkpoint.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'N', 'L', 'P', 'C', 'K', 'P', 'T', '1'};

uint32_t crc32_update(uint32_t crc, const void *data, size_t n) {
    static uint32_t table[256];
    static int ready = 0;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* ---------------------------------------------------------------- saving */

static void put(CheckpointWriter *w, const void *data, size_t n) {
    xfwrite(data, 1, n, w->f, w->path);
    w->crc = crc32_update(w->crc, data, n);
}

static void put_u32(CheckpointWriter *w, uint32_t x) { put(w, &x, 4); }

void checkpoint_begin(CheckpointWriter *w, const char *path, const char *stage, const char *config,
                      const ParamTable *pt, long step, int with_optimizer) {
    *w = (CheckpointWriter){.path = path, .state_left = with_optimizer ? 2 * pt->total : 0};
    w->f = atomic_open(path, &w->tmp);
    char stage_field[16] = {0};
    strncpy(stage_field, stage, sizeof stage_field - 1);
    put(w, MAGIC, 8);
    put_u32(w, CHECKPOINT_VERSION);
    put(w, stage_field, 16);
    int64_t step64 = step;
    put(w, &step64, 8);
    uint32_t config_len = config ? (uint32_t)strlen(config) : 0;
    put_u32(w, config_len);
    put(w, config ? config : "", config_len);
    put_u32(w, (uint32_t)pt->count);
    for (int k = 0; k < pt->count; k++) {
        const ParamInfo *info = &pt->info[k];
        char name[PARAM_NAME_MAX] = {0};
        strcpy(name, info->name);
        put(w, name, sizeof name);
        put_u32(w, (uint32_t)info->ndim);
        for (int d = 0; d < PARAM_MAX_DIMS; d++) put_u32(w, d < info->ndim ? (uint32_t)info->shape[d] : 0);
    }
    uint64_t total = pt->total;
    put(w, &total, 8);
    put_u32(w, with_optimizer ? 1 : 0);
    put(w, pt->values, pt->total * sizeof(float));
}

void checkpoint_put_state(CheckpointWriter *w, const float *x, size_t n) {
    if (n > w->state_left) die("checkpoint '%s': %zu optimizer floats more than the table has", w->path, n - w->state_left);
    put(w, x, n * sizeof(float));
    w->state_left -= n;
}

void checkpoint_end(CheckpointWriter *w) {
    if (w->state_left) die("checkpoint '%s': %zu optimizer floats missing", w->path, w->state_left);
    uint32_t crc = w->crc;
    xfwrite(&crc, 4, 1, w->f, w->path);
    atomic_commit(w->f, w->tmp, w->path);
}

void checkpoint_save(const char *path, const char *stage, const char *config,
                     const ParamTable *pt, long step, int with_optimizer) {
    if (with_optimizer && !pt->m) die("checkpoint '%s': the optimizer state is not in the table (ZeRO: zero.h)", path);
    CheckpointWriter w;
    checkpoint_begin(&w, path, stage, config, pt, step, with_optimizer);
    if (with_optimizer) {
        checkpoint_put_state(&w, pt->m, pt->total);
        checkpoint_put_state(&w, pt->v, pt->total);
    }
    checkpoint_end(&w);
}

/* ---------------------------------------------------------------- loading */

int checkpoint_is_stage(const char *path, const char *stage) {
    unsigned char head[8 + 4 + 16];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got != sizeof head || memcmp(head, MAGIC, 8) != 0) return 0;
    uint32_t version;
    memcpy(&version, head + 8, 4);
    char written[16];
    memcpy(written, head + 12, 16);
    written[15] = '\0';
    return version == CHECKPOINT_VERSION && strcmp(written, stage) == 0;
}

/* A cursor over the file's bytes, read whole so the checksum is known first. */
typedef struct {
    const unsigned char *data;
    size_t len, pos;
} Reader;

static int take(Reader *r, void *dst, size_t n) {
    if (n > r->len - r->pos) return -1;
    memcpy(dst, r->data + r->pos, n);
    r->pos += n;
    return 0;
}

#define TAKE(dst, n, what) \
    do { if (take(&r, (dst), (n))) { rc = err_set(err, errlen, "checkpoint '%s' is truncated (in %s)", path, what); goto done; } } while (0)

int checkpoint_read(const char *path, const char *stage, CheckpointInfo *ck, char *err, size_t errlen) {
    memset(ck, 0, sizeof *ck);
    unsigned char *data = NULL;
    size_t len = 0;
    if (file_read(path, (char **)&data, &len, err, errlen)) return -1;
    Reader r = {data, len, 0};
    int rc = 0;
    char magic[8];
    uint32_t version, config_len, count, has_opt;
    int64_t step;
    uint64_t total;

    TAKE(magic, 8, "magic");
    if (memcmp(magic, MAGIC, 8) != 0) {
        rc = err_set(err, errlen, "'%s' is not a checkpoint of this toolkit (wrong magic number)", path);
        goto done;
    }
    TAKE(&version, 4, "version");
    if (version != CHECKPOINT_VERSION) {
        rc = err_set(err, errlen, "checkpoint '%s' has version %u; this build reads version %d",
                  path, version, CHECKPOINT_VERSION);
        goto done;
    }
    TAKE(ck->stage, 16, "header");
    ck->stage[15] = '\0';
    if (stage && strcmp(ck->stage, stage) != 0) {
        rc = err_set(err, errlen, "checkpoint '%s' was written by stage '%s', not '%s'", path, ck->stage, stage);
        goto done;
    }
    TAKE(&step, 8, "header");
    ck->step = (long)step;
    TAKE(&config_len, 4, "header");
    if (config_len > len) { rc = err_set(err, errlen, "checkpoint '%s' is truncated (in config)", path); goto done; }
    ck->config = xcalloc(config_len + 1, 1);
    TAKE(ck->config, config_len, "config");
    TAKE(&count, 4, "tensor table");
    if (count > 100000) { rc = err_set(err, errlen, "checkpoint '%s' is corrupted (tensor count %u)", path, count); goto done; }
    ck->count = (int)count;
    ck->info = xcalloc(count, sizeof *ck->info);
    size_t expected = 0;
    for (uint32_t k = 0; k < count; k++) {
        ParamInfo *info = &ck->info[k];
        uint32_t ndim, shape[PARAM_MAX_DIMS];
        TAKE(info->name, PARAM_NAME_MAX, "tensor table");
        info->name[PARAM_NAME_MAX - 1] = '\0';
        TAKE(&ndim, 4, "tensor table");
        TAKE(shape, sizeof shape, "tensor table");
        if (ndim < 1 || ndim > PARAM_MAX_DIMS) {
            rc = err_set(err, errlen, "checkpoint '%s' is corrupted (tensor '%s' has %u dims)", path, info->name, ndim);
            goto done;
        }
        info->ndim = (int)ndim;
        info->size = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            info->shape[d] = (int)shape[d];
            info->size *= shape[d];
        }
        info->offset = expected;
        expected += info->size;
    }
    TAKE(&total, 8, "header");
    TAKE(&has_opt, 4, "header");
    if (total != expected || has_opt > 1) {
        rc = err_set(err, errlen, "checkpoint '%s' is corrupted (sizes disagree: %llu vs %zu floats)",
                  path, (unsigned long long)total, expected);
        goto done;
    }
    size_t buffers = has_opt ? 3 : 1;
    if (total > (len - r.pos) / sizeof(float) / buffers || len - r.pos != buffers * total * sizeof(float) + 4) {
        rc = err_set(err, errlen, "checkpoint '%s' is truncated or has trailing bytes (%zu bytes after the header, "
                  "expected %zu)", path, len - r.pos, (size_t)(buffers * total * sizeof(float) + 4));
        goto done;
    }
    uint32_t stored_crc;
    memcpy(&stored_crc, data + len - 4, 4);
    if (crc32_update(0, data, len - 4) != stored_crc) {
        rc = err_set(err, errlen, "checkpoint '%s' is corrupted (checksum mismatch)", path);
        goto done;
    }
    ck->total = total;
    ck->has_optimizer = (int)has_opt;
    ck->values = xmalloc(total * sizeof(float));
    TAKE(ck->values, total * sizeof(float), "values");
    if (has_opt) {
        ck->m = xmalloc(total * sizeof(float));
        ck->v = xmalloc(total * sizeof(float));
        TAKE(ck->m, total * sizeof(float), "optimizer state");
        TAKE(ck->v, total * sizeof(float), "optimizer state");
    }
done:
    free(data);
    if (rc) checkpoint_free(ck);
    return rc;
}

int checkpoint_restore(const CheckpointInfo *ck, ParamTable *pt, char *err, size_t errlen) {
    if (ck->count != pt->count)
        return err_set(err, errlen, "checkpoint has %d tensors but the model has %d", ck->count, pt->count);
    for (int k = 0; k < pt->count; k++) {
        const ParamInfo *a = &ck->info[k], *b = &pt->info[k];
        if (strcmp(a->name, b->name) != 0)
            return err_set(err, errlen, "checkpoint tensor %d is '%s' but the model expects '%s'", k, a->name, b->name);
        int same = a->ndim == b->ndim;
        for (int d = 0; same && d < a->ndim; d++) same = a->shape[d] == b->shape[d];
        if (!same)
            return err_set(err, errlen, "checkpoint tensor '%s' has another shape than the model's", a->name);
    }
    memcpy(pt->values, ck->values, pt->total * sizeof(float));
    if (ck->has_optimizer) {
        memcpy(pt->m, ck->m, pt->total * sizeof(float));
        memcpy(pt->v, ck->v, pt->total * sizeof(float));
    }
    return 0;
}

void checkpoint_free(CheckpointInfo *ck) {
    free(ck->config);
    free(ck->info);
    free(ck->values);
    free(ck->m);
    free(ck->v);
    memset(ck, 0, sizeof *ck);
}

/* Find "key=" at the start of a line; return a pointer to its value or NULL. */
static const char *config_find(const char *config, const char *key) {
    size_t n = strlen(key);
    for (const char *line = config; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, n) == 0 && line[n] == '=') return line + n + 1;
    return NULL;
}

long config_long(const char *config, const char *key, long fallback) {
    const char *v = config ? config_find(config, key) : NULL;
    return v ? strtol(v, NULL, 10) : fallback;
}

double config_double(const char *config, const char *key, double fallback) {
    const char *v = config ? config_find(config, key) : NULL;
    return v ? strtod(v, NULL) : fallback;
}

int config_string(const char *config, const char *key, char *buf, size_t n) {
    const char *v = config ? config_find(config, key) : NULL;
    if (!v) return -1;
    size_t len = strcspn(v, "\n");
    if (len >= n) return -1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    return 0;
}
