/*
 * heatmap.h -- an attention matrix drawn as a heat map, as the alignment
 * pictures of Bahdanau et al. 2015 (Fig. 3): the source tokens along the top,
 * the target tokens down the left side, one grey cell per weight a_tj
 * (black 0, white 1), a colour bar from 0 to 1 and a title.
 *
 *     const char *src[] = { "the", "cat", "sat", "</s>" };
 *     const char *tgt[] = { "die", "katze", "sass", "</s>" };
 *     char err[512];
 *     int rc = heatmap_png("runs/seq2seq/demo/attention_0.png", "sentence 0",
 *                          alpha, 4, 4, tgt, src, err, sizeof err);
 *     if (rc < 0) die("%s", err);
 *     if (rc == HEATMAP_NO_GNUPLOT) fprintf(stderr, "note: %s\n", err);
 *
 * Three files land side by side, so a learner can redraw or restyle the
 * picture without running the model again:
 *
 *     attention_0.dat   the weights, one row per target token ("matrix" form
 *                       for gnuplot: whitespace-separated numbers)
 *     attention_0.gp    the gnuplot script, the tokens written into it as
 *                       tic labels; `gnuplot runs/seq2seq/demo/attention_0.gp`
 *                       from any folder redraws attention_0.png
 *     attention_0.png   the picture (pngcairo), when gnuplot is installed
 *
 * Each is written to "<path>.tmp.<pid>" and renamed into place (util.h), so
 * an interrupted run never leaves half a file. Tokens may hold any UTF-8 and
 * any character gnuplot would otherwise interpret: the terminal is
 * `noenhanced` (no ^ _ @ & { } markup), quotes are doubled inside gnuplot's
 * single-quoted strings, % is doubled in tic labels (gnuplot reads them as
 * formats), and bytes that are not UTF-8, or are control characters, are
 * shown as U+FFFD and a space.
 */
#ifndef NLP_HEATMAP_H
#define NLP_HEATMAP_H

#include <stddef.h>

#define HEATMAP_MAX_SIDE    1000   /* rows or cols beyond this are refused: no readable picture */
#define HEATMAP_NO_GNUPLOT  1      /* heatmap_png: files written, no PNG (see err) */

/*
 * Draw w (rows, cols), row-major: w[r * cols + c] is the weight that target
 * token r (y axis, first at the top) gives source token c (x axis).
 * row_labels (rows) and col_labels (cols) name the tokens; NULL numbers them
 * 0, 1, 2, ... instead. title may be NULL or "". png_path should end in
 * ".png"; the .dat and .gp files take its name with that suffix replaced.
 *
 * Returns 0 when the PNG was drawn; HEATMAP_NO_GNUPLOT when gnuplot is not
 * installed (the .dat and .gp files are written, and err says how to draw
 * the PNG later); -1 with a message in err for bad input (rows or cols
 * outside 1..HEATMAP_MAX_SIDE, a NaN or infinite weight, a NULL label), a
 * file that cannot be written, or gnuplot failing. Nothing is left behind
 * on bad input.
 */
int heatmap_png(const char *png_path, const char *title, const float *w, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels,
                char *err, size_t errlen);

/*
 * n maps of the same shape in one picture, a grid of grid_cols columns, as
 * the heads of one Transformer layer: w holds the n matrices (rows, cols)
 * back to back, map k at w + k * rows * cols; map_titles (n) names each
 * panel (NULL numbers them 1, 2, ...), title heads the whole picture. The
 * cells are smaller than heatmap_png's, with one grey scale for all (the
 * title says it). The same three files and return codes as heatmap_png; the
 * .dat holds one gnuplot data block per map (`index k`). heatmap_png is the
 * grid of one map.
 */
#define HEATMAP_MAX_MAPS 64
int heatmap_grid_png(const char *png_path, const char *title, const float *w, int n, int grid_cols,
                     const char *const *map_titles, int rows, int cols, const char *const *row_labels,
                     const char *const *col_labels, char *err, size_t errlen);

#endif
