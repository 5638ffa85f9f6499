/* metrics.c -- metrics.tsv, config.txt, progress and RESULT lines. See metrics.h. */
#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "<dir>/<file>", malloc'd. */
static char *join_path(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* A key of a RESULT line or config.txt: [A-Za-z_][A-Za-z0-9_]*. */
static int is_identifier(const char *s) {
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

/* ---------------------------------------------------------------- metrics.tsv */

/* Split "step split loss" into names; each must be non-empty, without tabs, unique. */
static void parse_columns(Metrics *m, const char *columns) {
    char *copy = xstrdup(columns);
    m->ncols = 0;
    m->cols = NULL;
    for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (strpbrk(tok, "\t\n\r")) die("metrics: column name '%s' contains a tab or newline", tok);
        for (int i = 0; i < m->ncols; i++)
            if (strcmp(m->cols[i], tok) == 0) die("metrics: column '%s' is listed twice", tok);
        m->cols = xrealloc(m->cols, (size_t)(m->ncols + 1) * sizeof *m->cols);
        m->cols[m->ncols++] = xstrdup(tok);
    }
    free(copy);
    if (m->ncols == 0) die("metrics: no columns given");
    m->cells = xcalloc((size_t)m->ncols, METRICS_CELL);
}

/* The header line without its newline: the names joined by tabs. */
static char *header_line(const Metrics *m) {
    size_t n = 1;
    for (int i = 0; i < m->ncols; i++) n += strlen(m->cols[i]) + 1;
    char *h = xmalloc(n);
    h[0] = '\0';
    for (int i = 0; i < m->ncols; i++) {
        if (i) strcat(h, "\t");
        strcat(h, m->cols[i]);
    }
    return h;
}

static Metrics *metrics_new(const char *run_dir, const char *columns) {
    Metrics *m = xcalloc(1, sizeof *m);
    parse_columns(m, columns);
    make_dirs(run_dir);
    m->path = join_path(run_dir, "metrics.tsv");
    return m;
}

static void write_header(Metrics *m) {
    char *h = header_line(m);
    fprintf(m->f, "%s\n", h);
    free(h);
    if (fflush(m->f) != 0) die("cannot write '%s': %s", m->path, strerror(errno));
}

Metrics *metrics_create(const char *run_dir, const char *columns) {
    Metrics *m = metrics_new(run_dir, columns);
    m->f = xfopen(m->path, "w");
    write_header(m);
    return m;
}

/* The first line of path, without its newline, when path exists and is not empty. */
static int first_line(const char *path, char *line, size_t n) {
    FILE *f = fopen(path, "r");
    int got = f && fgets(line, (int)n, f);
    if (f) fclose(f);
    if (got) line[strcspn(line, "\r\n")] = '\0';
    return got;
}

/* A resumed run must log the same columns, or its rows would be misread.
 * header: the file's first line (its tabs become spaces). */
static void check_header(const char *path, char *header, const char *columns) {
    char want[4096];
    for (char *p = header; *p; p++) if (*p == '\t') *p = ' ';
    size_t n = 0;
    for (const char *p = columns; *p && n + 1 < sizeof want; p++)   /* collapse runs of spaces */
        if (*p != ' ' || (n > 0 && want[n - 1] != ' ')) want[n++] = *p;
    while (n > 0 && want[n - 1] == ' ') n--;
    want[n] = '\0';
    if (strcmp(header, want) != 0)
        die("'%s' has columns '%s' but this run logs '%s'\n"
            "HINT: resume into the run's own directory, or start a new one with --out",
            path, header, want);
}

Metrics *metrics_append(const char *run_dir, const char *columns) {
    /* Checked before anything is allocated, so dying here leaks nothing. */
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", run_dir);
    if (!first_line(path, line, sizeof line)) return metrics_create(run_dir, columns);   /* no log yet, or an empty one */
    check_header(path, line, columns);
    Metrics *m = metrics_new(run_dir, columns);
    m->f = xfopen(m->path, "a");
    return m;
}

/* Is the row [row, end)'s value in column col a number <= last? */
static int row_at_or_before(const char *row, const char *end, int col, long last) {
    const char *c = row;
    for (int i = 0; i < col; i++) {
        c = memchr(c, '\t', (size_t)(end - c));
        if (!c) return 0;
        c++;
    }
    if (c >= end || isspace((unsigned char)*c)) return 0;   /* empty: strtod would skip to the next cell */
    char *stop;
    double v = strtod(c, &stop);
    return stop > c && (stop == end || *stop == '\t') && v <= (double)last;
}

Metrics *metrics_resume_at(const char *run_dir, const char *columns, const char *column, long last) {
    /* Checked before anything is allocated, so dying here leaks nothing. */
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", run_dir);
    if (!first_line(path, line, sizeof line)) return metrics_create(run_dir, columns);
    check_header(path, line, columns);
    int col = -1, i = 0;
    for (char *save = NULL, *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save), i++)
        if (strcmp(t, column) == 0) col = i;
    if (col < 0) die("cannot resume '%s' at %s %ld: it has no '%s' column", path, column, last, column);

    /* Rewrite it with the header and the rows up to the checkpoint's:
     * what the interrupted run logged after it, the resumed run logs again. */
    Metrics *m = metrics_new(run_dir, columns);
    size_t len;
    char *text = read_file(path, &len), *tmp;
    FILE *out = atomic_open(path, &tmp);
    const char *end = text + len, *row = memchr(text, '\n', len);
    row = row ? row + 1 : end;
    xfwrite(text, 1, (size_t)(row - text), out, tmp);
    if (row == end && (row == text || row[-1] != '\n')) xfwrite("\n", 1, 1, out, tmp);
    for (const char *nl; row < end && (nl = memchr(row, '\n', (size_t)(end - row))) != NULL; row = nl + 1)
        if (row_at_or_before(row, nl, col, last)) xfwrite(row, 1, (size_t)(nl + 1 - row), out, tmp);
    /* a last row without its newline was cut short by the kill: dropped */
    atomic_commit(out, tmp, path);
    free(text);
    m->f = xfopen(m->path, "a");
    return m;
}

Metrics *metrics_resume(const char *run_dir, const char *columns, long step) {
    return metrics_resume_at(run_dir, columns, "step", step);
}

static char *cell(Metrics *m, const char *column) {
    for (int i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i], column) == 0) return m->cells + (size_t)i * METRICS_CELL;
    die("metrics: '%s' has no column '%s'", m->path, column);
}

void metrics_num(Metrics *m, const char *column, double value) {
    char *c = cell(m, column);
    if (isfinite(value) && value == floor(value) && fabs(value) < 1e15)
        snprintf(c, METRICS_CELL, "%.0f", value);
    else
        snprintf(c, METRICS_CELL, "%.7g", value);   /* nan, inf, -inf stay readable */
}

void metrics_str(Metrics *m, const char *column, const char *value) {
    char *c = cell(m, column);
    if (strpbrk(value, "\t\n\r")) die("metrics: value '%s' for '%s' contains a tab or newline", value, column);
    if (strlen(value) >= METRICS_CELL) die("metrics: value for '%s' is longer than %d bytes", column, METRICS_CELL - 1);
    strcpy(c, value);
}

void metrics_write(Metrics *m) {
    for (int i = 0; i < m->ncols; i++) {
        fputs(m->cells + (size_t)i * METRICS_CELL, m->f);
        fputc(i + 1 < m->ncols ? '\t' : '\n', m->f);
    }
    /* Flushed per row: a plot drawn mid-run sees every finished step. */
    if (fflush(m->f) != 0 || ferror(m->f)) die("cannot write '%s': %s", m->path, strerror(errno));
    memset(m->cells, 0, (size_t)m->ncols * METRICS_CELL);
}

void metrics_close(Metrics *m) {
    if (!m) return;
    xfclose(m->f, m->path);
    for (int i = 0; i < m->ncols; i++) free(m->cols[i]);
    free(m->cols);
    free(m->cells);
    free(m->path);
    free(m);
}

/* Does the first line of path name this column? */
static int header_has(const char *path, const char *column) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4096];
    int found = 0;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        for (char *save = NULL, *t = strtok_r(line, "\t", &save); t; t = strtok_r(NULL, "\t", &save))
            if (strcmp(t, column) == 0) found = 1;
    }
    fclose(f);
    return found;
}

/* Can we plot here? Says why not (a note) when we cannot. */
static int can_plot(void) {
    if (access("scripts/plot.sh", X_OK) != 0 || system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "%s: note: no plots (needs gnuplot and scripts/plot.sh; run scripts/deps.sh "
                "from the repository root)\n", util_prog());
        return 0;
    }
    return 1;
}

/* scripts/plot.sh with the arguments in args (already quoted); 1 when it drew. */
static int run_plot(const char *args) {
    size_t n = strlen(args) + 32;
    char *cmd = xmalloc(n);
    snprintf(cmd, n, "scripts/plot.sh %s", args);
    int ok = system(cmd) == 0;
    if (!ok) warn("plotting failed: %s", cmd);
    free(cmd);
    return ok;
}

int metrics_plot(const char *run_dir) {
    if (strchr(run_dir, '\'')) {
        warn("not plotting '%s': its name contains a quote", run_dir);
        return 0;
    }
    if (!can_plot()) return 0;
    char *tsv = join_path(run_dir, "metrics.tsv");
    int has_loss = header_has(tsv, "loss"), has_ppl = header_has(tsv, "ppl");
    const char *ys[2] = { has_loss ? "loss" : NULL, (has_ppl || has_loss) ? "ppl" : NULL };
    int drawn = 0;
    for (int i = 0; i < 2; i++) {
        if (!ys[i]) continue;
        size_t n = 2 * strlen(run_dir) + 128;
        char *args = xmalloc(n);
        snprintf(args, n, "-o '%s/%s.png' --y %s '%s'", run_dir, ys[i], ys[i], tsv);
        drawn += run_plot(args);
        free(args);
    }
    free(tsv);
    return drawn;
}

int metrics_plot_curves(const char *png, const char *title, const char *y, const char *x,
                        const char *const *tsvs, int n) {
    size_t len = strlen(png) + strlen(y) + strlen(x) + (title ? strlen(title) : 0) + 64;
    for (int i = 0; i < n; i++) len += strlen(tsvs[i]) + 4;
    const char *names[] = {png, title ? title : "", y, x};
    for (int i = 0; i < 4 + n; i++) {
        const char *s = i < 4 ? names[i] : tsvs[i - 4];
        if (strchr(s, '\'')) {
            warn("not plotting '%s': a quote in '%s'", png, s);
            return 0;
        }
    }
    if (!can_plot()) return 0;
    char *args = xmalloc(len);
    int k = snprintf(args, len, "-o '%s' --y '%s' --x '%s'", png, y, x);
    if (title) k += snprintf(args + k, len - k, " --title '%s'", title);
    for (int i = 0; i < n; i++) k += snprintf(args + k, len - k, " '%s'", tsvs[i]);
    int ok = run_plot(args);
    free(args);
    return ok;
}

/* ---------------------------------------------------------------- config.txt */

RunConfig *config_begin(const char *run_dir) {
    RunConfig *c = xcalloc(1, sizeof *c);
    make_dirs(run_dir);
    c->path = join_path(run_dir, "config.txt");
    c->f = atomic_open(c->path, &c->tmp_path);
    return c;
}

void config_str(RunConfig *c, const char *key, const char *value) {
    if (!is_identifier(key)) die("config: bad key '%s' (letters, digits and _ only)", key);
    if (strpbrk(value, "\n\r")) die("config: value of '%s' contains a newline", key);
    fprintf(c->f, "%s = %s\n", key, value);
}

void config_lines(RunConfig *c, const char *text) {
    char *copy = xstrdup(text), *save;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        config_str(c, line, eq + 1);
    }
    free(copy);
}

void config_int(RunConfig *c, const char *key, long long value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    config_str(c, key, buf);
}

void config_num(RunConfig *c, const char *key, double value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", value);
    config_str(c, key, buf);
}

void config_end(RunConfig *c) {
    atomic_commit(c->f, c->tmp_path, c->path);   /* frees tmp_path */
    free(c->path);
    free(c);
}

/* ---------------------------------------------------------------- progress */

static struct {
    int active;
    int tty;            /* stderr is a terminal: redraw one line */
    int drawn;          /* something is on the terminal line */
    long total;
    char label[64];
    double t0;          /* progress_start time */
    double last_print;  /* when the last line (or redraw) went out */
    long next_mark;     /* not a terminal: next step at a 10% mark */
    long chunk;         /* steps per 10% */
} prog;

/* "45s", "2m05s", "1h02m" */
static void format_duration(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t < 60) snprintf(buf, n, "%lds", t);
    else if (t < 3600) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
}

/* "950", "15.2k", "1.23M" */
static void format_rate(char *buf, size_t n, double r) {
    if (r < 1e3) snprintf(buf, n, "%.0f", r);
    else if (r < 1e6) snprintf(buf, n, "%.1fk", r / 1e3);
    else snprintf(buf, n, "%.2fM", r / 1e6);
}

void progress_start(long total, const char *label) {
    memset(&prog, 0, sizeof prog);
    prog.active = 1;
    prog.tty = isatty(fileno(stderr));
    prog.total = total > 0 ? total : 0;
    snprintf(prog.label, sizeof prog.label, "%s", label ? label : "");
    prog.t0 = now_seconds();
    prog.last_print = -1e30;
    prog.chunk = prog.total > 0 ? (long)ceil(prog.total * PROGRESS_LOG_FRACTION) : 0;
    prog.next_mark = prog.chunk;
}

/* Should this update print? Updates the throttling state when it says yes. */
static int progress_due(long step, double now) {
    int last = prog.total > 0 && step >= prog.total;
    if (prog.tty) {
        if (!last && now - prog.last_print < PROGRESS_REDRAW_SECONDS) return 0;
    } else {
        int first = prog.last_print < 0;
        int mark = prog.chunk > 0 && step >= prog.next_mark;
        if (!first && !mark && !last && now - prog.last_print < PROGRESS_LOG_SECONDS) return 0;
        if (prog.chunk > 0)
            while (prog.next_mark <= step) prog.next_mark += prog.chunk;
    }
    prog.last_print = now;
    return 1;
}

void progress_update(long step, double loss, double tokens_per_sec) {
    if (!prog.active) return;
    double now = now_seconds();
    if (!progress_due(step, now)) return;

    char line[256], buf[32];
    int n = snprintf(line, sizeof line, "%s  step %ld", prog.label, step);
    if (prog.total > 0) n += snprintf(line + n, sizeof line - n, "/%ld", prog.total);
    if (!isnan(loss)) n += snprintf(line + n, sizeof line - n, "  loss %.4f", loss);
    if (tokens_per_sec > 0) {
        format_rate(buf, sizeof buf, tokens_per_sec);
        n += snprintf(line + n, sizeof line - n, "  %s tok/s", buf);
    }
    double elapsed = now - prog.t0;
    if (prog.total > 0 && step > 0 && step < prog.total) {
        /* remaining steps at the average pace so far */
        format_duration(buf, sizeof buf, elapsed * (double)(prog.total - step) / (double)step);
        snprintf(line + n, sizeof line - n, "  ETA %s", buf);
    } else {
        format_duration(buf, sizeof buf, elapsed);
        snprintf(line + n, sizeof line - n, prog.total > 0 ? "  done in %s" : "  %s elapsed", buf);
    }
    if (prog.tty) fprintf(stderr, "\r%s\033[K", line);   /* \033[K: clear the old tail */
    else fprintf(stderr, "%s\n", line);
    fflush(stderr);
    prog.drawn = prog.tty;
}

void progress_end(void) {
    if (prog.active && prog.drawn) fputc('\n', stderr);
    fflush(stderr);
    prog.active = 0;
    prog.drawn = 0;
}

/* ---------------------------------------------------------------- RESULT */

static struct {
    int open;
    size_t len;
    char line[1024];
    FILE *stream;       /* NULL = stdout */
} res;

static void result_append(const char *key, const char *value) {
    if (!res.open) die("RESULT key '%s' added before result_begin", key);
    if (!is_identifier(key)) die("RESULT key '%s' is not an identifier", key);
    if (!*value) die("RESULT value of '%s' is empty", key);
    for (const char *p = value; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            die("RESULT value of '%s' ('%s') contains whitespace: a parser would split it", key, value);
    int n = snprintf(res.line + res.len, sizeof res.line - res.len, " %s=%s", key, value);
    if (n < 0 || (size_t)n >= sizeof res.line - res.len) die("RESULT line too long at '%s'", key);
    res.len += (size_t)n;
}

void result_begin(const char *stage) {
    if (res.open) die("result_begin('%s') while a RESULT line is still open", stage);
    res.open = 1;
    res.len = (size_t)snprintf(res.line, sizeof res.line, "RESULT");
    result_append("stage", stage);
}

void result_str(const char *key, const char *value) { result_append(key, value); }

void result_int(const char *key, long long value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    result_append(key, buf);
}

void result_num(const char *key, double value, int precision) {
    char buf[352];   /* room for %.17f of the largest double */
    if (precision < 0 || precision > 17) die("result_num('%s'): precision %d not in [0, 17]", key, precision);
    snprintf(buf, sizeof buf, "%.*f", precision, value);   /* nan / inf print as such */
    result_append(key, buf);
}

void result_end(void) {
    if (!res.open) die("result_end without result_begin");
    FILE *f = res.stream ? res.stream : stdout;
    fflush(stderr);   /* progress and warnings first: RESULT is the last line */
    fprintf(f, "%s\n", res.line);
    fflush(f);
    res.open = 0;
}

void result_set_stream(FILE *f) { res.stream = f; }
