/*
 * run.c -- the pipeline's folder: the task, the vocabulary, the policies'
 * checkpoints. See run.h.
 */
#include "rlhf/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpe.h"
#include "checkpoint.h"
#include "gpt/train.h"
#include "rlhf/sft_data.h"
#include "util.h"

void task_config_text(const TaskConfig *t, char *buf, size_t n) {
    snprintf(buf, n, "task_subjects=%d\ntask_heldout=%.17g\ntask_seed=%llu\n", t->subjects, t->heldout, t->seed);
}

void rlhf_run_new(RlhfRun *run, const char *dir, const TaskConfig *t, int T) {
    if ((size_t)snprintf(run->dir, sizeof run->dir, "%s", dir) >= sizeof run->dir)
        die("rlhf: the folder name '%s' is too long", dir);
    make_dirs(dir);
    run->task = *t;
    run->T = T;
    instruct_generate(&run->set, t->subjects, t->heldout, t->seed);
    run->vocab = instruct_tokenizer(&run->set);
}

void rlhf_run_path(const RlhfRun *run, const char *file, char *buf, size_t n) { path_join(buf, n, run->dir, file); }

int rlhf_run_has(const RlhfRun *run, const char *file) {
    char path[4096];
    struct stat st;
    rlhf_run_path(run, file, path, sizeof path);
    return stat(path, &st) == 0;
}

void rlhf_run_open(RlhfRun *run, const char *dir) {
    char path[4096], err[512];
    path_join(path, sizeof path, dir, "sft.ckpt");
    CheckpointInfo ck;
    if (checkpoint_read(path, "gpt", &ck, err, sizeof err))
        die("%s\n(the run folder %s has no SFT model: make one with `rlhf sft --out %s`)", err, dir, dir);
    TaskConfig t = {.subjects = (int)config_long(ck.config, "task_subjects", -1),
                    .heldout = config_double(ck.config, "task_heldout", -1),
                    .seed = (unsigned long long)config_long(ck.config, "task_seed", -1)};
    int T = (int)config_long(ck.config, "max_seq_len", -1);
    checkpoint_free(&ck);
    if (t.subjects < 2 || t.heldout <= 0 || t.heldout >= 1 || T < 4)
        die("'%s' does not say which task it was trained on (task_subjects, task_heldout, task_seed)", path);
    rlhf_run_new(run, dir, &t, T);
}

void rlhf_run_close(RlhfRun *run) {
    vocab_free(run->vocab);
    instruct_free(&run->set);
}

void rlhf_run_check(const RlhfRun *run, const char *path) {
    char err[512];
    CheckpointInfo ck;
    if (checkpoint_read(path, "gpt", &ck, err, sizeof err)) die("%s", err);
    TaskConfig t = {.subjects = (int)config_long(ck.config, "task_subjects", -1),
                    .heldout = config_double(ck.config, "task_heldout", -1),
                    .seed = (unsigned long long)config_long(ck.config, "task_seed", -1)};
    long V = config_long(ck.config, "vocab_size", -1), T = config_long(ck.config, "max_seq_len", -1);
    checkpoint_free(&ck);
    if (t.subjects != run->task.subjects || t.heldout != run->task.heldout || t.seed != run->task.seed)
        die("'%s' was trained on another task (%d subjects, seed %llu) than the run's (%d, seed %llu): "
            "its vocabulary is not the run's", path, t.subjects, t.seed, run->task.subjects, run->task.seed);
    if (V != run->vocab->size) die("'%s' has a vocabulary of %ld tokens, but the run's task has %d", path, V,
                                   run->vocab->size);
    if (T != run->T) die("'%s' has a context of %ld positions, but the run's models have %d", path, T, run->T);
}

void rlhf_run_load(const RlhfRun *run, const char *name, Gpt *m) {
    char file[256], path[4096], *config = NULL;
    long step;
    snprintf(file, sizeof file, "%s.ckpt", name);
    rlhf_run_path(run, file, path, sizeof path);
    rlhf_run_check(run, path);
    gpt_load_any(path, m, &config, &step);
    free(config);
}

void rlhf_run_save(const RlhfRun *run, const char *name, const Gpt *m) {
    char file[256], path[4096], task[256];
    snprintf(file, sizeof file, "%s.ckpt", name);
    rlhf_run_path(run, file, path, sizeof path);
    task_config_text(&run->task, task, sizeof task);
    gpt_save_checkpoint(m, path, task, 0);
}

int *rlhf_pretraining_tokens(const RlhfRun *run, int repeats, unsigned long long seed, size_t *n) {
    const Vocab *v = run->vocab;
    size_t len;
    char *text = facts_corpus(&run->set.world, repeats, seed, &len);
    size_t cap = vocab_encode(v, text, len, NULL, 0) * 2 + 16;
    int *ids = xmalloc(cap * sizeof *ids), dot = vocab_id(v, ".");
    *n = 0;
    /* the text is len bytes of lines, each ending '\n', with no NUL after them */
    for (const char *line = text, *end = text + len; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t l = nl ? (size_t)(nl - line) : (size_t)(end - line);
        *n += vocab_encode(v, line, l, ids + *n, cap - *n);
        ids[(*n)++] = dot;
        ids[(*n)++] = VOCAB_EOS;
        line += l + 1;
    }
    free(text);
    return ids;
}

enum { TAX_SEED = 12345 };

int *rlhf_tax_tokens(const RlhfRun *run, size_t *n) { return rlhf_pretraining_tokens(run, 1, TAX_SEED, n); }

void rlhf_run_save_tax_text(const RlhfRun *run) {
    size_t n;
    int *ids = rlhf_tax_tokens(run, &n);
    char path[4096];
    rlhf_run_path(run, "pretraining.bin", path, sizeof path);
    llmc_tokens_save(path, ids, n);
    free(ids);
}
