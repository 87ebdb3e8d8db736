/*
 * Forward pass, backpropagation, SGD step and evaluation.
 *
 * Loss: mean cross-entropy of a softmax output. For logits z of one sample
 * with label y, log-sum-exp is taken stably as lse = m + log sum_j exp(z_j -
 * m), m = max_j z_j; the loss is lse - z_y (accumulated in double) and its
 * gradient p - e_y with p_j = exp(z_j - lse). Dividing by the batch size
 * there makes every parameter gradient that of the mean.
 *
 * Dense layer Y = X W^T + b (X: N x in, W: out x in): dW = dY^T X,
 * db = sum_n dY, dX = dY W. Convolution by im2col (Chellapilla, Puri and
 * Simard, "High performance convolutional neural networks for document
 * processing", 2006), batched over the whole mini-batch so that a layer is one
 * sgemm: col[(c,i,j)][(n,y,x)] = in[c][n][y+i-pad][x+j-pad] (zero outside),
 * out = W col (cout x N Ho Wo, i.e. CNHW); backward dW = dOut col^T,
 * dcol = W^T dOut, then col2im adds dcol back onto the input positions.
 * ReLU passes the gradient where its output is positive; 2x2 max-pooling
 * routes it to the recorded argmax.
 *
 * Heavy-ball momentum (Polyak 1964) as in PyTorch's SGD: v = mu v + g,
 * w -= lr v.
 *
 * All dense algebra goes through CBLAS; the steps never allocate.
 */
#include "learn-model.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The one typed sgemm wrapper: row-major C = A op(B) (beta 0) or accumulate,
 * with the leading dimensions derived from the shapes so they cannot
 * disagree. A is m x k (or k x m when transposed), B k x n (or n x k). */
static void gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                 const float *a, const float *b, float beta, float *c) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
              a, trans_a ? (int)m : (int)k, b, trans_b ? (int)k : (int)n, beta,
              c, (int)n);
}

/* ------------------------------------------------------------- im2col */

static void im2col(const learn_op *op, size_t batch, const float *in,
                   float *col) {
  size_t k = op->kernel, pad = op->pad;
  size_t h = op->in_h, w = op->in_w, ho = op->out_h, wo = op->out_w;
  size_t plane = h * w, row_len = batch * ho * wo;
  for (size_t c = 0; c < op->in_c; c++) {
    for (size_t ki = 0; ki < k; ki++) {
      for (size_t kj = 0; kj < k; kj++) {
        float *dst = col + ((c * k + ki) * k + kj) * row_len;
        /* Output columns x whose input column x + kj - pad is inside. */
        size_t x0 = kj < pad ? pad - kj : 0;
        size_t x1 = w + pad > kj ? w + pad - kj : 0;
        if (x1 > wo)
          x1 = wo;
        for (size_t n = 0; n < batch; n++) {
          const float *src = in + (c * batch + n) * plane;
          for (size_t y = 0; y < ho; y++, dst += wo) {
            size_t iy = y + ki;
            if (iy < pad || iy - pad >= h || x0 >= x1) {
              memset(dst, 0, wo * sizeof(float));
              continue;
            }
            const float *line = src + (iy - pad) * w + (x0 + kj - pad);
            if (x0 > 0)
              memset(dst, 0, x0 * sizeof(float));
            memcpy(dst + x0, line, (x1 - x0) * sizeof(float));
            if (x1 < wo)
              memset(dst + x1, 0, (wo - x1) * sizeof(float));
          }
        }
      }
    }
  }
}

/* The adjoint of im2col: in (zeroed here) += col at the source positions. */
static void col2im(const learn_op *op, size_t batch, const float *col,
                   float *in) {
  size_t k = op->kernel, pad = op->pad;
  size_t h = op->in_h, w = op->in_w, ho = op->out_h, wo = op->out_w;
  size_t plane = h * w, row_len = batch * ho * wo;
  memset(in, 0, op->in_c * batch * plane * sizeof(float));
  for (size_t c = 0; c < op->in_c; c++) {
    for (size_t ki = 0; ki < k; ki++) {
      for (size_t kj = 0; kj < k; kj++) {
        const float *src = col + ((c * k + ki) * k + kj) * row_len;
        size_t x0 = kj < pad ? pad - kj : 0;
        size_t x1 = w + pad > kj ? w + pad - kj : 0;
        if (x1 > wo)
          x1 = wo;
        for (size_t n = 0; n < batch; n++) {
          float *dst = in + (c * batch + n) * plane;
          for (size_t y = 0; y < ho; y++, src += wo) {
            size_t iy = y + ki;
            if (iy < pad || iy - pad >= h || x0 >= x1)
              continue;
            float *line = dst + (iy - pad) * w + (x0 + kj - pad);
            for (size_t x = x0; x < x1; x++)
              line[x - x0] += src[x];
          }
        }
      }
    }
  }
}

/* ------------------------------------------------------------ forward */

/* Conv output (CNHW, one row of `inner` = batch*plane values per channel):
 * adds each channel's bias to its row, then ReLU if asked. */
static void bias_relu_rows(float *x, const float *bias, size_t channels,
                           size_t inner, int relu) {
  for (size_t c = 0; c < channels; c++) {
    float b = bias[c];
    float *row = x + c * inner;
    if (relu) {
      for (size_t i = 0; i < inner; i++) {
        float v = row[i] + b;
        row[i] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (size_t i = 0; i < inner; i++)
        row[i] += b;
    }
  }
}

/* Dense output (N x features): adds the bias to every row, then ReLU. */
static void bias_relu_cols(float *x, const float *bias, size_t n,
                           size_t features, int relu) {
  for (size_t s = 0; s < n; s++) {
    float *row = x + s * features;
    if (relu) {
      for (size_t j = 0; j < features; j++) {
        float v = row[j] + bias[j];
        row[j] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (size_t j = 0; j < features; j++)
        row[j] += bias[j];
    }
  }
}

static void pool_forward(learn_op *op, size_t batch, const float *in) {
  size_t h = op->in_h, w = op->in_w, ho = op->out_h, wo = op->out_w;
  size_t planes = op->in_c * batch;
  float *out = op->out;
  uint32_t *arg = op->argmax;
  for (size_t p = 0; p < planes; p++) {
    const float *src = in + p * h * w;
    size_t base = p * h * w;
    for (size_t y = 0; y < ho; y++) {
      for (size_t x = 0; x < wo; x++) {
        /* The first maximum in row-major window order wins ties. */
        size_t i0 = (2 * y) * w + 2 * x, best = i0;
        float top = src[i0];
        if (src[i0 + 1] > top)
          top = src[best = i0 + 1];
        if (src[i0 + w] > top)
          top = src[best = i0 + w];
        if (src[i0 + w + 1] > top)
          top = src[best = i0 + w + 1];
        *out++ = top;
        *arg++ = (uint32_t)(base + best);
      }
    }
  }
}

/* CNHW (C, N, HW) -> N x (C HW). */
static void flatten_forward(const learn_op *op, size_t batch, const float *in,
                            float *out) {
  size_t plane = op->in_h * op->in_w, features = op->in_c * plane;
  for (size_t c = 0; c < op->in_c; c++)
    for (size_t n = 0; n < batch; n++)
      memcpy(out + n * features + c * plane, in + (c * batch + n) * plane,
             plane * sizeof(float));
}

static void flatten_backward(const learn_op *op, size_t batch,
                             const float *dout, float *din) {
  size_t plane = op->in_h * op->in_w, features = op->in_c * plane;
  for (size_t c = 0; c < op->in_c; c++)
    for (size_t n = 0; n < batch; n++)
      memcpy(din + (c * batch + n) * plane, dout + n * features + c * plane,
             plane * sizeof(float));
}

/* Gathers the batch into m->input and checks indices and labels. */
static int gather(learn_model *m, const learn_dataset *d,
                  const uint32_t *indices, size_t batch) {
  RETURN_IF(learn_dataset_rows(d) != m->rows ||
                learn_dataset_cols(d) != m->cols,
            LEARN_ERROR_DIMENSION_MISMATCH);
  size_t pixels = m->rows * m->cols, size = learn_dataset_size(d);
  const float *images = learn_dataset_images(d);
  const uint8_t *labels = learn_dataset_labels(d);
  for (size_t i = 0; i < batch; i++) {
    uint32_t idx = indices ? indices[i] : (uint32_t)i;
    RETURN_IF(idx >= size, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
    RETURN_IF(labels[idx] >= m->classes, LEARN_ERROR_DIMENSION_MISMATCH);
    memcpy(m->input + i * pixels, images + (size_t)idx * pixels,
           pixels * sizeof(float));
    m->targets[i] = labels[idx];
  }
  return LEARN_OK;
}

/* Runs every op on m->input; returns the logits (batch x classes). */
static const float *forward(learn_model *m, const float *weights,
                            size_t batch) {
  const float *in = m->input;
  for (size_t i = 0; i < m->op_count; i++) {
    learn_op *op = &m->ops[i];
    switch (op->type) {
    case LEARN_OP_CONV: {
      size_t kk = op->in_c * op->kernel * op->kernel;
      size_t cols = batch * op->out_h * op->out_w;
      im2col(op, batch, in, op->col);
      gemm(0, 0, op->out_c, cols, kk, weights + op->weight_offset, op->col,
           0.0f, op->out);
      bias_relu_rows(op->out, weights + op->bias_offset, op->out_c, cols,
                     op->relu);
      break;
    }
    case LEARN_OP_POOL:
      pool_forward(op, batch, in);
      break;
    case LEARN_OP_FLATTEN:
      flatten_forward(op, batch, in, op->out);
      break;
    case LEARN_OP_DENSE:
      gemm(0, 1, batch, op->out_c, op->in_c, in, weights + op->weight_offset,
           0.0f, op->out);
      bias_relu_cols(op->out, weights + op->bias_offset, batch, op->out_c,
                     op->relu);
      break;
    }
    in = op->out;
  }
  return in;
}

/* Stable log-sum-exp of one row of logits. */
static double log_sum_exp(const float *z, size_t classes) {
  float zmax = z[0];
  for (size_t j = 1; j < classes; j++)
    if (z[j] > zmax)
      zmax = z[j];
  double sum = 0.0;
  for (size_t j = 0; j < classes; j++)
    sum += exp((double)z[j] - (double)zmax);
  return (double)zmax + log(sum);
}

/* ----------------------------------------------------------- backward */

/* Zeroes the gradient where the ReLU output was not positive. */
static void relu_mask(float *delta, const float *out, size_t count) {
  /* Branch-free so that it vectorises. */
  for (size_t i = 0; i < count; i++)
    delta[i] = out[i] > 0.0f ? delta[i] : 0.0f;
}

static void backward(learn_model *m, const float *weights, size_t batch,
                     float *grad) {
  float *delta = m->delta_a, *other = m->delta_b;
  for (size_t i = m->op_count; i-- > 0;) {
    learn_op *op = &m->ops[i];
    const float *in = i == 0 ? m->input : m->ops[i - 1].out;
    size_t outputs = batch * learn_op_out_size(op);
    switch (op->type) {
    case LEARN_OP_DENSE: {
      if (op->relu)
        relu_mask(delta, op->out, outputs);
      gemm(1, 0, op->out_c, op->in_c, batch, delta, in, 0.0f,
           grad + op->weight_offset);
      /* db = sum over the batch: delta^T 1. */
      cblas_sgemv(CblasRowMajor, CblasTrans, (int)batch, (int)op->out_c, 1.0f,
                  delta, (int)op->out_c, m->ones, 1, 0.0f,
                  grad + op->bias_offset, 1);
      if (i > 0)
        gemm(0, 0, batch, op->in_c, op->out_c, delta,
             weights + op->weight_offset, 0.0f, other);
      break;
    }
    case LEARN_OP_CONV: {
      size_t kk = op->in_c * op->kernel * op->kernel;
      size_t cols = batch * op->out_h * op->out_w;
      if (op->relu)
        relu_mask(delta, op->out, outputs);
      gemm(0, 1, op->out_c, kk, cols, delta, op->col, 0.0f,
           grad + op->weight_offset);
      /* db = sum over batch and positions: delta 1. */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)op->out_c, (int)cols, 1.0f,
                  delta, (int)cols, m->ones, 1, 0.0f, grad + op->bias_offset,
                  1);
      if (i > 0) {
        /* The columns are no longer needed: dcol overwrites them. */
        gemm(1, 0, kk, cols, op->out_c, weights + op->weight_offset, delta,
             0.0f, op->col);
        col2im(op, batch, op->col, other);
      }
      break;
    }
    case LEARN_OP_POOL: {
      memset(other, 0, batch * learn_op_in_size(op) * sizeof(float));
      for (size_t j = 0; j < outputs; j++)
        other[op->argmax[j]] += delta[j];
      break;
    }
    case LEARN_OP_FLATTEN:
      flatten_backward(op, batch, delta, other);
      break;
    }
    float *t = delta;
    delta = other;
    other = t;
  }
}

/* ------------------------------------------------------------- public */

int learn_gradient(learn_model *m, const float *weights,
                   const learn_batch *batch, float *grad, float *loss) {
  RETURN_IF(!m || !weights || !batch || !grad || !batch->data ||
                !batch->indices,
            LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(batch->size == 0 || batch->size > m->max_batch,
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  learn_threads_apply();
  size_t n = batch->size, classes = m->classes;
  FORWARD_IF_ERROR(gather(m, batch->data, batch->indices, n));
  const float *logits = forward(m, weights, n);

  double total = 0.0;
  float inv_n = 1.0f / (float)n;
  for (size_t s = 0; s < n; s++) {
    const float *z = logits + s * classes;
    double lse = log_sum_exp(z, classes);
    total += lse - (double)z[m->targets[s]];
    float *dz = m->delta_a + s * classes;
    for (size_t j = 0; j < classes; j++)
      dz[j] = (float)exp((double)z[j] - lse) * inv_n;
    dz[m->targets[s]] -= inv_n;
  }
  if (loss)
    *loss = (float)(total / (double)n);
  backward(m, weights, n, grad);
  return LEARN_OK;
}

int learn_apply(float *weights, const float *update, size_t dimension, float lr,
                float momentum, float *velocity) {
  RETURN_IF(!weights || !update, LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(momentum != 0.0f && !velocity, LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension == 0 || dimension > (size_t)INT32_MAX || !isfinite(lr) ||
                !(momentum >= 0.0f && momentum < 1.0f),
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  learn_threads_apply();
  int n = (int)dimension;
  if (momentum == 0.0f) {
    cblas_saxpy(n, -lr, update, 1, weights, 1);
    return LEARN_OK;
  }
  cblas_sscal(n, momentum, velocity, 1);
  cblas_saxpy(n, 1.0f, update, 1, velocity, 1);
  cblas_saxpy(n, -lr, velocity, 1, weights, 1);
  return LEARN_OK;
}

int learn_evaluate(learn_model *m, const float *weights, const learn_dataset *d,
                   const uint32_t *indices, size_t count, double *accuracy,
                   double *loss) {
  RETURN_IF(!m || !weights || !d, LEARN_ERROR_NULL_ARGUMENT);
  if (!indices)
    count = learn_dataset_size(d);
  RETURN_IF(count == 0, LEARN_ERROR_EMPTY);
  learn_threads_apply();
  size_t correct = 0, classes = m->classes;
  double total = 0.0;
  uint32_t all[256];
  for (size_t start = 0; start < count;) {
    size_t n = count - start;
    if (n > m->max_batch)
      n = m->max_batch;
    const uint32_t *chunk;
    if (indices) {
      chunk = indices + start;
    } else {
      /* The whole set: consecutive indices, a small window at a time. */
      if (n > sizeof(all) / sizeof(all[0]))
        n = sizeof(all) / sizeof(all[0]);
      for (size_t j = 0; j < n; j++)
        all[j] = (uint32_t)(start + j);
      chunk = all;
    }
    FORWARD_IF_ERROR(gather(m, d, chunk, n));
    const float *logits = forward(m, weights, n);
    for (size_t s = 0; s < n; s++) {
      const float *z = logits + s * classes;
      size_t best = 0;
      for (size_t j = 1; j < classes; j++)
        if (z[j] > z[best])
          best = j;
      correct += best == m->targets[s];
      total += log_sum_exp(z, classes) - (double)z[m->targets[s]];
    }
    start += n;
  }
  if (accuracy)
    *accuracy = (double)correct / (double)count;
  if (loss)
    *loss = total / (double)count;
  return LEARN_OK;
}
