/*
 * Internal layout of a learn model, shared by model.c (construction,
 * initialisation, FLOP counts) and train.c (forward, backward, evaluation).
 *
 * A model is a short chain of operations on a mini-batch. Convolutional
 * activations are kept channel-major, "CNHW" (channel, sample, row, column),
 * so that a convolution over the whole batch is one im2col matrix and one
 * sgemm whose product is already CNHW. Flatten transposes CNHW to the
 * row-major N x features matrix the dense layers use (features in (c, y, x)
 * order). Parameters live in one flat vector: per layer the weight (dense:
 * out x in row-major; conv: cout x (cin k k) row-major) then the bias.
 */
#ifndef LEARN_MODEL_H
#define LEARN_MODEL_H

#include "learn-internal.h"

typedef enum learn_op_type {
  LEARN_OP_CONV = 0,
  LEARN_OP_POOL = 1,
  LEARN_OP_FLATTEN = 2,
  LEARN_OP_DENSE = 3
} learn_op_type;

typedef struct learn_op {
  learn_op_type type;
  int relu;                /* conv/dense: ReLU fused after the bias */
  size_t in_c, in_h, in_w; /* per-sample input shape (dense: in_c x 1 x 1) */
  size_t out_c, out_h, out_w;
  size_t kernel, pad;   /* conv: square kernel, zero padding */
  size_t weight_offset; /* conv/dense: into the parameter vector */
  size_t bias_offset;
  float *out;       /* max_batch x output activations */
  float *col;       /* conv: (in_c k k) x (max_batch out_h out_w) */
  uint32_t *argmax; /* pool: input position of each output's max */
} learn_op;

#define LEARN_MAX_OPS    8
#define LEARN_MAX_LAYERS 8 /* parameter tensors (weights and biases) */

struct learn_model {
  learn_model_kind kind;
  size_t rows, cols, classes, max_batch;
  size_t dimension;
  size_t op_count;
  learn_op ops[LEARN_MAX_OPS];
  size_t layer_count;
  learn_layer_info layers[LEARN_MAX_LAYERS];
  float *input;   /* max_batch x rows*cols */
  float *delta_a; /* backward ping-pong, each max_batch x largest activation */
  float *delta_b;
  uint8_t *targets; /* max_batch labels of the current batch */
  float *ones;      /* all 1: bias gradients as one sgemv (sum of rows) */
  size_t ones_length;
};

static inline size_t learn_op_in_size(const learn_op *op) {
  return op->in_c * op->in_h * op->in_w;
}

static inline size_t learn_op_out_size(const learn_op *op) {
  return op->out_c * op->out_h * op->out_w;
}

#endif /* LEARN_MODEL_H */
