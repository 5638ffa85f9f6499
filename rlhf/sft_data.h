/*
 * sft_data.h -- the instruction task as token ids for a word-level GPT, and
 * the layout of a supervised fine-tuning example (InstructGPT's SFT step).
 *
 * The tokenizer is common/text.h's word vocabulary over the task's closed
 * vocabulary (instruct_vocab): ids 0-3 are text.h's specials, then the words
 * in byte order, so the same task always gives the same ids. An example is
 *
 *     tokens   PROMPT ... <s> RESPONSE ... </s> <pad> ...
 *     targets  -1     ... r1  r2       ... -1   -1    ...
 *
 * with targets[t] = tokens[t + 1] wherever the token t + 1 is a response
 * token or the closing </s>, and -1 everywhere else: the cross-entropy
 * (common/ops.h crossentropy_forward, ignore index -1) then trains on the
 * response only, never on reproducing the prompt. <s> marks where the
 * response starts, </s> where it ends (generation stops there).
 */
#ifndef NLP_RLHF_SFT_DATA_H
#define NLP_RLHF_SFT_DATA_H

#include <stddef.h>

#include "rlhf/instruct.h"
#include "text.h"

/* The task's word vocabulary. */
Vocab *instruct_tokenizer(const InstructSet *s);

/* Lay out prompt and response in T positions as above. Returns the number of
 * positions used (the prompt, <s>, the response; </s> is the last target), or
 * -1 with err when a word is not in v or the example does not fit in T. */
int sft_example(const Vocab *v, const char *prompt, const char *response, int T, int *tokens, int *targets,
                char *err, size_t errlen);

#endif
