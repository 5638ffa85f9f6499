/*
 * main.c -- the gpt/ command line, tokenizer part:
 *
 *     gpt bpe-train   learn a byte-level BPE vocabulary on a corpus
 *     gpt encode      text -> token ids (printed, or an llm.c token file)
 *     gpt decode      token ids -> text
 *     gpt demo        the tokenizer half of the chapter's demo, on the Bible
 *
 * The model commands (train, eval, sample, finetune, convert) come with the
 * model itself. Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "bpe.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BIBLE_TRAIN "data/cache/bible/chars.train.txt"
#define BIBLE_VALID "data/cache/bible/chars.valid.txt"

static const char main_usage[] =
    "Usage: gpt COMMAND [options]   (gpt COMMAND --help for each)\n"
    "Chapter 6, generative pretraining: GPT-2's byte-level BPE tokenizer.\n"
    "\n"
    "  bpe-train   learn a byte-level BPE vocabulary on a corpus (default: the Bible)\n"
    "  encode      text -> token ids, whitespace-separated (or an llm.c token file)\n"
    "  decode      token ids (text or llm.c token file) -> text\n"
    "  demo        train a vocabulary on the Bible, split a verse, compression vs size, speed\n"
    "\n"
    "The GPT model commands (train, eval, sample, finetune, convert) come in the next part.\n"
    "Example:  echo 'Hello world' | gpt encode --vocab $NLP_DATA_DIR/gpt2\n";

/* ------------------------------------------------------------ helpers */

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

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* GPT-2's vocabulary folder: $NLP_DATA_DIR/gpt2 (or data/cache/gpt2). */
static const char *gpt2_dir(void) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/gpt2", data_dir());
    return buf;
}

static char *bible_text(const char *path, size_t *len) {
    if (!file_exists(path))
        die("the Bible corpus '%s' is missing\nHINT: run `make data` (or scripts/data.sh bible) "
            "from the repository root, or pass --data FILE", path);
    return read_file(path, len);
}

/* Print tokens separated by '|', with newlines, tabs and unprintable bytes escaped. */
static void print_tokens(FILE *f, const Bpe *b, const int *ids, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputc('|', f);
        const unsigned char *s = (const unsigned char *)b->token[ids[i]];
        for (int k = 0; k < b->token_len[ids[i]]; k++) {
            if (s[k] == '\n') fputs("\\n", f);
            else if (s[k] == '\t') fputs("\\t", f);
            else if (s[k] < 0x20 || s[k] == 0x7f) fprintf(f, "\\x%02X", s[k]);
            else fputc(s[k], f);
        }
    }
    fputc('\n', f);
}

/* getopt's reports are replaced by ours, so that bad usage always exits 2. */
static void bad_option(char **argv, const char *cmd) {
    usage_error("%s: unknown option or missing value in '%s'", cmd, argv[optind - 1]);
}

/* ---------------------------------------------------------- bpe-train */

static const char train_usage[] =
    "Usage: gpt bpe-train [options]\n"
    "Learn a byte-level BPE vocabulary with GPT-2's algorithm: pre-tokenise with its\n"
    "pattern, then merge the most frequent adjacent pair (ties: lowest ids) until the\n"
    "vocabulary has the asked size.\n"
    "\n"
    "  --data FILE        corpus, any bytes (default " BIBLE_TRAIN ")\n"
    "  --vocab-size N     tokens in all: 256 bytes + merges + <|endoftext|> (default 8192)\n"
    "  --out DIR          writes DIR/encoder.json, DIR/vocab.bpe (GPT-2's formats) and\n"
    "                     DIR/tokenizer.bin (llm.c's) (default runs/gpt/bpe)\n"
    "  --quiet            no progress lines\n"
    "\n"
    "Example:  gpt bpe-train --vocab-size 8192 --out runs/gpt/bpe\n"
    "          echo 'In the beginning' | gpt encode --vocab runs/gpt/bpe\n";

static int cmd_bpe_train(int argc, char **argv) {
    const char *data = NULL, *out = "runs/gpt/bpe";
    int vocab_size = 8192, quiet = 0;   /* 8192: a small GPT's vocabulary */
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"vocab-size", required_argument, 0, 'v'},
        {"out", required_argument, 0, 'o'},  {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'v': vocab_size = (int)parse_long(optarg, "--vocab-size", 257, 65536); break;
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(train_usage, stdout); return 0;
        default: bad_option(argv, "bpe-train");
        }
    }
    if (optind < argc) usage_error("bpe-train: unexpected argument '%s'", argv[optind]);
    size_t len;
    char *text = data ? read_file(data, &len) : bible_text(BIBLE_TRAIN, &len);
    if (len == 0) die("the corpus '%s' is empty", data ? data : BIBLE_TRAIN);
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
    printf("RESULT stage=gpt task=bpe-train data=%s vocab=%d merges=%d bytes=%zu tokens=%zu train_s=%.2f\n",
           data ? data : "bible", b->vocab_size, b->n_merges, len, ntok, secs);
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

static int cmd_encode(int argc, char **argv) {
    const char *vocab = NULL, *out = NULL;
    int allow_special = 0, stats = 0;
    static const struct option opts[] = {
        {"vocab", required_argument, 0, 'v'}, {"allow-special", no_argument, 0, 's'},
        {"out", required_argument, 0, 'o'},   {"stats", no_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vocab = optarg; break;
        case 's': allow_special = 1; break;
        case 'o': out = optarg; break;
        case 't': stats = 1; break;
        case 'h': fputs(encode_usage, stdout); return 0;
        default: bad_option(argv, "encode");
        }
    }
    if (argc - optind > 1) usage_error("encode: one input file at most (got '%s' too)", argv[optind + 1]);
    Bpe *b = bpe_load_gpt2(vocab ? vocab : gpt2_dir());
    size_t len, n;
    char *text = read_input(optind < argc ? argv[optind] : NULL, &len);
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

static int cmd_decode(int argc, char **argv) {
    const char *vocab = NULL, *tokenizer = NULL;
    static const struct option opts[] = {
        {"vocab", required_argument, 0, 'v'}, {"tokenizer", required_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vocab = optarg; break;
        case 'k': tokenizer = optarg; break;
        case 'h': fputs(decode_usage, stdout); return 0;
        default: bad_option(argv, "decode");
        }
    }
    if (argc - optind > 1) usage_error("decode: one input file at most (got '%s' too)", argv[optind + 1]);
    if (vocab && tokenizer) usage_error("decode: give --vocab or --tokenizer, not both");
    char err[512];
    Bpe *b;
    if (tokenizer) {
        if (llmc_tokenizer_read(tokenizer, &b, err, sizeof err) != 0) die("%s", err);
    } else {
        b = bpe_load_gpt2(vocab ? vocab : gpt2_dir());
    }
    const char *name = optind < argc ? argv[optind] : "standard input";
    size_t len, n;
    char *in = read_input(optind < argc ? argv[optind] : NULL, &len);
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

/* --------------------------------------------------------------- demo */

static const char demo_usage[] =
    "Usage: gpt demo [options]\n"
    "The tokenizer part of chapter 6 on the King James Bible: train a byte-level BPE\n"
    "vocabulary, watch its first merges, split a verse, measure compression against\n"
    "vocabulary size on held-out verses, and time encoding (ours and GPT-2's).\n"
    "\n"
    "  --data FILE        training text (default " BIBLE_TRAIN "); held-out text is\n"
    "                     " BIBLE_VALID ", or the last 10%% of FILE\n"
    "  --vocab-size N     largest vocabulary to train (default 8192)\n"
    "  --out DIR          where the vocabulary is written (default runs/gpt/demo/bpe)\n"
    "  --gpt2 DIR         GPT-2's encoder.json and vocab.bpe (default $NLP_DATA_DIR/gpt2;\n"
    "                     skipped if absent)\n";

/* bytes per token of text under b */
static double bytes_per_token(Bpe *b, const char *text, size_t len) {
    size_t n = bpe_encode(b, text, len, 0, NULL, 0);
    return (double)len / (double)(n ? n : 1);
}

/* encode text with a fresh cache; returns MB/s, *ntok the token count */
static double encode_speed(Bpe *b, const char *text, size_t len, size_t *ntok) {
    double t0 = now_seconds();
    *ntok = bpe_encode(b, text, len, 0, NULL, 0);
    double secs = now_seconds() - t0;
    return (double)len / 1e6 / (secs > 0 ? secs : 1e-9);
}

static void show_split(Bpe *b, const char *label, const char *text) {
    size_t n;
    int *ids = bpe_encode_alloc(b, text, strlen(text), 0, &n);
    printf("  %-22s %3zu tokens: ", label, n);
    print_tokens(stdout, b, ids, n);
    free(ids);
}

static int cmd_demo(int argc, char **argv) {
    const char *data = NULL, *out = "runs/gpt/demo/bpe", *gpt2 = NULL;
    int vocab_size = 8192;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"vocab-size", required_argument, 0, 'v'},
        {"out", required_argument, 0, 'o'},  {"gpt2", required_argument, 0, 'g'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'v': vocab_size = (int)parse_long(optarg, "--vocab-size", 512, 65536); break;
        case 'o': out = optarg; break;
        case 'g': gpt2 = optarg; break;
        case 'h': fputs(demo_usage, stdout); return 0;
        default: bad_option(argv, "demo");
        }
    }
    if (optind < argc) usage_error("demo: unexpected argument '%s'", argv[optind]);

    /* the corpus: the Bible's train and valid verses, or FILE cut 90/10 at a newline */
    size_t len, vlen;
    char *text, *valid;
    if (data) {
        text = read_file(data, &len);
        size_t cut = len - len / 10;
        while (cut < len && text[cut - 1] != '\n') cut++;
        vlen = len - cut;
        valid = xmalloc(vlen + 1);
        memcpy(valid, text + cut, vlen + 1);
        len = cut;
    } else {
        text = bible_text(BIBLE_TRAIN, &len);
        valid = bible_text(BIBLE_VALID, &vlen);
    }
    if (len == 0 || vlen == 0) die("the corpus is too small for a demo (%zu + %zu bytes)", len, vlen);

    printf("== 1. Training a byte-level BPE vocabulary of %d tokens on %.2f MB ==\n", vocab_size, len / 1e6);
    double t0 = now_seconds();
    Bpe *b = bpe_train(text, len, vocab_size, 0);
    double train_s = now_seconds() - t0;
    bpe_save_gpt2(b, out);
    printf("  %d merges in %.2f s; written to %s/{encoder.json,vocab.bpe}\n", b->n_merges, train_s, out);
    printf("  the first merges, in the order they were learned:\n   ");
    for (int r = 0; r < 16 && r < b->n_merges; r++) printf(" '%s'", b->token[256 + r]);
    printf("\n  and the last ones:\n   ");
    for (int r = b->n_merges - 8; r < b->n_merges; r++)
        if (r >= 0) printf(" '%s'", b->token[256 + r]);
    printf("\n\n");

    Bpe *g = NULL;
    char err[512];
    const char *gdir = gpt2 ? gpt2 : gpt2_dir();
    if (bpe_read_gpt2(gdir, &g, err, sizeof err) != 0) {
        if (gpt2) die("%s", err);
        printf("(GPT-2's vocabulary is not in %s: its rows are skipped)\n\n", gdir);
        g = NULL;
    }

    printf("== 2. How a verse is split (John 3:16; '|' between tokens) ==\n");
    const char *verse = "For God so loved the world, that he gave his only begotten Son, that whosoever "
                        "believeth in him should not perish, but have everlasting life.";
    Bpe *small = bpe_prefix(b, b->n_merges < 255 ? b->n_merges : 255);
    show_split(small, "ours, 512 tokens", verse);
    show_split(b, "ours, full", verse);
    if (g) show_split(g, "GPT-2, 50257 tokens", verse);
    const char *modern = "The tokenizer's output: 12345 tokens/s!";
    show_split(b, "ours, modern text", modern);
    if (g) show_split(g, "GPT-2, modern text", modern);
    bpe_free(small);
    printf("\n");

    printf("== 3. Compression on held-out text (%.0f KB) against vocabulary size ==\n", vlen / 1e3);
    printf("  %8s  %12s  %10s\n", "vocab", "bytes/token", "tokens");
    int sizes[32], ns = 0;
    sizes[ns++] = 257;   /* bytes only (and EOT): one token per byte */
    for (int v = 512; v < b->vocab_size; v *= 2) sizes[ns++] = v;
    sizes[ns++] = b->vocab_size;
    for (int k = 0; k < ns; k++) {
        Bpe *p = sizes[k] == b->vocab_size ? b : bpe_prefix(b, sizes[k] - 257);
        double bpt = bytes_per_token(p, valid, vlen);
        printf("  %8d  %12.3f  %10.0f\n", sizes[k], bpt, vlen / bpt);
        if (p != b) bpe_free(p);
    }
    double bpt_full = bytes_per_token(b, valid, vlen);
    if (g) printf("  %8d  %12.3f  %10.0f   (GPT-2's, trained on WebText)\n", g->vocab_size,
                  bytes_per_token(g, valid, vlen), vlen / bytes_per_token(g, valid, vlen));
    printf("\n");

    printf("== 4. Encoding speed and round trip on the training text (%.2f MB) ==\n", len / 1e6);
    Bpe *fresh = bpe_prefix(b, b->n_merges);   /* an empty cache, for a fair timing */
    size_t ntok;
    double mbs = encode_speed(fresh, text, len, &ntok);
    printf("  ours:  %zu tokens, %.1f MB/s\n", ntok, mbs);
    double gmbs = 0;
    if (g) {
        size_t gtok;
        gmbs = encode_speed(g, text, len, &gtok);
        printf("  GPT-2: %zu tokens, %.1f MB/s\n", gtok, gmbs);
    }
    int *ids = bpe_encode_alloc(fresh, valid, vlen, 0, &ntok);
    size_t back_len;
    char *back = bpe_decode(fresh, ids, ntok, &back_len);
    int exact = back && back_len == vlen && memcmp(back, valid, vlen) == 0;
    printf("  decode(encode(held-out text)) == held-out text: %s\n\n", exact ? "yes" : "NO");
    if (!exact) die("round trip failed: this is a bug");

    printf("RESULT stage=gpt task=bpe-demo data=%s vocab=%d train_s=%.2f valid_bytes_per_token=%.3f "
           "encode_mb_s=%.1f gpt2_encode_mb_s=%.1f\n",
           data ? data : "bible", b->vocab_size, train_s, bpt_full, mbs, gmbs);
    printf("The GPT model that reads these tokens is the next part of this chapter.\n");
    free(back);
    free(ids);
    bpe_free(fresh);
    bpe_free(g);
    bpe_free(b);
    free(text);
    free(valid);
    return 0;
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv) {
    util_set_prog("gpt");
    if (argc < 2) {
        fputs(main_usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(main_usage, stdout);
        return 0;
    }
    opterr = 0;   /* our own message and exit status 2 (bad_option) */
    optind = 1;
    if (!strcmp(cmd, "bpe-train")) return cmd_bpe_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "encode")) return cmd_encode(argc - 1, argv + 1);
    if (!strcmp(cmd, "decode")) return cmd_decode(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    usage_error("unknown command '%s' (bpe-train, encode, decode, demo)", cmd);
}
