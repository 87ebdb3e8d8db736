/*
 * The four models, their parameter layout, initialisation and FLOP counts.
 *
 *  softmax    dense(HW -> classes)                          D = 7,850
 *  mlp        dense(HW -> 200) ReLU, dense(200 -> 200) ReLU,
 *             dense(200 -> classes)                        D = 199,210
 *  cnn-small  conv 5x5 10 ch valid ReLU, max-pool 2, conv 5x5 20 ch valid
 *             ReLU, max-pool 2, dense(-> 50) ReLU, dense(50 -> classes)
 *                                                          D = 21,840
 *  cnn        McMahan et al. 2017: conv 5x5 32 ch 'same' ReLU, max-pool 2,
 *             conv 5x5 64 ch 'same' ReLU, max-pool 2, dense(-> 512) ReLU,
 *             dense(512 -> classes)                        D = 1,663,370
 * (D for 28 x 28 images and 10 classes.) Pooling floors odd sizes.
 *
 * Initialisation: layers followed by a ReLU draw weights from N(0, 2/fan_in)
 * (He et al., "Delving deep into rectifiers", 2015); the output layer from
 * U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010).
 * Biases start at zero. One generator seeded once walks the layers in order.
 *
 * FLOPs: a multiply-add counts 2; bias, ReLU, pooling compare and the
 * softmax/cross-entropy count 1 per element (softmax 5 per logit: max, sub,
 * exp, sum, divide). The backward pass of a layer costs two products of the
 * size of its forward product (weight gradient and input gradient), except
 * the first layer, which needs no input gradient.
 */
#include "learn-model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const model_names[] = {"softmax", "mlp", "cnn-small", "cnn"};

/* Bounds that keep every index in 32 bits and every product in size_t. */
#define LEARN_MAX_SIDE       4096
#define LEARN_MAX_CLASSES    256
#define LEARN_MAX_BATCH      65536
#define LEARN_MAX_ACTIVATION 0xffffffffu

const char *learn_model_kind_name(learn_model_kind kind) {
  if ((unsigned)kind > LEARN_MODEL_CNN)
    return NULL;
  return model_names[kind];
}

int learn_model_kind_from_name(const char *name, learn_model_kind *kind) {
  RETURN_IF(!name || !kind, LEARN_ERROR_NULL_ARGUMENT);
  for (unsigned i = 0; i <= LEARN_MODEL_CNN; i++) {
    if (strcmp(name, model_names[i]) == 0) {
      *kind = (learn_model_kind)i;
      return LEARN_OK;
    }
  }
  return LEARN_ERROR_UNKNOWN_MODEL;
}

/* ------------------------------------------------------------ building */

typedef struct shape {
  size_t c, h, w;
} shape;

typedef struct builder {
  learn_model *m;
  shape current;
  int ok;
} builder;

static learn_op *push_op(builder *b, learn_op_type type) {
  learn_model *m = b->m;
  if (m->op_count == LEARN_MAX_OPS) {
    b->ok = 0;
    return NULL;
  }
  learn_op *op = &m->ops[m->op_count++];
  memset(op, 0, sizeof(*op));
  op->type = type;
  op->in_c = b->current.c;
  op->in_h = b->current.h;
  op->in_w = b->current.w;
  return op;
}

static void add_params(builder *b, learn_op *op, size_t weights, size_t biases,
                       const char *weight_name, const char *bias_name) {
  learn_model *m = b->m;
  if (m->layer_count + 2 > LEARN_MAX_LAYERS) {
    b->ok = 0;
    return;
  }
  op->weight_offset = m->dimension;
  m->layers[m->layer_count++] =
      (learn_layer_info){weight_name, m->dimension, weights};
  m->dimension += weights;
  op->bias_offset = m->dimension;
  m->layers[m->layer_count++] =
      (learn_layer_info){bias_name, m->dimension, biases};
  m->dimension += biases;
}

static void conv(builder *b, size_t out_c, size_t kernel, int same,
                 const char *weight_name, const char *bias_name) {
  learn_op *op = push_op(b, LEARN_OP_CONV);
  if (!op)
    return;
  op->kernel = kernel;
  op->pad = same ? (kernel - 1) / 2 : 0;
  op->relu = 1;
  op->out_c = out_c;
  if (b->current.h + 2 * op->pad < kernel ||
      b->current.w + 2 * op->pad < kernel) {
    b->ok = 0;
    return;
  }
  op->out_h = b->current.h + 2 * op->pad - kernel + 1;
  op->out_w = b->current.w + 2 * op->pad - kernel + 1;
  add_params(b, op, out_c * b->current.c * kernel * kernel, out_c, weight_name,
             bias_name);
  b->current = (shape){op->out_c, op->out_h, op->out_w};
}

static void pool(builder *b) {
  learn_op *op = push_op(b, LEARN_OP_POOL);
  if (!op)
    return;
  op->out_c = b->current.c;
  op->out_h = b->current.h / 2;
  op->out_w = b->current.w / 2;
  if (op->out_h == 0 || op->out_w == 0) {
    b->ok = 0;
    return;
  }
  b->current = (shape){op->out_c, op->out_h, op->out_w};
}

static void flatten(builder *b) {
  learn_op *op = push_op(b, LEARN_OP_FLATTEN);
  if (!op)
    return;
  op->out_c = b->current.c * b->current.h * b->current.w;
  op->out_h = op->out_w = 1;
  b->current = (shape){op->out_c, 1, 1};
}

static void dense(builder *b, size_t out, int relu, const char *weight_name,
                  const char *bias_name) {
  /* A dense layer reads a flat row per sample: flatten first if needed. */
  if (b->current.h != 1 || b->current.w != 1) {
    if (b->current.c == 1 && b->m->op_count == 0) {
      /* Single-channel input: CNHW and N x HW are the same memory. */
      b->current = (shape){b->current.h * b->current.w, 1, 1};
    } else {
      flatten(b);
    }
  }
  learn_op *op = push_op(b, LEARN_OP_DENSE);
  if (!op)
    return;
  op->relu = relu;
  op->out_c = out;
  op->out_h = op->out_w = 1;
  add_params(b, op, out * b->current.c, out, weight_name, bias_name);
  b->current = (shape){out, 1, 1};
}

static int build_layers(learn_model *m) {
  builder b = {m, {1, m->rows, m->cols}, 1};
  switch (m->kind) {
  case LEARN_MODEL_SOFTMAX:
    dense(&b, m->classes, 0, "fc1.weight", "fc1.bias");
    break;
  case LEARN_MODEL_MLP:
    dense(&b, 200, 1, "fc1.weight", "fc1.bias");
    dense(&b, 200, 1, "fc2.weight", "fc2.bias");
    dense(&b, m->classes, 0, "fc3.weight", "fc3.bias");
    break;
  case LEARN_MODEL_CNN_SMALL:
    conv(&b, 10, 5, 0, "conv1.weight", "conv1.bias");
    pool(&b);
    conv(&b, 20, 5, 0, "conv2.weight", "conv2.bias");
    pool(&b);
    dense(&b, 50, 1, "fc1.weight", "fc1.bias");
    dense(&b, m->classes, 0, "fc2.weight", "fc2.bias");
    break;
  case LEARN_MODEL_CNN:
    conv(&b, 32, 5, 1, "conv1.weight", "conv1.bias");
    pool(&b);
    conv(&b, 64, 5, 1, "conv2.weight", "conv2.bias");
    pool(&b);
    dense(&b, 512, 1, "fc1.weight", "fc1.bias");
    dense(&b, m->classes, 0, "fc2.weight", "fc2.bias");
    break;
  }
  return b.ok ? LEARN_OK : LEARN_ERROR_PARAMETER_OUT_OF_RANGE;
}

/* Allocates every scratch buffer for max_batch samples. */
static int allocate_scratch(learn_model *m) {
  size_t n = m->max_batch;
  size_t pixels = m->rows * m->cols;
  size_t largest = pixels;
  for (size_t i = 0; i < m->op_count; i++) {
    learn_op *op = &m->ops[i];
    size_t out = learn_op_out_size(op);
    if (out > largest)
      largest = out;
    if (learn_op_in_size(op) > largest)
      largest = learn_op_in_size(op);
    /* Every index into a batch's activations must fit in 32 bits. */
    if ((double)n * (double)out > LEARN_MAX_ACTIVATION ||
        (double)n * (double)learn_op_in_size(op) > LEARN_MAX_ACTIVATION)
      return LEARN_ERROR_PARAMETER_OUT_OF_RANGE;
    op->out = malloc(n * out * sizeof(float));
    RETURN_IF(!op->out, LEARN_ERROR_ALLOCATION);
    if (op->type == LEARN_OP_CONV) {
      double col = (double)op->in_c * op->kernel * op->kernel * n * op->out_h *
                   op->out_w;
      RETURN_IF(col > LEARN_MAX_ACTIVATION, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
      op->col = malloc((size_t)col * sizeof(float));
      RETURN_IF(!op->col, LEARN_ERROR_ALLOCATION);
    }
    if (op->type == LEARN_OP_POOL) {
      op->argmax = malloc(n * out * sizeof(uint32_t));
      RETURN_IF(!op->argmax, LEARN_ERROR_ALLOCATION);
    }
  }
  m->input = malloc(n * pixels * sizeof(float));
  m->delta_a = malloc(n * largest * sizeof(float));
  m->delta_b = malloc(n * largest * sizeof(float));
  m->targets = malloc(n);
  /* Longest row a bias gradient sums: a conv output row or the batch. */
  m->ones_length = n;
  for (size_t i = 0; i < m->op_count; i++)
    if (m->ops[i].type == LEARN_OP_CONV &&
        n * m->ops[i].out_h * m->ops[i].out_w > m->ones_length)
      m->ones_length = n * m->ops[i].out_h * m->ops[i].out_w;
  m->ones = malloc(m->ones_length * sizeof(float));
  RETURN_IF(!m->input || !m->delta_a || !m->delta_b || !m->targets || !m->ones,
            LEARN_ERROR_ALLOCATION);
  for (size_t i = 0; i < m->ones_length; i++)
    m->ones[i] = 1.0f;
  return LEARN_OK;
}

learn_model *learn_model_create(learn_model_kind kind, size_t rows, size_t cols,
                                size_t classes, size_t max_batch, int *error) {
  if ((unsigned)kind > LEARN_MODEL_CNN) {
    learn_set_error(error, LEARN_ERROR_UNKNOWN_MODEL);
    return NULL;
  }
  if (rows == 0 || cols == 0 || rows > LEARN_MAX_SIDE ||
      cols > LEARN_MAX_SIDE || classes < 2 || classes > LEARN_MAX_CLASSES ||
      max_batch == 0 || max_batch > LEARN_MAX_BATCH) {
    learn_set_error(error, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
    return NULL;
  }
  learn_model *m = calloc(1, sizeof(*m));
  if (!m) {
    learn_set_error(error, LEARN_ERROR_ALLOCATION);
    return NULL;
  }
  m->kind = kind;
  m->rows = rows;
  m->cols = cols;
  m->classes = classes;
  m->max_batch = max_batch;
  int status = build_layers(m);
  if (status == LEARN_OK)
    status = allocate_scratch(m);
  if (status != LEARN_OK) {
    learn_model_destroy(m);
    learn_set_error(error, status);
    return NULL;
  }
  learn_set_error(error, LEARN_OK);
  return m;
}

void learn_model_destroy(learn_model *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->op_count; i++) {
    free(m->ops[i].out);
    free(m->ops[i].col);
    free(m->ops[i].argmax);
  }
  free(m->input);
  free(m->delta_a);
  free(m->delta_b);
  free(m->targets);
  free(m->ones);
  free(m);
}

learn_model_kind learn_model_kind_of(const learn_model *m) {
  return m ? m->kind : LEARN_MODEL_SOFTMAX;
}

size_t learn_model_dimension(const learn_model *m) {
  return m ? m->dimension : 0;
}

size_t learn_model_max_batch(const learn_model *m) {
  return m ? m->max_batch : 0;
}

size_t learn_model_layer_count(const learn_model *m) {
  return m ? m->layer_count : 0;
}

int learn_model_layer(const learn_model *m, size_t index,
                      learn_layer_info *info) {
  RETURN_IF(!m || !info, LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(index >= m->layer_count, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  *info = m->layers[index];
  return LEARN_OK;
}

int learn_model_init(const learn_model *m, float *weights, uint64_t seed) {
  RETURN_IF(!m || !weights, LEARN_ERROR_NULL_ARGUMENT);
  learn_rng rng;
  learn_rng_seed(&rng, seed);
  for (size_t i = 0; i < m->op_count; i++) {
    const learn_op *op = &m->ops[i];
    if (op->type != LEARN_OP_CONV && op->type != LEARN_OP_DENSE)
      continue;
    size_t receptive = op->type == LEARN_OP_CONV ? op->kernel * op->kernel : 1;
    size_t fan_in = op->in_c * receptive;
    size_t fan_out = op->out_c * receptive;
    size_t count = op->out_c * fan_in;
    float *w = weights + op->weight_offset;
    if (op->relu) {
      double std = sqrt(2.0 / (double)fan_in);
      for (size_t j = 0; j < count; j++)
        w[j] = (float)(std * learn_rng_normal(&rng));
    } else {
      double limit = sqrt(6.0 / (double)(fan_in + fan_out));
      for (size_t j = 0; j < count; j++)
        w[j] = (float)(limit * (2.0 * learn_rng_uniform(&rng) - 1.0));
    }
    memset(weights + op->bias_offset, 0, op->out_c * sizeof(float));
  }
  return LEARN_OK;
}

/* FLOPs of the forward pass (backward = 0) or of forward + backward. */
static double count_flops(const learn_model *m, size_t batch, int backward) {
  double n = (double)batch, total = 0.0;
  for (size_t i = 0; i < m->op_count; i++) {
    const learn_op *op = &m->ops[i];
    double outputs = n * (double)learn_op_out_size(op);
    double product = 0.0; /* one forward product's multiply-adds x 2 */
    switch (op->type) {
    case LEARN_OP_CONV:
      product = 2.0 * outputs * (double)(op->in_c * op->kernel * op->kernel);
      break;
    case LEARN_OP_DENSE:
      product = 2.0 * outputs * (double)op->in_c;
      break;
    case LEARN_OP_POOL:
      total += 3.0 * outputs; /* 3 compares per 2x2 window */
      continue;
    case LEARN_OP_FLATTEN:
      continue;
    }
    total += product + outputs * (op->relu ? 2.0 : 1.0); /* bias, ReLU */
    if (backward) {
      total += product + outputs; /* weight gradient, bias gradient */
      if (i > 0)
        total += product; /* input gradient */
      if (op->relu)
        total += outputs; /* ReLU mask */
    }
  }
  total += 5.0 * n * (double)m->classes; /* softmax, cross-entropy */
  return total;
}

double learn_model_step_flops(const learn_model *m, size_t batch) {
  return m ? count_flops(m, batch, 1) : 0.0;
}

double learn_model_forward_flops(const learn_model *m, size_t batch) {
  return m ? count_flops(m, batch, 0) : 0.0;
}
