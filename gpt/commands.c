/*
 * commands.c -- what several `gpt` commands share. See commands.h.
 */
#include "gpt/commands.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

const char *gpt_cli_gpt2_dir(void) {
    static char buf[1024];
    bpe_gpt2_dir(buf, sizeof buf);
    return buf;
}

char *gpt_cli_bible_text(const char *path, size_t *len) {
    if (!path_exists(path))
        die("the Bible corpus '%s' is missing\nHINT: run `make data` (or scripts/data.sh bible) "
            "from the repository root, or pass --data FILE", path);
    return read_file(path, len);
}

int gpt_cli_parse(const CliSpec *spec, int argc, char **argv, int max_files) {
    int n = cli_parse(spec, argc, argv);
    if (n > max_files && max_files == 0) usage_error("%s: unexpected argument '%s'", argv[0], argv[1]);
    if (n > max_files) usage_error("%s: one input file at most (got '%s' too)", argv[0], argv[2]);
    return n;
}

int gpt_cli_is_llmc_tokens(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int32_t magic = 0;
    size_t n = fread(&magic, 4, 1, f);
    fclose(f);
    return n == 1 && magic == LLMC_TOKENS_MAGIC;
}

int *gpt_cli_load_tokens(const char *path, Tok *tk, int vocab_size, size_t *n) {
    char err[1024];
    int *ids;
    if (gpt_cli_is_llmc_tokens(path)) {
        if (llmc_tokens_read(path, vocab_size, &ids, n, err, sizeof err) != 0) die("%s", err);
        return ids;
    }
    size_t len;
    char *text = read_file(path, &len);
    if (len == 0) die("'%s' is empty", path);
    ids = tok_encode(tk, path, text, len, n);
    free(text);
    return ids;
}

const char *gpt_cli_base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void gpt_cli_check_vocab(const Tok *tk, const Gpt *m) {
    if (tk->vocab_size != m->cfg.vocab_size)
        die("vocabulary mismatch: the tokenizer has %d tokens but the model has %d\n"
            "HINT: pass the --vocab DIR the model was trained with", tk->vocab_size, m->cfg.vocab_size);
}

void gpt_cli_load_model(const char *path, const char *vocab, Gpt *m, Tok *tk, char **config) {
    long step;
    gpt_load_any(path, m, config, &step);
    tok_from_config(tk, *config, vocab);
    gpt_cli_check_vocab(tk, m);
}
