/*
 * steps.c -- running part 2's steps over a run folder. See steps.h.
 */
#include "rlhf/steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "metrics.h"
#include "util.h"

enum { MAX_ARGS = 24 };

/* The step's arguments with "@" replaced by dir, and --threads. */
static int build_argv(const RlhfStep *s, const char *dir, const char *threads, char **argv, char *buf, size_t n) {
    int argc = 0;
    size_t used = 0;
    for (const char *const *a = s->args; *a; a++) {
        int len = snprintf(buf + used, n - used, "%s%s", (*a)[0] == '@' ? dir : "", (*a)[0] == '@' ? *a + 1 : *a);
        if (len < 0 || used + len + 1 > n) die("pipeline: the folder name '%s' is too long", dir);
        argv[argc++] = buf + used;
        used += (size_t)len + 1;
    }
    argv[argc++] = "--threads";
    argv[argc++] = (char *)threads;
    argv[argc] = NULL;
    return argc;
}

static void print_file(const char *path) {
    size_t n;
    char *text = read_file(path, &n);
    fwrite(text, 1, n, stdout);
    free(text);
}

/* Run the step unless its RESULT file exists; print its RESULT line either way. */
void rlhf_step_run(const RlhfStep *s, const char *dir, const char *threads) {
    char path[4096], *argv[MAX_ARGS], buf[8192];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s.result", dir, s->name);
    int argc = build_argv(s, dir, threads, argv, buf, sizeof buf);
    printf("=== %s: rlhf", s->name);
    for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    if (stat(path, &st) == 0) {
        printf("(done before: %s)\n", path);
        print_file(path);
        return;
    }
    make_dirs(dir);
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    result_set_stream(f);
    s->run(argc, argv);
    result_set_stream(stdout);
    atomic_commit(f, tmp, path);
    print_file(path);
    fflush(stdout);
}

