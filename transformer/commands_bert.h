/*
 * commands_bert.h -- the BERT commands of the transformer/ command line
 * (transformer/cmd_bert.c), for main.c's table:
 *
 *     transformer bert-pretrain   BPE vocabulary + masked-LM (and NSP) pretraining
 *     transformer bert-finetune   a classifier on [CLS], pretrained vs from scratch (SST-2, MR)
 *     transformer cloze           "SENTENCE it was [MASK] .": zero-shot, prompt and head
 *                                 fine-tuning on 16 examples a class (LM-BFF)
 *     transformer bert-vectors    contextual vectors: "flies" in two sentences, and neighbours
 */
#ifndef TRANSFORMER_COMMANDS_BERT_H
#define TRANSFORMER_COMMANDS_BERT_H

int tf_cmd_bert_pretrain(int argc, char **argv);
int tf_cmd_bert_finetune(int argc, char **argv);
int tf_cmd_cloze(int argc, char **argv);
int tf_cmd_bert_vectors(int argc, char **argv);

#endif
