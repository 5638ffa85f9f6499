/*
 * cmd_bpe.c -- the tokenizer commands: `gpt bpe-train` learns a byte-level
 * BPE vocabulary (common/bpe.h), `gpt encode` turns text into ids and
 * `gpt decode` ids into text, with GPT-2's vocabulary or ours.
 */
#include "metrics.h"
#include "gpt/commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "util.h"

/* All of a stream (stdin or a file), as bytes; *len its size. */
static char *read_stream(FILE *f, const char *name, size_t *len) {
    size_t cap = 1 << 16, n = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0)
        if ((n += got) + 1 == cap) buf = xrealloc(buf, cap *= 2);
    if (ferror(f)) die("read error in %s: %s", name, strerror(errno));
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The named file, or stdin when path is NULL or "-". */
static char *read_input(const char *path, size_t *len) {
    if (!path || strcmp(path, "-") == 0) return read_stream(stdin, "standard input", len);
    return read_file(path, len);
}

/* ---------------------------------------------------------- bpe-train */

static const char train_usage[] =
    "Usage: gpt bpe-train [options]\n"
    "Learn a byte-level BPE vocabulary with GPT-2's algorithm: pre-tokenise with its\n"
    "pattern, then merge the most frequent adjacent pair (ties: lowest ids) until the\n"
    "vocabulary has the asked size.\n"
    "\n"
    "  --data FILE        corpus, any bytes (default " GPT_BIBLE_TRAIN ")\n"
    "  --vocab-size N     tokens in all: 256 bytes + merges + <|endoftext|> (default 8192)\n"
    "  --out DIR          writes DIR/encoder.json, DIR/vocab.bpe (GPT-2's formats) and\n"
    "                     DIR/tokenizer.bin (llm.c's) (default runs/gpt/bpe)\n"
    "  --quiet            no progress lines\n"
    "\n"
    "Example:  gpt bpe-train --vocab-size 8192 --out runs/gpt/bpe\n"
    "          echo 'In the beginning' | gpt encode --vocab runs/gpt/bpe\n";

int gpt_cmd_bpe_train(int argc, char **argv) {
    const char *data = NULL, *out = "runs/gpt/bpe";
    int vocab_size = 8192, quiet = 0;   /* 8192: a small GPT's vocabulary */
    const CliOption opts[] = {
        CLI_DATA(&data), CLI_OUT(&out), CLI_QUIET(&quiet),
        CLI_OPT("vocab-size", CLI_INT, &vocab_size, 257, 65536),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = train_usage, .options = opts}, argc, argv, 0);
    size_t len;
    char *text = data ? read_file(data, &len) : gpt_cli_bible_text(GPT_BIBLE_TRAIN, &len);
    if (len == 0) die("the corpus '%s' is empty", data ? data : GPT_BIBLE_TRAIN);
    double t0 = now_seconds();
    Bpe *b = bpe_train(text, len, vocab_size, !quiet);
    double secs = now_seconds() - t0;
    bpe_save_gpt2(b, out);
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer.bin", out);
    llmc_tokenizer_save(b, path);
    size_t ntok = bpe_encode(b, text, len, 0, NULL, 0);
    printf("trained %d merges on %zu bytes in %.2f s; vocabulary %d (EOT %d); %.3f bytes/token on the corpus\n",
           b->n_merges, len, secs, b->vocab_size, b->eot, (double)len / (double)(ntok ? ntok : 1));
    printf("wrote %s/encoder.json, %s/vocab.bpe, %s\n", out, out, path);
    result_begin("gpt");
    result_str("task", "bpe-train");
    result_str("data", data ? data : "bible");
    result_int("vocab", b->vocab_size);
    result_int("merges", b->n_merges);
    result_int("bytes", (long long)len);
    result_int("tokens", (long long)ntok);
    result_num("train_s", secs, 2);
    result_end();
    bpe_free(b);
    free(text);
    return 0;
}

/* ------------------------------------------------------------- encode */

static const char encode_usage[] =
    "Usage: gpt encode [options] [FILE]\n"
    "Encode FILE (default: standard input; any bytes) into token ids, printed on one\n"
    "line separated by spaces.\n"
    "\n"
    "  --vocab DIR        folder with encoder.json and vocab.bpe (default $NLP_DATA_DIR/gpt2,\n"
    "                     GPT-2's own; `gpt bpe-train` writes ours in the same formats)\n"
    "  --allow-special    the text \"<|endoftext|>\" becomes the end-of-text token (without it,\n"
    "                     it is ordinary text, as in GPT-2's encoder)\n"
    "  --out FILE         write an llm.c token file (magic 20240520, uint16 ids) instead\n"
    "  --stats            print bytes, tokens, bytes/token and MB/s on stderr\n"
    "\n"
    "Example:  printf 'Hello world' | gpt encode --vocab $NLP_DATA_DIR/gpt2   # 15496 995\n";

int gpt_cmd_encode(int argc, char **argv) {
    const char *vocab = NULL, *out = NULL;
    int allow_special = 0, stats = 0;
    const CliOption opts[] = {
        CLI_OUT(&out),
        CLI_OPT("vocab", CLI_STRING, &vocab, 0, 0),
        CLI_OPT("allow-special", CLI_FLAG, &allow_special, 0, 0),
        CLI_OPT("stats", CLI_FLAG, &stats, 0, 0),
        CLI_END};
    int nfiles = gpt_cli_parse(&(CliSpec){.usage = encode_usage, .options = opts}, argc, argv, 1);
    Bpe *b = bpe_load_gpt2(vocab ? vocab : gpt_cli_gpt2_dir());
    size_t len, n;
    char *text = read_input(nfiles ? argv[1] : NULL, &len);
    double t0 = now_seconds();
    int *ids = bpe_encode_alloc(b, text, len, allow_special, &n);
    double secs = now_seconds() - t0;
    if (out) {
        if (b->vocab_size > 65536) die("a vocabulary of %d does not fit llm.c's uint16 token file", b->vocab_size);
        llmc_tokens_save(out, ids, n);
    } else {
        for (size_t i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[i]);
        putchar('\n');
        if (fflush(stdout) != 0) die("write error on standard output: %s", strerror(errno));
    }
    if (stats)
        fprintf(stderr, "gpt: %zu bytes -> %zu tokens (%.3f bytes/token) in %.3f s, %.1f MB/s\n", len, n,
                (double)len / (double)(n ? n : 1), secs, (double)len / 1e6 / (secs > 0 ? secs : 1e-9));
    free(ids);
    free(text);
    bpe_free(b);
    return 0;
}

/* ------------------------------------------------------------- decode */

static const char decode_usage[] =
    "Usage: gpt decode [options] [FILE]\n"
    "Decode token ids from FILE (default: standard input) and write the bytes to\n"
    "standard output. The input is either ids as text, separated by whitespace (what\n"
    "`gpt encode` prints), or an llm.c token file (recognised by its magic number).\n"
    "\n"
    "  --vocab DIR        folder with encoder.json and vocab.bpe (default $NLP_DATA_DIR/gpt2)\n"
    "  --tokenizer FILE   llm.c's tokenizer.bin instead of --vocab\n"
    "\n"
    "Example:  echo 15496 995 | gpt decode --vocab $NLP_DATA_DIR/gpt2   # Hello world\n";

/* Whitespace-separated decimal ids; dies naming the first bad one. */
static int *parse_ids(const char *text, size_t len, size_t *n_out) {
    size_t cap = 1024, n = 0, i = 0;
    int *ids = xmalloc(cap * sizeof(int));
    while (i < len) {
        if (isspace((unsigned char)text[i])) { i++; continue; }
        size_t j = i;
        long v = 0;
        while (j < len && isdigit((unsigned char)text[j]) && v <= 100000000) v = v * 10 + (text[j++] - '0');
        if (j == i || (j < len && !isspace((unsigned char)text[j])) || v > 100000000) {
            size_t e = i;
            while (e < len && e - i < 20 && !isspace((unsigned char)text[e])) e++;
            die("input token %zu ('%.*s') is not a token id (a whole number >= 0)", n + 1, (int)(e - i), text + i);
        }
        if (n == cap) ids = xrealloc(ids, (cap *= 2) * sizeof(int));
        ids[n++] = (int)v;
        i = j;
    }
    *n_out = n;
    return ids;
}

int gpt_cmd_decode(int argc, char **argv) {
    const char *vocab = NULL, *tokenizer = NULL;
    const CliOption opts[] = {
        CLI_OPT("vocab", CLI_STRING, &vocab, 0, 0),
        CLI_OPT("tokenizer", CLI_STRING, &tokenizer, 0, 0),
        CLI_END};
    int nfiles = gpt_cli_parse(&(CliSpec){.usage = decode_usage, .options = opts}, argc, argv, 1);
    if (vocab && tokenizer) usage_error("decode: give --vocab or --tokenizer, not both");
    char err[512];
    Bpe *b;
    if (tokenizer) {
        if (llmc_tokenizer_read(tokenizer, &b, err, sizeof err) != 0) die("%s", err);
    } else {
        b = bpe_load_gpt2(vocab ? vocab : gpt_cli_gpt2_dir());
    }
    const char *name = nfiles ? argv[1] : "standard input";
    size_t len, n;
    char *in = read_input(nfiles ? argv[1] : NULL, &len);
    int32_t magic = 0;
    if (len >= 4) memcpy(&magic, in, 4);
    int *ids;
    if (magic == LLMC_TOKENS_MAGIC) {
        if (llmc_tokens_parse((unsigned char *)in, len, name, b->vocab_size, &ids, &n, err, sizeof err) != 0)
            die("%s", err);
    } else {
        ids = parse_ids(in, len, &n);
    }
    size_t out_len;
    char *out = bpe_decode(b, ids, n, &out_len);
    if (!out)
        die("token %zu is id %d, outside the vocabulary of %d (vocabulary mismatch?)", out_len + 1, ids[out_len],
            b->vocab_size);
    if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0)
        die("write error on standard output: %s", strerror(errno));
    free(out);
    free(ids);
    free(in);
    bpe_free(b);
    return 0;
}

