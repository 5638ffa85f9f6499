/*
 * cli.h -- one command-line parser for every stage: common flags, presets,
 * a stage's own options, --help, and strict values.
 *
 * A command declares its options as a table of (name, type, where to store)
 * and hands argv to cli_parse():
 *
 *     static const char *const cells[] = { "rnn", "lstm", "gru", NULL };
 *     const CliOption opts[] = {
 *         CLI_SEED(&o.seed), CLI_THREADS(&o.threads), CLI_OUT(&o.out),
 *         CLI_STEPS(&o.steps), CLI_LR_F(&o.lr), CLI_BATCH(&o.batch), CLI_QUIET(&o.quiet),
 *         CLI_OPT("hidden", CLI_INT, &o.hidden, 1, 65536),
 *         { .name = "context", .type = CLI_INT, .dst = &o.T, .lo = 1, .hi = 1 << 20, .alias = "seq-len" },
 *         { .name = "cell", .type = CLI_CHOICE, .dst = &o.cell, .choices = cells },
 *         CLI_END
 *     };
 *     CliSpec spec = { .usage = usage_train, .options = opts,
 *                      .preset = apply_preset, .ctx = &o, .presets = "ptb-small, ..." };
 *     int nfiles = cli_parse(&spec, argc, argv);   // files now in argv[1 .. nfiles]
 *
 * The rules every stage follows through it:
 *   - `--help` (or -h) anywhere prints the usage to stdout and exits 0.
 *   - `--preset NAME` is applied first, wherever it stands, and every other
 *     flag after it, in order, so a flag always overrides the preset
 *     (nanoGPT's config files then command-line overrides).
 *   - Options are spelled `--name VALUE`, `--name=VALUE`, or with one dash
 *     (`-name VALUE`, the original word2vec tool's spelling).
 *   - The types: CLI_STEPS is a long, CLI_SEED an unsigned long long,
 *     CLI_THREADS and CLI_BATCH ints; a stage's fields match them.
 *   - A number is parsed strictly ("12x" and "" are errors) and must lie in
 *     [lo, hi]; a choice must be one of its words. Anything wrong, or an
 *     option the command does not know, exits 2 with a message that names
 *     the option and points to `--help`.
 *   - Arguments that are not options (files) are kept in order: cli_parse
 *     moves them to argv[1..n] and returns n. A lone `--` ends the options.
 *
 * The common flags mean the same thing in every stage, so they have one
 * spelling each, given by the CLI_* macros below: --seed --threads --out
 * --steps --lr --batch --data --quiet --preset. The same holds for the
 * other names the stages share:
 *   --context N       tokens of context a model sees (alias: --seq-len, --block-size)
 *   --eval-every N    steps between validations (alias: --eval-interval)
 *   --eval-tokens N, --eval-batches N   how much validation text per estimate
 *   --model PATH      a trained model (run folder or file) to load
 *   --resume          continue a run from its checkpoint in --out
 *   --temperature T, --top-k K, --top-p P   sampling (common/sample.h)
 *   --n N             how many tokens to generate
 * An older name a chapter printed stays as the option's alias.
 */
#ifndef NLP_CLI_H
#define NLP_CLI_H

typedef enum {
    CLI_FLAG,      /* no value: sets an int to 1 */
    CLI_INT,       /* int, in [lo, hi] */
    CLI_LONG,      /* long, in [lo, hi] */
    CLI_ULONG,     /* unsigned long long (seeds), in [lo, hi] */
    CLI_FLOAT,     /* float, in [lo, hi] */
    CLI_DOUBLE,    /* double, in [lo, hi] */
    CLI_STRING,    /* const char *, pointing into argv */
    CLI_CHOICE,    /* int: the index of the value in choices (NULL-terminated) */
} CliType;

typedef struct {
    const char *name;              /* without dashes: "seq-len" */
    CliType type;
    void *dst;                     /* int*, long*, unsigned long long*, float*, double*, const char** */
    double lo, hi;                 /* accepted range of a number */
    const char *alias;             /* another spelling kept working, or NULL */
    const char *const *choices;    /* CLI_CHOICE's words, NULL-terminated */
} CliOption;

typedef struct {
    const char *usage;             /* the --help text (stdout, exit 0) */
    const CliOption *options;      /* ends with an entry whose name is NULL */
    /* Apply preset NAME to ctx; return 0 when there is no such preset. NULL: the
     * command has no presets (then --preset is an unknown option). */
    int (*preset)(void *ctx, const char *name);
    void *ctx;
    const char *presets;           /* the preset names, for the error message */
} CliSpec;

/* Parse argv[1..argc) (argv[0] is the command's name) into spec's options;
 * returns the number of non-option arguments, moved to argv[1..n]. */
int cli_parse(const CliSpec *spec, int argc, char **argv);

/*
 * A stage's main(): `STAGE COMMAND [options]` runs the command's function
 * with the arguments after STAGE (argv[0] is then the command's name).
 * `STAGE --help` (or -h, help) lists the commands on stdout and exits 0; no
 * command, or an unknown one, is a usage error (exit 2). about is the line
 * under "Usage:", example the closing example.
 */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} CliCommand;

int cli_dispatch(const char *stage, const char *about, const char *example, const CliCommand *commands, int n,
                 int argc, char **argv);

/* An option without alias or choices: CLI_OPT("hidden", CLI_INT, &o.hidden, 1, 4096). */
#define CLI_OPT(name_, type_, dst_, lo_, hi_) \
    { .name = (name_), .type = (type_), .dst = (dst_), .lo = (lo_), .hi = (hi_) }
#define CLI_END { .name = NULL }

/* The common flags (DESIGN.md), one spelling and one range each. */
#define CLI_SEED(p)     CLI_OPT("seed",    CLI_ULONG,  (p), 0, 0)     /* any unsigned 64-bit value */
#define CLI_THREADS(p)  CLI_OPT("threads", CLI_INT,    (p), 1, 256)
#define CLI_OUT(p)      CLI_OPT("out",     CLI_STRING, (p), 0, 0)
#define CLI_DATA(p)     CLI_OPT("data",    CLI_STRING, (p), 0, 0)
#define CLI_QUIET(p)    CLI_OPT("quiet",   CLI_FLAG,   (p), 0, 0)
#define CLI_STEPS(p)    CLI_OPT("steps",   CLI_LONG,   (p), 0, 1e15)
#define CLI_BATCH(p)    CLI_OPT("batch",   CLI_INT,    (p), 1, 1 << 24)
#define CLI_LR_F(p)     CLI_OPT("lr",      CLI_FLOAT,  (p), 0, 1e6)   /* a float learning rate */
#define CLI_LR_D(p)     CLI_OPT("lr",      CLI_DOUBLE, (p), 0, 1e6)   /* a double one */

#endif
