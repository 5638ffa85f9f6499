/*
 * cmd_train.c -- `transformer train`: the options and the named recipes.
 *
 * The Multi30k preset is the PyTorch tutorial's Transformer whose test BLEU
 * (36.52) the chapter compares with (REFERENCES.md): 3 + 3 layers of d 256,
 * 8 heads, FFN 512, dropout 0.1, learned positions (100 of them), post-LN,
 * Adam at a constant 5e-4 with PyTorch's default beta2 0.999, clipping at 1,
 * batches of 128, words seen twice, greedy decoding of at most 50 words;
 * trained with the paper's label smoothing for 12 epochs (the tutorial: 10,
 * none) and tested as the mean of the last 3 epochs' weights. The Bible preset takes chapter 4's Bible pairs and vocabularies
 * (seq2seq/cmd_train.c, bible_recipe) unchanged.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "s2s_dates.h"
#include "transformer/commands.h"
#include "util.h"

static const char usage_train[] =
    "Usage: transformer train [--preset NAME] [options]\n"
    "Train a Transformer encoder-decoder; each epoch logs validation loss, perplexity\n"
    "and greedy BLEU to OUT/metrics.tsv and saves OUT/model.ckpt; the best epoch's\n"
    "weights go to OUT/best/ and are scored on the test split at the end\n"
    "(RESULT ... split=test bleu=).\n"
    "\n"
    "  --preset NAME         dates: the built-in date normaliser (about a minute)\n"
    "                        multi30k: the PyTorch tutorial's Transformer (German -> English), with\n"
    "                        label smoothing 0.1, 12 epochs and the mean of the last 3\n"
    "                        bible: KJV -> Reina-Valera 1909, chapter 4's pairs (verses of at\n"
    "                        most 20 words in training, all lengths in test)\n"
    "Data:\n"
    "  --task T              dates | multi30k | bible | files (default dates)\n"
    "  --train-src F --train-tgt F --valid-src F --valid-tgt F --test-src F --test-tgt F\n"
    "                        line-aligned files for --task files (words, lower-cased)\n"
    "  --dates N             training pairs generated for dates (10000); --dates-eval N (1000)\n"
    "  --train-max-words N   train only on pairs of at most N words per side (0: all)\n"
    "  --min-count N         vocabulary: tokens seen at least N times (1)\n"
    "  --max-vocab N         ... and at most N tokens, specials included (0: no limit)\n"
    "  --joint-vocab         one vocabulary over both sides (--share-emb implies it)\n"
    "Model:\n"
    "  --d-model N           model width d (64); --heads N attention heads (4)\n"
    "  --ff N                feed-forward width (128)\n"
    "  --layers N            encoder and decoder layers (2); --enc-layers N, --dec-layers N one side's\n"
    "  --dropout P           on the embeddings and every sublayer's output (0.1)\n"
    "  --pos P               sinusoid (the paper's, fixed) | learned (a table per side) (sinusoid)\n"
    "  --norm N              post (the paper's: LayerNorm after the residual add) | pre (post)\n"
    "  --share-emb           one embedding table for both sides (sec. 3.4; a joint vocabulary)\n"
    "  --max-pos N           positions a model reads or writes (0: the task's longest sentence)\n"
    "Training:\n"
    "  --epochs N            passes over the training pairs (10); --steps N stops earlier\n"
    "  --batch N             pairs per batch (64)\n"
    "  --lr LR               Adam's learning rate, or the Noam schedule's peak (0.0005)\n"
    "  --schedule S          constant | noam: linear warmup, then 1/sqrt(step) (eq. 3) (constant)\n"
    "  --warmup N            the Noam schedule's warmup steps (4000)\n"
    "  --beta1 B --beta2 B --adam-eps E   Adam's (0.9, 0.98, 1e-9: the paper's, sec. 5.3)\n"
    "  --clip C              global gradient-norm clipping (1; 0: none)\n"
    "  --label-smoothing E   (0; the paper's is 0.1)\n"
    "  --average K           keep the last K epochs' weights (OUT/epochs/N) and test their\n"
    "                        mean instead of the best epoch (the paper's sec. 6.1; 0: no)\n"
    "  --max-len N           truncate training sentences to N tokens (0: no)\n"
    "  --resume              continue the run in --out from its last epoch\n"
    "Evaluation:\n"
    "  --beam K              beam size of the extra test decoding (5); --alpha A its length penalty (0)\n"
    "  --max-output N        longest output, in tokens (50)\n"
    "  --valid-bleu N        validation pairs decoded each epoch for BLEU (0: all)\n"
    "Common: --out DIR (runs/transformer/<preset>) --seed N --threads N (2) --quiet\n"
    "\n"
    "Example:  transformer train --preset multi30k\n";

/* The PyTorch tutorial's model and recipe (REFERENCES.md). */
static void multi30k_preset(TfTrainOptions *o) {
    o->task.task = S2S_TASK_MULTI30K;
    o->task.min_count = 2;
    o->model = (TfConfig){ .d = 256, .heads = 8, .ff = 512, .enc_layers = 3, .dec_layers = 3, .max_pos = 100,
                           .pos = TF_POS_LEARNED, .norm = TF_POST_LN, .dropout = 0.1f };
    o->lr = 5e-4f;
    o->schedule = TF_SCHED_CONSTANT;
    o->beta2 = 0.999f;   /* torch.optim.Adam's defaults, as the tutorial */
    o->eps = 1e-8f;
    o->clip = 1.0f;
    o->batch = 128;
    /* the paper's regularisers on top of the tutorial's recipe: label
     * smoothing 0.1 (sec. 5.4), two more epochs, and the mean of the last
     * three epochs' weights (sec. 6.1) */
    o->smoothing = 0.1f;
    o->epochs = 12;
    o->average = 3;
    o->decode_max_len = 50;
    o->beam = 5;
    o->out = "runs/transformer/multi30k";
}

/* Chapter 4's Bible pairs (seq2seq/cmd_train.c, bible_recipe): trained on
 * verses of at most 20 words, tested on every length; sinusoidal positions,
 * which the paper hoped "may allow the model to extrapolate to sequence
 * lengths longer than the ones encountered during training" (sec. 3.5). */
static void bible_preset(TfTrainOptions *o) {
    o->task.task = S2S_TASK_BIBLE;
    o->task.train_max_words = 20;
    o->task.min_count = 2;
    o->task.max_vocab = 6000;
    o->model = (TfConfig){ .d = 256, .heads = 8, .ff = 512, .enc_layers = 3, .dec_layers = 3,
                           .pos = TF_POS_SINUSOID, .norm = TF_POST_LN, .dropout = 0.1f };
    o->lr = 5e-4f;
    o->batch = 64;
    o->epochs = 10;
    o->decode_max_len = 80;
    o->valid_bleu = 500;
    o->out = "runs/transformer/bible";
}

/* A small Transformer on the date characters: 2 + 2 layers of d 64, 4
 * heads. It needs more updates than chapter 4's LSTM (batches of 32, 3,130
 * steps) at a higher rate (the Noam schedule, peaking at 3e-3 after 300
 * steps), and no dropout: it does not overfit the 10,000 pairs (its train
 * and validation losses stay together). 99.6% exact match on the 1,000 test
 * dates, where batches of 64 at a constant 1e-3 with dropout 0.1 reach 81%. */
static void dates_preset(TfTrainOptions *o) {
    o->task.task = S2S_TASK_DATES;
    /* positions for any date the generator writes, held-out formats too */
    o->model = (TfConfig){ .d = 64, .heads = 4, .ff = 128, .enc_layers = 2, .dec_layers = 2,
                           .max_pos = S2S_DATES_MAX_INPUT, .pos = TF_POS_SINUSOID, .norm = TF_POST_LN,
                           .dropout = 0.0f };
    o->lr = 3e-3f;
    o->schedule = TF_SCHED_NOAM;
    o->warmup = 300;
    o->batch = 32;
    o->epochs = 10;
    o->decode_max_len = 20;
    o->out = "runs/transformer/dates";
}

int tf_train_preset(void *ctx, const char *name) {
    TfTrainOptions *o = ctx;
    if (!strcmp(name, "dates")) dates_preset(o);
    else if (!strcmp(name, "multi30k")) multi30k_preset(o);
    else if (!strcmp(name, "bible")) bible_preset(o);
    else return 0;
    return 1;
}

static const char *const tasks[] = { "dates", "multi30k", "bible", "files", NULL };
static const char *const positions[] = { "sinusoid", "learned", NULL };   /* TfPos order */
static const char *const norms[] = { "post", "pre", NULL };               /* TfNorm order */
static const char *const schedules[] = { "constant", "noam", NULL };      /* TfSchedule order */

int tf_cmd_train(int argc, char **argv) {
    TfTrainOptions o;
    tf_train_defaults(&o);
    int task = -1, pos = -1, norm = -1, schedule = -1, layers = 0, enc_layers = 0, dec_layers = 0;
    const CliOption opts[] = {
        CLI_SEED(&o.seed), CLI_THREADS(&o.threads), CLI_OUT(&o.out), CLI_QUIET(&o.quiet),
        CLI_STEPS(&o.steps), CLI_BATCH(&o.batch), CLI_LR_F(&o.lr),
        { .name = "task", .type = CLI_CHOICE, .dst = &task, .choices = tasks },
        CLI_OPT("train-src", CLI_STRING, &o.task.files[0][0], 0, 0),
        CLI_OPT("train-tgt", CLI_STRING, &o.task.files[0][1], 0, 0),
        CLI_OPT("valid-src", CLI_STRING, &o.task.files[1][0], 0, 0),
        CLI_OPT("valid-tgt", CLI_STRING, &o.task.files[1][1], 0, 0),
        CLI_OPT("test-src", CLI_STRING, &o.task.files[2][0], 0, 0),
        CLI_OPT("test-tgt", CLI_STRING, &o.task.files[2][1], 0, 0),
        CLI_OPT("dates", CLI_INT, &o.task.dates_train, 1, 1e7),
        CLI_OPT("dates-eval", CLI_INT, &o.task.dates_eval, 1, 1e6),
        CLI_OPT("train-max-words", CLI_INT, &o.task.train_max_words, 0, 1e6),
        CLI_OPT("min-count", CLI_INT, &o.task.min_count, 1, 1e9),
        CLI_OPT("max-vocab", CLI_INT, &o.task.max_vocab, 0, 1e8),
        CLI_OPT("joint-vocab", CLI_FLAG, &o.task.joint_vocab, 0, 0),
        { .name = "d-model", .type = CLI_INT, .dst = &o.model.d, .lo = 1, .hi = 65536, .alias = "d" },
        CLI_OPT("heads", CLI_INT, &o.model.heads, 1, 1024),
        CLI_OPT("ff", CLI_INT, &o.model.ff, 1, 1 << 20),
        CLI_OPT("layers", CLI_INT, &layers, 1, 256),
        CLI_OPT("enc-layers", CLI_INT, &enc_layers, 1, 256),
        CLI_OPT("dec-layers", CLI_INT, &dec_layers, 1, 256),
        CLI_OPT("dropout", CLI_FLOAT, &o.model.dropout, 0, 0.99),
        { .name = "pos", .type = CLI_CHOICE, .dst = &pos, .choices = positions },
        { .name = "norm", .type = CLI_CHOICE, .dst = &norm, .choices = norms },
        CLI_OPT("share-emb", CLI_FLAG, &o.model.share_emb, 0, 0),
        CLI_OPT("max-pos", CLI_INT, &o.model.max_pos, 0, 1 << 20),
        CLI_OPT("epochs", CLI_INT, &o.epochs, 1, 1e6),
        { .name = "schedule", .type = CLI_CHOICE, .dst = &schedule, .choices = schedules },
        CLI_OPT("warmup", CLI_INT, &o.warmup, 1, 1e9),
        CLI_OPT("beta1", CLI_FLOAT, &o.beta1, 0, 0.999999),
        CLI_OPT("beta2", CLI_FLOAT, &o.beta2, 0, 0.999999),
        CLI_OPT("adam-eps", CLI_FLOAT, &o.eps, 1e-30, 1),
        CLI_OPT("clip", CLI_FLOAT, &o.clip, 0, 1e9),
        CLI_OPT("label-smoothing", CLI_FLOAT, &o.smoothing, 0, 0.99),
        CLI_OPT("average", CLI_INT, &o.average, 0, 64),
        CLI_OPT("max-len", CLI_INT, &o.max_len, 0, 1e6),
        CLI_OPT("resume", CLI_FLAG, &o.resume, 0, 0),
        CLI_OPT("beam", CLI_INT, &o.beam, 1, 1000),
        CLI_OPT("alpha", CLI_FLOAT, &o.alpha, 0, 10),
        CLI_OPT("max-output", CLI_INT, &o.decode_max_len, 1, 1e5),
        CLI_OPT("valid-bleu", CLI_INT, &o.valid_bleu, 0, 1e9),
        CLI_END
    };
    CliSpec spec = { .usage = usage_train, .options = opts, .preset = tf_train_preset, .ctx = &o,
                     .presets = TF_TRAIN_PRESETS };
    int nfiles = cli_parse(&spec, argc, argv);
    if (nfiles > 0) usage_error("train: unexpected argument '%s'", argv[1]);
    if (task >= 0) o.task.task = (S2sTask)task;
    if (o.task.task == S2S_TASK_FILES)   /* a missing option is bad usage (2), as in eval */
        for (int sp = 0; sp < 3; sp++)
            if (!o.task.files[sp][0] || !o.task.files[sp][1])
                usage_error("train: --task files needs --train-src/--train-tgt, --valid-src/--valid-tgt and "
                            "--test-src/--test-tgt");
    if (pos >= 0) o.model.pos = (TfPos)pos;
    if (norm >= 0) o.model.norm = (TfNorm)norm;
    if (schedule >= 0) o.schedule = (TfSchedule)schedule;
    if (layers) o.model.enc_layers = o.model.dec_layers = layers;
    if (enc_layers) o.model.enc_layers = enc_layers;
    if (dec_layers) o.model.dec_layers = dec_layers;
    if (o.model.d % o.model.heads != 0)
        usage_error("train: --d-model %d is not a multiple of --heads %d (each head gets d/heads dimensions)",
                    o.model.d, o.model.heads);
    return tf_train(&o);
}
