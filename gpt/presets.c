/*
 * presets.c -- `gpt train`'s defaults and named recipes. See presets.h.
 */
#include "gpt/presets.h"

#include <string.h>

#include "util.h"

void gpt_train_defaults(GptTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->model = (GptConfig){.max_seq_len = 64, .vocab_size = 0, .n_layer = 4, .n_head = 4, .channels = 128,
                           .bias = 0, .dropout = 0.0f};
    o->tc = (GptTrainConfig){.batch = 12, .seq_len = 64, .accum = 1, .steps = 2000, .lr = 1e-3f,
                             .min_lr = 1e-4f, .warmup = 100, .decay_steps = -1, .beta1 = 0.9f, .beta2 = 0.99f,
                             .weight_decay = 0.1f, .grad_clip = 1.0f, .eval_interval = 250, .eval_iters = 20,
                             .log_interval = 10, .seed = 1337};
    o->final_eval_iters = 200;
    o->threads = 0;
    o->min_count = 1;
    o->name = "custom";
}

int gpt_train_preset(void *ctx, const char *name) {
    GptTrainOptions *o = ctx;
    static char path[1024];
    if (!strcmp(name, "shakespeare-char")) {
        /* nanoGPT config/train_shakespeare_char.py with its README's CPU overrides */
        data_path_or_die(path, sizeof path, "tinyshakespeare/input.txt");
        o->data = path;
        o->name = "shakespeare-char";
        return 1;
    }
    if (!strcmp(name, "ptb")) {
        static char val[1024], test[1024];
        data_path_or_die(path, sizeof path, "ptb/ptb.train.txt");
        data_path_or_die(val, sizeof val, "ptb/ptb.valid.txt");
        data_path_or_die(test, sizeof test, "ptb/ptb.test.txt");
        o->data = path, o->val = val, o->test = test, o->words = 1;
        o->name = "ptb";
        /* a small, strongly regularised GPT: 0.93M training words overfit fast */
        o->model.n_layer = 4, o->model.n_head = 4, o->model.channels = 192;
        o->model.max_seq_len = o->tc.seq_len = 96;
        o->model.dropout = 0.2f;
        o->tc.batch = 16, o->tc.steps = 8000, o->tc.warmup = 200, o->tc.eval_interval = 500;
        o->eval_stride = 24;
        return 1;
    }
    if (!strcmp(name, "ptb-sst")) {
        /* GPT-1's pretraining for `gpt finetune --task sst2`: PTB's news plus
         * SST-2's training sentences without their labels (never dev or test) */
        static char unl[1024];
        gpt_train_preset(o, "ptb");
        data_path_or_die(unl, sizeof unl, "sst/stsa.fine.train");   /* all 8544, neutral ones too */
        o->unlabelled = unl, o->min_count = 2;
        /* smaller than ptb's: about 2.8 passes over the text, so
         * that pretraining and both fine-tunings fit in ~40 minutes of one core */
        o->model.channels = 128, o->model.max_seq_len = o->tc.seq_len = 64, o->model.dropout = 0.1f;
        o->tc.steps = 3000, o->tc.warmup = 100, o->tc.eval_interval = 500, o->eval_stride = 0;
        o->name = "ptb-sst";
        return 1;
    }
    return 0;
}

/* One RESULT line of a whole-stream evaluation. */
