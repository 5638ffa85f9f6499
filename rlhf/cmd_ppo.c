/*
 * cmd_ppo.c -- `rlhf ppo`: the SFT policy optimised against the reward
 * model with PPO and a KL penalty, optionally with the pretraining loss
 * mixed in (PPO-ptx); judged by the gold reward (rlhf/ppo_lm.h).
 */
#include "rlhf/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "gpt/train.h"
#include "rlhf/evaluate.h"
#include "rlhf/ppo_lm.h"
#include "rlhf/run.h"
#include "util.h"

static const char ppo_usage[] =
    "Usage: rlhf ppo [options]\n"
    "InstructGPT's third step: the run's SFT model (RUN/sft.ckpt) optimised with PPO against\n"
    "the reward model (RUN/rm.ckpt, from `rlhf rm-train`), each token paying a KL penalty\n"
    "beta (log pi - log pi_SFT), the value model initialised from the reward model. With\n"
    "--ptx G the pretraining loss, weighted G, is mixed into every update (PPO-ptx). The gold\n"
    "reward is logged for the curves and judges the result; the policy never sees it. Writes\n"
    "RUN/NAME.ckpt and RUN/NAME/metrics.tsv (score, kl, gold per iteration) and ends with\n"
    "RESULT ... score= kl= gold= gold_heldout= winrate= (held-out, over SFT) ppl_pretrain=\n"
    "(the alignment tax: on RUN/pretraining.bin's draw of the pretraining text, which\n"
    "`gpt eval --model RUN/NAME.ckpt --data RUN/pretraining.bin` scores too; ppl_pretrain_sft=\n"
    "and ppl_pretrain_base= are the SFT and pretrained models').\n"
    "\n"
    "  --run DIR          the run folder (default runs/rlhf/small)\n"
    "  --name NAME        the policy's name in the folder (default ppo, or ppo_ptx with --ptx)\n"
    "  --beta B           the KL coefficient (default 0.02, InstructGPT's; 0 shows reward hacking)\n"
    "  --ptx G            the pretraining loss's weight (default 0)\n"
    "  --iterations N     rollout batches (default 60)\n"
    "  --rollouts N       responses per batch (default 64)\n"
    "  --epochs N         PPO epochs per batch (default 4)\n"
    "  --minibatch N      responses per update (default 16)\n"
    "  --lr LR            the policy's AdamW learning rate (default 1e-4)\n"
    "  --value-lr LR      the value model's (default 1e-4)\n"
    "  --samples N        answers per held-out prompt for the win rate, temperature 1 (default 4)\n"
    "  --seed N           (default 1)\n"
    "  --threads N        (default 1)\n"
    "  --quiet            no progress display\n"
    "\n"
    "Example:  rlhf ppo --run runs/rlhf/small --beta 0.02\n";

/* exp(the mean loss per token) of m on the alignment tax's draw of the pretraining text. */
static double rlhf_pretraining_ppl(Gpt *m, const RlhfRun *run) {
    size_t n, count;
    int *ids = rlhf_tax_tokens(run, &n);
    double loss = gpt_eval_windows(m, ids, n, run->T, &count);
    free(ids);
    return exp(loss);
}

int rlhf_cmd_ppo(int argc, char **argv) {
    const char *dir = "runs/rlhf/small", *name = NULL;
    PpoLmConfig c;
    ppo_lm_defaults(&c);
    int threads = 1, samples = 4;
    const CliOption opts[] = {CLI_SEED(&c.seed), CLI_THREADS(&threads), CLI_QUIET(&c.quiet), CLI_LR_F(&c.lr),
                              CLI_OPT("run", CLI_STRING, &dir, 0, 0),
                              CLI_OPT("name", CLI_STRING, &name, 0, 0),
                              CLI_OPT("beta", CLI_FLOAT, &c.beta, 0, 100),
                              CLI_OPT("ptx", CLI_FLOAT, &c.ptx, 0, 1e6),
                              CLI_OPT("iterations", CLI_LONG, &c.iterations, 1, 1e9),
                              CLI_OPT("rollouts", CLI_INT, &c.rollouts, 1, 4096),
                              CLI_OPT("epochs", CLI_INT, &c.epochs, 1, 100),
                              CLI_OPT("minibatch", CLI_INT, &c.minibatch, 1, 4096),
                              CLI_OPT("value-lr", CLI_FLOAT, &c.value_lr, 0, 1),
                              CLI_OPT("samples", CLI_INT, &samples, 1, 1000), CLI_END};
    if (cli_parse(&(CliSpec){.usage = ppo_usage, .options = opts}, argc, argv) > 0)
        usage_error("ppo: unexpected argument '%s'", argv[1]);
    if (!name) name = c.ptx > 0 ? "ppo_ptx" : "ppo";
    if (strchr(name, '/') || !*name) usage_error("ppo: --name '%s' must be a plain file name", name);
    set_threads(threads);
    RlhfRun run;
    rlhf_run_open(&run, dir);
    Gpt policy, ref;
    rlhf_run_load(&run, "sft", &policy);
    rlhf_run_load(&run, "sft", &ref);
    char path[4096], task[256];
    rlhf_run_path(&run, "rm.ckpt", path, sizeof path);
    ScalarModel rm, value;
    rlhf_run_check(&run, path);
    scalar_model_load(&rm, path, c.rollouts, run.T);
    scalar_model_copy(&value, &rm, c.rollouts, run.T);
    double ppl_sft = rlhf_pretraining_ppl(&ref, &run), ppl_base = -1;
    if (rlhf_run_has(&run, "pretrained.ckpt")) {   /* before SFT: what the alignment tax is measured from */
        Gpt base;
        rlhf_run_load(&run, "pretrained", &base);
        ppl_base = rlhf_pretraining_ppl(&base, &run);
        gpt_free(&base);
    }
    rlhf_run_path(&run, name, path, sizeof path);
    Metrics *mt = metrics_create(path, PPO_LM_COLUMNS);
    PpoLmResult r = ppo_lm_train(&policy, &ref, &rm, &value, &run, &c, mt);
    metrics_close(mt);
    rlhf_run_save(&run, name, &policy);
    double ppl = rlhf_pretraining_ppl(&policy, &run);
    WinRate w = policy_winrate(&policy, &ref, &run, run.set.n_train, run.set.n, samples, 1.0f, c.seed);
    printf("%s: held-out greedy gold %.3f; wins %.3f of %ld sampled comparisons with SFT (gold %.3f vs %.3f); "
           "pretraining perplexity %.3f (SFT %.3f)\n", name, r.gold_heldout, w.winrate, w.comparisons, w.gold_a,
           w.gold_b, ppl, ppl_sft);
    task_config_text(&run.task, task, sizeof task);
    result_begin("rlhf");
    result_str("task", "ppo");
    result_str("name", name);
    result_int("seed", (long long)c.seed);
    result_num("beta", c.beta, 4);
    result_num("ptx", c.ptx, 4);
    result_int("iterations", c.iterations);
    result_num("score", r.score, 4);
    result_num("kl", r.kl, 4);
    result_num("gold", r.gold, 4);
    result_num("gold_heldout", r.gold_heldout, 4);
    result_num("winrate", w.winrate, 4);
    result_num("ppl_pretrain", ppl, 4);
    result_num("ppl_pretrain_sft", ppl_sft, 4);
    if (ppl_base > 0) result_num("ppl_pretrain_base", ppl_base, 4);
    result_num("train_s", r.seconds, 2);
    result_num("rollout_tok_s", r.tokens_per_s, 0);
    result_end();
    scalar_model_free(&rm);
    scalar_model_free(&value);
    gpt_free(&policy);
    gpt_free(&ref);
    rlhf_run_close(&run);
    return 0;
}
