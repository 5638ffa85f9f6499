/*
 * cmd_bleu.c -- `seq2seq bleu`: corpus BLEU (and chrF) of a hypothesis file
 * against one or more reference files, number for number as sacreBLEU
 * computes them (common/bleu.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "cli.h"
#include "metrics.h"
#include "seq2seq/commands.h"
#include "text.h"
#include "util.h"

static const char usage_bleu[] =
    "Usage: seq2seq bleu --hyp FILE --ref FILE [--ref FILE ...] [options]\n"
    "Corpus BLEU of the hypotheses (one per line) against line-aligned reference\n"
    "streams, exactly as sacreBLEU 2.x computes it: prints its verbose line, then\n"
    "RESULT ... bleu= (six decimals, 0-100) with the n-gram precisions, brevity\n"
    "penalty and lengths.\n"
    "\n"
    "  --hyp FILE            the system's output\n"
    "  --ref FILE            a reference stream (repeat for several, up to 8)\n"
    "  --tokenize T          13a (default) | intl | char | none\n"
    "  --smooth S            exp (default) | floor | add-k | none\n"
    "  --smooth-value V      floor's value (0.1) or add-k's k (1)\n"
    "  --lowercase           case-insensitive\n"
    "  --chrf                also chrF (sacreBLEU's CHRF defaults: 6 char orders, beta 2)\n"
    "\n"
    "Example:  seq2seq bleu --hyp out.txt --ref ref.txt\n";

enum { MAX_REFS = 8 };

/* The lines of a file (a final newline ends the last line, it does not
 * start an empty one), checked for valid UTF-8: else "FILE:LINE: ...". */
static Lines *load_lines(const char *path) {
    char *buf, err[1024];
    size_t len, bad;
    if (text_read(path, &buf, &len, &bad, err, sizeof err)) die("%s", err);
    return lines_from_buffer(buf, len);
}

static const char *const tokenizers[] = { "13a", "intl", "char", "none", NULL };   /* BleuTokenize order */
static const char *const smoothers[] = { "exp", "floor", "add-k", "none", NULL };  /* BleuSmooth order */

int s2s_cmd_bleu(int argc, char **argv) {
    const char *hyp = NULL, *refs[MAX_REFS];
    int tokenize = BLEU_TOK_13A, smooth = BLEU_SMOOTH_EXP, lowercase = 0, chrf = 0;
    double smooth_value = -1.0;
    /* --ref repeats: cli_parse keeps the last value, so the references are
     * gathered from argv first and their options blanked out of it. */
    int nrefs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) break;
        const char *v = NULL;
        if (!strcmp(a, "--ref") || !strcmp(a, "-ref")) {
            if (i + 1 >= argc) usage_error("bleu: --ref needs a FILE");
            v = argv[i + 1];
            memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof *argv);
            argc -= 2;
            i--;
        } else if (!strncmp(a, "--ref=", 6)) {
            v = a + 6;
            memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof *argv);
            argc -= 1;
            i--;
        }
        if (v) {
            if (nrefs == MAX_REFS) usage_error("bleu: at most %d --ref files", MAX_REFS);
            refs[nrefs++] = v;
        }
    }
    const CliOption opts[] = {
        CLI_OPT("hyp", CLI_STRING, &hyp, 0, 0),
        { .name = "tokenize", .type = CLI_CHOICE, .dst = &tokenize, .choices = tokenizers },
        { .name = "smooth", .type = CLI_CHOICE, .dst = &smooth, .choices = smoothers },
        CLI_OPT("smooth-value", CLI_DOUBLE, &smooth_value, 0, 1e9),
        CLI_OPT("lowercase", CLI_FLAG, &lowercase, 0, 0),
        CLI_OPT("chrf", CLI_FLAG, &chrf, 0, 0),
        CLI_END
    };
    CliSpec spec = { .usage = usage_bleu, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("bleu: unexpected argument '%s'", argv[1]);
    if (!hyp) usage_error("bleu: give --hyp FILE");
    if (nrefs == 0) usage_error("bleu: give at least one --ref FILE");

    Lines *h = load_lines(hyp);
    Lines *r[MAX_REFS];
    const char *const *streams[MAX_REFS];
    size_t counts[MAX_REFS];
    for (int k = 0; k < nrefs; k++) {
        r[k] = load_lines(refs[k]);
        if (r[k]->n != h->n) {
            /* both are dead past die(): LeakSanitizer would call them leaked */
            size_t nr = r[k]->n, nh = h->n;
            lines_free(r[k]);
            lines_free(h);
            die("'%s' has %zu lines but '%s' has %zu: hypotheses and references must be line-aligned", refs[k], nr,
                hyp, nh);
        }
        streams[k] = (const char *const *)r[k]->line;
        counts[k] = r[k]->n;
    }
    BleuConfig cfg = bleu_config_default();
    cfg.tokenize = (BleuTokenize)tokenize;
    cfg.smooth = (BleuSmooth)smooth;
    cfg.smooth_value = smooth_value;
    cfg.lowercase = lowercase;
    BleuResult res;
    char err[1024], line[512];
    if (bleu_corpus((const char *const *)h->line, h->n, streams, counts, nrefs, &cfg, &res, err, sizeof err))
        die("%s", err);
    bleu_format(&res, line, sizeof line);
    printf("%s\n", line);
    result_begin(S2S_STAGE);
    result_str("metric", "bleu");
    result_str("tokenize", tokenizers[tokenize]);
    result_str("smooth", smoothers[smooth]);
    result_int("refs", nrefs);
    result_int("segments", (long long)h->n);
    result_num("bleu", res.score, 6);
    for (int n = 0; n < res.order; n++) {
        char key[16];   /* "p" and any int: no -Wformat-truncation */
        snprintf(key, sizeof key, "p%d", n + 1);
        result_num(key, res.precisions[n], 6);
    }
    result_num("bp", res.bp, 6);
    result_num("ratio", res.ratio, 6);
    result_int("hyp_len", res.sys_len);
    result_int("ref_len", res.ref_len);
    result_end();
    if (chrf) {
        ChrfConfig cc = chrf_config_default();
        cc.lowercase = lowercase;
        double score;
        if (chrf_corpus((const char *const *)h->line, h->n, streams, counts, nrefs, &cc, &score, err, sizeof err))
            die("%s", err);
        result_begin(S2S_STAGE);
        result_str("metric", "chrf");
        result_int("refs", nrefs);
        result_int("segments", (long long)h->n);
        result_num("chrf", score, 6);
        result_end();
    }
    lines_free(h);
    for (int k = 0; k < nrefs; k++) lines_free(r[k]);
    return 0;
}
