/*
 * cmd_chat.c -- `rlhf chat`: type a prompt, read the answers of the run's
 * policies side by side (SFT, PPO, DPO, whichever the folder has), each
 * scored by the gold reward when the prompt is one of the task's.
 */
#include "rlhf/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "rlhf/evaluate.h"
#include "rlhf/gold.h"
#include "rlhf/run.h"
#include "rlhf/sft_data.h"
#include "util.h"

static const char chat_usage[] =
    "Usage: rlhf chat [options]\n"
    "Reads prompts from standard input, one a line, in the task's words (\"where does NAME\n"
    "live ?\", \"list two facts about NAME .\", \"continue : NAME speaks Greek .\"; `rlhf sft`'s\n"
    "output and RUN/task.tsv show some), and prints the answer of each of the run's policies\n"
    "that exists: sft, ppo, ppo_ptx, dpo. A prompt of the task also gets each answer's gold\n"
    "reward (0 to 7) and the demonstration. An empty line or end of input stops.\n"
    "\n"
    "  --run DIR          the run folder (default runs/rlhf/small)\n"
    "  --temperature T    0 for greedy answers (default 0)\n"
    "  --seed N           sampling (default 1)\n"
    "\n"
    "Example:  echo 'list two facts about Dabur Gezok Rensel .' | rlhf chat\n";

static const char *const policies[] = {"sft", "ppo", "ppo_ptx", "dpo"};
enum { N_POLICIES = sizeof policies / sizeof *policies };

/* One prompt: every policy's answer (and its gold reward when the task has the prompt). */
static void answer_all(Gpt *m, Answerer *a, const int *have, const RlhfRun *run, const char *prompt, float temp) {
    char err[256], answer[ANSWER_LEN];
    int *targets = xmalloc((size_t)run->T * sizeof *targets);
    int np = sft_example(run->vocab, prompt, "", run->T, a[0].prompt, targets, err, sizeof err);
    free(targets);
    if (np < 0 || np >= run->T) {
        printf("  (%s)\n", np < 0 ? err : "the prompt leaves no room for an answer");
        return;
    }
    int task = instruct_find_prompt(&run->set, prompt);
    for (int p = 0; p < N_POLICIES; p++) {
        if (!have[p]) continue;
        memcpy(a[p].prompt, a[0].prompt, (size_t)np * sizeof(int));
        responses_sample(&a[p].r, 0, &m[p], &a[p].cache, a[p].prompt, np, temp, &a[p].rng);
        responses_text(&a[p].r, 0, run->vocab, answer, sizeof answer);
        if (task >= 0)
            printf("  %-8s (gold %.2f) %s\n", policies[p],
                   gold_score(&run->set.world, &run->set.p[task], answer).total, answer);
        else
            printf("  %-8s %s\n", policies[p], answer);
    }
    if (task >= 0) printf("  %-8s (gold %.2f) %s\n", "demo", gold_max(), run->set.p[task].demo);
}

int rlhf_cmd_chat(int argc, char **argv) {
    const char *dir = "runs/rlhf/small";
    float temperature = 0;
    unsigned long long seed = 1;
    const CliOption opts[] = {CLI_SEED(&seed), CLI_OPT("run", CLI_STRING, &dir, 0, 0),
                              CLI_OPT("temperature", CLI_FLOAT, &temperature, 0, 10), CLI_END};
    if (cli_parse(&(CliSpec){.usage = chat_usage, .options = opts}, argc, argv) > 0)
        usage_error("chat: unexpected argument '%s'", argv[1]);
    set_threads(1);
    RlhfRun run;
    rlhf_run_open(&run, dir);
    Gpt m[N_POLICIES];
    Answerer a[N_POLICIES];
    int have[N_POLICIES];
    for (int p = 0; p < N_POLICIES; p++) {
        char file[64];
        snprintf(file, sizeof file, "%s.ckpt", policies[p]);
        have[p] = p == 0 || rlhf_run_has(&run, file);
        if (!have[p]) continue;
        rlhf_run_load(&run, policies[p], &m[p]);
        answerer_init(&a[p], &m[p], run.T, seed);
    }
    char line[4096];
    printf("prompt> ");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) break;
        answer_all(m, a, have, &run, line, temperature);
        printf("prompt> ");
        fflush(stdout);
    }
    printf("\n");
    for (int p = 0; p < N_POLICIES; p++)
        if (have[p]) answerer_free(&a[p]), gpt_free(&m[p]);
    rlhf_run_close(&run);
    return 0;
}
