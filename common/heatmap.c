/* heatmap.c -- attention matrices as gnuplot heat maps. See heatmap.h. */
#include "heatmap.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- checks */

static int check_input(const float *w, int rows, int cols, const char *const *row_labels,
                       const char *const *col_labels, char *err, size_t errlen) {
    if (rows < 1 || cols < 1 || rows > HEATMAP_MAX_SIDE || cols > HEATMAP_MAX_SIDE)
        return err_set(err, errlen, "heat map of %d x %d: rows and cols must be in [1, %d]",
                       rows, cols, HEATMAP_MAX_SIDE);
    if (!w) return err_set(err, errlen, "heat map: no weights given");
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            if (!isfinite(w[(size_t)r * cols + c]))
                return err_set(err, errlen, "heat map: weight (%d, %d) is %g (a diverged model?)",
                               r, c, (double)w[(size_t)r * cols + c]);
    for (int r = 0; row_labels && r < rows; r++)
        if (!row_labels[r]) return err_set(err, errlen, "heat map: row label %d is NULL", r);
    for (int c = 0; col_labels && c < cols; c++)
        if (!col_labels[c]) return err_set(err, errlen, "heat map: column label %d is NULL", c);
    return 0;
}

/* ---------------------------------------------------------------- gnuplot strings */

/*
 * s as a single-quoted gnuplot string. Inside '...' gnuplot gives meaning to
 * nothing but the quote itself, written twice; the terminal is noenhanced, so
 * ^ _ @ & { } print as they are. A tic label is also a printf format (gnuplot
 * formats the tic's position with it), so there % is doubled. Bytes that are
 * not UTF-8 become U+FFFD and control characters a space: cairo would refuse
 * the first, and a newline would end the string.
 */
static void put_gp_string(FILE *f, const char *s, int is_tic_label) {
    fputc('\'', f);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f);   /* U+FFFD, the replacement character */
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f) fputc(' ', f);
        else if (cp == '\'') fputs("''", f);
        else if (cp == '%' && is_tic_label) fputs("%%", f);
        else fwrite(s + i, 1, (size_t)len, f);
        i += (size_t)len;
    }
    fputc('\'', f);
}

/* path as one shell word, for the "how to redraw" comment: quoted when it
 * holds anything but [A-Za-z0-9_./-] (a control character shows as '?'). */
static void put_shell_word(FILE *f, const char *path) {
    if (path[strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-")] == '\0') {
        fputs(path, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = path; *p; p++) {
        if (*p == '\'') fputs("'\\''", f);
        else fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
    fputc('\'', f);
}

/* set xtics/ytics ('label' 0, 'label' 1, ...): one tic per token at its cell's centre. */
static void put_tics(FILE *f, const char *axis, const char *const *labels, int n, const char *options) {
    fprintf(f, "set %s (", axis);
    for (int i = 0; i < n; i++) {
        if (i) fputs(i % 8 ? ", " : ", \\\n    ", f);   /* continuation lines keep it readable */
        if (labels) {
            put_gp_string(f, labels[i], 1);
        } else {
            char num[16];
            snprintf(num, sizeof num, "%d", i);
            put_gp_string(f, num, 1);
        }
        fprintf(f, " %d", i);
    }
    fprintf(f, ")%s%s\n", *options ? " " : "", options);
}

/* ---------------------------------------------------------------- files */

/* "<stem><suffix>", where stem is png_path without a final ".png"; malloc'd. */
static char *sibling_path(const char *png_path, const char *suffix) {
    size_t n = strlen(png_path);
    if (n >= 4 && strcmp(png_path + n - 4, ".png") == 0) n -= 4;
    char *p = xmalloc(n + strlen(suffix) + 1);
    memcpy(p, png_path, n);
    strcpy(p + n, suffix);
    return p;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Write text[0..len) to path through "<path>.tmp.<pid>" and a rename, so a
 * reader never sees half a file. Reports instead of dying (util.h's
 * atomic_open dies), as a plot is never worth ending a run for. */
static int write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen) {
    if (path_is_dir(path)) return err_set(err, errlen, "'%s' is a directory, expected a file", path);
    char *tmp = xmalloc(strlen(path) + 32);
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int rc = err_set(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    int ok = fwrite(text, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok) e = errno ? errno : e;
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    int rc = ok ? 0 : err_set(err, errlen, "cannot write '%s': %s", path, strerror(e));
    if (!ok) unlink(tmp);
    free(tmp);
    return rc;
}

/* The weights, one line per target token; 6 significant digits are finer
 * than any grey level. Comment lines name the tokens for a reader. Several
 * maps follow one another, each a gnuplot data block (two blank lines
 * between them), read back with `index k`. */
static char *format_data(const float *w, int n, int rows, int cols, size_t *len) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f) die("out of memory");
    fprintf(f, "# attention weights: %d target tokens (rows, y axis) x %d source tokens (columns, x axis)\n",
            rows, cols);
    fprintf(f, "# row r, column c: the weight a_rc of target token r on source token c (each row sums to 1)\n");
    if (n > 1) fprintf(f, "# %d maps, one data block each (gnuplot's index 0 .. %d)\n", n, n - 1);
    for (int k = 0; k < n; k++) {
        if (k) fputs("\n\n", f);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                fprintf(f, "%.6g%c", (double)w[((size_t)k * rows + r) * cols + c], c + 1 < cols ? ' ' : '\n');
    }
    if (fclose(f) != 0) die("out of memory");
    return text;
}

/* The widest label, in characters (code points; an unlabelled axis numbers its tics). */
static int widest_label(const char *const *labels, int n) {
    int widest = 0;
    for (int i = 0; i < n; i++) {
        int chars = 0;
        if (labels) {
            for (const unsigned char *p = (const unsigned char *)labels[i]; *p; p++)
                chars += (*p & 0xC0) != 0x80;   /* count every byte but UTF-8 continuations */
        } else {
            chars = i < 10 ? 1 : i < 100 ? 2 : 3;
        }
        if (chars > widest) widest = chars;
    }
    return widest;
}

/* One map's pixels: `cell` per cell, plus room for the labels (about 8
 * pixels a character at 11 points), the title and the colour bar, so that
 * the square cells fill the picture instead of floating in white space. */
static void panel_size(int rows, int cols, const char *const *row_labels, const char *const *col_labels, int cell,
                       int colorbox, int *width, int *height) {
    int left = 40 + 8 * widest_label(row_labels, rows), right = colorbox ? 130 : 30;
    int top = 70 + 8 * widest_label(col_labels, cols), bottom = 30;
    *width = left + cell * cols + right;
    *height = top + cell * rows + bottom;
}

/* The canvas: one map of 32-pixel cells (a short sentence still gets a
 * readable picture, and room for the colour bar's tics), or a grid of maps
 * of 20-pixel cells under a title line, one colour scale for all. */
static void canvas_size(int n, int grid_cols, int rows, int cols, const char *const *row_labels,
                        const char *const *col_labels, int *width, int *height) {
    if (n == 1) {
        panel_size(rows, cols, row_labels, col_labels, 32, 1, width, height);
        *width = *width < 480 ? 480 : *width;
        *height = *height < 360 ? 360 : *height;
    } else {
        int pw, ph, grid_rows = (n + grid_cols - 1) / grid_cols;
        panel_size(rows, cols, row_labels, col_labels, 20, 0, &pw, &ph);
        *width = grid_cols * (pw < 240 ? 240 : pw);
        *height = 40 + grid_rows * (ph < 200 ? 200 : ph);
    }
    *width = *width > 4000 ? 4000 : *width;
    *height = *height > 4000 ? 4000 : *height;
}

/* The grid's layout: its maps, their titles, and the grid's shape. */
typedef struct {
    int n, grid_cols;
    const char *const *titles;   /* (n) or NULL: "1", "2", ... */
} Grid;

/* One map's plot command; a grid's map k reads data block k. */
static void put_plot(FILE *f, const char *dat_name, const Grid *g, int k) {
    fputs("plot here.", f);
    put_gp_string(f, dat_name, 0);
    if (g->n > 1) fprintf(f, " index %d", k);
    fputs(" matrix using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 noborder \\\n"
          "     linecolor palette notitle\n", f);
}

/*
 * The gnuplot script. It finds its .dat beside itself (through ARG0, the
 * script's own path), so it runs from any folder; `out` may be set with -e
 * (heatmap_png sets it to a temporary file), else it writes the PNG beside
 * itself too. Each cell is a box filled from the palette: `with image`
 * refuses a matrix of one row or one column, which a one-word sentence gives.
 * A grid is gnuplot's multiplot layout, one panel per map.
 */
static char *format_script(const char *gp_path, const char *dat_name, const char *png_name, const char *title,
                           const Grid *g, int rows, int cols, const char *const *row_labels,
                           const char *const *col_labels, size_t *len) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f) die("out of memory");
    fprintf(f,
            "# %s -- attention weights as a heat map, in the manner of Bahdanau et al. 2015, Fig. 3\n"
            "# (written by heatmap_png, common/heatmap.h). Source tokens along the top, target\n"
            "# tokens down the side, black = 0, white = 1; the weights are in %s.\n"
            "#\n"
            "# Redraw from any folder:   gnuplot ",
            base_name(gp_path), dat_name);
    put_shell_word(f, gp_path);
    fputs("\n# or into another file:     gnuplot -e \"out='other.png'\" ", f);
    put_shell_word(f, gp_path);
    fputs("\n\n", f);
    fputs("# this script's folder, from its own path, so that it runs from anywhere\n"
          "here = ''\n"
          "do for [i=strlen(ARG0):1:-1] { if (here eq '' && ARG0[i:i] eq '/') { here = ARG0[1:i] } }\n"
          "if (!exists(\"out\")) { out = here.", f);
    put_gp_string(f, png_name, 0);
    fputs(" }\n\n", f);

    int width, height;
    canvas_size(g->n, g->grid_cols, rows, cols, row_labels, col_labels, &width, &height);
    fprintf(f, "set terminal pngcairo size %d,%d font 'sans,11' noenhanced\n", width, height);
    fputs("set output out\n", f);
    if (title && *title && g->n == 1) {
        fputs("set title ", f);
        put_gp_string(f, title, 0);
        fputc('\n', f);
    }
    fputs("set palette gray                    # 0 black, 1 white, as the paper's figure\n"
          "set cbrange [0:1]\n", f);
    if (g->n == 1) fputs("set cblabel 'attention weight'\n"
                         "set cbtics 0.2\n", f);
    else fputs("unset colorbox                      # one scale for all: the title says it\n", f);
    fputs("set size ratio -1                   # square cells\n", f);
    fprintf(f, "set xrange [-0.5:%d.5]\n", cols - 1);
    fprintf(f, "set yrange [%d.5:-0.5]              # the first target token at the top\n", rows - 1);
    fputs("set tics scale 0\n"
          "set link x2                         # source tokens on the top axis, as in the paper\n"
          "unset xtics\n", f);
    put_tics(f, "x2tics", col_labels, cols, "rotate by 90 left");
    put_tics(f, "ytics", row_labels, rows, "");
    fputc('\n', f);
    if (g->n == 1) {
        put_plot(f, dat_name, g, 0);
    } else {
        fprintf(f, "set multiplot layout %d,%d title ", (g->n + g->grid_cols - 1) / g->grid_cols, g->grid_cols);
        char *grid_title = xmalloc(strlen(title ? title : "") + 32);
        sprintf(grid_title, "%s%s(black 0, white 1)", title ? title : "", title && *title ? "  " : "");
        put_gp_string(f, grid_title, 0);
        free(grid_title);
        fputc('\n', f);
        for (int k = 0; k < g->n; k++) {
            fputs("set title ", f);
            if (g->titles) {
                put_gp_string(f, g->titles[k], 0);
            } else {
                char num[16];
                snprintf(num, sizeof num, "%d", k + 1);
                put_gp_string(f, num, 0);
            }
            fputc('\n', f);
            put_plot(f, dat_name, g, k);
        }
        fputs("unset multiplot\n", f);
    }
    if (fclose(f) != 0) die("out of memory");
    return text;
}

/* ---------------------------------------------------------------- gnuplot */

/* Run `gnuplot -e "out='tmp_png'" gp_path`, without a shell (the paths may
 * hold any character); its stdout silenced, its errors on our stderr. */
static int run_gnuplot(const char *gp_path, const char *tmp_png, char *err, size_t errlen) {
    char *assign = NULL;
    size_t assign_len;
    FILE *f = open_memstream(&assign, &assign_len);
    if (!f) die("out of memory");
    fputs("out=", f);
    put_gp_string(f, tmp_png, 0);
    if (fclose(f) != 0) die("out of memory");

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        free(assign);
        return err_set(err, errlen, "cannot start gnuplot: %s", strerror(errno));
    }
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execlp("gnuplot", "gnuplot", "-e", assign, gp_path, (char *)NULL);
        _exit(127);
    }
    free(assign);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_set(err, errlen, "waiting for gnuplot: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err_set(err, errlen, "gnuplot failed on '%s' (its message is above)", gp_path);
    return 0;
}

/* The PNG from the script: into a temporary file, renamed into place when
 * gnuplot succeeded and wrote something, so a failure leaves no broken PNG. */
static int draw_png(const char *gp_path, const char *png_path, char *err, size_t errlen) {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        err_set(err, errlen, "no heat map picture: gnuplot is not installed (scripts/deps.sh "
                "installs it); then run 'gnuplot %s'", gp_path);
        return HEATMAP_NO_GNUPLOT;
    }
    char *tmp = xmalloc(strlen(png_path) + 32);
    sprintf(tmp, "%s.tmp.%ld", png_path, (long)getpid());
    int rc = run_gnuplot(gp_path, tmp, err, errlen);
    if (rc == 0 && access(tmp, F_OK) != 0)
        rc = err_set(err, errlen, "gnuplot wrote no picture for '%s'", gp_path);
    if (rc == 0 && rename(tmp, png_path) != 0)
        rc = err_set(err, errlen, "cannot rename '%s' to '%s': %s", tmp, png_path, strerror(errno));
    if (rc != 0) unlink(tmp);
    free(tmp);
    return rc;
}

/* ---------------------------------------------------------------- heatmap_png */

int heatmap_png(const char *png_path, const char *title, const float *w, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels,
                char *err, size_t errlen) {
    return heatmap_grid_png(png_path, title, w, 1, 1, NULL, rows, cols, row_labels, col_labels, err, errlen);
}

int heatmap_grid_png(const char *png_path, const char *title, const float *w, int n, int grid_cols,
                     const char *const *map_titles, int rows, int cols, const char *const *row_labels,
                     const char *const *col_labels, char *err, size_t errlen) {
    if (!png_path || !*png_path) return err_set(err, errlen, "heat map: no output path");
    if (n < 1 || n > HEATMAP_MAX_MAPS || grid_cols < 1)
        return err_set(err, errlen, "heat map grid of %d maps in %d columns: want 1..%d maps, 1 or more columns",
                       n, grid_cols, HEATMAP_MAX_MAPS);
    for (int k = 0; k < n; k++)
        if (check_input(w ? w + (size_t)k * rows * cols : NULL, rows, cols, row_labels, col_labels, err, errlen))
            return -1;
    for (int k = 0; map_titles && k < n; k++)
        if (!map_titles[k]) return err_set(err, errlen, "heat map: map title %d is NULL", k);

    Grid g = { n, grid_cols < n ? grid_cols : n, map_titles };
    char *dat_path = sibling_path(png_path, ".dat");
    char *gp_path = sibling_path(png_path, ".gp");
    size_t dat_len, gp_len;
    char *dat = format_data(w, n, rows, cols, &dat_len);
    char *gp = format_script(gp_path, base_name(dat_path), base_name(png_path), title, &g,
                             rows, cols, row_labels, col_labels, &gp_len);
    int rc = write_atomic(dat_path, dat, dat_len, err, errlen);
    if (rc == 0) rc = write_atomic(gp_path, gp, gp_len, err, errlen);
    if (rc == 0) rc = draw_png(gp_path, png_path, err, errlen);
    free(dat);
    free(gp);
    free(dat_path);
    free(gp_path);
    return rc;
}
