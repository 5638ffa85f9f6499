/*
 * cmd_translate.c -- `transformer attention`: a sentence's attention
 * weights, every layer and head, as heat maps. (`transformer translate` and
 * `eval` are common/s2s_cli.c's, shared with chapter 4: commands.c.)
 *
 * Which pictures: one PNG per layer and kind of attention, its heads side
 * by side in a grid (common/heatmap.h's heatmap_grid_png). Heads of one
 * layer are best read together: one head follows the alignment, another
 * the previous token, another the end of the sentence, and only the grid
 * shows that division of labour. --head H draws one head alone, larger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "heatmap.h"
#include "matmul.h"
#include "text.h"
#include "transformer/commands.h"
#include "util.h"

static const char usage_attention[] =
    "Usage: transformer attention --model DIR [options] SENTENCE\n"
    "Translate SENTENCE greedily and draw its attention weights as heat maps: one PNG\n"
    "per layer and kind, all the heads of that layer in a grid (rows: the tokens\n"
    "produced; columns: the tokens attended to). The data and the gnuplot script are\n"
    "written beside each PNG, to be redrawn or edited.\n"
    "\n"
    "  --model DIR        a run folder of `transformer train`\n"
    "  --out DIR          where the pictures go, made if missing (attention)\n"
    "  --kind K           cross (the decoder reading the source: the alignment) |\n"
    "                     enc (encoder self-attention) | dec (decoder self-attention) | all (all)\n"
    "  --layer L          only layer L, counted from 1 (0: every layer)\n"
    "  --head H           only head H, alone and larger (0: all heads in a grid)\n"
    "  --max-output N     longest output (50)\n"
    "  --threads N (2)\n"
    "\n"
    "Files: DIR/cross_layer1.png ... (with --head H: cross_layer1_head3.png ...)\n"
    "Example:  transformer attention --model runs/transformer/dates --out att 'wednesday 9 may 2018'\n";

/* ------------------------------------------------------------ attention maps */

/* One kind of map: its name, title, shape and labels. */
typedef struct {
    const char *name, *title;
    const float *w;                       /* (L, NH, rows, cols) */
    int L, rows, cols;
    const char *const *row_labels, *const *col_labels;
} MapSet;

/* Draw layer l (0-based) of set, all heads (head < 0) or one; returns
 * heatmap's code, the worst one reported on stderr. */
static int draw_layer(const MapSet *set, int NH, int l, int head, const char *dir) {
    char png[4096], title[256], err[1024];
    size_t per_head = (size_t)set->rows * set->cols;
    const float *w = set->w + (size_t)l * NH * per_head;
    int rc;
    if (head < 0) {
        snprintf(png, sizeof png, "%s/%s_layer%d.png", dir, set->name, l + 1);
        snprintf(title, sizeof title, "%s, layer %d", set->title, l + 1);
        char **titles = xmalloc((size_t)NH * sizeof *titles);
        for (int h = 0; h < NH; h++) {
            titles[h] = xmalloc(24);
            snprintf(titles[h], 24, "head %d", h + 1);
        }
        int cols = NH <= 4 ? NH : (NH + 1) / 2;   /* two rows of heads from 5 on */
        rc = heatmap_grid_png(png, title, w, NH, cols, (const char *const *)titles, set->rows, set->cols,
                              set->row_labels, set->col_labels, err, sizeof err);
        for (int h = 0; h < NH; h++) free(titles[h]);
        free(titles);
    } else {
        snprintf(png, sizeof png, "%s/%s_layer%d_head%d.png", dir, set->name, l + 1, head + 1);
        snprintf(title, sizeof title, "%s, layer %d, head %d", set->title, l + 1, head + 1);
        rc = heatmap_png(png, title, w + (size_t)head * per_head, set->rows, set->cols, set->row_labels,
                         set->col_labels, err, sizeof err);
    }
    if (rc < 0) fprintf(stderr, "%s: error: %s\n", TF_STAGE, err);
    else if (rc == HEATMAP_NO_GNUPLOT) fprintf(stderr, "%s: note: %s\n", TF_STAGE, err);
    return rc;
}

int tf_draw_attention(TfModel *m, const Vocab *src_v, const Vocab *tgt_v, const char *sentence, const char *dir,
                      TfMapKind kind, int layer, int head, int max_out, char **translation) {
    const TfConfig *c = &m->cfg;
    if (head > c->heads) die("--head %d: the model has %d heads", head, c->heads);
    int most = kind == TF_MAP_ENC ? c->enc_layers : kind == TF_MAP_ALL && c->enc_layers > c->dec_layers
                                                        ? c->enc_layers : c->dec_layers;
    if (layer > most) die("--layer %d: the model has %d encoder and %d decoder layers", layer, c->enc_layers,
                          c->dec_layers);
    int S;
    int *ids = s2s_encode_sentence(src_v, c->tokens, sentence, &S);
    if (!ids) die("an empty sentence: nothing to translate");
    if (S > c->max_pos) die("the sentence has %d tokens, but the model reads at most %d (its max_pos)", S, c->max_pos);
    /* tf_attention_maps feeds BOS and the whole output: T + 1 positions */
    if (max_out > c->max_pos - 1) max_out = c->max_pos - 1;
    if (max_out < 1) die("the model has %d position: no room for an output to draw", c->max_pos);
    TfTranslator *tr = tf_translator_build(m, 1, S, 1, max_out);
    tf_translate(m, tr, &ids, &S, 1, 0.0f);
    const BeamHyp *h = beam_best(tf_translator_beam(tr), 0);
    int T = h->len + h->ended;   /* the step that chose EOS attends too */
    int *out = xmalloc((size_t)(T + 1) * sizeof *out);
    memcpy(out, h->tokens, (size_t)h->len * sizeof *out);
    if (h->ended) out[h->len] = VOCAB_EOS;
    if (translation) *translation = s2s_detokenize(tgt_v, h->tokens, h->len, c->tokens);
    int NH = c->heads;
    float *enc = xmalloc((size_t)c->enc_layers * NH * S * S * sizeof *enc);
    float *dec = xmalloc((size_t)c->dec_layers * NH * T * T * sizeof *dec);
    float *cross = xmalloc((size_t)c->dec_layers * NH * T * S * sizeof *cross);
    tf_attention_maps(m, ids, S, out, T, enc, dec, cross);
    /* the decoder reads BOS y_1 .. y_{T-1} (its columns) to produce y_1 .. y_T (its rows) */
    int *dec_in = xmalloc((size_t)T * sizeof *dec_in);
    dec_in[0] = VOCAB_BOS;
    memcpy(dec_in + 1, out, (size_t)(T - 1) * sizeof *dec_in);
    char **src_labels = s2s_token_labels(src_v, ids, S, 0);
    char **out_labels = s2s_token_labels(tgt_v, out, h->len, h->ended);
    char **in_labels = s2s_token_labels(tgt_v, dec_in, T, 0);
    free(in_labels[0]);
    in_labels[0] = xstrdup("<s>");
    const MapSet sets[3] = {
        { "cross", "cross-attention (decoder reading the source)", cross, c->dec_layers, T, S,
          (const char *const *)out_labels, (const char *const *)src_labels },
        { "enc", "encoder self-attention", enc, c->enc_layers, S, S,
          (const char *const *)src_labels, (const char *const *)src_labels },
        { "dec", "decoder self-attention (causal)", dec, c->dec_layers, T, T,
          (const char *const *)out_labels, (const char *const *)in_labels },
    };
    make_dirs(dir);
    int worst = 0;
    for (int k = 0; k < 3; k++) {
        if (kind != TF_MAP_ALL && kind != (TfMapKind)(k + 1)) continue;
        for (int l = 0; l < sets[k].L; l++) {
            if (layer > 0 && l != layer - 1) continue;
            int rc = draw_layer(&sets[k], NH, l, head - 1, dir);
            if (rc < 0 || (rc > 0 && worst == 0)) worst = rc;
        }
    }
    s2s_labels_free(src_labels, S);
    s2s_labels_free(out_labels, T);
    s2s_labels_free(in_labels, T);
    free(dec_in);
    free(enc);
    free(dec);
    free(cross);
    free(out);
    free(ids);
    tf_translator_free(tr);
    return worst;
}

static const char *const kinds[] = { "all", "cross", "enc", "dec", NULL };   /* TfMapKind order */

int tf_cmd_attention(int argc, char **argv) {
    const char *model = NULL, *dir = "attention";
    int kind = TF_MAP_ALL, layer = 0, head = 0, max_out = 50, threads = 2;
    const CliOption opts[] = {
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OUT(&dir),
        { .name = "kind", .type = CLI_CHOICE, .dst = &kind, .choices = kinds },
        CLI_OPT("layer", CLI_INT, &layer, 0, 256),
        CLI_OPT("head", CLI_INT, &head, 0, 1024),
        CLI_OPT("max-output", CLI_INT, &max_out, 1, 1e5),
        CLI_THREADS(&threads),
        CLI_END
    };
    CliSpec spec = { .usage = usage_attention, .options = opts };
    int n = cli_parse(&spec, argc, argv);
    if (n != 1) usage_error("attention: give one SENTENCE (quoted)");
    set_threads(threads);
    TfModel m;
    Vocab *src_v, *tgt_v;
    tf_cli_load(&m, &src_v, &tgt_v, model);
    size_t bad;
    if (!utf8_validate(argv[1], strlen(argv[1]), &bad)) die("the sentence is not valid UTF-8 (byte %zu)", bad + 1);
    char *translation;
    int rc = tf_draw_attention(&m, src_v, tgt_v, argv[1], dir, (TfMapKind)kind, layer, head, max_out, &translation);
    printf("%s\n", translation);
    if (rc == 0) fprintf(stderr, "%s: attention maps in %s/\n", TF_STAGE, dir);
    free(translation);
    vocab_free(src_v);
    vocab_free(tgt_v);
    tf_model_free(&m);
    return rc < 0 ? 1 : 0;
}
