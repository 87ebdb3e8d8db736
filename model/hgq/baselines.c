/*
 * Scalar baselines with exact bit-packing (HGQ.md, "Baselines"). Each method
 * writes exactly the bits listed below after the wire header, and its
 * encoder reconstructs through the same function its decoder uses, so the
 * encoder's g_hat equals the decoder's output bit for bit.
 *
 *  fp32        D raw IEEE floats: 32 D bits.
 *  signsgd     scale = mean |g| (float), then D sign bits: 32 + D bits;
 *              g_hat = scale * sign(g), sign(0) = +1 (Bernstein et al.,
 *              "signSGD: Compressed Optimisation for Non-Convex Problems",
 *              ICML 2018, with the l1 scale of Karimireddy et al. 2019).
 *  signsgd-mv  D sign bits: D bits; g_hat = +-1, the server takes the sign
 *              of the sum (majority vote, Bernstein et al., ICLR 2019).
 *  ef-signsgd  as signsgd with scale = ||x||_1 / D of the error-corrected
 *              input x = g + e (Karimireddy et al., "Error Feedback Fixes
 *              SignSGD", ICML 2019); error feedback on by default.
 *  qsgd        norm = ||g||_2 (float), then per coefficient a sign bit and a
 *              level l in 0..s in w = ceil(log2(s + 1)) bits, packed as one
 *              (1 + w)-bit field (sign in the low bit): 32 + D (1 + w) bits.
 *              l = floor(r) + Bernoulli(r - floor(r)) with r = s |g_i| / norm,
 *              so E[l] = r and g_hat_i = sign * norm * l / s is unbiased
 *              (Alistarh et al., "QSGD", NeurIPS 2017). Param block: s (u16).
 *  terngrad    scale = max |g| (float), then trits t_i in {-1, 0, 1} with
 *              P(t_i = sign g_i) = |g_i| / scale, so E[scale t_i] = g_i (Wen
 *              et al., "TernGrad", NeurIPS 2017). Trits are sent as digits
 *              t + 1 in base 3, five per byte (3^5 = 243 <= 256); the last
 *              r = D mod 5 digits take the fewest bits that hold 3^r values
 *              (2, 4, 5, 7 bits for r = 1..4): 32 + 8 floor(D/5) + tail bits.
 * topk lives in baseline-topk.c.
 *
 * Decoders accept only what an encoder could produce: finite scales of the
 * right sign, levels <= s, base-3 groups < 3^r; anything else is
 * HGQ_ERROR_CORRUPT_PAYLOAD.
 */
#include "hgq-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ----------------------------------------------------------- shared bits */

static inline void put_float(hgq_bit_writer *w, float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  hgq_bit_writer_put(w, u, 32);
}

static inline float get_float(hgq_bit_reader *r) {
  uint32_t u = hgq_bit_reader_get(r, 32);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static int describe_text(char *buf, size_t capacity, const char *text) {
  int n = snprintf(buf, capacity, "%s", text);
  RETURN_IF(n < 0, HGQ_ERROR_GENERIC);
  RETURN_IF((size_t)n >= capacity, HGQ_ERROR_DST_TOO_SMALL);
  return HGQ_OK;
}

static int create_no_params(hgq_quantizer *q) {
  q->state = NULL;
  q->params_length = 0;
  q->codebook_id = 0;
  return HGQ_OK;
}

/* D sign bits (1 = negative), 32 per writer call. */
static void put_signs(hgq_bit_writer *w, const float *x, size_t d) {
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    uint32_t word = 0;
    for (unsigned j = 0; j < 32; j++)
      word |= (uint32_t)(x[i + j] < 0.0f) << j;
    hgq_bit_writer_put(w, word, 32);
  }
  if (i < d) {
    uint32_t word = 0;
    unsigned n = (unsigned)(d - i);
    for (unsigned j = 0; j < n; j++)
      word |= (uint32_t)(x[i + j] < 0.0f) << j;
    hgq_bit_writer_put(w, word, n);
  }
}

/* out_i = negative_i ? -magnitude : magnitude, for the signs of x. */
static void signs_to_values(const float *x, size_t d, float magnitude,
                            float *out) {
  for (size_t i = 0; i < d; i++)
    out[i] = x[i] < 0.0f ? -magnitude : magnitude;
}

/* magnitude >= +0, so -magnitude is magnitude with the IEEE sign bit set:
 * a branch-free OR of each sign bit into bit 31. */
static void get_signs(hgq_bit_reader *r, size_t d, float magnitude,
                      float *out) {
  uint32_t m;
  memcpy(&m, &magnitude, sizeof m);
  for (size_t i = 0; i < d; i += 32) {
    unsigned n = (d - i) < 32 ? (unsigned)(d - i) : 32;
    uint32_t word = hgq_bit_reader_get(r, n);
    for (unsigned j = 0; j < n; j++) {
      uint32_t v = m | (((word >> j) & 1u) << 31);
      memcpy(&out[i + j], &v, sizeof v);
    }
  }
}

/* ------------------------------------------------------------------ fp32 */

static uint64_t fp32_max_payload_bits(const hgq_quantizer *q) {
  return 32ull * q->cfg.dimension;
}

static int fp32_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                       float *g_hat) {
  const size_t d = q->cfg.dimension;
  for (size_t i = 0; i < d; i++)
    put_float(w, g[i]);
  if (g_hat)
    memcpy(g_hat, g, d * sizeof(float));
  return HGQ_OK;
}

static int fp32_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  const size_t d = q->cfg.dimension;
  for (size_t i = 0; i < d; i++) {
    float v = get_float(r);
    RETURN_IF(!isfinite(v), HGQ_ERROR_CORRUPT_PAYLOAD);
    g_hat[i] = v;
  }
  return HGQ_OK;
}

static int fp32_describe(const hgq_quantizer *q, char *buf, size_t capacity) {
  (void)q;
  return describe_text(buf, capacity, "bits=32");
}

const hgq_method_ops hgq_fp32_ops = {
    .method = HGQ_METHOD_FP32,
    .create = create_no_params,
    .destroy = NULL,
    .max_payload_bits = fp32_max_payload_bits,
    .encode = fp32_encode,
    .decode = fp32_decode,
    .reset = NULL,
    .describe = fp32_describe,
};

/* ------------------------------------------------- signsgd, ef-signsgd */

static uint64_t scaled_sign_max_payload_bits(const hgq_quantizer *q) {
  return 32ull + q->cfg.dimension;
}

static int scaled_sign_encode(hgq_quantizer *q, const float *g,
                              hgq_bit_writer *w, float *g_hat) {
  const size_t d = q->cfg.dimension;
  double l1 = 0.0;
  for (size_t i = 0; i < d; i++)
    l1 += fabs((double)g[i]);
  float scale = (float)(l1 / (double)d);
  put_float(w, scale);
  put_signs(w, g, d);
  if (g_hat)
    signs_to_values(g, d, scale, g_hat);
  return HGQ_OK;
}

static int scaled_sign_decode(hgq_quantizer *q, hgq_bit_reader *r,
                              float *g_hat) {
  float scale = get_float(r);
  /* mean |g| is finite and >= +0 (it may underflow to 0, never below). */
  RETURN_IF(!isfinite(scale) || signbit(scale), HGQ_ERROR_CORRUPT_PAYLOAD);
  get_signs(r, q->cfg.dimension, scale, g_hat);
  return HGQ_OK;
}

static int signsgd_describe(const hgq_quantizer *q, char *buf,
                            size_t capacity) {
  (void)q;
  return describe_text(buf, capacity, "scale=mean|g|");
}

const hgq_method_ops hgq_signsgd_ops = {
    .method = HGQ_METHOD_SIGNSGD,
    .create = create_no_params,
    .destroy = NULL,
    .max_payload_bits = scaled_sign_max_payload_bits,
    .encode = scaled_sign_encode,
    .decode = scaled_sign_decode,
    .reset = NULL,
    .describe = signsgd_describe,
};

static int ef_signsgd_describe(const hgq_quantizer *q, char *buf,
                               size_t capacity) {
  (void)q;
  return describe_text(buf, capacity, "scale=|g+e|_1/D");
}

const hgq_method_ops hgq_ef_signsgd_ops = {
    .method = HGQ_METHOD_EF_SIGNSGD,
    .create = create_no_params,
    .destroy = NULL,
    .max_payload_bits = scaled_sign_max_payload_bits,
    .encode = scaled_sign_encode,
    .decode = scaled_sign_decode,
    .reset = NULL,
    .describe = ef_signsgd_describe,
};

/* ------------------------------------------------------------ signsgd-mv */

static uint64_t sign_mv_max_payload_bits(const hgq_quantizer *q) {
  return q->cfg.dimension;
}

static int sign_mv_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                          float *g_hat) {
  const size_t d = q->cfg.dimension;
  put_signs(w, g, d);
  if (g_hat)
    signs_to_values(g, d, 1.0f, g_hat);
  return HGQ_OK;
}

static int sign_mv_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  get_signs(r, q->cfg.dimension, 1.0f, g_hat);
  return HGQ_OK;
}

static int sign_mv_describe(const hgq_quantizer *q, char *buf,
                            size_t capacity) {
  (void)q;
  return describe_text(buf, capacity, "aggregation=majority-vote");
}

const hgq_method_ops hgq_signsgd_mv_ops = {
    .method = HGQ_METHOD_SIGNSGD_MV,
    .create = create_no_params,
    .destroy = NULL,
    .max_payload_bits = sign_mv_max_payload_bits,
    .encode = sign_mv_encode,
    .decode = sign_mv_decode,
    .reset = NULL,
    .describe = sign_mv_describe,
};

/* --------------------------------------------------- stochastic rounding */

/* Uniforms in [0, 1) on the 2^-24 grid, two per xoshiro output (bits 63..40
 * and 39..16): the distribution of hgq_rng_uniform at half the generator
 * calls. A P(u < p) rounding is then exact to within 2^-24 of p. */
typedef struct uniform_stream {
  hgq_rng *rng;
  uint64_t word;
  unsigned left;
} uniform_stream;

static inline double next_uniform(uniform_stream *u) {
  if (u->left == 0) {
    u->word = hgq_rng_next(u->rng);
    u->left = 2;
  }
  u->left--;
  double v = (double)(u->word >> 40) * 0x1.0p-24;
  u->word <<= 24;
  return v;
}

/* ------------------------------------------------------------------ qsgd */

/* Bits of the level field: ceil(log2(s + 1)), 1..16 for s in 1..65535. */
static unsigned qsgd_level_bits(uint32_t s) {
  unsigned w = 0;
  while ((1u << w) < s + 1u)
    w++;
  return w;
}

static int qsgd_create(hgq_quantizer *q) {
  uint32_t s = q->cfg.qsgd_levels;
  RETURN_IF(s < 1 || s > 65535, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  q->state = NULL;
  q->codebook_id = 0;
  q->params[0] = (uint8_t)s;
  q->params[1] = (uint8_t)(s >> 8);
  q->params_length = 2;
  return HGQ_OK;
}

static uint64_t qsgd_max_payload_bits(const hgq_quantizer *q) {
  return 32ull +
         (uint64_t)q->cfg.dimension * (1 + qsgd_level_bits(q->cfg.qsgd_levels));
}

/* The one reconstruction formula, shared by encoder and decoder:
 * step = (double)norm / s is computed once per payload from the float norm
 * both sides hold, so both get the same float for every level. */
static inline float qsgd_value(double step, uint32_t level, uint32_t negative) {
  float v = (float)(step * (double)level);
  return negative ? -v : v;
}

static int qsgd_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                       float *g_hat) {
  const size_t d = q->cfg.dimension;
  const uint32_t s = q->cfg.qsgd_levels;
  const unsigned width = 1 + qsgd_level_bits(s);
  double sum2 = 0.0;
  for (size_t i = 0; i < d; i++)
    sum2 += (double)g[i] * (double)g[i];
  float norm = (float)sqrt(sum2);
  put_float(w, norm);
  /* norm >= max |g_i| > 0 for a non-zero g (a double rounded to the nearest
   * float never falls below a float it exceeds). */
  const double to_levels = (double)s / (double)norm;
  const double step = (double)norm / (double)s;
  uniform_stream u = {&q->rng, 0, 0};
  /* Fields are gathered LSB-first into one 32-bit word per writer call,
   * which is the same bit stream as one call per field. */
  uint32_t pack = 0;
  unsigned pack_bits = 0;
  for (size_t i = 0; i < d; i++) {
    /* 0 <= r <= s (1 + 2^-24): truncation is floor, without a libm call. */
    double r = fabs((double)g[i]) * to_levels;
    uint32_t level = (uint32_t)r;
    if (next_uniform(&u) < r - (double)level)
      level++;
    /* Float rounding of the norm can push r a hair above s. */
    if (level > s)
      level = s;
    uint32_t negative = g[i] < 0.0f;
    if (pack_bits + width > 32) {
      hgq_bit_writer_put(w, pack, pack_bits);
      pack = 0;
      pack_bits = 0;
    }
    pack |= (negative | (level << 1)) << pack_bits;
    pack_bits += width;
    if (g_hat)
      g_hat[i] = qsgd_value(step, level, negative);
  }
  hgq_bit_writer_put(w, pack, pack_bits);
  return HGQ_OK;
}

static int qsgd_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  const size_t d = q->cfg.dimension;
  const uint32_t s = q->cfg.qsgd_levels;
  const unsigned width = 1 + qsgd_level_bits(s);
  float norm = get_float(r);
  RETURN_IF(!isfinite(norm) || !(norm > 0.0f), HGQ_ERROR_CORRUPT_PAYLOAD);
  const double step = (double)norm / (double)s;
  for (size_t i = 0; i < d; i++) {
    uint32_t field = hgq_bit_reader_get(r, width);
    uint32_t level = field >> 1;
    RETURN_IF(level > s, HGQ_ERROR_CORRUPT_PAYLOAD);
    g_hat[i] = qsgd_value(step, level, field & 1u);
  }
  return HGQ_OK;
}

static int qsgd_describe(const hgq_quantizer *q, char *buf, size_t capacity) {
  int n = snprintf(buf, capacity, "s=%u", q->cfg.qsgd_levels);
  RETURN_IF(n < 0, HGQ_ERROR_GENERIC);
  RETURN_IF((size_t)n >= capacity, HGQ_ERROR_DST_TOO_SMALL);
  return HGQ_OK;
}

const hgq_method_ops hgq_qsgd_ops = {
    .method = HGQ_METHOD_QSGD,
    .create = qsgd_create,
    .destroy = NULL,
    .max_payload_bits = qsgd_max_payload_bits,
    .encode = qsgd_encode,
    .decode = qsgd_decode,
    .reset = NULL,
    .describe = qsgd_describe,
};

/* -------------------------------------------------------------- terngrad */

/* Bits for the last r = D mod 5 base-3 digits: ceil(log2(3^r)). */
static const unsigned terngrad_tail_bits[5] = {0, 2, 4, 5, 7};
static const uint32_t pow3[6] = {1, 3, 9, 27, 81, 243};

static uint64_t terngrad_max_payload_bits(const hgq_quantizer *q) {
  const uint64_t d = q->cfg.dimension;
  return 32ull + 8ull * (d / 5) + terngrad_tail_bits[d % 5];
}

static int terngrad_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                           float *g_hat) {
  const size_t d = q->cfg.dimension;
  float scale = 0.0f;
  for (size_t i = 0; i < d; i++) {
    float a = fabsf(g[i]);
    if (a > scale)
      scale = a;
  }
  put_float(w, scale); /* > 0: g is non-zero */
  const double inv = 1.0 / (double)scale;
  uniform_stream u = {&q->rng, 0, 0};
  for (size_t i = 0; i < d; i += 5) {
    unsigned n = (d - i) < 5 ? (unsigned)(d - i) : 5;
    uint32_t group = 0;
    for (unsigned j = 0; j < n; j++) {
      float x = g[i + j];
      /* p <= 1, and u < 1 always, so the maximum coordinate is exact. */
      double p = fabs((double)x) * inv;
      int t = 0;
      if (next_uniform(&u) < p)
        t = x < 0.0f ? -1 : 1;
      group += (uint32_t)(t + 1) * pow3[j]; /* digit j weighs 3^j */
      if (g_hat)
        g_hat[i + j] = t == 0 ? 0.0f : (t < 0 ? -scale : scale);
    }
    hgq_bit_writer_put(w, group, n == 5 ? 8 : terngrad_tail_bits[n]);
  }
  return HGQ_OK;
}

static int terngrad_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  const size_t d = q->cfg.dimension;
  float scale = get_float(r);
  RETURN_IF(!isfinite(scale) || !(scale > 0.0f), HGQ_ERROR_CORRUPT_PAYLOAD);
  for (size_t i = 0; i < d; i += 5) {
    unsigned n = (d - i) < 5 ? (unsigned)(d - i) : 5;
    uint32_t group = hgq_bit_reader_get(r, n == 5 ? 8 : terngrad_tail_bits[n]);
    RETURN_IF(group >= pow3[n], HGQ_ERROR_CORRUPT_PAYLOAD);
    /* Digit j (weight 3^j) is coefficient i + j. */
    for (unsigned j = 0; j < n; j++) {
      uint32_t digit = group % 3;
      group /= 3;
      g_hat[i + j] = digit == 1 ? 0.0f : (digit == 0 ? -scale : scale);
    }
  }
  return HGQ_OK;
}

static int terngrad_describe(const hgq_quantizer *q, char *buf,
                             size_t capacity) {
  (void)q;
  return describe_text(buf, capacity, "scale=max|g| trits=5/byte");
}

const hgq_method_ops hgq_terngrad_ops = {
    .method = HGQ_METHOD_TERNGRAD,
    .create = create_no_params,
    .destroy = NULL,
    .max_payload_bits = terngrad_max_payload_bits,
    .encode = terngrad_encode,
    .decode = terngrad_decode,
    .reset = NULL,
    .describe = terngrad_describe,
};
