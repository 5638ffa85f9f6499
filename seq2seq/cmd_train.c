/*
 * cmd_train.c -- `seq2seq train`: the options and the named recipes.
 *
 * The Multi30k presets are the architectures of the PyTorch tutorials whose
 * test BLEU the chapter compares with (REFERENCES.md): a 2-layer LSTM without
 * attention (Sutskever et al. 2014), a GRU fed the context at every step (Cho
 * et al. 2014), and Bahdanau attention over a bidirectional GRU; 10 epochs of
 * Adam, teacher forcing 0.5, clipping at 1, dropout 0.5, words seen twice.
 * Ours are half their width (256); the LSTM then needs 12 epochs.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "seq2seq/commands.h"
#include "util.h"

static const char usage_train[] =
    "Usage: seq2seq train [--preset NAME] [options]\n"
    "Train an encoder-decoder; each epoch logs validation loss, perplexity and greedy\n"
    "BLEU to OUT/metrics.tsv and saves OUT/model.ckpt; the best epoch's weights go to\n"
    "OUT/best/ and are scored on the test split at the end (RESULT ... split=test bleu=).\n"
    "\n"
    "  --preset NAME         dates, dates-noattn: the built-in date normaliser (seconds)\n"
    "                        multi30k-lstm, multi30k-cho, multi30k-bahdanau: the tutorials' models\n"
    "                        bible-noattn, bible-bahdanau: KJV -> Reina-Valera 1909, trained on\n"
    "                        verses of at most 20 words, tested on all lengths\n"
    "Data:\n"
    "  --task T              dates | multi30k | bible | files (default dates)\n"
    "  --train-src F --train-tgt F --valid-src F --valid-tgt F --test-src F --test-tgt F\n"
    "                        line-aligned files for --task files (words, lower-cased)\n"
    "  --dates N             training pairs generated for dates (10000); --dates-eval N (1000)\n"
    "  --train-max-words N   train only on pairs of at most N words per side (0: all)\n"
    "  --min-count N         vocabulary: tokens seen at least N times (1)\n"
    "  --max-vocab N         ... and at most N tokens, specials included (0: no limit)\n"
    "Model:\n"
    "  --cell gru|lstm       both sides' cell (gru); --enc-cell, --dec-cell one side's\n"
    "  --emb N               embedding size, both sides (32)\n"
    "  --hidden N            encoder hidden size per direction (64)\n"
    "  --dec-hidden N        decoder hidden size (64)\n"
    "  --layers N            encoder layers (1); --dec-layers N decoder layers (1)\n"
    "  --bidirectional 0|1   two-directional encoder (1)\n"
    "  --attention A         none | bahdanau | luong-dot | luong-general | luong-concat (bahdanau)\n"
    "  --feed-context        with --attention none: Cho et al.'s decoder (the context at every step)\n"
    "  --reverse-source 0|1  read each source sentence backwards, as Sutskever et al. (0)\n"
    "  --att-size N          attention's hidden size, bahdanau and luong-concat (64)\n"
    "  --dropout P           on embeddings and between layers (0)\n"
    "  --init-range R        weights from U[-R, R] (0.08)\n"
    "Training:\n"
    "  --epochs N            passes over the training pairs (10); --steps N stops earlier\n"
    "  --batch N             pairs per batch (64)\n"
    "  --lr LR               Adam's learning rate (0.001)\n"
    "  --clip C              global gradient-norm clipping (1)\n"
    "  --teacher-forcing R   probability of feeding the reference word at a step (1)\n"
    "  --label-smoothing E   (0)\n"
    "  --max-len N           truncate training sentences to N tokens (0: no)\n"
    "  --resume              continue the run in --out from its last epoch\n"
    "Evaluation:\n"
    "  --beam K              beam size of the final test decoding (5); --alpha A its length penalty (0)\n"
    "  --max-output N        longest output, in tokens (50)\n"
    "  --valid-bleu N        validation pairs decoded each epoch for BLEU (0: all)\n"
    "Common: --out DIR (runs/seq2seq/<preset>) --seed N --threads N (2) --quiet\n"
    "\n"
    "Example:  seq2seq train --preset multi30k-bahdanau\n";

static void model_defaults(S2sConfig *c, RnnKind cell, int E, int H, int L, int bidir, S2sAttention attn,
                           float dropout) {
    c->enc = (S2sEncoderConfig){ .cell = cell, .E = E, .H = H, .L = L, .bidir = bidir, .dropout = dropout };
    c->dec = (S2sDecoderConfig){ .cell = cell, .E = E, .H = H, .L = L, .A = H, .attn = attn, .dropout = dropout };
}

/* The tutorials' recipe shared by the three Multi30k presets. */
static void multi30k_recipe(S2sTrainOptions *o) {
    o->task.task = S2S_TASK_MULTI30K;
    o->task.min_count = 2;
    o->epochs = 10;
    o->batch = 128;
    o->tf_ratio = 0.5f;
    o->clip = 1.0f;
    o->decode_max_len = 50;
}

/* Bahdanau et al.'s length experiment on the Bible: the same pairs and
 * sizes for both models, trained on verses of at most 20 words (7,099
 * pairs), tested on verses of every length. */
static void bible_recipe(S2sTrainOptions *o) {
    o->task.task = S2S_TASK_BIBLE;
    o->task.train_max_words = 20;
    o->task.min_count = 2;
    o->task.max_vocab = 6000;
    o->epochs = 10;
    o->batch = 64;
    o->decode_max_len = 80;
    o->valid_bleu = 500;
}

int s2s_train_preset(void *ctx, const char *name) {
    S2sTrainOptions *o = ctx;
    if (!strcmp(name, "dates") || !strcmp(name, "dates-noattn")) {
        /* a bi-LSTM of 32 per direction, an LSTM decoder of 64 (REFERENCES.md) */
        model_defaults(&o->model, RNN_LSTM, 32, 32, 1, 1, S2S_ATTN_BAHDANAU, 0.0f);
        o->model.dec.H = 64;
        o->model.dec.A = 64;
        if (!strcmp(name, "dates-noattn")) {
            /* Cho's decoder: the context is the encoder's final states, 2 x 32 */
            o->model.dec.attn = S2S_ATTN_NONE;
            o->model.dec.feed_context = 1;
        }
        o->epochs = 10;
        o->lr = 3e-3f;
        o->out = !strcmp(name, "dates") ? "runs/seq2seq/dates" : "runs/seq2seq/dates-noattn";
        return 1;
    }
    if (!strcmp(name, "multi30k-lstm")) {
        multi30k_recipe(o);
        model_defaults(&o->model, RNN_LSTM, 256, 256, 2, 0, S2S_ATTN_NONE, 0.5f);
        o->model.reverse_src = 1;   /* Sutskever et al.'s reversed source, as the tutorial */
        o->epochs = 12;             /* at half the tutorial's width it needs two more epochs */
        o->out = "runs/seq2seq/multi30k-lstm";
        return 1;
    }
    if (!strcmp(name, "multi30k-cho")) {
        multi30k_recipe(o);
        model_defaults(&o->model, RNN_GRU, 256, 256, 1, 0, S2S_ATTN_NONE, 0.5f);
        o->model.dec.feed_context = 1;
        o->out = "runs/seq2seq/multi30k-cho";
        return 1;
    }
    if (!strcmp(name, "multi30k-bahdanau")) {
        multi30k_recipe(o);
        model_defaults(&o->model, RNN_GRU, 256, 256, 1, 1, S2S_ATTN_BAHDANAU, 0.5f);
        o->out = "runs/seq2seq/multi30k-bahdanau";
        return 1;
    }
    if (!strcmp(name, "bible-noattn") || !strcmp(name, "bible-bahdanau")) {
        bible_recipe(o);
        int attn = !strcmp(name, "bible-bahdanau");
        model_defaults(&o->model, RNN_GRU, 128, 192, 1, attn, attn ? S2S_ATTN_BAHDANAU : S2S_ATTN_NONE, 0.2f);
        if (!attn) o->model.dec.feed_context = 1;
        o->out = attn ? "runs/seq2seq/bible-bahdanau" : "runs/seq2seq/bible-noattn";
        return 1;
    }
    return 0;
}

static const char *const cells[] = { "rnn", "lstm", "gru", NULL };   /* RnnKind order */
static const char *const attentions[] = { "none", "bahdanau", "luong-dot", "luong-general", "luong-concat", NULL };
static const char *const tasks[] = { "dates", "multi30k", "bible", "files", NULL };

int s2s_cmd_train(int argc, char **argv) {
    S2sTrainOptions o;
    s2s_train_defaults(&o);
    int cell = -1, enc_cell = -1, dec_cell = -1, attn = -1, task = -1, emb = 0;
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
        { .name = "cell", .type = CLI_CHOICE, .dst = &cell, .choices = cells },
        { .name = "enc-cell", .type = CLI_CHOICE, .dst = &enc_cell, .choices = cells },
        { .name = "dec-cell", .type = CLI_CHOICE, .dst = &dec_cell, .choices = cells },
        CLI_OPT("emb", CLI_INT, &emb, 1, 65536),
        CLI_OPT("hidden", CLI_INT, &o.model.enc.H, 1, 65536),
        CLI_OPT("dec-hidden", CLI_INT, &o.model.dec.H, 1, 65536),
        CLI_OPT("layers", CLI_INT, &o.model.enc.L, 1, S2S_MAX_LAYERS),
        CLI_OPT("dec-layers", CLI_INT, &o.model.dec.L, 1, S2S_DEC_MAX_LAYERS),
        CLI_OPT("bidirectional", CLI_INT, &o.model.enc.bidir, 0, 1),
        { .name = "attention", .type = CLI_CHOICE, .dst = &attn, .choices = attentions },
        CLI_OPT("feed-context", CLI_FLAG, &o.model.dec.feed_context, 0, 0),
        CLI_OPT("reverse-source", CLI_INT, &o.model.reverse_src, 0, 1),
        CLI_OPT("att-size", CLI_INT, &o.model.dec.A, 1, 65536),
        CLI_OPT("dropout", CLI_FLOAT, &o.model.dec.dropout, 0, 0.99),
        CLI_OPT("init-range", CLI_FLOAT, &o.init_range, 0, 10),
        CLI_OPT("epochs", CLI_INT, &o.epochs, 1, 1e6),
        CLI_OPT("clip", CLI_FLOAT, &o.clip, 0, 1e9),
        CLI_OPT("teacher-forcing", CLI_FLOAT, &o.tf_ratio, 0, 1),
        CLI_OPT("label-smoothing", CLI_FLOAT, &o.smoothing, 0, 0.99),
        CLI_OPT("max-len", CLI_INT, &o.max_len, 0, 1e6),
        CLI_OPT("resume", CLI_FLAG, &o.resume, 0, 0),
        CLI_OPT("beam", CLI_INT, &o.beam, 1, 1000),
        CLI_OPT("alpha", CLI_FLOAT, &o.alpha, 0, 10),
        CLI_OPT("max-output", CLI_INT, &o.decode_max_len, 1, 1e5),
        CLI_OPT("valid-bleu", CLI_INT, &o.valid_bleu, 0, 1e9),
        CLI_END
    };
    /* The dropout flag sets both sides: remember the encoder's was not given
     * separately (the presets set both). */
    CliSpec spec = { .usage = usage_train, .options = opts, .preset = s2s_train_preset, .ctx = &o,
                     .presets = S2S_TRAIN_PRESETS };
    int nfiles = cli_parse(&spec, argc, argv);
    if (nfiles > 0) usage_error("train: unexpected argument '%s'", argv[1]);
    if (task >= 0) o.task.task = (S2sTask)task;
    if (o.task.task == S2S_TASK_FILES)   /* a missing option is bad usage (2), as in eval */
        for (int sp = 0; sp < 3; sp++)
            if (!o.task.files[sp][0] || !o.task.files[sp][1])
                usage_error("train: --task files needs --train-src/--train-tgt, --valid-src/--valid-tgt and "
                            "--test-src/--test-tgt");
    if (cell >= 0) o.model.enc.cell = o.model.dec.cell = (RnnKind)cell;
    if (enc_cell >= 0) o.model.enc.cell = (RnnKind)enc_cell;
    if (dec_cell >= 0) o.model.dec.cell = (RnnKind)dec_cell;
    if (o.model.enc.cell == RNN_ELMAN || o.model.dec.cell == RNN_ELMAN)
        usage_error("train: the encoder-decoder takes gru or lstm cells");
    if (emb) o.model.enc.E = o.model.dec.E = emb;
    if (attn >= 0) o.model.dec.attn = (S2sAttention)attn;
    if (o.model.dec.feed_context && o.model.dec.attn != S2S_ATTN_NONE)
        usage_error("train: --feed-context is Cho et al.'s decoder, without attention (--attention none)");
    o.model.enc.dropout = o.model.dec.dropout;
    return s2s_train(&o);
}
