/* cli.c -- the command-line parser of every stage. See cli.h. */
#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "--name", "-name", "--name=value": the name without dashes, its length,
 * and the inline value (or NULL). Returns 0 when arg is not an option. */
static int split_option(const char *arg, const char **name, size_t *len, const char **value) {
    if (arg[0] != '-' || arg[1] == '\0') return 0;   /* "-" alone is a file (stdin) */
    const char *s = arg + (arg[1] == '-' ? 2 : 1);
    const char *eq = strchr(s, '=');
    *name = s;
    *len = eq ? (size_t)(eq - s) : strlen(s);
    *value = eq ? eq + 1 : NULL;
    return 1;
}

static int name_is(const char *want, const char *name, size_t len) {
    return want && strlen(want) == len && strncmp(want, name, len) == 0;
}

static const CliOption *find_option(const CliOption *opts, const char *name, size_t len) {
    for (const CliOption *o = opts; o->name; o++)
        if (name_is(o->name, name, len) || name_is(o->alias, name, len)) return o;
    return NULL;
}

static void __attribute__((noreturn)) bad_option(const char *cmd, const char *arg, const char *why) {
    usage_error("%s: %s '%s'", cmd, why, arg);
}

/* Store value into o's destination, checking its form and range. */
static void set_value(const CliOption *o, const char *value) {
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", o->name);
    switch (o->type) {
    case CLI_FLAG: *(int *)o->dst = 1; break;
    case CLI_INT: *(int *)o->dst = (int)parse_long(value, opt, (long)o->lo, (long)o->hi); break;
    case CLI_LONG: *(long *)o->dst = parse_long(value, opt, (long)o->lo, (long)o->hi); break;
    case CLI_ULONG: {
        char *end;
        if (value[0] == '-' || value[0] == '\0') usage_error("%s '%s' is not a non-negative integer", opt, value);
        unsigned long long v = strtoull(value, &end, 10);
        if (*end) usage_error("%s '%s' is not a non-negative integer", opt, value);
        *(unsigned long long *)o->dst = v;
        break;
    }
    case CLI_FLOAT: *(float *)o->dst = (float)parse_double(value, opt, o->lo, o->hi); break;
    case CLI_DOUBLE: *(double *)o->dst = parse_double(value, opt, o->lo, o->hi); break;
    case CLI_STRING: *(const char **)o->dst = value; break;
    case CLI_CHOICE: {
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(o->choices[i], value) == 0) { *(int *)o->dst = i; return; }
        char list[512] = "";
        for (int i = 0; o->choices[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", o->choices[i]);
        usage_error("%s '%s' is not one of: %s", opt, value, list);
    }
    }
}

/* --help anywhere wins; then --preset, wherever it stands. */
static void help_and_preset(const CliSpec *spec, int argc, char **argv) {
    const char *name, *value;
    size_t len;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (split_option(argv[i], &name, &len, &value) && (name_is("help", name, len) || name_is("h", name, len))) {
            fputs(spec->usage, stdout);
            exit(0);
        }
    if (!spec->preset) return;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (!split_option(argv[i], &name, &len, &value) || !name_is("preset", name, len)) continue;
        if (!value && i + 1 >= argc) bad_option(argv[0], argv[i], "missing value after");
        const char *preset = value ? value : argv[i + 1];
        if (!spec->preset(spec->ctx, preset))
            usage_error("%s: unknown preset '%s' (presets: %s)", argv[0], preset, spec->presets ? spec->presets : "none");
    }
}

int cli_parse(const CliSpec *spec, int argc, char **argv) {
    help_and_preset(spec, argc, argv);
    int nfiles = 0, only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *name, *value;
        size_t len;
        if (only_files || !split_option(argv[i], &name, &len, &value)) {
            argv[++nfiles] = argv[i];
            continue;
        }
        if (len == 0 && !value) {   /* "--": files from here on */
            only_files = 1;
            continue;
        }
        if (spec->preset && name_is("preset", name, len)) {   /* applied already */
            if (!value) i++;
            continue;
        }
        const CliOption *o = find_option(spec->options, name, len);
        if (!o) bad_option(argv[0], argv[i], "unknown option");
        if (o->type == CLI_FLAG) {
            if (value) bad_option(argv[0], argv[i], "takes no value:");
            set_value(o, NULL);
            continue;
        }
        if (!value) {
            if (i + 1 >= argc) bad_option(argv[0], argv[i], "missing value after");
            value = argv[++i];
        }
        set_value(o, value);
    }
    return nfiles;
}

/* ---------------------------------------------------------------- commands */

static void commands_usage(FILE *f, const char *stage, const char *about, const char *example,
                           const CliCommand *commands, int n) {
    int width = 0;
    for (int i = 0; i < n; i++)
        if ((int)strlen(commands[i].name) > width) width = (int)strlen(commands[i].name);
    fprintf(f, "Usage: %s COMMAND [options]   (%s COMMAND --help for each)\n%s\n\n", stage, stage, about);
    for (int i = 0; i < n; i++) fprintf(f, "  %-*s  %s\n", width, commands[i].name, commands[i].help);
    fprintf(f, "\nExample:  %s\n", example);
}

int cli_dispatch(const char *stage, const char *about, const char *example, const CliCommand *commands, int n,
                 int argc, char **argv) {
    if (argc < 2) {
        commands_usage(stderr, stage, about, example, commands, n);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        commands_usage(stdout, stage, about, example, commands, n);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    char names[512] = "";
    for (int i = 0; i < n; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", commands[i].name);
    usage_error("unknown command '%s' (%s)", cmd, names);
}
