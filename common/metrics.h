/*
 * metrics.h -- what a run leaves behind and what it shows while it works:
 * metrics.tsv logs, config.txt, a progress line, and the RESULT line.
 *
 * A run writes to runs/<stage>/<name>/ (DESIGN.md):
 *
 *   metrics.tsv  one header line of column names, then one row per logged step,
 *                tab-separated and flushed after every row so scripts/plot.sh
 *                can draw the curves while the run is still going:
 *
 *       Metrics *m = metrics_create("runs/rnn/lstm",
 *                                   "step tokens split loss ppl lr tok_per_s elapsed_s");
 *       metrics_str(m, "split", "train");       // set the columns of this row by name,
 *       metrics_num(m, "step", step);           // in any order; a column left unset
 *       metrics_num(m, "loss", loss);           // stays empty (gnuplot skips it)
 *       metrics_write(m);                       // write the row, flush, clear
 *       ...
 *       metrics_close(m);
 *
 *                Setting a column that is not in the header is a programming
 *                error and dies. metrics_resume() reopens a file when a run is
 *                resumed from a checkpoint (the header must match), dropping
 *                the rows logged after that checkpoint.
 *
 *   config.txt   "key = value" lines describing the run, written atomically:
 *
 *       RunConfig *c = config_begin("runs/rnn/lstm");
 *       config_str(c, "data", "ptb"); config_int(c, "steps", 2000); config_num(c, "lr", 1e-3);
 *       config_end(c);
 *
 * Progress (stderr). One display at a time, so it is module state (call it
 * from one thread, e.g. worker 0 of a Hogwild pool):
 *
 *       progress_start(steps, "train");
 *       for (...) progress_update(step, loss, tokens_per_sec);   // NAN / 0 hide a field
 *       progress_end();
 *
 *   On a terminal it is one line redrawn with '\r', at most 10 times a second:
 *       train  step 120/2000  loss 3.2140  15.2k tok/s  ETA 2m05s
 *   When stderr is not a terminal (a log file, CI) it prints that line plainly
 *   at the first update, each time another 10% of the steps is done or
 *   PROGRESS_LOG_SECONDS (15) have passed since the last line, whichever comes
 *   first, and at the last step, which reads "... done in 3m12s".
 *
 * The RESULT line (stdout). Every eval ends with exactly one line that the
 * ladder, the benchmarks and the notebooks parse instead of prose:
 *
 *       RESULT stage=ngram model=arpa5 data=ptb split=test tokens=82430 oov=0 loss=4.9501 ppl=141.19 ppl_excl_oov=141.19
 *
 *       result_begin("ngram");
 *       result_str("model", "mkn5");
 *       result_int("tokens", 82430);
 *       result_num("ppl", 141.19, 2);            // 2 digits after the point
 *       result_end();                            // print and flush
 *
 *   Keys are identifiers ([A-Za-z_][A-Za-z0-9_]*) and values must be non-empty
 *   with no whitespace: anything else dies, because a parser would split it
 *   wrongly. result_set_stream() redirects the line (tests read it back).
 */
#ifndef NLP_METRICS_H
#define NLP_METRICS_H

#include <stdio.h>

/* ---------------------------------------------------------------- metrics.tsv */

#define METRICS_CELL 64   /* bytes per formatted value, NUL included */

typedef struct {
    FILE *f;
    char *path;        /* <run_dir>/metrics.tsv */
    int ncols;
    char **cols;       /* (ncols) column names, as in the header */
    char *cells;       /* (ncols, METRICS_CELL) the current row; "" = unset */
} Metrics;

/* Create <run_dir>/metrics.tsv (making the directories) and write the header.
 * columns: names separated by spaces, e.g. "step split loss ppl". */
Metrics *metrics_create(const char *run_dir, const char *columns);
/* Reopen an existing <run_dir>/metrics.tsv to add rows (a resumed run); its
 * header must equal columns. Creates the file when it does not exist. */
Metrics *metrics_append(const char *run_dir, const char *columns);
/* The same for a run resumed from its checkpoint of step `step`: first rewrite
 * the file (atomically) with its header and only the rows whose step is <= step,
 * so the steps logged after that checkpoint by the interrupted run do not
 * appear twice; a last row cut short is dropped too. columns must have "step". */
Metrics *metrics_resume(const char *run_dir, const char *columns, long step);
/* The same, cut at another counting column (an online run logs "epoch"). */
Metrics *metrics_resume_at(const char *run_dir, const char *columns, const char *column, long last);
/* Set one column of the current row. Numbers that are whole print as integers
 * (step 1200, tokens 614400), others with 7 significant digits (float precision). */
void metrics_num(Metrics *m, const char *column, double value);
void metrics_str(Metrics *m, const char *column, const char *value);
/* Write the current row (unset columns empty), flush it to disk, clear it. */
void metrics_write(Metrics *m);
void metrics_close(Metrics *m);

/* Draw <run_dir>/loss.png and ppl.png from its metrics.tsv with scripts/plot.sh
 * (run from the repository root). Returns the number of PNGs drawn; 0 with a
 * note on stderr when gnuplot or the script is missing -- plots are a bonus,
 * never a reason for a demo to fail. */
int metrics_plot(const char *run_dir);
/* Draw png from column y against column x of n metrics files overlaid (one
 * colour each, named after their folders), with an optional title (NULL:
 * none), through scripts/plot.sh: a return curve, or several runs' curves on
 * one plot. Returns 1 when drawn; 0 with a note, as metrics_plot. */
int metrics_plot_curves(const char *png, const char *title, const char *y, const char *x,
                        const char *const *tsvs, int n);

/* ---------------------------------------------------------------- config.txt */

typedef struct {
    FILE *f;
    char *tmp_path;    /* written here, renamed over path by config_end */
    char *path;        /* <run_dir>/config.txt */
} RunConfig;

RunConfig *config_begin(const char *run_dir);
void config_str(RunConfig *c, const char *key, const char *value);
void config_int(RunConfig *c, const char *key, long long value);
void config_num(RunConfig *c, const char *key, double value);
/* Every "key=value" line of text (a model's config text, as its checkpoint
 * keeps it), each as config_str; lines without '=' are skipped. */
void config_lines(RunConfig *c, const char *text);
void config_end(RunConfig *c);

/* ---------------------------------------------------------------- progress */

#define PROGRESS_REDRAW_SECONDS 0.1   /* terminal: redraw at most 10 times a second */
#define PROGRESS_LOG_SECONDS    15.0  /* not a terminal: a line at least this often */
#define PROGRESS_LOG_FRACTION   0.1   /* ... and every 10% of the steps */

/* total <= 0 means unknown: no "/total" and no ETA. */
void progress_start(long total, const char *label);
/* loss: NAN to hide it; tokens_per_sec: <= 0 to hide it. */
void progress_update(long step, double loss, double tokens_per_sec);
/* Finish the line (terminal) so later output starts on a fresh one. */
void progress_end(void);

/* ---------------------------------------------------------------- RESULT */

void result_begin(const char *stage);
void result_str(const char *key, const char *value);
void result_int(const char *key, long long value);
/* value printed with precision digits after the decimal point */
void result_num(const char *key, double value, int precision);
void result_end(void);
/* Where result_end prints: stdout unless set (NULL restores stdout). */
void result_set_stream(FILE *f);

#endif
