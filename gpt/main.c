/*
 * main.c -- the gpt/ command line:
 *
 *     gpt bpe-train   learn a byte-level BPE vocabulary on a corpus
 *     gpt encode      text -> token ids (printed, or an llm.c token file)
 *     gpt decode      token ids -> text
 *     gpt train       train a GPT from scratch (presets: nanoGPT's recipes)
 *     gpt eval        mean next-token loss over consecutive windows
 *     gpt sample      generate text with temperature, top-k, top-p, KV cache
 *     gpt finetune    GPT-1's fine-tuning of a classifier, vs from scratch
 *     gpt convert     our checkpoints <-> llm.c's model files
 *     gpt demo        the chapter's demo on the Bible: BPE, then a small GPT
 *
 * Errors: bad input exits 1, bad usage 2 (DESIGN.md).
 */
#include "bpe.h"
#include "finetune.h"
#include "gpt.h"
#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "sample.h"
#include "text.h"
#include "train.h"
#include "util.h"

#include <math.h>
#include <stdint.h>

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
    "Chapter 6, generative pretraining: GPT-2's byte-level BPE and the GPT model.\n"
    "\n"
    "  bpe-train   learn a byte-level BPE vocabulary on a corpus (default: the Bible)\n"
    "  encode      text -> token ids, whitespace-separated (or an llm.c token file)\n"
    "  decode      token ids (text or llm.c token file) -> text\n"
    "  train       train a GPT from scratch (--preset shakespeare-char: nanoGPT's CPU recipe)\n"
    "  eval        mean next-token loss of a model (ours or llm.c's) on a token stream\n"
    "  sample      generate text (temperature, top-k, top-p, KV cache), streamed\n"
    "  finetune    GPT-1's fine-tuning: a classifier on a pretrained GPT, vs from scratch\n"
    "  convert     our checkpoints <-> llm.c's GPT-2 model files\n"
    "  bench       time training steps and KV-cache generation (baby and GPT-2 124M shapes)\n"
    "  demo        BPE on the Bible, then a small GPT trained on it, sampled as it learns\n"
    "\n"
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

/* GPT-2's vocabulary folder: data/cache/gpt2 or $NLP_DATA_DIR/gpt2. */
static const char *gpt2_dir(void) {
    static char buf[1024];
    bpe_gpt2_dir(buf, sizeof buf);
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

/* ============================================================ the model */

/* Is the file an llm.c token file (by its magic number)? */
static int is_llmc_tokens(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int32_t magic = 0;
    size_t n = fread(&magic, 4, 1, f);
    fclose(f);
    return n == 1 && magic == LLMC_TOKENS_MAGIC;
}

/* Token ids of a data file: an llm.c token file as it is, or text through tk. */
static int *load_tokens(const char *path, Tokenizer *tk, int vocab_size, size_t *n) {
    char err[1024];
    int *ids;
    if (is_llmc_tokens(path)) {
        if (llmc_tokens_read(path, vocab_size, &ids, n, err, sizeof err) != 0) die("%s", err);
        return ids;
    }
    size_t len;
    char *text = read_file(path, &len);
    if (len == 0) die("'%s' is empty", path);
    ids = tokenizer_encode(tk, text, len, n);
    free(text);
    return ids;
}

/* The last path component, for RESULT values. */
static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void check_vocab(const Tokenizer *tk, const Gpt *m) {
    if (tk->vocab_size != m->cfg.vocab_size)
        die("vocabulary mismatch: the tokenizer has %d tokens but the model has %d\n"
            "HINT: pass the --vocab DIR the model was trained with", tk->vocab_size, m->cfg.vocab_size);
}

/* ------------------------------------------------------------- train */

static const char gtrain_usage[] =
    "Usage: gpt train [--preset NAME] [options]\n"
    "Train a GPT-2-architecture model from scratch (AdamW, cosine schedule with warmup,\n"
    "global-norm clipping, gradient accumulation, periodic validation, checkpoints).\n"
    "Ends with a RESULT line: the validation loss over --final-eval-iters random batches;\n"
    "with --test, RESULT lines for every token of the validation and test streams instead.\n"
    "\n"
    "  --preset NAME        shakespeare-char: nanoGPT's CPU recipe on Tiny Shakespeare\n"
    "                       (4 layers, 4 heads, 128 wide, context 64, batch 12, no bias,\n"
    "                       lr 1e-3 -> 1e-4, 2000 steps); other options override it\n"
    "                       ptb: words of Mikolov's Penn Treebank (10k vocabulary, </s> after\n"
    "                       each line, as rnn/ and ngram/), valid and test perplexity;\n"
    "                       4 layers, 4 heads, 192 wide, context 96, batch 16, dropout 0.2,\n"
    "                       weight decay 0.1, lr 1e-3 -> 1e-4, 8000 steps (13 passes)\n"
    "                       ptb-sst: PTB's training text plus SST's training sentences without\n"
    "                       labels (words seen twice): the pretrained model of `gpt finetune\n"
    "                       --task sst2`; 128 wide, context 64, dropout 0.1, 3000 steps\n"
    "  --data FILE          text (char-level, or BPE with --vocab) or an llm.c token file\n"
    "  --val FILE           validation data (default: the last 10% of --data)\n"
    "  --vocab DIR          BPE vocabulary (encoder.json + vocab.bpe) instead of characters\n"
    "  --words              word tokens (the training text's words) instead of characters\n"
    "  --min-count N        words seen fewer times are <unk> (default 1)\n"
    "  --add-unlabelled FILE  with --words: add the text of FILE's 'LABEL text' lines, labels\n"
    "                       dropped, to the training text (e.g. SST-2's training sentences)\n"
    "  --test FILE          test data: the run ends with whole-stream valid and test losses\n"
    "  --eval-stride N      also score the test stream with windows advancing by N < context\n"
    "                       (more context per token; 0 off, the default; 24 for --preset ptb)\n"
    "  --layers N --heads N --width N --context N    model shape (default 4 4 128 64)\n"
    "  --bias 0|1           linear and LayerNorm biases (default 0)\n"
    "  --dropout P          (default 0)\n"
    "  --batch N --accum K  sequences per micro-batch, micro-batches per step (12, 1)\n"
    "  --steps N            optimizer steps (default 2000)\n"
    "  --lr X --min-lr X --warmup N --decay-steps N   cosine schedule (1e-3 1e-4 100 = steps)\n"
    "  --wd X --beta2 X --clip X                      AdamW decay 0.1, beta2 0.99, clip 1.0\n"
    "  --eval-interval N --eval-iters N --final-eval-iters N   (250, 20, 200)\n"
    "  --ckpt-interval N    checkpoint every N steps (default: at the end)\n"
    "  --resume FILE        continue from a checkpoint (same options: bit-identical losses)\n"
    "  --out DIR            run folder: metrics.tsv, ckpt.bin, loss.png (default runs/gpt/NAME)\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt train --preset shakespeare-char\n"
    "          gpt sample --model runs/gpt/shakespeare-char/ckpt.bin --prompt 'ROMEO:'\n";

typedef struct {
    GptConfig model;
    TrainConfig tc;
    const char *data, *val, *test, *vocab, *resume, *name;
    const char *unlabelled;   /* "LABEL text" lines whose text joins the training text */
    int final_eval_iters, threads, words, min_count, eval_stride;
} TrainOptions;

/* The training text of a word model: --data, then the sentences of
 * --add-unlabelled with each line's first token (its label) dropped. */
static char *word_corpus(const TrainOptions *o, size_t *len) {
    char *text = text_load(o->data, len);
    if (!o->unlabelled) return text;
    Lines *l = lines_load(o->unlabelled);
    size_t cap = *len + 2;
    for (size_t i = 0; i < l->n; i++) cap += strlen(l->line[i]) + 1;
    text = xrealloc(text, cap);
    if (*len && text[*len - 1] != '\n') text[(*len)++] = '\n';
    for (size_t i = 0; i < l->n; i++) {
        const char *s = strchr(l->line[i], ' ');
        if (!s) die("'%s' line %zu: expected 'LABEL text'", o->unlabelled, i + 1);
        size_t k = strlen(s + 1);
        memcpy(text + *len, s + 1, k);
        *len += k;
        text[(*len)++] = '\n';
    }
    text[*len] = '\0';
    lines_free(l);
    return text;
}

static void train_defaults(TrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->model = (GptConfig){.max_seq_len = 64, .vocab_size = 0, .n_layer = 4, .n_head = 4, .channels = 128,
                           .bias = 0, .dropout = 0.0f};
    o->tc = (TrainConfig){.batch = 12, .seq_len = 64, .accum = 1, .steps = 2000, .lr = 1e-3f, .min_lr = 1e-4f,
                          .warmup = 100, .decay_steps = -1, .beta1 = 0.9f, .beta2 = 0.99f, .weight_decay = 0.1f,
                          .grad_clip = 1.0f, .eval_interval = 250, .eval_iters = 20, .log_interval = 10,
                          .seed = 1337};
    o->final_eval_iters = 200;
    o->threads = 0;
    o->min_count = 1;
    o->name = "custom";
}

static void apply_preset(TrainOptions *o, const char *name) {
    static char path[1024];
    if (!strcmp(name, "shakespeare-char")) {
        /* nanoGPT config/train_shakespeare_char.py with its README's CPU overrides */
        data_path(path, sizeof path, "tinyshakespeare/input.txt");
        o->data = path;
        o->name = "shakespeare-char";
        return;
    }
    if (!strcmp(name, "ptb")) {
        static char val[1024], test[1024];
        data_path(path, sizeof path, "ptb/ptb.train.txt");
        data_path(val, sizeof val, "ptb/ptb.valid.txt");
        data_path(test, sizeof test, "ptb/ptb.test.txt");
        o->data = path, o->val = val, o->test = test, o->words = 1;
        o->name = "ptb";
        /* a small, strongly regularised GPT: 0.93M training words overfit fast */
        o->model.n_layer = 4, o->model.n_head = 4, o->model.channels = 192;
        o->model.max_seq_len = o->tc.seq_len = 96;
        o->model.dropout = 0.2f;
        o->tc.batch = 16, o->tc.steps = 8000, o->tc.warmup = 200, o->tc.eval_interval = 500;
        o->eval_stride = 24;
        return;
    }
    if (!strcmp(name, "ptb-sst")) {
        /* GPT-1's pretraining for `gpt finetune --task sst2`: PTB's news plus
         * SST-2's training sentences without their labels (never dev or test) */
        static char unl[1024];
        apply_preset(o, "ptb");
        data_path(unl, sizeof unl, "sst/stsa.fine.train");   /* all 8544, neutral ones too */
        o->unlabelled = unl, o->min_count = 2;
        /* smaller than ptb's: about 2.8 passes over the text, so
         * that pretraining and both fine-tunings fit in ~40 minutes of one core */
        o->model.channels = 128, o->model.max_seq_len = o->tc.seq_len = 64, o->model.dropout = 0.1f;
        o->tc.steps = 3000, o->tc.warmup = 100, o->tc.eval_interval = 500, o->eval_stride = 0;
        o->name = "ptb-sst";
        return;
    }
    usage_error("train: unknown preset '%s' (shakespeare-char, ptb, ptb-sst)", name);
}

/* One RESULT line of a whole-stream evaluation. */
static void stream_result(const TrainOptions *o, const char *split, const char *eval, int stride, size_t count,
                          double loss, double train_s) {
    result_begin("gpt");
    result_str("task", "train");
    result_str("model", o->name);
    result_str("data", base_name(o->data));
    result_str("split", split);
    result_str("eval", eval);
    result_int("context", o->tc.seq_len);
    result_int("stride", stride);
    result_int("tokens", (long long)count);
    result_int("steps", o->tc.steps);
    result_num("train_s", train_s, 1);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 2);
    result_end();
}

/* The end of a run with --test: every token of valid and test scored once,
 * in consecutive windows of the context, then test again with a sliding
 * window (--eval-stride) that gives each token more context. */
static void train_test_results(Gpt *m, const TrainOptions *o, Tokenizer *tk, const int *val, size_t n_val,
                               double train_s) {
    size_t n_test, count;
    int *test = load_tokens(o->test, tk, tk->vocab_size, &n_test), T = o->tc.seq_len;
    double vl = gpt_eval_stream(m, val, n_val, T, T, &count);
    stream_result(o, "valid", "windows", T, count, vl, train_s);
    double tl = gpt_eval_stream(m, test, n_test, T, T, &count);
    stream_result(o, "test", "windows", T, count, tl, train_s);
    if (o->eval_stride > 0 && o->eval_stride < T) {
        tl = gpt_eval_stream(m, test, n_test, T, o->eval_stride, &count);
        stream_result(o, "test", "sliding", o->eval_stride, count, tl, train_s);
    }
    free(test);
}

static int cmd_train(int argc, char **argv) {
    TrainOptions o;
    train_defaults(&o);
    char out_buf[1024], words_path[1100] = "", *words_text = NULL;
    const char *out = NULL;
    int context_set = 0;
    for (int i = 1; i + 1 < argc; i++)   /* the preset first, so that other flags override it */
        if (!strcmp(argv[i], "--preset")) apply_preset(&o, argv[i + 1]);
    static const struct option opts[] = {
        {"preset", required_argument, 0, 'P'}, {"data", required_argument, 0, 'd'},
        {"val", required_argument, 0, 'V'},    {"vocab", required_argument, 0, 'v'},
        {"test", required_argument, 0, 'X'},   {"words", no_argument, 0, 'Z'},
        {"eval-stride", required_argument, 0, 'R'}, {"add-unlabelled", required_argument, 0, 'U'},
        {"min-count", required_argument, 0, 'M'},
        {"layers", required_argument, 0, 'L'}, {"heads", required_argument, 0, 'H'},
        {"width", required_argument, 0, 'C'},  {"context", required_argument, 0, 'T'},
        {"bias", required_argument, 0, 'b'},   {"dropout", required_argument, 0, 'D'},
        {"batch", required_argument, 0, 'B'},  {"accum", required_argument, 0, 'K'},
        {"steps", required_argument, 0, 's'},  {"lr", required_argument, 0, 'l'},
        {"min-lr", required_argument, 0, 'm'}, {"warmup", required_argument, 0, 'w'},
        {"decay-steps", required_argument, 0, 'y'}, {"wd", required_argument, 0, 'W'},
        {"beta2", required_argument, 0, '2'},  {"clip", required_argument, 0, 'c'},
        {"eval-interval", required_argument, 0, 'e'}, {"eval-iters", required_argument, 0, 'E'},
        {"final-eval-iters", required_argument, 0, 'F'}, {"ckpt-interval", required_argument, 0, 'k'},
        {"resume", required_argument, 0, 'r'}, {"out", required_argument, 0, 'o'},
        {"seed", required_argument, 0, 'S'},   {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'P': break;
        case 'd': o.data = optarg; break;
        case 'V': o.val = optarg; break;
        case 'v': o.vocab = optarg; break;
        case 'X': o.test = optarg; break;
        case 'Z': o.words = 1; break;
        case 'U': o.unlabelled = optarg; break;
        case 'M': o.min_count = (int)parse_long(optarg, "--min-count", 1, 1000000); break;
        case 'R': o.eval_stride = (int)parse_long(optarg, "--eval-stride", 0, 1 << 16); break;
        case 'L': o.model.n_layer = (int)parse_long(optarg, "--layers", 1, 256); break;
        case 'H': o.model.n_head = (int)parse_long(optarg, "--heads", 1, 256); break;
        case 'C': o.model.channels = (int)parse_long(optarg, "--width", 1, 16384); break;
        case 'T': o.model.max_seq_len = o.tc.seq_len = (int)parse_long(optarg, "--context", 1, 1 << 16); context_set = 1; break;
        case 'b': o.model.bias = (int)parse_long(optarg, "--bias", 0, 1); break;
        case 'D': o.model.dropout = (float)parse_double(optarg, "--dropout", 0, 0.99); break;
        case 'B': o.tc.batch = (int)parse_long(optarg, "--batch", 1, 1 << 16); break;
        case 'K': o.tc.accum = (int)parse_long(optarg, "--accum", 1, 1 << 16); break;
        case 's': o.tc.steps = parse_long(optarg, "--steps", 0, 100000000); break;
        case 'l': o.tc.lr = (float)parse_double(optarg, "--lr", 0, 10); break;
        case 'm': o.tc.min_lr = (float)parse_double(optarg, "--min-lr", 0, 10); break;
        case 'w': o.tc.warmup = parse_long(optarg, "--warmup", 0, 100000000); break;
        case 'y': o.tc.decay_steps = parse_long(optarg, "--decay-steps", 1, 100000000); break;
        case 'W': o.tc.weight_decay = (float)parse_double(optarg, "--wd", 0, 10); break;
        case '2': o.tc.beta2 = (float)parse_double(optarg, "--beta2", 0, 0.999999); break;
        case 'c': o.tc.grad_clip = (float)parse_double(optarg, "--clip", 0, 1e9); break;
        case 'e': o.tc.eval_interval = parse_long(optarg, "--eval-interval", 0, 100000000); break;
        case 'E': o.tc.eval_iters = (int)parse_long(optarg, "--eval-iters", 1, 1000000); break;
        case 'F': o.final_eval_iters = (int)parse_long(optarg, "--final-eval-iters", 0, 1000000); break;
        case 'k': o.tc.ckpt_interval = parse_long(optarg, "--ckpt-interval", 0, 100000000); break;
        case 'r': o.resume = optarg; break;
        case 'o': out = optarg; break;
        case 'S': o.tc.seed = (unsigned long long)parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case 't': o.threads = (int)parse_long(optarg, "--threads", 1, 1024); break;
        case 'q': o.tc.quiet = 1; break;
        case 'h': fputs(gtrain_usage, stdout); return 0;
        default: bad_option(argv, "train");
        }
    }
    if (optind < argc) usage_error("train: unexpected argument '%s'", argv[optind]);
    if (!o.data) usage_error("train: give --data FILE or --preset NAME");
    if (o.words && o.vocab) usage_error("train: give --words or --vocab, not both");
    if (o.unlabelled && !o.words) usage_error("train: --add-unlabelled needs --words");
    if (o.eval_stride > o.tc.seq_len) usage_error("train: --eval-stride %d exceeds the context %d", o.eval_stride, o.tc.seq_len);
    if (o.tc.decay_steps < 0) o.tc.decay_steps = o.tc.steps;
    if (o.threads) set_threads(o.threads);
    if (!out) {
        snprintf(out_buf, sizeof out_buf, "runs/gpt/%s", o.name);
        out = out_buf;
    }
    o.tc.out_dir = out;

    /* the model: a fresh one, or the checkpoint's (shape, weights, optimizer state) */
    Gpt m;
    Tokenizer tk;
    char *ck_config = NULL;
    long start = 0;
    if (o.resume) {
        gpt_load_any(o.resume, &m, &ck_config, &start);
        if (!ck_config) die("--resume needs one of our checkpoints, not an llm.c model");
        tokenizer_from_config(&tk, ck_config, NULL);
        m.cfg.dropout = o.model.dropout;
        if (context_set && o.tc.seq_len > m.cfg.max_seq_len) die("--context exceeds the checkpoint's context");
        o.tc.seq_len = context_set ? o.tc.seq_len : m.cfg.max_seq_len;
        fprintf(stderr, "gpt: resuming from %s at step %ld\n", o.resume, start);
    } else if (o.vocab) {
        tokenizer_from_config(&tk, NULL, o.vocab);
    } else if (o.words) {   /* the training text's words, saved beside the checkpoint */
        size_t len;
        words_text = word_corpus(&o, &len);
        tokenizer_words_from_text(&tk, words_text, len, o.min_count);
        make_dirs(out);
        snprintf(words_path, sizeof words_path, "%s/vocab.txt", out);
        vocab_save(tk.words, words_path);
    } else if (is_llmc_tokens(o.data)) {
        tokenizer_from_config(&tk, NULL, NULL);   /* GPT-2's */
    } else {
        size_t len;
        char *text = read_file(o.data, &len);
        tokenizer_chars_from_text(&tk, text, len);
        free(text);
    }
    size_t n, n_val;
    int *ids = words_text ? tokenizer_encode(&tk, words_text, strlen(words_text), &n)
                          : load_tokens(o.data, &tk, tk.vocab_size, &n), *val;
    free(words_text);
    if (o.val) {
        val = load_tokens(o.val, &tk, tk.vocab_size, &n_val);
    } else {   /* nanoGPT's split: the first 90% trains, the last 10% validates */
        n_val = n / 10;
        n -= n_val;
        val = ids + n;
    }
    if (n < (size_t)o.tc.seq_len + 1 || n_val < (size_t)o.tc.seq_len + 1)
        die("too little data: %zu training and %zu validation tokens for windows of %d", n, n_val, o.tc.seq_len);
    char tok_config[1024];
    tokenizer_config_text(&tk, o.vocab ? o.vocab : words_path, tok_config, sizeof tok_config);
    if (ck_config) {   /* keep the checkpoint's tokenizer keys */
        const char *t = strstr(ck_config, "tokenizer=");
        snprintf(tok_config, sizeof tok_config, "%s", t ? t : "");
    }
    o.tc.extra_config = tok_config;
    if (!o.resume) {
        o.model.vocab_size = tk.vocab_size;
        gpt_build(&m, &o.model);
        gpt_init_weights(&m, o.tc.seed);
    }
    check_vocab(&tk, &m);

    RunConfig *rc = config_begin(out);
    config_str(rc, "preset", o.name);
    config_str(rc, "data", o.data);
    config_int(rc, "layers", m.cfg.n_layer);
    config_int(rc, "heads", m.cfg.n_head);
    config_int(rc, "width", m.cfg.channels);
    config_int(rc, "context", m.cfg.max_seq_len);
    config_int(rc, "vocab", m.cfg.vocab_size);
    config_int(rc, "bias", m.cfg.bias);
    config_num(rc, "dropout", m.cfg.dropout);
    config_int(rc, "batch", o.tc.batch);
    config_int(rc, "accum", o.tc.accum);
    config_int(rc, "steps", o.tc.steps);
    config_num(rc, "lr", o.tc.lr);
    config_num(rc, "min_lr", o.tc.min_lr);
    config_int(rc, "warmup", o.tc.warmup);
    config_int(rc, "decay_steps", o.tc.decay_steps);
    config_num(rc, "weight_decay", o.tc.weight_decay);
    config_num(rc, "beta1", o.tc.beta1);
    config_num(rc, "beta2", o.tc.beta2);
    config_num(rc, "grad_clip", o.tc.grad_clip);
    config_int(rc, "seed", (long long)o.tc.seed);
    config_int(rc, "threads", get_threads());
    config_end(rc);

    printf("gpt: %zu parameters; %zu training and %zu validation tokens; vocabulary %d\n", params_count(&m.pt), n,
           n_val, m.cfg.vocab_size);
    double t0 = now_seconds();
    gpt_train(&m, &o.tc, ids, n, val, n_val, start, NULL);
    double train_s = now_seconds() - t0;
    long done = o.tc.steps - start;
    printf("gpt: trained %ld steps in %.1f s (%.1f ms/step, %.0f tokens/s)\n", done, train_s,
           1e3 * train_s / (done > 0 ? done : 1),
           (double)done * o.tc.batch * o.tc.seq_len * o.tc.accum / (train_s > 0 ? train_s : 1e-9));
    metrics_plot(out);
    if (o.test) {
        train_test_results(&m, &o, &tk, val, n_val, train_s);
    } else if (o.final_eval_iters > 0) {
        double vl = gpt_estimate_loss(&m, val, n_val, o.tc.batch, o.tc.seq_len, o.final_eval_iters, o.tc.seed);
        result_begin("gpt");
        result_str("task", "train");
        result_str("model", o.name);
        result_str("data", base_name(o.data));
        result_str("split", "val");
        result_int("batches", o.final_eval_iters);
        result_int("tokens", (long long)o.final_eval_iters * o.tc.batch * o.tc.seq_len);
        result_int("steps", o.tc.steps);
        result_num("train_s", train_s, 1);
        result_num("loss", vl, 4);
        result_num("ppl", exp(vl), 3);
        result_end();
    }
    if (val != ids + n) free(val);
    free(ids);
    free(ck_config);
    tokenizer_free(&tk);
    gpt_free(&m);
    return 0;
}

/* -------------------------------------------------------------- eval */

static const char eval_usage[] =
    "Usage: gpt eval --model FILE --data FILE [options]\n"
    "Mean next-token cross-entropy of a model on a token stream, over consecutive whole\n"
    "windows: window w reads tokens wT..wT+T-1 and predicts wT+1..wT+T. Prints a RESULT line.\n"
    "\n"
    "  --model FILE     our checkpoint or an llm.c model file (recognised by magic number)\n"
    "  --data FILE      an llm.c token file, or text encoded with the model's tokenizer\n"
    "  --context T      window length (default: the model's context)\n"
    "  --stride N       score EVERY token once instead (the leftover too), with windows\n"
    "                   advancing by N <= T; N = T: consecutive windows, N < T: sliding,\n"
    "                   each token then sees at least T - N tokens of context\n"
    "  --vocab DIR      BPE vocabulary for text data (default: the checkpoint's, or GPT-2's)\n"
    "  --threads N\n"
    "\n"
    "Example:  gpt eval --model gpt2_124M.bin --data tiny_shakespeare_val.bin --context 1024\n";

static int cmd_eval(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *vocab = NULL;
    int T = 0, stride = 0;
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},  {"data", required_argument, 0, 'd'},
        {"context", required_argument, 0, 'T'}, {"stride", required_argument, 0, 's'},
        {"vocab", required_argument, 0, 'v'},  {"threads", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'd': data = optarg; break;
        case 'T': T = (int)parse_long(optarg, "--context", 1, 1 << 20); break;
        case 's': stride = (int)parse_long(optarg, "--stride", 1, 1 << 20); break;
        case 'v': vocab = optarg; break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'h': fputs(eval_usage, stdout); return 0;
        default: bad_option(argv, "eval");
        }
    }
    if (optind < argc) usage_error("eval: unexpected argument '%s'", argv[optind]);
    if (!model || !data) usage_error("eval: give --model FILE and --data FILE");
    Gpt m;
    char *config;
    long step;
    gpt_load_any(model, &m, &config, &step);
    if (T == 0) T = m.cfg.max_seq_len;
    if (T > m.cfg.max_seq_len) die("--context %d exceeds the model's context %d", T, m.cfg.max_seq_len);
    size_t n;
    int *ids;
    if (is_llmc_tokens(data) && !vocab) {
        char err[1024];
        if (llmc_tokens_read(data, m.cfg.vocab_size, &ids, &n, err, sizeof err) != 0)
            die("%s (vocabulary mismatch with the model's %d tokens?)", err, m.cfg.vocab_size);
    } else {
        Tokenizer tk;
        tokenizer_from_config(&tk, config, vocab);
        check_vocab(&tk, &m);
        ids = load_tokens(data, &tk, m.cfg.vocab_size, &n);
        tokenizer_free(&tk);
    }
    size_t count;
    double t0 = now_seconds();
    if (stride > T) die("--stride %d exceeds the context %d", stride, T);
    double loss = stride ? gpt_eval_stream(&m, ids, n, T, stride, &count) : gpt_eval_windows(&m, ids, n, T, &count);
    double secs = now_seconds() - t0;
    result_begin("gpt");
    result_str("task", "eval");
    result_str("model", base_name(model));
    result_str("data", base_name(data));
    result_int("context", T);
    if (stride) result_int("stride", stride);
    else result_int("windows", (long long)(count / (size_t)T));
    result_int("tokens", (long long)count);
    result_num("tok_per_s", (double)count / (secs > 0 ? secs : 1e-9), 0);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 3);
    result_end();
    free(ids);
    free(config);
    gpt_free(&m);
    return 0;
}

/* ------------------------------------------------------------ sample */

static const char sample_usage[] =
    "Usage: gpt sample --model FILE [options]\n"
    "Generate text, streamed token by token, with a KV cache (each new token costs O(T)).\n"
    "\n"
    "  --model FILE        our checkpoint or an llm.c model file\n"
    "  --prompt TEXT       the text to continue (default: <|endoftext|>, or a newline for\n"
    "                      a character model); longer than the context: its end is kept\n"
    "  --prompt-file FILE  the prompt from a file\n"
    "  --tokens N          tokens to generate (default 200)\n"
    "  --temperature T     softmax temperature, 0 = greedy (default 0.8)\n"
    "  --top-k K           sample among the K most likely tokens, 0 = all (default 200)\n"
    "  --top-p P           nucleus: the most likely tokens up to mass P, in (0,1] (default 1)\n"
    "  --vocab DIR         BPE vocabulary (default: the checkpoint's, or GPT-2's)\n"
    "  --no-cache          recompute the whole context for each token (the slow reference)\n"
    "  --seed N --threads N\n"
    "\n"
    "Example:  gpt sample --model runs/gpt/shakespeare-char/ckpt.bin --prompt 'ROMEO:' --top-p 0.9\n";

typedef struct {
    const Tokenizer *tk;
} EmitCtx;

static void emit_token(int id, void *ctx) {
    tokenizer_write(((EmitCtx *)ctx)->tk, id, stdout);
    fflush(stdout);
}

static int cmd_sample(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL, *prompt_file = NULL, *vocab = NULL;
    int ntok = 200, use_cache = 1;
    unsigned long long seed = 1337;
    SamplerConfig sc = {.temperature = 0.8f, .top_k = 200, .top_p = 1.0f};
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},       {"prompt", required_argument, 0, 'p'},
        {"prompt-file", required_argument, 0, 'f'}, {"tokens", required_argument, 0, 'n'},
        {"temperature", required_argument, 0, 'T'}, {"top-k", required_argument, 0, 'k'},
        {"top-p", required_argument, 0, 'P'},       {"vocab", required_argument, 0, 'v'},
        {"no-cache", no_argument, 0, 'N'},          {"seed", required_argument, 0, 'S'},
        {"threads", required_argument, 0, 't'},     {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'p': prompt = optarg; break;
        case 'f': prompt_file = optarg; break;
        case 'n': ntok = (int)parse_long(optarg, "--tokens", 1, 10000000); break;
        case 'T': sc.temperature = (float)parse_double(optarg, "--temperature", -1e9, 1e9); break;
        case 'k': sc.top_k = (int)parse_long(optarg, "--top-k", -1000000000L, 1000000000L); break;
        case 'P': sc.top_p = (float)parse_double(optarg, "--top-p", -1e9, 1e9); break;
        case 'v': vocab = optarg; break;
        case 'N': use_cache = 0; break;
        case 'S': seed = (unsigned long long)parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'h': fputs(sample_usage, stdout); return 0;
        default: bad_option(argv, "sample");
        }
    }
    if (optind < argc) usage_error("sample: unexpected argument '%s'", argv[optind]);
    if (!model) usage_error("sample: give --model FILE");
    if (prompt && prompt_file) usage_error("sample: give --prompt or --prompt-file, not both");
    sampler_check(&sc);
    Gpt m;
    char *config;
    long step;
    gpt_load_any(model, &m, &config, &step);
    Tokenizer tk;
    tokenizer_from_config(&tk, config, vocab);
    check_vocab(&tk, &m);

    size_t plen = 0, n;
    char *ptext = NULL;
    if (prompt_file) ptext = read_file(prompt_file, &plen);
    else if (prompt) ptext = xstrdup(prompt), plen = strlen(prompt);
    int *ids;
    if (ptext) {
        if (plen == 0) die("the prompt is empty\nHINT: leave out --prompt to start from the beginning of a text");
        ids = tokenizer_encode(&tk, ptext, plen, &n);
        if (tk.kind == 2 && ptext[plen - 1] != '\n' && n > 1) n--;   /* the sentence goes on: no </s> yet */
    } else if (tk.eot >= 0) {
        ids = xmalloc(sizeof(int));
        ids[0] = tk.eot;
        n = 1;
    } else {
        ids = tokenizer_encode(&tk, "\n", 1, &n);   /* nanoGPT's default start */
    }
    if (n > (size_t)m.cfg.max_seq_len)
        warn("the prompt has %zu tokens, more than the context of %d: keeping its last %d", n, m.cfg.max_seq_len,
             m.cfg.max_seq_len);
    if (ptext) fwrite(ptext, 1, plen, stdout);
    if (ptext && tk.kind == 2 && !isspace((unsigned char)ptext[plen - 1])) putchar(' ');   /* words go on after a space */
    GptCache cache;
    gpt_cache_init(&cache, &m);
    Rng r;
    rng_seed(&r, seed, 0);
    EmitCtx ctx = {&tk};
    double t0 = now_seconds();
    int made = gpt_generate(&m, &cache, ids, (int)n, ntok, &sc, &r, use_cache, -1, emit_token, &ctx);
    double secs = now_seconds() - t0;
    printf("\n");
    fprintf(stderr, "gpt: %d tokens in %.2f s (%.1f tokens/s, %s)\n", made, secs, made / (secs > 0 ? secs : 1e-9),
            use_cache ? "KV cache" : "no cache");
    gpt_cache_free(&cache);
    free(ids);
    free(ptext);
    free(config);
    tokenizer_free(&tk);
    gpt_free(&m);
    return 0;
}

/* ----------------------------------------------------------- convert */

static const char convert_usage[] =
    "Usage: gpt convert --in FILE --out FILE\n"
    "Convert between our checkpoints and llm.c's GPT-2 model files (float32, version 3).\n"
    "The direction follows the input's magic number: ours -> llm.c, llm.c -> ours.\n"
    "An llm.c model always has biases (a bias-free model gets zero biases), and wte\n"
    "padded to a multiple of 128 rows.\n"
    "\n"
    "Example:  gpt convert --in runs/gpt/shakespeare-char/ckpt.bin --out model_llmc.bin\n";

static int cmd_convert(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    static const struct option opts[] = {
        {"in", required_argument, 0, 'i'}, {"out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},     {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(convert_usage, stdout); return 0;
        default: bad_option(argv, "convert");
        }
    }
    if (optind < argc) usage_error("convert: unexpected argument '%s'", argv[optind]);
    if (!in || !out) usage_error("convert: give --in FILE and --out FILE");
    Gpt m;
    char *config;
    long step;
    gpt_load_any(in, &m, &config, &step);
    if (config) {
        llmc_model_save(&m, out);
        printf("wrote llm.c model %s (%zu parameters)\n", out, params_count(&m.pt));
    } else {
        gpt_save_checkpoint(&m, out, "tokenizer=bpe\n", 0);
        printf("wrote gpt checkpoint %s (%zu parameters; GPT-2's tokenizer)\n", out, params_count(&m.pt));
    }
    free(config);
    gpt_free(&m);
    return 0;
}

/* ---------------------------------------------------------- finetune */

static const char finetune_usage[] =
    "Usage: gpt finetune --model FILE [options]\n"
    "GPT-1's fine-tuning: a linear classifier on the last token's final state, trained\n"
    "with the whole pretrained network; then the same network from random weights, for\n"
    "comparison (the gain of pretraining), as a table and RESULT lines.\n"
    "\n"
    "  --model FILE     the pretrained checkpoint (e.g. runs/gpt/demo/model/ckpt.bin)\n"
    "  --task NAME      bible: a verse's division of the Bible (8 classes: law, history,\n"
    "                   wisdom, prophets, gospels, acts, epistles, revelation);\n"
    "                   sst2: movie-review polarity (SST-2, 2 classes) (default bible)\n"
    "  --max-train N    training examples used, 0 = all (default 4000)\n"
    "  --epochs N --batch N --lr X --dropout P    (3, 16, 5e-4, 0.1)\n"
    "  --no-scratch     skip the from-scratch control\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt demo && gpt finetune --model runs/gpt/demo/model/ckpt.bin --task bible\n";

/* ids of text; a character model drops the bytes its set lacks */
static int *encode_lenient(Tokenizer *tk, const char *text, size_t len, size_t *n) {
    /* words: </s> text </s>, as each sentence was framed in pretraining, so the
     * head reads the state at the end-of-sentence token (GPT-1's "extract") */
    if (tk->kind != 0) return tokenizer_encode(tk, text, len, n);
    int *ids = xmalloc((len ? len : 1) * sizeof(int));
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (tk->char_id[(unsigned char)text[i]] >= 0) ids[k++] = tk->char_id[(unsigned char)text[i]];
    *n = k;
    return ids;
}

static void class_add(ClassData *d, int *cap, int *idcap, const int *ids, size_t n, int label) {
    if (n == 0) return;
    if (d->n + 1 >= *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        d->offset = xrealloc(d->offset, (size_t)(*cap + 1) * sizeof(int));
        d->label = xrealloc(d->label, (size_t)*cap * sizeof(int));
    }
    if (!d->n) d->offset[0] = 0;
    while ((size_t)d->offset[d->n] + n > (size_t)*idcap) {
        *idcap = *idcap ? 2 * *idcap : 65536;
        d->ids = xrealloc(d->ids, (size_t)*idcap * sizeof(int));
    }
    memcpy(d->ids + d->offset[d->n], ids, n * sizeof(int));
    d->label[d->n] = label;
    d->offset[d->n + 1] = d->offset[d->n] + (int)n;
    d->n++;
}

/* One split of a task as ids and labels; at most max examples (0: all),
 * taken evenly across the file (the Bible's verses are in book order). */
static void load_task(ClassData *d, const char *task, const char *split, Tokenizer *tk, int max) {
    memset(d, 0, sizeof *d);
    int cap = 0, idcap = 0;
    char path[1024], lpath[1024], rel[256];
    if (!strcmp(task, "bible")) {
        snprintf(rel, sizeof rel, "bible/chars.%s.txt", split);
        if (!data_path(path, sizeof path, rel)) die("'%s' is missing\nHINT: run `make data`", path);
        snprintf(rel, sizeof rel, "bible/labels.%s.tsv", split);
        if (!data_path(lpath, sizeof lpath, rel)) die("'%s' is missing\nHINT: run `make data`", lpath);
        Lines *text = lines_load(path), *labels = lines_load(lpath);
        if (text->n != labels->n) die("'%s' and '%s' have different line counts", path, lpath);
        for (size_t j = 0; j < text->n && (max == 0 || d->n < max); j++) {
            size_t i = max && text->n > (size_t)max ? j * text->n / (size_t)max : j;   /* spread over the books */
            if (i >= text->n) break;
            int k = bible_division(labels->line[i]);
            if (k < 0) die("'%s' line %zu: unknown division", lpath, i + 1);
            size_t n;
            int *ids = encode_lenient(tk, text->line[i], strlen(text->line[i]), &n);
            class_add(d, &cap, &idcap, ids, n, k);
            free(ids);
        }
        lines_free(text);
        lines_free(labels);
        return;
    }
    snprintf(rel, sizeof rel, "sst/stsa.binary.%s", !strcmp(split, "valid") ? "dev" : split);
    if (!data_path(path, sizeof path, rel)) die("'%s' is missing\nHINT: run `make data`", path);
    Lines *l = lines_load(path);
    for (size_t i = 0; i < l->n && (max == 0 || d->n < max); i++) {
        const char *s = l->line[i];   /* SST's lines are already shuffled */
        if ((s[0] != '0' && s[0] != '1') || s[1] != ' ') die("'%s' line %zu: expected '0 text' or '1 text'", path, i + 1);
        size_t n;
        int *ids = encode_lenient(tk, s + 2, strlen(s + 2), &n);
        class_add(d, &cap, &idcap, ids, n, s[0] - '0');
        free(ids);
    }
    lines_free(l);
}

static int cmd_finetune(int argc, char **argv) {
    const char *model = NULL, *task = "bible";
    int max_train = 4000, scratch = 1;
    FinetuneConfig fc = {.batch = 16, .epochs = 3, .lr = 5e-4f, .weight_decay = 0.01f, .dropout = 0.1f,
                         .grad_clip = 1.0f, .seed = 1337};
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},  {"task", required_argument, 0, 'k'},
        {"max-train", required_argument, 0, 'n'}, {"epochs", required_argument, 0, 'e'},
        {"batch", required_argument, 0, 'B'},  {"lr", required_argument, 0, 'l'},
        {"dropout", required_argument, 0, 'D'}, {"no-scratch", no_argument, 0, 'N'},
        {"seed", required_argument, 0, 'S'},   {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'k': task = optarg; break;
        case 'n': max_train = (int)parse_long(optarg, "--max-train", 0, 100000000); break;
        case 'e': fc.epochs = (int)parse_long(optarg, "--epochs", 1, 1000); break;
        case 'B': fc.batch = (int)parse_long(optarg, "--batch", 1, 4096); break;
        case 'l': fc.lr = (float)parse_double(optarg, "--lr", 0, 1); break;
        case 'D': fc.dropout = (float)parse_double(optarg, "--dropout", 0, 0.9); break;
        case 'N': scratch = 0; break;
        case 'S': fc.seed = (unsigned long long)parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'q': fc.quiet = 1; break;
        case 'h': fputs(finetune_usage, stdout); return 0;
        default: bad_option(argv, "finetune");
        }
    }
    if (optind < argc) usage_error("finetune: unexpected argument '%s'", argv[optind]);
    if (!model) usage_error("finetune: give --model FILE (a pretrained checkpoint)");
    if (strcmp(task, "bible") && strcmp(task, "sst2")) usage_error("finetune: unknown --task '%s' (bible, sst2)", task);
    int K = !strcmp(task, "bible") ? BIBLE_DIVISIONS : 2;
    Gpt m;
    char *config;
    long step;
    gpt_load_any(model, &m, &config, &step);
    Tokenizer tk;
    tokenizer_from_config(&tk, config, NULL);
    check_vocab(&tk, &m);
    ClassData train, valid, test;
    load_task(&train, task, "train", &tk, max_train);
    load_task(&valid, task, "valid", &tk, 0);
    load_task(&test, task, "test", &tk, 0);
    printf("fine-tuning on %s: %d training, %d validation, %d test examples, %d classes\n", task, train.n, valid.n,
           test.n, K);
    printf("%-12s %10s %10s %10s %10s\n", "init", "train_loss", "valid_acc", "test_acc", "seconds");
    for (int run = 0; run < 1 + scratch; run++) {
        const char *init = run == 0 ? "pretrained" : "scratch";
        if (run == 1) {   /* the same network from random weights */
            GptConfig cfg = m.cfg;
            gpt_free(&m);
            gpt_build(&m, &cfg);
            gpt_init_weights(&m, fc.seed);
        }
        ClassHead h;
        class_head_init(&h, K, m.cfg.channels, fc.seed);
        double t0 = now_seconds();
        double loss = gpt_finetune(&m, &h, &fc, &train);
        double secs = now_seconds() - t0;
        double va = gpt_classify_accuracy(&m, &h, &valid, fc.batch), te = gpt_classify_accuracy(&m, &h, &test, fc.batch);
        printf("%-12s %10.4f %10.4f %10.4f %10.1f\n", init, loss, va, te, secs);
        result_begin("gpt");
        result_str("task", "finetune");
        result_str("data", task);
        result_str("init", init);
        result_int("train_examples", train.n);
        result_str("split", "test");
        result_num("valid_acc", va, 4);
        result_num("acc", te, 4);
        result_end();
        class_head_free(&h);
    }
    class_data_free(&train);
    class_data_free(&valid);
    class_data_free(&test);
    tokenizer_free(&tk);
    free(config);
    gpt_free(&m);
    return 0;
}

/* ------------------------------------------------------------- bench */

static const char bench_usage[] =
    "Usage: gpt bench [options]\n"
    "Time training steps (forward, backward, AdamW) on random tokens, and generation with\n"
    "the KV cache; prints one RESULT line per measurement (median step time).\n"
    "\n"
    "  --config NAME     baby (nanoGPT's CPU recipe: 4x4x128, T=64, B=12, V=65) or\n"
    "                    gpt2 (GPT-2 124M: 12x12x768, V=50257, at B=4 x T=64) (default baby)\n"
    "  --steps N         timed steps after 2 warm-up steps (default 10)\n"
    "  --gen N           tokens to generate for the KV-cache timing (default 64, 0 skips)\n"
    "  --threads N\n";

static double median(double *x, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
            double t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static int cmd_bench(int argc, char **argv) {
    const char *config = "baby";
    int steps = 10, gen = 64;
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"steps", required_argument, 0, 's'},
        {"gen", required_argument, 0, 'g'},    {"threads", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': steps = (int)parse_long(optarg, "--steps", 1, 100000); break;
        case 'g': gen = (int)parse_long(optarg, "--gen", 0, 100000); break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'h': fputs(bench_usage, stdout); return 0;
        default: bad_option(argv, "bench");
        }
    }
    if (optind < argc) usage_error("bench: unexpected argument '%s'", argv[optind]);
    GptConfig cfg;
    int B, T;
    if (!strcmp(config, "baby")) {
        cfg = (GptConfig){.max_seq_len = 64, .vocab_size = 65, .n_layer = 4, .n_head = 4, .channels = 128};
        B = 12, T = 64;
    } else if (!strcmp(config, "gpt2")) {
        cfg = (GptConfig){.max_seq_len = 1024, .vocab_size = 50257, .n_layer = 12, .n_head = 12, .channels = 768,
                          .bias = 1};
        B = 4, T = 64;
    } else {
        usage_error("bench: unknown --config '%s' (baby, gpt2)", config);
    }
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1);
    gpt_alloc_acts(&m, B, T);
    int *x = xmalloc((size_t)B * T * sizeof(int)), *y = xmalloc((size_t)B * T * sizeof(int));
    Rng r;
    rng_seed(&r, 1, 0);
    for (int i = 0; i < B * T; i++) x[i] = (int)rng_below(&r, (uint32_t)cfg.vocab_size);
    for (int i = 0; i < B * T; i++) y[i] = (int)rng_below(&r, (uint32_t)cfg.vocab_size);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-8f, .weight_decay = 0.1f, .decoupled = 1};
    double *ms = xmalloc((size_t)steps * sizeof(double));
    m.training = 1;
    for (int s = -2; s < steps; s++) {
        double t0 = now_seconds();
        params_zero_grad(&m.pt);
        gpt_forward(&m, x, y, B, T);
        gpt_backward(&m, 1.0f);
        clip_grad_norm(&m.pt, 1.0f);
        adam_step(&m.pt, &ac, 1e-4f, s + 3);
        if (s >= 0) ms[s] = 1e3 * (now_seconds() - t0);
    }
    double med = median(ms, steps);
    /* FLOPs of a step: 6 per parameter per token in the matmuls (forward 2,
     * backward 4), plus attention's two (T,T) products per head: 12 L T^2 C per sequence */
    size_t P = params_count(&m.pt) - (size_t)cfg.max_seq_len * cfg.channels;   /* wpe is a lookup */
    double flops = 6.0 * (double)P * B * T + 12.0 * cfg.n_layer * (double)B * T * T * cfg.channels;
    result_begin("gpt");
    result_str("task", "bench");
    result_str("config", config);
    result_int("threads", get_threads());
    result_int("batch", B);
    result_int("context", T);
    result_int("params", (long long)params_count(&m.pt));
    result_num("ms_per_step", med, 2);
    result_num("tok_per_s", B * T / (med / 1e3), 0);
    result_num("gflop_s", flops / (med / 1e3) / 1e9, 1);
    result_end();
    if (gen > 0) {
        GptCache cache;
        gpt_cache_init(&cache, &m);
        int n = gen < cfg.max_seq_len ? gen : cfg.max_seq_len;
        SamplerConfig sc = {.temperature = 1.0f, .top_k = 0, .top_p = 1.0f};
        double t0 = now_seconds();
        int made = gpt_generate(&m, &cache, x, 1, n - 1, &sc, &r, 1, -1, NULL, NULL);
        double secs = now_seconds() - t0;
        result_begin("gpt");
        result_str("task", "generate");
        result_str("config", config);
        result_int("threads", get_threads());
        result_int("tokens", made);
        result_num("tok_per_s", made / (secs > 0 ? secs : 1e-9), 1);
        result_end();
        gpt_cache_free(&cache);
    }
    free(ms);
    free(x);
    free(y);
    gpt_free(&m);
    return 0;
}

/* --------------------------------------------------------------- demo */

static const char demo_usage[] =
    "Usage: gpt demo [options]\n"
    "Chapter 6 on the King James Bible: train a byte-level BPE vocabulary, watch its\n"
    "first merges, split a verse, measure compression against vocabulary size on\n"
    "held-out verses, time encoding (ours and GPT-2's); then train a small GPT on the\n"
    "tokens and sample it as the text turns from noise into scripture-like prose.\n"
    "\n"
    "  --data FILE        training text (default " BIBLE_TRAIN "); held-out text is\n"
    "                     " BIBLE_VALID ", or the last 10%% of FILE\n"
    "  --vocab-size N     largest vocabulary to train (default 8192)\n"
    "  --out DIR          where the vocabulary is written (default runs/gpt/demo/bpe)\n"
    "  --gpt2 DIR         GPT-2's encoder.json and vocab.bpe (default $NLP_DATA_DIR/gpt2;\n"
    "                     skipped if absent)\n"
    "  --model-steps N    then train a small GPT for N steps, sampling as it learns (default\n"
    "                     600; 0 skips the model)\n"
    "  --model-vocab N    its vocabulary: the first merges of the one above (default 2048)\n"
    "  --threads N\n";

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

/* The model half of the demo: what the learner watches at each evaluation. */
typedef struct {
    Tokenizer *tk;
    const int *prompt;
    int n_prompt;
} DemoCtx;

static void demo_emit(int id, void *ctx) {
    const Tokenizer *tk = ctx;
    if (tk->kind == 1 && id == tk->eot) return;
    tokenizer_write(tk, id, stdout);
}

/* After each validation estimate: the loss, and a sample from the same prompt. */
static void demo_on_eval(Gpt *m, long step, double val_loss, void *ctx) {
    DemoCtx *d = ctx;
    printf("\n-- step %ld: validation loss %.3f (ppl %.1f) --\n", step, val_loss, exp(val_loss));
    GptCache cache;
    gpt_cache_init(&cache, m);
    Rng r;
    rng_seed(&r, 42, 0);
    SamplerConfig sc = {.temperature = 0.8f, .top_k = 0, .top_p = 0.95f};
    fwrite("In the beginning", 1, 16, stdout);
    gpt_generate(m, &cache, d->prompt, d->n_prompt, 40, &sc, &r, 1, -1, demo_emit, d->tk);
    printf("\n");
    fflush(stdout);
    gpt_cache_free(&cache);
}

/* Train a small GPT on the Bible with the first merges of vocabulary b. */
static void demo_model(const Bpe *b, const char *text, size_t len, const char *valid, size_t vlen, long steps,
                       int vocab, const char *out) {
    printf("== 5. A small GPT trained on the Bible (vocabulary %d: the first merges of the one above) ==\n", vocab);
    char dir[1100], run[1100], tok_config[1200];
    snprintf(dir, sizeof dir, "%s/bpe%d", out, vocab);
    snprintf(run, sizeof run, "%s/model", out);
    Bpe *small = bpe_prefix(b, vocab - 257);
    bpe_save_gpt2(small, dir);
    bpe_free(small);
    Tokenizer tk;
    tokenizer_from_config(&tk, NULL, dir);
    size_t n, n_val, n_prompt;
    int *ids = tokenizer_encode(&tk, text, len, &n), *val = tokenizer_encode(&tk, valid, vlen, &n_val);
    int *prompt = tokenizer_encode(&tk, "In the beginning", 16, &n_prompt);
    tokenizer_config_text(&tk, dir, tok_config, sizeof tok_config);
    /* nanoGPT's baby shape, on BPE tokens */
    GptConfig cfg = {.max_seq_len = 64, .vocab_size = tk.vocab_size, .n_layer = 4, .n_head = 4, .channels = 128,
                     .bias = 0, .dropout = 0.0f};
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1337);
    DemoCtx ctx = {&tk, prompt, (int)n_prompt};
    TrainConfig tc = {.batch = 12, .seq_len = 64, .accum = 1, .steps = steps, .lr = 1e-3f, .min_lr = 1e-4f,
                      .warmup = steps / 20, .decay_steps = steps, .beta1 = 0.9f, .beta2 = 0.99f,
                      .weight_decay = 0.1f, .grad_clip = 1.0f, .eval_interval = steps / 4 > 0 ? steps / 4 : 1,
                      .eval_iters = 10, .log_interval = 5, .seed = 1337, .out_dir = run,
                      .extra_config = tok_config, .quiet = 1, .on_eval = demo_on_eval, .ctx = &ctx};
    printf("  %zu parameters (4 layers, 4 heads, 128 wide, context 64); %zu training tokens, %zu held out\n",
           params_count(&m.pt), n, n_val);
    double t0 = now_seconds();
    gpt_train(&m, &tc, ids, n, val, n_val, 0, NULL);
    double secs = now_seconds() - t0;
    double vl = gpt_estimate_loss(&m, val, n_val, 12, 64, 50, 1337);
    demo_on_eval(&m, steps, vl, &ctx);
    double tps = (double)steps * 12 * 64 / (secs > 0 ? secs : 1e-9);
    printf("\n  trained %ld steps in %.1f s: %.0f tokens/s, %.1f ms/step\n", steps, secs, tps, 1e3 * secs / steps);
    int plots = metrics_plot(run);
    printf("  curves: %s/metrics.tsv%s; checkpoint %s/ckpt.bin\n", run, plots ? " and loss.png" : "", run);
    printf("  more: gpt sample --model %s/ckpt.bin --prompt 'And Jesus said'\n", run);
    printf("RESULT stage=gpt task=demo data=bible vocab=%d params=%zu steps=%ld train_s=%.1f tok_per_s=%.0f "
           "split=valid loss=%.4f\n", tk.vocab_size, params_count(&m.pt), steps, secs, tps, vl);
    free(ids);
    free(val);
    free(prompt);
    tokenizer_free(&tk);
    gpt_free(&m);
}

static int cmd_demo(int argc, char **argv) {
    const char *data = NULL, *out = "runs/gpt/demo/bpe", *gpt2 = NULL;
    int vocab_size = 8192, model_vocab = 2048;
    long model_steps = 600;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"vocab-size", required_argument, 0, 'v'},
        {"out", required_argument, 0, 'o'},  {"gpt2", required_argument, 0, 'g'},
        {"model-steps", required_argument, 0, 's'}, {"model-vocab", required_argument, 0, 'm'},
        {"threads", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'v': vocab_size = (int)parse_long(optarg, "--vocab-size", 512, 65536); break;
        case 'o': out = optarg; break;
        case 'g': gpt2 = optarg; break;
        case 's': model_steps = parse_long(optarg, "--model-steps", 0, 1000000); break;
        case 'm': model_vocab = (int)parse_long(optarg, "--model-vocab", 258, 65536); break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'h': fputs(demo_usage, stdout); return 0;
        default: bad_option(argv, "demo");
        }
    }
    if (optind < argc) usage_error("demo: unexpected argument '%s'", argv[optind]);
    if (model_vocab > vocab_size) usage_error("demo: --model-vocab %d exceeds --vocab-size %d", model_vocab, vocab_size);

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
    if (model_steps > 0) {
        char run[1024];
        snprintf(run, sizeof run, "%s", out);
        char *slash = strrchr(run, '/');   /* runs/gpt/demo/bpe -> runs/gpt/demo */
        if (slash && slash != run) *slash = '\0';
        printf("\n");
        demo_model(b, text, len, valid, vlen, model_steps, model_vocab, run);
    }
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
    openmp_wait_passively(argv);
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
    if (!strcmp(cmd, "train")) return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "sample")) return cmd_sample(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert")) return cmd_convert(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "finetune")) return cmd_finetune(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    usage_error("unknown command '%s' (bpe-train, encode, decode, train, eval, sample, finetune, convert, bench, demo)", cmd);
}
