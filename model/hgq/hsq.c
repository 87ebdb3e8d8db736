/*
 * The hsq method, after Dai et al. 2019 ("Hyper-sphere quantization:
 * communication-efficient SGD for federated learning", arXiv 1911.04655):
 * a one-level Grassmannian vector quantizer whose hinge scalars are sent by
 * unbiased stochastic rounding instead of a second codebook.
 *
 * The gradient is cut into M = ceil(D / L) blocks x_m (last zero-padded);
 * i_m = argmax_i |c_i . x_m| over the isotropic table (L, B), a_m = c_{i_m}
 * . x_m. With A = max_m |a_m| (sent as a float), a_m is rounded
 * stochastically to the grid t_k = -A + k 2A / (2^n - 1), k = 0..2^n - 1:
 * with u = (a_m + A) (2^n - 1) / (2A), k = floor(u) + [U < u - floor(u)],
 * U uniform on [0, 1) from q->rng, so E[t_k] = a_m (unbiased; the rounding
 * variance is at most (A / (2^n - 1))^2 per block). The decoder returns
 * g_hat = sum_m t_{k_m} c_{i_m} (truncated to D).
 * Payload: A (32 bits), then per block i_m (B bits) and k_m (n bits):
 * 32 + M (B + n) bits. Parameter block: L, B, n (one byte each).
 */
#include "codebook.h"
#include "hgq-internal.h"
#include "search.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hsq_state {
  hgq_codebook table; /* copy of the one table used */
  const hgq_codebook *codebook;
  uint32_t block_length, bits, hinge_bits;
  size_t blocks;
  float *padded; /* M L */
  float *hinge;  /* M */
  uint32_t *indices;
  uint32_t *levels;
  float *search_scratch;
} hsq_state;

static void hsq_destroy(void *opaque) {
  hsq_state *st = (hsq_state *)opaque;
  if (st == NULL)
    return;
  hgq_codebook_release(&st->table);
  free(st->padded);
  free(st->hinge);
  free(st->indices);
  free(st->levels);
  free(st->search_scratch);
  free(st);
}

static int hsq_resolve(hgq_quantizer *q, hsq_state *st) {
  const hgq_config *cfg = &q->cfg;
  st->block_length = cfg->hsq_block_length;
  st->bits = cfg->hsq_block_bits;
  st->hinge_bits = cfg->hsq_hinge_bits;
  RETURN_IF(st->block_length < HGQ_CODEBOOK_MIN_L ||
                st->block_length > HGQ_CODEBOOK_MAX_L || st->bits < 1 ||
                st->bits > HGQ_CODEBOOK_MAX_B || st->hinge_bits < 1 ||
                st->hinge_bits > 16,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  hgq_codebook_set *set = NULL;
  FORWARD_IF_ERROR(hgq_codebook_set_open(cfg->codebook_dir, &set));
  const hgq_codebook *cb = hgq_codebook_set_find(set, HGQ_CODEBOOK_ISOTROPIC,
                                                 st->block_length, st->bits);
  int status = cb == NULL ? HGQ_ERROR_CODEBOOK_UNAVAILABLE
                          : hgq_codebook_copy(cb, &st->table);
  q->codebook_id = set->id;
  hgq_codebook_set_destroy(set);
  FORWARD_IF_ERROR(status);
  st->codebook = &st->table;
  st->blocks =
      ((size_t)cfg->dimension + st->block_length - 1) / st->block_length;
  q->params[0] = (uint8_t)st->block_length;
  q->params[1] = (uint8_t)st->bits;
  q->params[2] = (uint8_t)st->hinge_bits;
  q->params_length = 3;

  size_t scratch =
      hgq_codeword_search_scratch_floats(st->codebook->size, st->block_length);
  st->padded = malloc(st->blocks * st->block_length * sizeof(float));
  st->hinge = malloc(st->blocks * sizeof(float));
  st->indices = malloc(st->blocks * sizeof(uint32_t));
  st->levels = malloc(st->blocks * sizeof(uint32_t));
  st->search_scratch = malloc((scratch ? scratch : 1) * sizeof(float));
  RETURN_IF(!st->padded || !st->hinge || !st->indices || !st->levels ||
                !st->search_scratch,
            HGQ_ERROR_ALLOCATION);
  return HGQ_OK;
}

static int hsq_create(hgq_quantizer *q) {
  hsq_state *st = calloc(1, sizeof *st);
  RETURN_IF(st == NULL, HGQ_ERROR_ALLOCATION);
  int status = hsq_resolve(q, st);
  if (status != HGQ_OK) {
    hsq_destroy(st);
    q->params_length = 0;
    return status;
  }
  q->state = st;
  return HGQ_OK;
}

static uint64_t hsq_max_payload_bits(const hgq_quantizer *q) {
  const hsq_state *st = (const hsq_state *)q->state;
  return 32u + (uint64_t)st->blocks * (st->bits + st->hinge_bits);
}

/* Shared by encoder and decoder: g_hat = sum_m t_{k_m} c_{i_m}. */
static void hsq_reconstruct(const hsq_state *st, float scale, float *g_hat,
                            size_t dimension) {
  const uint32_t l = st->block_length;
  const double top = (double)((1u << st->hinge_bits) - 1u);
  const double step = 2.0 * (double)scale / top;
  for (size_t m = 0; m < st->blocks; ++m) {
    const float t = (float)(-(double)scale + (double)st->levels[m] * step);
    const float *c = st->codebook->codewords + (size_t)st->indices[m] * l;
    size_t base = m * l;
    size_t end = base + l < dimension ? l : dimension - base;
    for (size_t j = 0; j < end; ++j)
      g_hat[base + j] = t * c[j];
  }
}

static int hsq_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                      float *g_hat) {
  hsq_state *st = (hsq_state *)q->state;
  const size_t d = q->cfg.dimension;
  const uint32_t l = st->block_length;
  memcpy(st->padded, g, d * sizeof(float));
  for (size_t i = d; i < st->blocks * l; ++i)
    st->padded[i] = 0.0f;
  hgq_codeword_search(st->codebook->codewords, st->codebook->size, l,
                      st->padded, st->blocks, st->indices, st->hinge,
                      st->search_scratch);
  float scale = 0.0f;
  for (size_t m = 0; m < st->blocks; ++m) {
    float a = fabsf(st->hinge[m]);
    if (a > scale)
      scale = a;
  }
  RETURN_IF(!isfinite(scale), HGQ_ERROR_NONFINITE_INPUT);
  const uint32_t top = (1u << st->hinge_bits) - 1u;
  for (size_t m = 0; m < st->blocks; ++m) {
    uint32_t k = 0;
    if (scale > 0.0f) {
      double u = ((double)st->hinge[m] + (double)scale) * (double)top /
                 (2.0 * (double)scale);
      if (u < 0.0)
        u = 0.0;
      if (u > (double)top)
        u = (double)top;
      double base = floor(u);
      k = (uint32_t)base;
      /* One draw per block, always, so the RNG stream does not depend on
       * the data. */
      double draw = (double)hgq_rng_uniform(&q->rng);
      if (k < top && draw < u - base)
        ++k;
    } else {
      (void)hgq_rng_uniform(&q->rng);
    }
    st->levels[m] = k;
  }
  uint32_t u32;
  memcpy(&u32, &scale, sizeof u32);
  hgq_bit_writer_put(w, u32, 32);
  for (size_t m = 0; m < st->blocks; ++m) {
    hgq_bit_writer_put(w, st->indices[m], st->bits);
    hgq_bit_writer_put(w, st->levels[m], st->hinge_bits);
  }
  if (g_hat != NULL)
    hsq_reconstruct(st, scale, g_hat, d);
  return HGQ_OK;
}

static int hsq_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  hsq_state *st = (hsq_state *)q->state;
  RETURN_IF(hgq_bit_reader_remaining(r) < hsq_max_payload_bits(q),
            HGQ_ERROR_TRUNCATED);
  uint32_t u32 = hgq_bit_reader_get(r, 32);
  float scale;
  memcpy(&scale, &u32, sizeof scale);
  RETURN_IF(!isfinite(scale) || !(scale >= 0.0f), HGQ_ERROR_CORRUPT_PAYLOAD);
  const uint32_t k = st->codebook->size;
  for (size_t m = 0; m < st->blocks; ++m) {
    st->indices[m] = hgq_bit_reader_get(r, st->bits);
    st->levels[m] = hgq_bit_reader_get(r, st->hinge_bits);
    RETURN_IF(st->indices[m] >= k, HGQ_ERROR_CORRUPT_PAYLOAD);
  }
  RETURN_IF(r->overrun, HGQ_ERROR_TRUNCATED);
  hsq_reconstruct(st, scale, g_hat, q->cfg.dimension);
  return HGQ_OK;
}

static int hsq_describe(const hgq_quantizer *q, char *buf, size_t capacity) {
  const hsq_state *st = (const hsq_state *)q->state;
  int n = snprintf(buf, capacity, "L=%u B=%u n=%u", st->block_length, st->bits,
                   st->hinge_bits);
  RETURN_IF(n < 0 || (size_t)n >= capacity, HGQ_ERROR_DST_TOO_SMALL);
  return HGQ_OK;
}

const hgq_method_ops hgq_hsq_ops = {
    .method = HGQ_METHOD_HSQ,
    .create = hsq_create,
    .destroy = hsq_destroy,
    .max_payload_bits = hsq_max_payload_bits,
    .encode = hsq_encode,
    .decode = hsq_decode,
    .reset = NULL,
    .describe = hsq_describe,
};
