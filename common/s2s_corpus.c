/*
 * s2s_corpus.c -- parallel text for translation (s2s_corpus.h): the word tokenizer,
 * loading with its checks, vocabularies, and padded batches.
 *
 * The tokenizer imitates spaCy's rule-based tokenizer (the English and German
 * models the Multi30k tutorials use), written out as plain rules:
 *
 *   1. split the line at whitespace;
 *   2. for each chunk, as spaCy's Tokenizer._split_affixes does, repeatedly
 *      take one prefix off the front and one suffix off the back
 *      ("(Hello!)" -> "(" "Hello" "!" ")"), stopping early when what is left
 *      is a special case ("don't" -> "do" "n't", "Mr." stays whole);
 *   3. split what remains at its infixes ("T-shirt" -> "T" "-" "shirt" in
 *      English; German keeps "T-Shirt");
 *   4. lower-case each token (Python's str.lower(), common/unicode_lower.h).
 *
 * Case is looked at before lower-casing, as in the tutorials (spaCy sees the
 * raw line, torchtext lower-cases its tokens): an abbreviation like "Mr." is a
 * special case but "mr." is not, and a period after two capitals ("USA.")
 * splits off while one after a lone capital ("A.") does not.
 * Whitespace never becomes a token (spaCy makes one of a second space).
 */
#include "s2s_corpus.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "unicode_lower.h"
#include "util.h"

/* ------------------------------------------------------- character classes */

static int in_ranges(uint32_t c, const uint32_t (*r)[2], size_t n) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < r[mid][0]) hi = mid;
        else if (c > r[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}

/* Python's str.isspace() */
static int is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Letters of scripts without case (spaCy's _uncased: Hebrew, Arabic, Indic,
 * Hangul, CJK): they count as both upper and lower case there. */
static int is_uncased_letter(uint32_t c) {
    return (c >= 0x0591 && c <= 0x05F4) || (c >= 0x0620 && c <= 0x06FF) ||
           (c >= 0x0900 && c <= 0x0DFF) || (c >= 0x1100 && c <= 0x11FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF);
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int is_cased(uint32_t c) { return in_ranges(c, unicode_cased_ranges, unicode_cased_nranges); }
static int is_alpha(uint32_t c) { return is_cased(c) || is_uncased_letter(c); }
static int is_upper(uint32_t c) { return unicode_lower_one(c) != c || is_uncased_letter(c); }
static int is_lower(uint32_t c) { return (is_cased(c) && unicode_lower_one(c) == c) || is_uncased_letter(c); }

static int in_list(uint32_t c, const uint32_t *list) {
    for (; *list; list++)
        if (*list == c) return 1;
    return 0;
}

/* spaCy's char_classes: LIST_PUNCT (the one-character entries), LIST_QUOTES,
 * LIST_CURRENCY. */
static const uint32_t PUNCT[] = {0x2026, ',', ':', ';', '!', '?', 0xBF, 0x61F, 0xA1, '(', ')', '[', ']',
                                 '{', '}', '<', '>', '_', '#', '*', '&', 0x3002, 0xFF1F, 0xFF01, 0xFF0C,
                                 0x3001, 0xFF1B, 0xFF1A, 0xFF5E, 0xB7, 0x964, 0x60C, 0x6D4, 0x61B, 0x66A, 0};
static const uint32_t QUOTES[] = {'\'', '"', 0x201D, 0x201C, '`', 0x2018, 0xB4, 0x2019, 0x201A, ',',
                                  0x201E, 0xBB, 0xAB, 0x300C, 0x300D, 0x300E, 0x300F, 0xFF08, 0xFF09,
                                  0x3014, 0x3015, 0x3010, 0x3011, 0x300A, 0x300B, 0x3008, 0x3009, 0};
static const uint32_t CURRENCY[] = {'$', 0xA3, 0x20AC, 0xA5, 0xE3F, 0x20BD, 0xFDFC, 0x20B4, 0};

static int is_punct(uint32_t c) { return in_list(c, PUNCT); }
static int is_quote(uint32_t c) { return in_list(c, QUOTES); }
static int is_quote_not_apos(uint32_t c) { return c != '\'' && is_quote(c); }

/* spaCy's ICONS (Unicode "other symbols"), in its main blocks: degree and
 * copyright signs, arrows, technical and box-drawing symbols, dingbats, emoji. */
static int is_icon(uint32_t c) {
    return c == 0xA6 || c == 0xA9 || c == 0xAE || c == 0xB0 || (c >= 0x2190 && c <= 0x21FF) ||
           (c >= 0x2300 && c <= 0x23FF) || (c >= 0x2500 && c <= 0x27BF) ||
           (c >= 0x2B00 && c <= 0x2BFF) || (c >= 0x1F000 && c <= 0x1FAFF);
}

/* ------------------------------------------------------------ languages */

S2sLang s2s_lang_of_path(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return S2S_LANG_EN;
    if (!strcmp(dot, ".de")) return S2S_LANG_DE;
    if (!strcmp(dot, ".es")) return S2S_LANG_ES;
    return S2S_LANG_EN;
}

/* ---------------------------------------------------------- special cases */

/* A chunk (or what is left of it after affixes) that is a special case is
 * replaced by its pieces and not split further: spaCy's tokenizer exceptions.
 * Keys are case-sensitive as there. One table per language, built once. */
typedef struct {
    StrMap keys;
    char **pieces;   /* (n) the pieces, space-separated */
    int n, cap;
} Specials;

static void special(Specials *sp, const char *key, const char *pieces) {
    int added;
    int e = strmap_intern(&sp->keys, key, strlen(key), &added);
    if (e >= sp->cap) {
        sp->cap = sp->cap ? 2 * sp->cap : 256;
        sp->pieces = xrealloc(sp->pieces, (size_t)sp->cap * sizeof(char *));
    }
    if (!added) free(sp->pieces[e]);
    sp->pieces[e] = xstrdup(pieces);
    if (e >= sp->n) sp->n = e + 1;
}

/* key = a + b, pieces = "a b" (or "a b c" with a third part) */
static void special2(Specials *sp, const char *a, const char *b, const char *c) {
    char key[128], pieces[128];
    snprintf(key, sizeof key, "%s%s%s", a, b, c ? c : "");
    snprintf(pieces, sizeof pieces, c ? "%s %s %s" : "%s %s", a, b, c);
    special(sp, key, pieces);
}

static void title_case(char *dst, const char *src, size_t size) {
    snprintf(dst, size, "%s", src);
    if (dst[0] >= 'a' && dst[0] <= 'z') dst[0] = (char)(dst[0] - 'a' + 'A');
}

/* word + each clitic, for the word as written and title-cased ("It'll", "it'll") */
static void clitics(Specials *sp, const char *const *words, const char *const *cl) {
    for (const char *const *w = words; *w; w++) {
        char forms[2][32];
        snprintf(forms[0], sizeof forms[0], "%s", *w);
        title_case(forms[1], *w, sizeof forms[1]);
        for (int f = 0; f < 2; f++)
            for (const char *const *c = cl; *c; c++) {
                /* "'ll've" -> "'ll" "'ve": a clitic may hold two pieces */
                char first[16];
                const char *second = NULL;
                snprintf(first, sizeof first, "%s", *c);
                char *bar = strchr(first, '|');
                if (bar) { *bar = '\0'; second = bar + 1; }
                special2(sp, forms[f], first, second);
            }
    }
}

/* Special cases every language has (spaCy's BASE_EXCEPTIONS, in part). */
static void specials_base(Specials *sp) {
    for (char c = 'a'; c <= 'z'; c++) {
        char k[3] = {c, '.', '\0'};
        special(sp, k, k);
    }
    const char *const misc[] = {"\xC3\xA4.", "\xC3\xB6.", "\xC3\xBC.", "C++", "''", ":)", ":-)", ":(",
                                ":-(", ";)", ";-)", ":D", ":P", ":p", "<3", "=)", "(:", "):", ":/", NULL};
    for (const char *const *m = misc; *m; m++) special(sp, *m, *m);
}

/* spaCy's English tokenizer exceptions: contractions, clitics, abbreviations. */
static void specials_en(Specials *sp) {
    specials_base(sp);
    const char *const i_[] = {"i", NULL};
    const char *const prons[] = {"i", "you", "he", "she", "it", "we", "they", NULL};
    const char *const have_prons[] = {"i", "you", "we", "they", NULL};
    const char *const are_prons[] = {"you", "we", "they", NULL};
    const char *const is_prons[] = {"he", "she", "it", NULL};
    const char *const wh[] = {"who", "what", "when", "where", "why", "how", "there", "that", NULL};
    const char *const nt_verbs[] = {"ca", "could", "do", "does", "did", "had", "may", "might", "must",
                                    "need", "ought", "sha", "should", "wo", "would", NULL};
    const char *const ve_verbs[] = {"could", "might", "must", "should", "would", NULL};
    const char *const be_verbs[] = {"ai", "are", "is", "was", "were", "have", "has", "dare", NULL};
    const char *const am[] = {"'m", "m", NULL};
    const char *const will_would[] = {"'ll", "ll", "'ll|'ve", "ll|ve", "'d", "d", "'d|'ve", "d|ve", NULL};
    const char *const have[] = {"'ve", "ve", NULL};
    const char *const are[] = {"'re", "re", NULL};
    const char *const is[] = {"'s", "s", NULL};
    const char *const wh_cl[] = {"'s", "s", "'ll", "ll", "'ll|'ve", "ll|ve", "'re", "re", "'ve", "ve",
                                 "'d", "d", "'d|'ve", "d|ve", NULL};
    const char *const nt[] = {"n't", "nt", "n't|'ve", "nt|ve", NULL};
    const char *const nt_only[] = {"n't", "nt", NULL};
    clitics(sp, i_, am);
    for (int f = 0; f < 2; f++) {   /* I'ma -> I 'm a */
        special(sp, f ? "I'ma" : "i'ma", f ? "I 'm a" : "i 'm a");
        special(sp, f ? "Ima" : "ima", f ? "I m a" : "i m a");
    }
    clitics(sp, prons, will_would);
    clitics(sp, have_prons, have);
    clitics(sp, are_prons, are);
    clitics(sp, is_prons, is);
    clitics(sp, wh, wh_cl);
    clitics(sp, nt_verbs, nt);
    clitics(sp, ve_verbs, have);
    clitics(sp, be_verbs, nt_only);
    /* whole words: dropped-g forms, leading-apostrophe forms, abbreviations */
    const char *const whole[] = {
        "doin", "doin'", "Doin", "Doin'", "goin", "goin'", "Goin", "Goin'", "nothin", "nothin'",
        "Nothin", "Nothin'", "nuthin", "nuthin'", "Nuthin", "Nuthin'", "ol", "ol'", "Ol", "Ol'",
        "somethin", "somethin'", "Somethin", "Somethin'", "cause", "'cause", "em", "'em", "ll", "'ll",
        "nuff", "'nuff", "'S", "'s", "\xE2\x80\x98S", "\xE2\x80\x98s", "and/or", "w/o", "'re", "'Cause",
        "'cos", "'Cos", "'coz", "'Coz", "'cuz", "'Cuz", "'bout", "ma'am", "Ma'am", "o'clock", "O'clock",
        "lovin'", "Lovin'", "lovin", "Lovin", "havin'", "Havin'", "havin", "Havin", "'d", "a.m.",
        "p.m.", "Adm.", "Bros.", "co.", "Co.", "Corp.", "D.C.", "Dr.", "e.g.", "E.g.", "E.G.", "Gen.",
        "Gov.", "i.e.", "I.e.", "I.E.", "Inc.", "Jr.", "Ltd.", "Md.", "Messrs.", "Mo.", "Mont.", "Mr.",
        "Mrs.", "Ms.", "Ph.D.", "Rep.", "Rev.", "Sen.", "St.", "vs.", "Mt.", "Ak.", "Ala.", "Apr.",
        "Ariz.", "Ark.", "Aug.", "Calif.", "Colo.", "Conn.", "Dec.", "Del.", "Feb.", "Fla.", "Ga.",
        "Ia.", "Id.", "Ill.", "Ind.", "Jan.", "Jul.", "Jun.", "Kan.", "Kans.", "Ky.", "La.", "Mar.",
        "Mass.", "May.", "Mich.", "Minn.", "Miss.", "N.C.", "N.D.", "N.H.", "N.J.", "N.M.", "N.Y.",
        "Neb.", "Nebr.", "Nev.", "Nov.", "Oct.", "Okla.", "Ore.", "Pa.", "S.C.", "Sep.", "Sept.",
        "Tenn.", "Va.", "Wash.", "Wis.", NULL};
    for (const char *const *w = whole; *w; w++) special(sp, *w, *w);
    /* times: 5pm -> 5 pm, 11a.m. -> 11 a.m. */
    const char *const periods[] = {"a.m.", "am", "p.m.", "pm", NULL};
    for (int h = 1; h <= 12; h++) {
        char num[16];
        snprintf(num, sizeof num, "%d", h);
        for (const char *const *p = periods; *p; p++) special2(sp, num, *p, NULL);
    }
    const char *const pairs[][2] = {
        {"y'all", "y' all"}, {"yall", "y all"}, {"how'd'y", "how 'd 'y"}, {"How'd'y", "How 'd 'y"},
        {"not've", "not 've"}, {"notve", "not ve"}, {"Not've", "Not 've"}, {"Notve", "Not ve"},
        {"cannot", "can not"}, {"Cannot", "Can not"}, {"gonna", "gon na"}, {"Gonna", "Gon na"},
        {"gotta", "got ta"}, {"Gotta", "Got ta"}, {"let's", "let 's"}, {"Let's", "Let 's"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) special(sp, pairs[i][0], pairs[i][1]);
    /* real words the clitic rules would split */
    const char *const exclude[] = {"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed",
                                   "shed", "were", "Were", "Well", "well", "Whore", "whore", NULL};
    for (const char *const *w = exclude; *w; w++) special(sp, *w, *w);
}

/* spaCy's German tokenizer exceptions: contractions and abbreviations. */
static void specials_de(Specials *sp) {
    specials_base(sp);
    const char *const pairs[][2] = {
        {"auf'm", "auf 'm"}, {"du's", "du 's"}, {"er's", "er 's"}, {"hinter'm", "hinter 'm"},
        {"ich's", "ich 's"}, {"ihr's", "ihr 's"}, {"sie's", "sie 's"}, {"unter'm", "unter 'm"},
        {"vor'm", "vor 'm"}, {"wir's", "wir 's"}, {"\xC3\xBC" "ber'm", "\xC3\xBC" "ber 'm"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) special(sp, pairs[i][0], pairs[i][1]);
    const char *const whole[] = {
        "'S", "'s", "S'", "s'", "'n", "'ne", "'nen", "'nem", "Abb.", "Abk.", "Abt.", "Apr.", "Aug.",
        "Bd.", "Betr.", "Bf.", "Bhf.", "Bsp.", "Dez.", "Di.", "Do.", "Fa.", "Fam.", "Feb.", "Fr.",
        "Frl.", "Hbf.", "Hr.", "Hrn.", "Jan.", "Jh.", "Jhd.", "Jul.", "Jun.", "Mi.", "Mio.", "Mo.",
        "Mrd.", "Mrz.", "MwSt.", "M\xC3\xA4r.", "Nov.", "Nr.", "Okt.", "Orig.", "Pkt.", "Prof.", "Red.",
        "Sa.", "Sep.", "Sept.", "So.", "Std.", "Str.", "Tel.", "Tsd.", "Univ.", "abzgl.", "allg.",
        "bspw.", "bzgl.", "bzw.", "d.h.", "dgl.", "ebd.", "eigtl.", "engl.", "evtl.", "frz.", "gegr.",
        "ggf.", "ggfs.", "gg\xC3\xBC.", "i.O.", "i.d.R.", "incl.", "inkl.", "insb.", "kath.", "lt.",
        "max.", "min.", "mind.", "mtl.", "n.Chr.", "orig.", "r\xC3\xB6m.", "s.o.", "sog.", "stellv.",
        "t\xC3\xA4gl.", "u.U.", "u.s.w.", "u.v.m.", "usf.", "usw.", "uvm.", "v.Chr.", "v.a.",
        "v.l.n.r.", "vgl.", "vllt.", "vlt.", "z.B.", "z.Bsp.", "z.T.", "z.Z.", "z.Zt.", "z.b.",
        "zzgl.", "\xC3\xB6sterr.", "``", "A.C.", "a.D.", "A.D.", "A.G.", "a.M.", "a.Z.", "Abs.",
        "adv.", "al.", "B.A.", "B.Sc.", "betr.", "biol.", "Biol.", "ca.", "CDU/CSU", "Chr.", "Cie.",
        "c/o", "co.", "Co.", "d'", "D.C.", "Dipl.-Ing.", "Dipl.", "Dr.", "e.g.", "e.V.", "ehem.",
        "entspr.", "erm.", "etc.", "ev.", "G.m.b.H.", "geb.", "Gebr.", "gem.", "h.c.", "Hg.", "hrsg.",
        "Hrsg.", "i.A.", "i.e.", "i.G.", "i.Tr.", "i.V.", "I.", "II.", "III.", "IV.", "Inc.", "Ing.",
        "jr.", "Jr.", "jun.", "jur.", "K.O.", "L.A.", "lat.", "M.A.", "m.E.", "m.M.", "m.W.", "M.Sc.",
        "Mr.", "N.Y.", "N.Y.C.", "nat.", "o.a.", "o.\xC3\xA4.", "o.g.", "o.k.", "O.K.", "p.a.", "p.s.",
        "P.S.", "pers.", "phil.", "q.e.d.", "R.I.P.", "rer.", "sen.", "s.u.", "St.", "str.", "U.K.",
        "U.S.", "u.a.", "u.\xC3\xA4.", "\xC3\xBC.", "\xC3\x9C.", "v.a.D.", "X.", NULL};
    for (const char *const *w = whole; *w; w++) special(sp, *w, *w);
}

/* Spanish: the common abbreviations (the Bible has few). */
static void specials_es(Specials *sp) {
    specials_base(sp);
    const char *const whole[] = {"Sr.", "Sra.", "Srta.", "Sres.", "Dr.", "Dra.", "Ud.", "Uds.", "Vd.",
                                 "Vds.", "etc.", "p.ej.", "p\xC3\xA1g.", "n\xC2\xBA.", "Av.", "Ave.",
                                 "EE.UU.", "S.A.", "a.C.", "d.C.", "a.m.", "p.m.", NULL};
    for (const char *const *w = whole; *w; w++) special(sp, *w, *w);
}

static Specials g_specials[S2S_NLANG];
static pthread_once_t g_specials_once = PTHREAD_ONCE_INIT;

static void specials_init(void) {
    for (int l = 0; l < S2S_NLANG; l++) strmap_init(&g_specials[l].keys);
    specials_en(&g_specials[S2S_LANG_EN]);
    specials_de(&g_specials[S2S_LANG_DE]);
    specials_es(&g_specials[S2S_LANG_ES]);
}

/* ------------------------------------------------------------- tokenizer */

/* One whitespace-free chunk of the line: its code points and where each
 * starts in the line's bytes (off[n] = the end). */
typedef struct {
    const char *bytes;
    const uint32_t *cp;
    const size_t *off;
    S2sLang lang;
    const Specials *sp;
} Chunk;

typedef struct { int a, b; } Span;   /* code points [a, b) of the chunk */

/* The special case's pieces if cp[a..b) is one, else NULL. */
static const char *special_of(const Chunk *c, int a, int b) {
    if (a >= b) return NULL;
    int e = strmap_find(&c->sp->keys, c->bytes + c->off[a], c->off[b] - c->off[a]);
    return e < 0 ? NULL : c->sp->pieces[e];
}

/* spaCy's UNITS, lower and upper case as listed there */
static const char *const UNITS[] = {
    "km", "km\xC2\xB2", "km\xC2\xB3", "m", "m\xC2\xB2", "m\xC2\xB3", "dm", "dm\xC2\xB2", "dm\xC2\xB3",
    "cm", "cm\xC2\xB2", "cm\xC2\xB3", "mm", "mm\xC2\xB2", "mm\xC2\xB3", "ha", "\xC2\xB5m", "nm", "yd",
    "in", "ft", "kg", "g", "mg", "\xC2\xB5g", "t", "lb", "oz", "m/s", "km/h", "kmh", "mph", "hPa",
    "Pa", "mbar", "mb", "MB", "kb", "KB", "gb", "GB", "tb", "TB", "T", "G", "M", "K", "%", NULL};

/* Does cp[a..b) end with the UTF-8 string s? Returns its length in code points, or 0. */
static int ends_with(const Chunk *c, int a, int b, const char *s) {
    size_t n = strlen(s);
    if (c->off[b] - c->off[a] < n) return 0;
    size_t start = c->off[b] - n;
    if (memcmp(c->bytes + start, s, n) != 0) return 0;
    int k = b;
    while (k > a && c->off[k] > start) k--;
    return c->off[k] == start ? b - k : 0;
}

static int starts_with_ascii(const Chunk *c, int a, int b, const char *s) {
    int n = (int)strlen(s);
    if (b - a < n) return 0;
    for (int i = 0; i < n; i++)
        if (c->cp[a + i] != (uint32_t)(unsigned char)s[i]) return 0;
    return n;
}

/* Length of the prefix at cp[a..b) (0: none): spaCy's TOKENIZER_PREFIXES. */
static int find_prefix(const Chunk *c, int a, int b) {
    const uint32_t *s = c->cp + a;
    int n = b - a;
    if (n == 0) return 0;
    if (c->lang == S2S_LANG_DE && starts_with_ascii(c, a, b, "``")) return 2;
    uint32_t x = s[0];
    if (x == 0xA7 || x == '%' || x == '=' || x == 0x2014 || x == 0x2013) return 1;
    if (x == '+') return n > 1 && is_digit(s[1]) ? 0 : 1;
    if (x == '.') {   /* an ellipsis "..", "..." */
        int k = 1;
        while (k < n && s[k] == '.') k++;
        return k >= 2 ? k : 0;
    }
    if (is_punct(x) || is_quote(x) || in_list(x, CURRENCY) || is_icon(x)) return 1;
    int m;
    if ((m = starts_with_ascii(c, a, b, "US$")) || (m = starts_with_ascii(c, a, b, "C$")) ||
        (m = starts_with_ascii(c, a, b, "A$")))
        return m;
    return 0;
}

/* Length of the suffix at the end of cp[a..b) (0: none): spaCy's
 * TOKENIZER_SUFFIXES, searched as its regex does, so the match that starts
 * leftmost wins ("word..." -> "...", not "."). */
static int find_suffix(const Chunk *c, int a, int b) {
    int n = b - a;
    if (n == 0) return 0;
    const uint32_t *s = c->cp + a;
    uint32_t last = s[n - 1];
    uint32_t prev = n >= 2 ? s[n - 2] : 0;
    int best = 0;   /* the longest suffix found = the leftmost start */
#define TAKE(len) do { if ((len) > best && (len) < n + 1) best = (len); } while (0)
    if (c->lang == S2S_LANG_EN)
        if (ends_with(c, a, b, "'s") || ends_with(c, a, b, "'S") || ends_with(c, a, b, "\xE2\x80\x99s") ||
            ends_with(c, a, b, "\xE2\x80\x99S"))
            TAKE(2);
    if (c->lang == S2S_LANG_DE) {
        if (ends_with(c, a, b, "''")) TAKE(2);
        if (last == '/') TAKE(1);
    }
    if (is_punct(last) || is_quote(last) || is_icon(last)) TAKE(1);
    if (c->lang != S2S_LANG_DE && (last == 0x2014 || last == 0x2013)) TAKE(1);
    if (last == '.') {
        int k = 0;   /* an ellipsis: the whole run of periods */
        while (k < n && s[n - 1 - k] == '.') k++;
        if (k >= 2) TAKE(k);
    }
    if (n >= 2 && is_digit(prev) && (last == '+' || in_list(last, CURRENCY))) TAKE(1);
    for (int m = 2; m <= 3 && m < n; m++) {   /* 5US$, 5C$ */
        const char *cur = m == 3 ? "US$" : "C$";
        if (ends_with(c, a, b, cur) == m && is_digit(s[n - 1 - m])) TAKE(m);
        if (m == 2 && ends_with(c, a, b, "A$") == 2 && is_digit(s[n - 3])) TAKE(2);
    }
    for (const char *const *u = UNITS; *u; u++) {   /* 10km -> 10 km */
        int m = ends_with(c, a, b, *u);
        if (m > 0 && m < n && is_digit(s[n - 1 - m])) TAKE(m);
    }
    if (last == '.' && n >= 2) {
        /* a period after a lower-case letter, a digit (not in German, where
         * "1." is an ordinal), %, ², -, +, punctuation or a quote */
        int after = is_lower(prev) || prev == '%' || prev == 0xB2 || prev == '-' || prev == '+' ||
                    is_punct(prev) || is_quote(prev) || (is_digit(prev) && c->lang != S2S_LANG_DE);
        /* ... or after two capitals ("USA." but not "A.") */
        if (!after && n >= 3 && is_upper(prev) && is_upper(s[n - 3])) after = 1;
        /* ... or after a temperature ("5°C.") */
        if (!after && n >= 3 && s[n - 3] == 0xB0 && strchr("FfCcKk", (int)prev) && prev < 128) after = 1;
        if (after) TAKE(1);
    }
#undef TAKE
    return best < n + 1 ? best : 0;
}

/* Length of an infix starting at cp[i] of cp[a..b) (0: none): spaCy's
 * TOKENIZER_INFIXES for the language, tried in its order. A lookbehind sees
 * only cp[a..i), as the regex sees only the string it is given. */
static int find_infix(const Chunk *c, int a, int b, int i) {
    const uint32_t *s = c->cp;
    uint32_t x = s[i];
    uint32_t prev = i > a ? s[i - 1] : 0;
    int has_prev = i > a;
#define NEXT(k) (i + (k) < b ? s[i + (k)] : 0)
    if (x == '.' && NEXT(1) == '.') {   /* an ellipsis */
        int k = 1;
        while (i + k < b && s[i + k] == '.') k++;
        return k;
    }
    if (x == 0x2026 || is_icon(x)) return 1;
    if (!has_prev) return 0;
    if (c->lang == S2S_LANG_DE) {
        uint32_t nx = NEXT(1);
        if (is_digit(prev) && strchr("+-*^", (int)x) && x < 128 && (is_digit(nx) || nx == '-')) return 1;
        if (x == '.' && (is_lower(prev) || is_quote_not_apos(prev)) && (is_upper(nx) || is_quote_not_apos(nx)))
            return 1;
        if (!is_alpha(prev)) return is_digit(prev) && x == '-' && is_digit(nx) ? 1 : 0;
        if ((x == ',' || x == '!' || x == '?' || x == ':' || x == '<' || x == '>' || x == '=') && is_alpha(nx))
            return 1;
        if ((is_quote_not_apos(x) || x == ')' || x == ']' || x == '(' || x == '[') && is_alpha(nx)) return 1;
        if (x == '-' && NEXT(1) == '-' && is_alpha(NEXT(2))) return 2;
        return 0;
    }
    /* English, and the base rules Spanish shares */
    uint32_t nx = NEXT(1);
    if (is_digit(prev) && strchr("+-*^", (int)x) && x < 128 && (is_digit(nx) || nx == '-')) return 1;
    if (x == '.' && (is_lower(prev) || is_quote(prev)) && (is_upper(nx) || is_quote(nx))) return 1;
    if (x == ',' && is_alpha(prev) && is_alpha(nx)) return 1;
    if (is_alpha(prev) || is_digit(prev)) {
        /* hyphens: - – — -- --- —— ~, tried in that order, before a letter */
        static const uint32_t hyphens[][4] = {{'-'}, {0x2013}, {0x2014}, {'-', '-'}, {'-', '-', '-'},
                                              {0x2014, 0x2014}, {'~'}};
        for (size_t h = 0; h < sizeof hyphens / sizeof hyphens[0]; h++) {
            int k = 0;
            while (k < 4 && hyphens[h][k] && NEXT(k) == hyphens[h][k]) k++;
            if ((k == 4 || !hyphens[h][k]) && is_alpha(NEXT(k))) return k;
        }
        if ((x == ':' || x == '<' || x == '>' || x == '=' || x == '/') && is_alpha(nx)) return 1;
    }
#undef NEXT
    return 0;
}

/* A growing byte buffer for the normalised line. */
typedef struct { char *s; size_t n, cap; } Buf;

static void buf_put(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 64;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* Append one token, lower-cased, after a space unless it is the first. */
static void emit_lower(Buf *out, const char *s, size_t n) {
    if (n == 0) return;
    if (out->n > 0) buf_put(out, " ", 1);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) { buf_put(out, s + i, 1); i++; continue; }
        char enc[4];
        buf_put(out, enc, (size_t)utf8_encode(unicode_lower_one(cp), enc));
        i += (size_t)k;
    }
}

static void emit_span(Buf *out, const Chunk *c, int a, int b) {
    emit_lower(out, c->bytes + c->off[a], c->off[b] - c->off[a]);
}

/* A special case's space-separated pieces. */
static void emit_pieces(Buf *out, const char *pieces) {
    while (*pieces) {
        size_t n = strcspn(pieces, " ");
        emit_lower(out, pieces, n);
        pieces += n;
        while (*pieces == ' ') pieces++;
    }
}

/* Tokenize one chunk (spaCy's _split_affixes, then _attach_tokens).
 * pre and suf are scratch stacks of at least n spans. */
static void tokenize_chunk(Buf *out, const Chunk *c, int n, Span *pre, Span *suf) {
    const char *whole = special_of(c, 0, n);
    if (whole) { emit_pieces(out, whole); return; }
    int a = 0, b = n, npre = 0, nsuf = 0, last = -1;
    while (a < b && b - a != last) {
        if (special_of(c, a, b)) break;
        last = b - a;
        int p = find_prefix(c, a, b);
        if (p && special_of(c, a + p, b)) { pre[npre++] = (Span){a, a + p}; a += p; break; }
        int s = find_suffix(c, a + p, b);
        if (s && special_of(c, a, b - s)) { suf[nsuf++] = (Span){b - s, b}; b -= s; break; }
        if (p && s && p + s <= b - a) {
            pre[npre++] = (Span){a, a + p};
            suf[nsuf++] = (Span){b - s, b};
            a += p;
            b -= s;
        } else if (p) {
            pre[npre++] = (Span){a, a + p};
            a += p;
        } else if (s) {
            suf[nsuf++] = (Span){b - s, b};
            b -= s;
        }
        if (special_of(c, a, b)) break;
    }
    for (int i = 0; i < npre; i++) emit_span(out, c, pre[i].a, pre[i].b);
    const char *sp = special_of(c, a, b);
    if (sp) {
        emit_pieces(out, sp);
    } else if (a < b) {
        int start = a;
        for (int i = a; i < b;) {
            int k = find_infix(c, a, b, i);
            if (k == 0) { i++; continue; }
            if (i > start) emit_span(out, c, start, i);
            emit_span(out, c, i, i + k);
            i += k;
            start = i;
        }
        if (start < b) emit_span(out, c, start, b);
    }
    for (int i = nsuf - 1; i >= 0; i--) emit_span(out, c, suf[i].a, suf[i].b);
}

char *s2s_normalise_lang(const char *line, size_t len, S2sTokens kind, S2sLang lang) {
    if (kind == S2S_CHARS) {
        char *copy = xmalloc(len + 1);
        memcpy(copy, line, len);
        copy[len] = '\0';
        return copy;
    }
    pthread_once(&g_specials_once, specials_init);
    if ((unsigned)lang >= S2S_NLANG) lang = S2S_LANG_EN;
    /* decode once: code points and their byte offsets (an invalid byte is
     * kept as one code point of its own, U+FFFD) */
    uint32_t *cp = xmalloc((len + 1) * sizeof *cp);
    size_t *off = xmalloc((len + 1) * sizeof *off);
    Span *stack = xmalloc(2 * (len + 1) * sizeof *stack);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t x;
        int k = utf8_decode(line + i, len - i, &x);
        if (k == 0) { x = 0xFFFD; k = 1; }
        off[n] = i;
        cp[n++] = x;
        i += (size_t)k;
    }
    off[n] = len;
    Buf out = {0};
    buf_put(&out, "", 0);
    for (size_t i = 0; i < n;) {
        if (is_space(cp[i])) { i++; continue; }
        size_t j = i;
        while (j < n && !is_space(cp[j])) j++;
        Chunk c = {line, cp + i, off + i, lang, &g_specials[lang]};
        tokenize_chunk(&out, &c, (int)(j - i), stack, stack + (len + 1));
        i = j;
    }
    free(cp);
    free(off);
    free(stack);
    return out.s;
}

char *s2s_normalise(const char *line, size_t len, S2sTokens kind) {
    return s2s_normalise_lang(line, len, kind, S2S_LANG_EN);
}

int s2s_count_tokens(const char *text, S2sTokens kind) {
    int n = 0;
    if (kind == S2S_CHARS) {
        size_t len = strlen(text);
        for (size_t i = 0; i < len; n++) {
            uint32_t cp;
            int k = utf8_decode(text + i, len - i, &cp);
            i += k ? (size_t)k : 1;
        }
        return n;
    }
    /* words as text.h's VOCAB_WORD splits them: runs without ASCII whitespace */
    for (const char *s = text; *s;) {
        while (*s && strchr(" \t\n\v\f\r", *s)) s++;
        if (!*s) break;
        n++;
        while (*s && !strchr(" \t\n\v\f\r", *s)) s++;
    }
    return n;
}

/* ------------------------------------------------------------------ pairs */

static void pairs_reserve(S2sPairs *p, int n) {
    if (n <= p->cap) return;
    int cap = p->cap ? p->cap : 64;
    while (cap < n) cap *= 2;
    p->src_text = xrealloc(p->src_text, (size_t)cap * sizeof(char *));
    p->tgt_text = xrealloc(p->tgt_text, (size_t)cap * sizeof(char *));
    p->src = xrealloc(p->src, (size_t)cap * sizeof(int *));
    p->tgt = xrealloc(p->tgt, (size_t)cap * sizeof(int *));
    p->src_len = xrealloc(p->src_len, (size_t)cap * sizeof(int));
    p->tgt_len = xrealloc(p->tgt_len, (size_t)cap * sizeof(int));
    p->cap = cap;
}

/* Append a pair whose texts are already normalised; takes ownership of both. */
static void pairs_push(S2sPairs *p, char *src, char *tgt, S2sTokens kind) {
    pairs_reserve(p, p->n + 1);
    int i = p->n++;
    p->kind = kind;
    p->src_text[i] = src;
    p->tgt_text[i] = tgt;
    p->src[i] = p->tgt[i] = NULL;
    p->src_len[i] = s2s_count_tokens(src, kind);
    p->tgt_len[i] = s2s_count_tokens(tgt, kind);
}

void s2s_pairs_add(S2sPairs *p, const char *src, const char *tgt, S2sTokens kind) {
    pairs_push(p, xstrdup(src), xstrdup(tgt), kind);
}

void s2s_pairs_free(S2sPairs *p) {
    for (int i = 0; i < p->n; i++) {
        free(p->src_text[i]);
        free(p->tgt_text[i]);
        free(p->src[i]);
        free(p->tgt[i]);
    }
    free(p->src_text);
    free(p->tgt_text);
    free(p->src);
    free(p->tgt);
    free(p->src_len);
    free(p->tgt_len);
    memset(p, 0, sizeof *p);
}

/* Read a corpus file as lines of valid UTF-8 text; -1 with "FILE:LINE: ..." otherwise. */
static int read_lines(const char *path, Lines **out, char *err, size_t errlen) {
    char *buf = NULL;
    size_t len = 0, bad = 0;
    if (file_read(path, &buf, &len, err, errlen) != 0) return -1;
    if (text_check(path, buf, len, &bad, NULL, 0) != 0) {
        int nul = buf[bad] == '\0';
        size_t line = text_line_of(buf, bad);
        free(buf);
        return err_set(err, errlen, "%s:%zu: %s at byte %zu%s", path, line,
                       nul ? "a NUL byte" : "invalid UTF-8", bad,
                       nul ? " (a binary file?)" : "; convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)");
    }
    if (len == 0) {
        free(buf);
        return err_set(err, errlen, "%s:1: the file is empty", path);
    }
    *out = lines_from_buffer(buf, len);
    return 0;
}

int s2s_pairs_load(S2sPairs *p, const char *src_path, const char *tgt_path, S2sTokens kind,
                   char *err, size_t errlen) {
    Lines *src = NULL, *tgt = NULL;
    if (read_lines(src_path, &src, err, errlen) != 0) return -1;
    if (read_lines(tgt_path, &tgt, err, errlen) != 0) {
        lines_free(src);
        return -1;
    }
    int rc = 0;
    if (src->n != tgt->n) {
        int src_short = src->n < tgt->n;
        rc = err_set(err, errlen, "%s:%zu: the file ends after this line, but %s has %zu lines "
                     "(line k of one must translate line k of the other)",
                     src_short ? src_path : tgt_path, src_short ? src->n : tgt->n,
                     src_short ? tgt_path : src_path, src_short ? tgt->n : src->n);
    }
    S2sLang src_lang = s2s_lang_of_path(src_path), tgt_lang = s2s_lang_of_path(tgt_path);
    char **s_text = xcalloc(src->n + 1, sizeof(char *)), **t_text = xcalloc(src->n + 1, sizeof(char *));
    for (size_t i = 0; rc == 0 && i < src->n; i++) {
        s_text[i] = s2s_normalise_lang(src->line[i], strlen(src->line[i]), kind, src_lang);
        t_text[i] = s2s_normalise_lang(tgt->line[i], strlen(tgt->line[i]), kind, tgt_lang);
        if (!s_text[i][0] || !t_text[i][0])
            rc = err_set(err, errlen, "%s:%zu: empty line%s", s_text[i][0] ? tgt_path : src_path, i + 1,
                         kind == S2S_WORDS ? " (no word in it)" : "");
    }
    if (rc == 0) {
        pairs_reserve(p, p->n + (int)src->n);
        for (size_t i = 0; i < src->n; i++) pairs_push(p, s_text[i], t_text[i], kind);
    } else {
        for (size_t i = 0; i < src->n; i++) { free(s_text[i]); free(t_text[i]); }
    }
    free(s_text);
    free(t_text);
    lines_free(src);
    lines_free(tgt);
    return rc;
}

void s2s_pairs_filter_len(S2sPairs *p, int max_words) {
    int kept = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->src_len[i] <= max_words && p->tgt_len[i] <= max_words) {
            p->src_text[kept] = p->src_text[i];
            p->tgt_text[kept] = p->tgt_text[i];
            p->src[kept] = p->src[i];
            p->tgt[kept] = p->tgt[i];
            p->src_len[kept] = p->src_len[i];
            p->tgt_len[kept] = p->tgt_len[i];
            kept++;
        } else {
            free(p->src_text[i]);
            free(p->tgt_text[i]);
            free(p->src[i]);
            free(p->tgt[i]);
        }
    }
    p->n = kept;
}

/* ----------------------------------------------------------- vocabularies */

Vocab *s2s_vocab_build(const S2sPairs *p, int side, S2sTokens kind, int min_count, int max_size) {
    Vocab *full = vocab_new(kind == S2S_CHARS ? VOCAB_CHAR : VOCAB_WORD);
    for (int i = 0; i < p->n; i++) {
        if (side != 1) vocab_count(full, p->src_text[i], strlen(p->src_text[i]));
        if (side != 0) vocab_count(full, p->tgt_text[i], strlen(p->tgt_text[i]));
    }
    Vocab *v = vocab_prune(full, min_count, max_size);
    vocab_free(full);
    return v;
}

static int *encode_line(const Vocab *v, const char *text, int *len) {
    size_t n = vocab_encode(v, text, strlen(text), NULL, 0);
    int *ids = xmalloc((n ? n : 1) * sizeof(int));
    vocab_encode(v, text, strlen(text), ids, n);
    *len = (int)n;
    return ids;
}

void s2s_pairs_encode(S2sPairs *p, const Vocab *src_v, const Vocab *tgt_v) {
    for (int i = 0; i < p->n; i++) {
        free(p->src[i]);
        free(p->tgt[i]);
        p->src[i] = encode_line(src_v, p->src_text[i], &p->src_len[i]);
        p->tgt[i] = encode_line(tgt_v, p->tgt_text[i], &p->tgt_len[i]);
    }
}

char *s2s_detokenize(const Vocab *v, const int *ids, int n, S2sTokens kind) {
    Buf out = {0};
    buf_put(&out, "", 0);
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (ids[i] == VOCAB_BOS || ids[i] == VOCAB_EOS || ids[i] == VOCAB_PAD) continue;
        const char *tok = vocab_token(v, ids[i]);
        if (kind == S2S_WORDS && !first) buf_put(&out, " ", 1);
        buf_put(&out, tok, strlen(tok));
        first = 0;
    }
    return out.s;
}

/* ------------------------------------------------------------ sentences */

int *s2s_encode_sentence(const Vocab *v, S2sTokens kind, const char *line, int *n) {
    char *norm = s2s_normalise(line, strlen(line), kind);
    size_t count = vocab_encode(v, norm, strlen(norm), NULL, 0);
    if (count == 0) {
        free(norm);
        return NULL;
    }
    int *ids = xmalloc(count * sizeof *ids);
    vocab_encode(v, norm, strlen(norm), ids, count);
    free(norm);
    *n = (int)count;
    return ids;
}

char *s2s_read_line(FILE *f, char **buf, size_t *cap) {
    ssize_t n = getline(buf, cap, f);
    if (n < 0) return NULL;
    while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r')) (*buf)[--n] = '\0';
    return *buf;
}

char **s2s_token_labels(const Vocab *v, const int *ids, int n, int eos) {
    char **labels = xmalloc((size_t)(n + eos) * sizeof *labels);
    for (int i = 0; i < n; i++) {
        const char *t = vocab_token(v, ids[i]);
        labels[i] = xstrdup(strcmp(t, " ") == 0 ? "_" : t);
    }
    if (eos) labels[n] = xstrdup("</s>");
    return labels;
}

void s2s_labels_free(char **labels, int n) {
    for (int i = 0; i < n; i++) free(labels[i]);
    free(labels);
}

/* ---------------------------------------------------------------- batches */

static int clip_len(int len, int max_len) { return max_len > 0 && len > max_len ? max_len : len; }

/* bs->order := the pairs grouped into batches. With an rng: a random order,
 * stably sorted by source length (a counting sort, so equal lengths stay
 * shuffled), cut into runs of batch_size, the runs then shuffled. */
static void batches_order(S2sBatches *bs, const S2sPairs *p, Rng *rng, int *chunk_perm) {
    int n = p->n;
    for (int i = 0; i < n; i++) bs->order[i] = i;
    if (!rng) {
        for (int k = 0; k < bs->nbatches; k++) chunk_perm[k] = k;
        return;
    }
    rng_shuffle_int(rng, bs->order, (size_t)n);
    int L = bs->max_S + 1;
    int *sorted = bs->scratch, *start = bs->scratch + n;   /* (n), (L + 1) */
    memset(start, 0, ((size_t)L + 1) * sizeof(int));
    for (int i = 0; i < n; i++) start[clip_len(p->src_len[bs->order[i]], bs->max_len) + 1]++;
    for (int l = 0; l < L; l++) start[l + 1] += start[l];
    for (int i = 0; i < n; i++) {
        int j = bs->order[i];
        sorted[start[clip_len(p->src_len[j], bs->max_len)]++] = j;
    }
    memcpy(bs->order, sorted, (size_t)n * sizeof(int));
    for (int k = 0; k < bs->nbatches; k++) chunk_perm[k] = k;
    rng_shuffle_int(rng, chunk_perm, (size_t)bs->nbatches);
}

/* Fill every batch from bs->order: batch k holds run chunk_perm[k]. */
static void batches_fill(S2sBatches *bs, const S2sPairs *p, const int *chunk_perm) {
    int bsz = bs->batch_size, n = p->n;
    /* the shapes first, to size the pool */
    size_t need = 0;
    for (int k = 0; k < bs->nbatches; k++) {
        S2sBatch *b = &bs->batch[k];
        int first = chunk_perm[k] * bsz;
        b->B = n - first < bsz ? n - first : bsz;
        b->S = 1;
        b->T = 1;
        for (int j = 0; j < b->B; j++) {
            int i = bs->order[first + j];
            int s = clip_len(p->src_len[i], bs->max_len), t = clip_len(p->tgt_len[i], bs->max_len) + 1;
            if (s > b->S) b->S = s;
            if (t > b->T) b->T = t;
        }
        need += (size_t)b->B * (size_t)(b->S + 2 * b->T + 2);
    }
    if (need > bs->pool_cap) {   /* only at make, or an epoch with more padding than any before */
        bs->pool_cap = need + need / 8;
        free(bs->pool);
        bs->pool = xmalloc((bs->pool_cap ? bs->pool_cap : 1) * sizeof(int));
    }
    bs->pool_len = need;
    int *q = bs->pool;
    for (int k = 0; k < bs->nbatches; k++) {
        S2sBatch *b = &bs->batch[k];
        int B = b->B, first = chunk_perm[k] * bsz;
        b->src = q;      q += (size_t)b->S * B;
        b->tgt_in = q;   q += (size_t)b->T * B;
        b->tgt_out = q;  q += (size_t)b->T * B;
        b->src_len = q;  q += B;
        b->index = q;    q += B;
        for (size_t e = 0; e < (size_t)b->S * B; e++) b->src[e] = VOCAB_PAD;
        for (size_t e = 0; e < (size_t)b->T * B; e++) b->tgt_in[e] = b->tgt_out[e] = VOCAB_PAD;
        for (int j = 0; j < B; j++) {   /* column j: time-major, row t*B + j */
            int i = bs->order[first + j];
            int s = clip_len(p->src_len[i], bs->max_len), m = clip_len(p->tgt_len[i], bs->max_len);
            b->index[j] = i;
            b->src_len[j] = s;
            for (int t = 0; t < s; t++) b->src[t * B + j] = p->src[i][t];
            b->tgt_in[j] = VOCAB_BOS;
            for (int t = 0; t < m; t++) {
                b->tgt_in[(t + 1) * B + j] = p->tgt[i][t];
                b->tgt_out[t * B + j] = p->tgt[i][t];
            }
            b->tgt_out[m * B + j] = VOCAB_EOS;
        }
    }
}

void s2s_batches_make(S2sBatches *bs, const S2sPairs *p, int batch_size, int max_len, Rng *rng) {
    memset(bs, 0, sizeof *bs);
    if (batch_size < 1) die("s2s_batches_make: batch size %d, must be at least 1", batch_size);
    for (int i = 0; i < p->n; i++)
        if (!p->src[i] || !p->tgt[i]) die("s2s_batches_make: the pairs are not encoded (s2s_pairs_encode)");
    bs->batch_size = batch_size;
    bs->max_len = max_len;
    bs->nbatches = (p->n + batch_size - 1) / batch_size;
    bs->batch = xcalloc((size_t)(bs->nbatches ? bs->nbatches : 1), sizeof(S2sBatch));
    bs->order = xmalloc((size_t)(p->n ? p->n : 1) * sizeof(int));
    bs->max_S = bs->max_T = 1;
    bs->max_B = p->n < batch_size ? p->n : batch_size;
    for (int i = 0; i < p->n; i++) {
        int s = clip_len(p->src_len[i], max_len), t = clip_len(p->tgt_len[i], max_len) + 1;
        if (s > bs->max_S) bs->max_S = s;
        if (t > bs->max_T) bs->max_T = t;
    }
    bs->scratch = xmalloc(((size_t)p->n + (size_t)bs->max_S + 2 + (size_t)bs->nbatches) * sizeof(int));
    s2s_batches_shuffle(bs, p, rng);
}

void s2s_batches_shuffle(S2sBatches *bs, const S2sPairs *p, Rng *rng) {
    int *chunk_perm = bs->scratch + p->n + bs->max_S + 2;   /* (nbatches) */
    batches_order(bs, p, rng, chunk_perm);
    batches_fill(bs, p, chunk_perm);
}

void s2s_batches_free(S2sBatches *bs) {
    free(bs->batch);
    free(bs->order);
    free(bs->scratch);
    free(bs->pool);
    memset(bs, 0, sizeof *bs);
}
