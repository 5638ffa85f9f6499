/*
 * checkpoint.h -- saving and restoring a model's parameter table.
 *
 * File layout (little-endian, as written by this machine):
 *     char  magic[8]        "NLPCKPT1"
 *     u32   version         CHECKPOINT_VERSION
 *     char  stage[16]       which stage wrote it ("gpt", "rnn", ...), NUL-padded
 *     i64   step            training step reached (for resuming)
 *     u32   config_len      then config_len bytes of text: "key=value\n" lines,
 *                           everything needed to rebuild the model's table
 *     u32   count           number of tensors, then for each:
 *                               char name[64], u32 ndim, u32 shape[4]
 *     u64   total           floats per buffer
 *     u32   has_optimizer   1 when m and v follow the values
 *     f32   values[total]   [, f32 m[total], f32 v[total]]
 *     u32   crc32           of every byte before it (IEEE polynomial)
 *
 * checkpoint_save() writes atomically (temp file, fsync, rename): an
 * interrupted save leaves the previous checkpoint intact.
 *
 * Loading is two steps, because the config decides the model's shape:
 *     CheckpointInfo ck;
 *     if (checkpoint_read(path, "gpt", &ck, err, sizeof err)) die("%s", err);
 *     ... build and params_alloc the ParamTable from ck.config ...
 *     if (checkpoint_restore(&ck, &pt, err, sizeof err)) die("%s", err);
 *     checkpoint_free(&ck);
 * checkpoint_read validates magic, version, stage, sizes and the checksum, so a
 * truncated, foreign or corrupted file is rejected before anything is used;
 * checkpoint_restore checks every tensor's name and shape against the table.
 * Both return 0 on success, or -1 with a message in err.
 */
#ifndef NLP_CHECKPOINT_H
#define NLP_CHECKPOINT_H

#include <stdint.h>
#include <stdio.h>
#include "params.h"

#define CHECKPOINT_VERSION 1

typedef struct {
    char stage[16];
    long step;
    char *config;          /* NUL-terminated "key=value\n" text */
    int count;
    ParamInfo *info;       /* names and shapes as saved (offsets recomputed) */
    size_t total;
    int has_optimizer;
    float *values, *m, *v; /* m, v NULL without optimizer state */
} CheckpointInfo;

void checkpoint_save(const char *path, const char *stage, const char *config,
                     const ParamTable *pt, long step, int with_optimizer);
/* The same in three parts, for optimizer state that is not in the table
 * (ZeRO keeps each rank's slice of m and v apart, zero.h): begin writes the
 * header and the values; put_state appends the next n floats of m then v
 * (2 x total in all, in the table's order); end checks the count, adds the
 * checksum and commits. */
typedef struct {
    FILE *f;
    const char *path;
    char *tmp;            /* the temporary file renamed to path at the end */
    uint32_t crc;
    size_t state_left;    /* optimizer floats still expected */
} CheckpointWriter;
void checkpoint_begin(CheckpointWriter *w, const char *path, const char *stage, const char *config,
                      const ParamTable *pt, long step, int with_optimizer);
void checkpoint_put_state(CheckpointWriter *w, const float *x, size_t n);
void checkpoint_end(CheckpointWriter *w);

int checkpoint_read(const char *path, const char *stage, CheckpointInfo *ck, char *err, size_t errlen);
/* 1 when path starts like a checkpoint of this version written by stage, else
 * 0; reads only the header, so a damaged file still names its stage (and
 * checkpoint_read then says what is wrong with it). */
int checkpoint_is_stage(const char *path, const char *stage);
int checkpoint_restore(const CheckpointInfo *ck, ParamTable *pt, char *err, size_t errlen);
void checkpoint_free(CheckpointInfo *ck);

/* Value of "key=..." in a config text, or fallback when absent. */
long config_long(const char *config, const char *key, long fallback);
double config_double(const char *config, const char *key, double fallback);
/* The text after "key=" up to the line's end, into buf (n bytes); 0, or -1
 * when the key is absent or its value does not fit. */
int config_string(const char *config, const char *key, char *buf, size_t n);

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
