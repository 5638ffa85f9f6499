/*
 * s2s_dates.h -- a synthetic translation task: human-written dates -> ISO 8601.
 *
 *     "wednesday 9 may 2018"     -> "2018-05-09"
 *     "9/5/18"                   -> "2018-05-09"
 *     "tuesday, march 3, 1998"   -> "1998-03-03"
 *
 * The classic first exercise for attention: the output is short and exact,
 * and each output character comes from one or two input characters (the
 * month "05" from "may", the century "20" from the two-digit year "18"), so
 * the attention map shows the alignment plainly. Character level (S2S_CHARS).
 *
 * Dates are drawn uniformly by year (1950..2049), month and day. A two-digit
 * year yy means 19yy when yy >= 50, else 20yy, so every input names one date.
 * Numeric dates are day first (9/5/18 is the 9th of May), as in most of the
 * world; with a month name the order is the format's. Inputs are at most
 * S2S_DATES_MAX_INPUT characters, outputs always 10 ("YYYY-MM-DD").
 *
 * Formats are templates; the training ones teach every piece (weekday and
 * month names, full and short, in lower and title case; ordinals "9th";
 * separators / . - , and spaces; two- and four-digit years). The held-out
 * ones put known pieces into an order or combination never seen in training
 * ("9.5.18": dots, with unpadded numbers and a two-digit year), for the
 * demo's "formats it has never seen". Every character a held-out input uses
 * occurs in the training formats too.
 */
#ifndef NLP_S2S_DATES_H
#define NLP_S2S_DATES_H

#include <stddef.h>
#include <stdint.h>

#include "s2s_corpus.h"
#include "strmap.h"

#define S2S_DATES_MAX_INPUT 30
#define S2S_DATES_YEAR_MIN 1950
#define S2S_DATES_YEAR_MAX 2049

typedef enum { S2S_DATES_TRAIN, S2S_DATES_HELDOUT, S2S_DATES_ALL } S2sDateSet;

/* The formats: their number, template ("{wd}, {month} {d}, {yyyy}"), and
 * whether they are held out of training. Formats 0 .. count-1. */
int s2s_dates_nformats(void);
const char *s2s_dates_format(int f);
int s2s_dates_heldout(int f);

/* Write date y-m-d (a valid date) in format f into buf (at least
 * S2S_DATES_MAX_INPUT + 1 bytes); returns its length. */
int s2s_dates_render(char *buf, size_t size, int f, int y, int m, int d);
/* "YYYY-MM-DD" into iso (11 bytes) */
void s2s_dates_iso(char *iso, int y, int m, int d);
/* Day of the week, 0 = monday .. 6 = sunday (proleptic Gregorian). */
int s2s_dates_weekday(int y, int m, int d);
int s2s_dates_days_in_month(int y, int m);

/* Append n pairs (input, ISO) to p as S2S_CHARS text: random dates, each in a
 * format drawn uniformly from the set. The same seed and set give the same
 * pairs. s2s_dates_add_format uses one format only. */
void s2s_dates_add(S2sPairs *p, int n, uint64_t seed, S2sDateSet set);
void s2s_dates_add_format(S2sPairs *p, int n, uint64_t seed, int f);
/* As s2s_dates_add, but a draw whose input is already a key of seen is
 * skipped and drawn again, and each kept input joins seen: splits drawn in
 * turn through one map share no input (and none repeats within a split).
 * Dies if the formats cannot give n new inputs. */
void s2s_dates_add_unseen(S2sPairs *p, int n, uint64_t seed, S2sDateSet set, StrMap *seen);

#endif
