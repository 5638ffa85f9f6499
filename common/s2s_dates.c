/*
 * s2s_dates.c -- the date-normalisation task (s2s_dates.h): a calendar, templates
 * and a seeded generator.
 */
#include "s2s_dates.h"

#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "util.h"

/*
 * Template pieces:
 *   {d} 9    {dd} 09    {dth} 9th
 *   {m} 5    {mm} 05    {month} may   {Month} May   {mon} may   {Mon} May (3 letters)
 *   {wd} saturday  {Wd} Saturday  {wdy} sat  {Wdy} Sat
 *   {yyyy} 2018    {yy} 18
 * Anything else is copied.
 */
typedef struct {
    const char *tmpl;
    int heldout;
} DateFormat;

static const DateFormat FORMATS[] = {
    /* training */
    {"{d} {month} {yyyy}", 0},           /* 9 may 2018 */
    {"{wd} {d} {month} {yyyy}", 0},      /* wednesday 9 may 2018 */
    {"{d}/{m}/{yy}", 0},                 /* 9/5/18 */
    {"{Month} {dth}, {yyyy}", 0},        /* May 9th, 2018 */
    {"{dd}.{mm}.{yyyy}", 0},             /* 09.05.2018 */
    {"{yyyy} {month} {d}", 0},           /* 2018 may 9 */
    {"{wd}, {month} {d}, {yyyy}", 0},    /* tuesday, march 3, 1998 */
    {"{d} {Mon} {yyyy}", 0},             /* 9 May 2018 (short month) */
    {"{dd}/{mm}/{yyyy}", 0},             /* 09/05/2018 */
    {"{Wdy}, {d} {Month} {yy}", 0},      /* Wed, 9 May 18 */
    {"the {dth} of {month} {yyyy}", 0},  /* the 9th of may 2018 */
    {"{month} {d}, {yyyy}", 0},          /* may 9, 2018 */
    {"{d}-{mon}-{yyyy}", 0},             /* 9-may-2018 */
    {"{yyyy}/{mm}/{dd}", 0},             /* 2018/05/09 */
    {"{Wd} {d} {Month} {yyyy}", 0},      /* Wednesday 9 May 2018 */
    {"{wdy} {mon} {d} {yy}", 0},         /* wed may 9 18 */
    /* held out: known pieces in new combinations */
    {"{d}.{m}.{yy}", 1},                 /* 9.5.18: dots, unpadded, short year */
    {"{wd}, {dth} {month} {yyyy}", 1},   /* wednesday, 9th may 2018 */
    {"{month} {dth} {yyyy}", 1},         /* may 9th 2018 */
    {"{dd}-{mm}-{yyyy}", 1},             /* 09-05-2018 */
};
#define NFORMATS ((int)(sizeof FORMATS / sizeof FORMATS[0]))

static const char *const MONTHS[12] = {"january", "february", "march", "april", "may", "june",
                                       "july", "august", "september", "october", "november", "december"};
static const char *const WEEKDAYS[7] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

int s2s_dates_nformats(void) { return NFORMATS; }

const char *s2s_dates_format(int f) {
    if (f < 0 || f >= NFORMATS) die("date format %d out of range [0, %d)", f, NFORMATS);
    return FORMATS[f].tmpl;
}

int s2s_dates_heldout(int f) {
    s2s_dates_format(f);
    return FORMATS[f].heldout;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int s2s_dates_days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Sakamoto's method; its 0 is sunday, shifted so that 0 is monday. */
int s2s_dates_weekday(int y, int m, int d) {
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3) y -= 1;
    int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
    return (sunday0 + 6) % 7;
}

void s2s_dates_iso(char *iso, int y, int m, int d) {
    char s[48];
    snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
    memcpy(iso, s, 10);
    iso[10] = '\0';
}

static const char *ordinal_suffix(int d) {
    if (d >= 11 && d <= 13) return "th";
    switch (d % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
    }
}

/* A word, optionally title-cased, optionally cut to 3 letters. */
static int put_word(char *dst, size_t size, const char *word, int title, int short3) {
    char w[16];
    snprintf(w, sizeof w, "%.*s", short3 ? 3 : (int)strlen(word), word);
    if (title) w[0] = (char)(w[0] - 'a' + 'A');
    return snprintf(dst, size, "%s", w);
}

/* One piece's text into dst; returns its length, or -1 if the name is unknown. */
static int render_piece(char *dst, size_t size, const char *name, size_t len, int y, int m, int d) {
#define IS(s) (len == strlen(s) && !memcmp(name, s, len))
    int wd = s2s_dates_weekday(y, m, d);
    if (IS("d")) return snprintf(dst, size, "%d", d);
    if (IS("dd")) return snprintf(dst, size, "%02d", d);
    if (IS("dth")) return snprintf(dst, size, "%d%s", d, ordinal_suffix(d));
    if (IS("m")) return snprintf(dst, size, "%d", m);
    if (IS("mm")) return snprintf(dst, size, "%02d", m);
    if (IS("month")) return put_word(dst, size, MONTHS[m - 1], 0, 0);
    if (IS("Month")) return put_word(dst, size, MONTHS[m - 1], 1, 0);
    if (IS("mon")) return put_word(dst, size, MONTHS[m - 1], 0, 1);
    if (IS("Mon")) return put_word(dst, size, MONTHS[m - 1], 1, 1);
    if (IS("wd")) return put_word(dst, size, WEEKDAYS[wd], 0, 0);
    if (IS("Wd")) return put_word(dst, size, WEEKDAYS[wd], 1, 0);
    if (IS("wdy")) return put_word(dst, size, WEEKDAYS[wd], 0, 1);
    if (IS("Wdy")) return put_word(dst, size, WEEKDAYS[wd], 1, 1);
    if (IS("yyyy")) return snprintf(dst, size, "%04d", y);
    if (IS("yy")) return snprintf(dst, size, "%02d", y % 100);
#undef IS
    return -1;
}

int s2s_dates_render(char *buf, size_t size, int f, int y, int m, int d) {
    const char *t = s2s_dates_format(f);
    if (m < 1 || m > 12 || d < 1 || d > s2s_dates_days_in_month(y, m))
        die("s2s_dates_render: %d-%d-%d is not a date", y, m, d);
    char out[64];
    size_t n = 0;
    while (*t) {
        if (*t == '{') {
            const char *end = strchr(t, '}');
            if (!end) die("date format '%s': '{' without '}'", s2s_dates_format(f));
            int k = render_piece(out + n, sizeof out - n, t + 1, (size_t)(end - t - 1), y, m, d);
            if (k < 0) die("date format '%s': unknown piece '%.*s'", s2s_dates_format(f), (int)(end - t - 1), t + 1);
            n += (size_t)k;
            t = end + 1;
        } else {
            out[n++] = *t++;
        }
        if (n >= sizeof out - 1) die("date format '%s': too long", s2s_dates_format(f));
    }
    out[n] = '\0';
    return snprintf(buf, size, "%s", out);
}

/* The formats a set draws from. */
static int formats_of(S2sDateSet set, int *fs) {
    int k = 0;
    for (int f = 0; f < NFORMATS; f++)
        if (set == S2S_DATES_ALL || (set == S2S_DATES_HELDOUT) == (FORMATS[f].heldout != 0)) fs[k++] = f;
    return k;
}

/* Append n examples, each in a format drawn from fs[0..nf); with seen, only
 * inputs not yet in it (s2s_dates_add_unseen). */
static void add_examples(S2sPairs *p, int n, uint64_t seed, const int *fs, int nf, StrMap *seen) {
    Rng r;
    rng_seed(&r, seed, 0xDA7E5);
    char in[S2S_DATES_MAX_INPUT + 8], iso[11];
    /* a split is a small fraction of the ~700,000 distinct inputs, so draws
     * are rarely refused; the bound only stops an impossible request */
    long tries = 0, max_tries = 100L * n + 1000;
    for (int i = 0; i < n;) {
        if (++tries > max_tries) die("dates: cannot draw %d inputs that no other split holds", n);
        int y = S2S_DATES_YEAR_MIN + (int)rng_below(&r, S2S_DATES_YEAR_MAX - S2S_DATES_YEAR_MIN + 1);
        int m = 1 + (int)rng_below(&r, 12);
        int d = 1 + (int)rng_below(&r, (uint32_t)s2s_dates_days_in_month(y, m));
        int f = fs[nf == 1 ? 0 : rng_below(&r, (uint32_t)nf)];
        int len = s2s_dates_render(in, sizeof in, f, y, m, d);
        if (seen) {
            int added;
            strmap_intern(seen, in, (size_t)len, &added);
            if (!added) continue;
        }
        s2s_dates_iso(iso, y, m, d);
        s2s_pairs_add(p, in, iso, S2S_CHARS);
        i++;
    }
}

void s2s_dates_add(S2sPairs *p, int n, uint64_t seed, S2sDateSet set) {
    int fs[NFORMATS];
    int nf = formats_of(set, fs);
    add_examples(p, n, seed, fs, nf, NULL);
}

void s2s_dates_add_format(S2sPairs *p, int n, uint64_t seed, int f) {
    s2s_dates_format(f);
    add_examples(p, n, seed, &f, 1, NULL);
}

void s2s_dates_add_unseen(S2sPairs *p, int n, uint64_t seed, S2sDateSet set, StrMap *seen) {
    int fs[NFORMATS];
    int nf = formats_of(set, fs);
    add_examples(p, n, seed, fs, nf, seen);
}
