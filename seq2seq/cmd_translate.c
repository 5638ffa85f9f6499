/*
 * cmd_translate.c -- `seq2seq attention`: a sentence's attention weights as
 * a heat map, the soft alignment of Bahdanau et al. 2015, Figure 3.
 * (`seq2seq translate` and `eval` are common/s2s_cli.c's, shared with
 * chapter 5: commands.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "heatmap.h"
#include "matmul.h"
#include "seq2seq/commands.h"
#include "text.h"
#include "util.h"

static const char usage_attention[] =
    "Usage: seq2seq attention --model DIR --png FILE [options] SENTENCE\n"
    "Translate SENTENCE greedily and draw the attention weights of every output token\n"
    "over the source tokens as a heat map (rows: output, columns: source). The data\n"
    "and the gnuplot script are written beside the PNG, to be redrawn or edited.\n"
    "\n"
    "  --model DIR        a run folder of a model with attention\n"
    "  --png FILE         where to draw it (attention.png)\n"
    "  --max-output N     longest output (50)\n"
    "\n"
    "Example:  seq2seq attention --model runs/seq2seq/dates --png dates.png 'wednesday 9 may 2018'\n";

int s2s_draw_attention(S2sModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *sentence, const char *png,
                       int max_out, char **translation) {
    int n;
    int *ids = s2s_encode_sentence(src_v, m->cfg.tokens, sentence, &n);
    if (!ids) die("an empty sentence: nothing to translate");
    S2sTranslator tr;
    s2s_translator_build(&tr, m, 1, n, 1, max_out);
    s2s_translate(m, &tr, &ids, &n, 1, 0.0f);
    const BeamHyp *h = beam_best(tr.bs, 0);
    int rows = h->len + h->ended;   /* the step that chose EOS attends too */
    int *out = xmalloc((size_t)(rows + 1) * sizeof *out);
    memcpy(out, h->tokens, (size_t)h->len * sizeof *out);
    if (h->ended) out[h->len] = VOCAB_EOS;
    if (translation) *translation = s2s_detokenize(tgt_v, h->tokens, h->len, m->cfg.tokens);
    float *w = xmalloc((size_t)rows * n * sizeof *w);
    if (s2s_attention_matrix(m, ids, n, out, rows, w)) die("the model has no attention to draw (--attention none)");
    char **src_labels = s2s_token_labels(src_v, ids, n, 0);
    char **out_labels = s2s_token_labels(tgt_v, out, h->len, h->ended);
    char err[512], title[256];
    snprintf(title, sizeof title, "%s attention", s2s_attention_name(m->cfg.dec.attn));
    int rc = heatmap_png(png, title, w, rows, n, (const char *const *)out_labels, (const char *const *)src_labels,
                         err, sizeof err);
    if (rc < 0) fprintf(stderr, "seq2seq: error: %s\n", err);   /* DESIGN.md: "STAGE: error: ..." */
    else if (rc == HEATMAP_NO_GNUPLOT) fprintf(stderr, "seq2seq: note: %s\n", err);
    s2s_labels_free(src_labels, n);
    s2s_labels_free(out_labels, rows);
    free(w);
    free(out);
    free(ids);
    s2s_translator_free(&tr);
    return rc;
}

int s2s_cmd_attention(int argc, char **argv) {
    const char *model = NULL, *png = "attention.png";
    int max_out = 50, threads = 2;
    const CliOption opts[] = {
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("png", CLI_STRING, &png, 0, 0),
        CLI_OPT("max-output", CLI_INT, &max_out, 1, 1e5),
        CLI_THREADS(&threads),
        CLI_END
    };
    CliSpec spec = { .usage = usage_attention, .options = opts };
    int n = cli_parse(&spec, argc, argv);
    if (n != 1) usage_error("attention: give one SENTENCE (quoted)");
    set_threads(threads);
    S2sModel m;
    Vocab *src_v, *tgt_v;
    s2s_cli_load(&m, &src_v, &tgt_v, model);
    size_t bad;
    if (!utf8_validate(argv[1], strlen(argv[1]), &bad)) die("the sentence is not valid UTF-8 (byte %zu)", bad + 1);
    char *translation;
    int rc = s2s_draw_attention(&m, src_v, tgt_v, argv[1], png, max_out, &translation);
    printf("%s\n", translation);
    if (rc == 0) fprintf(stderr, "seq2seq: attention map in %s\n", png);
    free(translation);
    vocab_free(src_v);
    vocab_free(tgt_v);
    s2s_model_free(&m);
    return rc < 0 ? 1 : 0;
}
