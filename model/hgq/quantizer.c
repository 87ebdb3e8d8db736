/*
 * The quantizer core: status texts, method names, the config with its one
 * table of parameter bounds, the wire header, dispatch to the methods, and
 * error feedback.
 *
 * Error feedback (Seide et al. 2014; Karimireddy et al., "Error Feedback
 * Fixes SignSGD and other Gradient Compression Schemes", ICML 2019): with
 * memory e (zero at create and reset), each encode quantizes x = g + e and
 * keeps the part the quantizer lost, e <- x - Q(x). Q(x) is exactly what the
 * decoder reconstructs (the methods share their reconstruction code), so the
 * memory accounts for every bit of distortion the server sees.
 *
 * Wire header: see hgq-internal.h. The decoder checks each field against its
 * own quantizer before it trusts a single payload bit, and accepts only the
 * canonical form of a payload: the exact byte length, zero padding bits.
 */
#include "hgq-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ status */

const char *hgq_strerror(int status) {
  switch (status) {
  case HGQ_OK:
    return "success";
  case HGQ_ERROR_GENERIC:
    return "generic error";
  case HGQ_ERROR_NULL_ARGUMENT:
    return "a required pointer argument is NULL";
  case HGQ_ERROR_PARAMETER_OUT_OF_RANGE:
    return "a configuration parameter is outside its bounds";
  case HGQ_ERROR_UNKNOWN_METHOD:
    return "unknown or unavailable quantization method";
  case HGQ_ERROR_BAD_PLAN:
    return "quantization plan is malformed or infeasible";
  case HGQ_ERROR_ALLOCATION:
    return "out of memory";
  case HGQ_ERROR_DST_TOO_SMALL:
    return "output buffer too small";
  case HGQ_ERROR_DIMENSION_MISMATCH:
    return "gradient dimension differs from the quantizer's";
  case HGQ_ERROR_NONFINITE_INPUT:
    return "gradient contains NaN or infinity";
  case HGQ_ERROR_TRUNCATED:
    return "payload is truncated";
  case HGQ_ERROR_BAD_MAGIC:
    return "not an hgq payload (bad magic)";
  case HGQ_ERROR_VERSION:
    return "unsupported wire format version";
  case HGQ_ERROR_METHOD_MISMATCH:
    return "payload made by another method or other parameters";
  case HGQ_ERROR_CODEBOOK_MISMATCH:
    return "payload made with other codebooks";
  case HGQ_ERROR_CORRUPT_PAYLOAD:
    return "payload field or index is invalid";
  case HGQ_ERROR_CODEBOOK_UNAVAILABLE:
    return "no codebook available for the requested size";
  case HGQ_ERROR_CHECKSUM:
    return "codebook file checksum mismatch";
  case HGQ_ERROR_IO:
    return "file could not be read or written";
  case HGQ_ERROR_TRAILING_BYTES:
    return "payload has bytes beyond its content";
  case HGQ_ERROR_STATE:
    return "call not valid in this state";
  default:
    return "unknown hgq status code";
  }
}

/* ----------------------------------------------------------------- methods */

static const char *const method_names[HGQ_METHOD_COUNT] = {
    [HGQ_METHOD_FP32] = "fp32",
    [HGQ_METHOD_SIGNSGD] = "signsgd",
    [HGQ_METHOD_SIGNSGD_MV] = "signsgd-mv",
    [HGQ_METHOD_EF_SIGNSGD] = "ef-signsgd",
    [HGQ_METHOD_QSGD] = "qsgd",
    [HGQ_METHOD_TERNGRAD] = "terngrad",
    [HGQ_METHOD_TOPK] = "topk",
    [HGQ_METHOD_HSQ] = "hsq",
    [HGQ_METHOD_HGQ] = "hgq",
};

static const hgq_method_ops *const method_ops[HGQ_METHOD_COUNT] = {
    [HGQ_METHOD_FP32] = &hgq_fp32_ops,
    [HGQ_METHOD_SIGNSGD] = &hgq_signsgd_ops,
    [HGQ_METHOD_SIGNSGD_MV] = &hgq_signsgd_mv_ops,
    [HGQ_METHOD_EF_SIGNSGD] = &hgq_ef_signsgd_ops,
    [HGQ_METHOD_QSGD] = &hgq_qsgd_ops,
    [HGQ_METHOD_TERNGRAD] = &hgq_terngrad_ops,
    [HGQ_METHOD_TOPK] = &hgq_topk_ops,
    [HGQ_METHOD_HSQ] = &hgq_hsq_ops,
    [HGQ_METHOD_HGQ] = &hgq_hgq_ops,
};

static bool method_valid(hgq_method method) {
  return (int)method >= 0 && (int)method < HGQ_METHOD_COUNT;
}

const char *hgq_method_name(hgq_method method) {
  return method_valid(method) ? method_names[method] : NULL;
}

int hgq_method_from_name(const char *name, hgq_method *method) {
  RETURN_IF(!name || !method, HGQ_ERROR_NULL_ARGUMENT);
  for (int i = 0; i < HGQ_METHOD_COUNT; i++) {
    if (strcmp(name, method_names[i]) == 0) {
      *method = (hgq_method)i;
      return HGQ_OK;
    }
  }
  return HGQ_ERROR_UNKNOWN_METHOD;
}

hgq_aggregation hgq_method_aggregation(hgq_method method) {
  return method == HGQ_METHOD_SIGNSGD_MV ? HGQ_AGGREGATION_MAJORITY_VOTE
                                         : HGQ_AGGREGATION_MEAN;
}

/* ------------------------------------------------------------------ config */

/* The one table of ranges (inclusive) and defaults. The ns-3 attribute
 * checkers are built from it, so a range is written here and nowhere else. */
static const hgq_bounds param_bounds[HGQ_PARAM_COUNT] = {
    /* D: the header carries it in 32 bits; 1 is a legal (if odd) gradient. */
    [HGQ_PARAM_DIMENSION] = {1, HGQ_MAX_DIMENSION, 0},
    /* The allocator's budget: below 0.05 bit/coef no plan carries shape
     * information; 32 is what fp32 costs. */
    [HGQ_PARAM_BITS_PER_COEF] = {0.05, 32.0, 0.5},
    /* B_rho; 32 means the raw IEEE float. */
    [HGQ_PARAM_NORM_BITS] = {1, 32, 32},
    /* rho_max of the uniform norm quantizer (used when B_rho < 32). */
    [HGQ_PARAM_NORM_MAX] = {1e-30, 3.4028234663852886e38, 1000.0},
    /* 0: stop at one scalar and a sign bit; else the top block size. */
    [HGQ_PARAM_TOP_BLOCK] = {0, 256, 0},
    /* QSGD's s; the level index is sent in ceil(log2(s + 1)) <= 16 bits.
     * 7 levels: 1 sign + 3 level bits per coefficient. */
    [HGQ_PARAM_QSGD_LEVELS] = {1, 65535, 7},
    /* 0 selects topk_fraction; otherwise k <= D (checked against D). */
    [HGQ_PARAM_TOPK_K] = {0, HGQ_MAX_DIMENSION, 0},
    /* (0, 1]: the open end is written as the smallest fraction that still
     * means something for the largest D. */
    [HGQ_PARAM_TOPK_FRACTION] = {1e-9, 1.0, 0.01},
    /* HSQ level-1 codebook (L, B) and n hinge bits: (8 + 2) / 8 = 1.25
     * bit/coef by default. */
    [HGQ_PARAM_HSQ_BLOCK_LENGTH] = {2, 64, 8},
    [HGQ_PARAM_HSQ_BLOCK_BITS] = {1, 16, 8},
    [HGQ_PARAM_HSQ_HINGE_BITS] = {1, 16, 2},
};

int hgq_param_bounds(hgq_param param, hgq_bounds *bounds) {
  RETURN_IF(!bounds, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF((int)param < 0 || (int)param >= HGQ_PARAM_COUNT,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  *bounds = param_bounds[param];
  return HGQ_OK;
}

void hgq_config_default(hgq_config *cfg, hgq_method method) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->method = method;
  cfg->dimension = 0;
  cfg->seed = 1;
  cfg->error_feedback = -1;
  cfg->plan = NULL;
  cfg->bits_per_coef = param_bounds[HGQ_PARAM_BITS_PER_COEF].default_value;
  cfg->norm_bits = (uint32_t)param_bounds[HGQ_PARAM_NORM_BITS].default_value;
  cfg->norm_max = (float)param_bounds[HGQ_PARAM_NORM_MAX].default_value;
  cfg->top_block = (uint32_t)param_bounds[HGQ_PARAM_TOP_BLOCK].default_value;
  cfg->qsgd_levels =
      (uint32_t)param_bounds[HGQ_PARAM_QSGD_LEVELS].default_value;
  cfg->topk_k = (uint32_t)param_bounds[HGQ_PARAM_TOPK_K].default_value;
  cfg->topk_fraction = param_bounds[HGQ_PARAM_TOPK_FRACTION].default_value;
  cfg->hsq_block_length =
      (uint32_t)param_bounds[HGQ_PARAM_HSQ_BLOCK_LENGTH].default_value;
  cfg->hsq_block_bits =
      (uint32_t)param_bounds[HGQ_PARAM_HSQ_BLOCK_BITS].default_value;
  cfg->hsq_hinge_bits =
      (uint32_t)param_bounds[HGQ_PARAM_HSQ_HINGE_BITS].default_value;
  cfg->codebook_dir = NULL;
}

/* NaN fails both comparisons, so it is out of range too. */
static bool in_bounds(hgq_param param, double value) {
  return value >= param_bounds[param].min && value <= param_bounds[param].max;
}

#define CHECK_PARAM(param, value)                 \
  RETURN_IF(!in_bounds((param), (double)(value)), \
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE)

int hgq_config_validate(const hgq_config *cfg) {
  RETURN_IF(!cfg, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(!method_valid(cfg->method), HGQ_ERROR_UNKNOWN_METHOD);
  CHECK_PARAM(HGQ_PARAM_DIMENSION, cfg->dimension);
  RETURN_IF(cfg->error_feedback < -1 || cfg->error_feedback > 1,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  switch (cfg->method) {
  case HGQ_METHOD_QSGD:
    CHECK_PARAM(HGQ_PARAM_QSGD_LEVELS, cfg->qsgd_levels);
    break;
  case HGQ_METHOD_TOPK:
    if (cfg->topk_k != 0) {
      CHECK_PARAM(HGQ_PARAM_TOPK_K, cfg->topk_k);
      RETURN_IF(cfg->topk_k > cfg->dimension, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
    } else {
      CHECK_PARAM(HGQ_PARAM_TOPK_FRACTION, cfg->topk_fraction);
    }
    break;
  case HGQ_METHOD_HGQ:
    if (!cfg->plan || cfg->plan[0] == '\0')
      CHECK_PARAM(HGQ_PARAM_BITS_PER_COEF, cfg->bits_per_coef);
    else
      RETURN_IF(strlen(cfg->plan) >= sizeof(((hgq_quantizer *)0)->plan_copy),
                HGQ_ERROR_BAD_PLAN);
    CHECK_PARAM(HGQ_PARAM_NORM_BITS, cfg->norm_bits);
    if (cfg->norm_bits < 32)
      CHECK_PARAM(HGQ_PARAM_NORM_MAX, cfg->norm_max);
    CHECK_PARAM(HGQ_PARAM_TOP_BLOCK, cfg->top_block);
    break;
  case HGQ_METHOD_HSQ:
    CHECK_PARAM(HGQ_PARAM_HSQ_BLOCK_LENGTH, cfg->hsq_block_length);
    CHECK_PARAM(HGQ_PARAM_HSQ_BLOCK_BITS, cfg->hsq_block_bits);
    CHECK_PARAM(HGQ_PARAM_HSQ_HINGE_BITS, cfg->hsq_hinge_bits);
    break;
  default:
    break;
  }
  if (cfg->method == HGQ_METHOD_HGQ || cfg->method == HGQ_METHOD_HSQ)
    RETURN_IF(cfg->codebook_dir &&
                  strlen(cfg->codebook_dir) >=
                      sizeof(((hgq_quantizer *)0)->codebook_dir_copy),
              HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  return HGQ_OK;
}

/* --------------------------------------------------------------- quantizer */

static bool default_error_feedback(hgq_method method) {
  return method == HGQ_METHOD_EF_SIGNSGD || method == HGQ_METHOD_TOPK;
}

void hgq_quantizer_destroy(hgq_quantizer *q) {
  if (!q)
    return;
  if (q->ops && q->ops->destroy && q->state)
    q->ops->destroy(q->state);
  free(q->ef_memory);
  free(q->ef_input);
  free(q->ef_output);
  free(q);
}

hgq_quantizer *hgq_quantizer_create(const hgq_config *cfg, int *error) {
  int status = hgq_config_validate(cfg);
  hgq_quantizer *q = NULL;
  if (status < 0)
    goto fail;
  q = calloc(1, sizeof *q);
  if (!q) {
    status = HGQ_ERROR_ALLOCATION;
    goto fail;
  }
  q->cfg = *cfg;
  /* Copy the borrowed strings (validate checked their lengths for the
   * methods that read them; others get a truncated, unused copy). */
  q->cfg.plan = NULL;
  q->cfg.codebook_dir = NULL;
  if (cfg->plan) {
    snprintf(q->plan_copy, sizeof q->plan_copy, "%s", cfg->plan);
    q->cfg.plan = q->plan_copy;
  }
  if (cfg->codebook_dir) {
    snprintf(q->codebook_dir_copy, sizeof q->codebook_dir_copy, "%s",
             cfg->codebook_dir);
    q->cfg.codebook_dir = q->codebook_dir_copy;
  }
  q->ops = method_ops[cfg->method];
  q->error_feedback = cfg->error_feedback < 0
                          ? default_error_feedback(cfg->method)
                          : cfg->error_feedback == 1;
  if (q->error_feedback) {
    size_t d = cfg->dimension;
    q->ef_memory = calloc(d, sizeof(float));
    q->ef_input = malloc(d * sizeof(float));
    q->ef_output = malloc(d * sizeof(float));
    if (!q->ef_memory || !q->ef_input || !q->ef_output) {
      status = HGQ_ERROR_ALLOCATION;
      goto fail;
    }
  }
  hgq_rng_seed(&q->rng, cfg->seed);
  status = q->ops->create(q);
  if (status < 0)
    goto fail;
  if (q->params_length > HGQ_WIRE_MAX_PARAM_BYTES) {
    status = HGQ_ERROR_GENERIC; /* a method bug; never ship a bad header */
    goto fail;
  }
  if (error)
    *error = HGQ_OK;
  return q;

fail:
  hgq_quantizer_destroy(q);
  if (error)
    *error = status;
  return NULL;
}

static size_t header_bytes(const hgq_quantizer *q) {
  return HGQ_WIRE_FIXED_HEADER_BYTES + q->params_length;
}

size_t hgq_quantizer_max_encoded_bytes(const hgq_quantizer *q) {
  if (!q)
    return 0;
  uint64_t bits = q->ops->max_payload_bits(q);
  return header_bytes(q) + (size_t)((bits + 7) / 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void write_header(const hgq_quantizer *q, uint8_t *out, uint8_t flags) {
  out[0] = HGQ_WIRE_MAGIC0;
  out[1] = HGQ_WIRE_MAGIC1;
  out[2] = HGQ_WIRE_VERSION;
  out[3] = (uint8_t)q->cfg.method;
  put_le32(out + 4, q->cfg.dimension);
  out[8] = flags;
  put_le32(out + 9, q->codebook_id);
  out[13] = (uint8_t)q->params_length;
  memcpy(out + HGQ_WIRE_FIXED_HEADER_BYTES, q->params, q->params_length);
}

int hgq_quantizer_encode(hgq_quantizer *q, const float *g, size_t dimension,
                         uint8_t *out, size_t capacity, size_t *bytes_written,
                         float *g_hat) {
  RETURN_IF(!q || !g || !out || !bytes_written, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension != q->cfg.dimension, HGQ_ERROR_DIMENSION_MISMATCH);
  const size_t d = dimension;

  /* x: what is quantized. With error feedback, g + e; a NaN or infinity in
   * g shows in g + e, which can also overflow to infinity for absurd
   * inputs: refuse rather than poison the memory. One branch-free pass
   * checks finiteness and zero together. */
  const float *x = g;
  int nonfinite = 0, nonzero = 0;
  if (q->error_feedback) {
    for (size_t i = 0; i < d; i++) {
      float v = g[i] + q->ef_memory[i];
      q->ef_input[i] = v;
      nonfinite |= !isfinite(v);
      nonzero |= v != 0.0f;
    }
    x = q->ef_input;
  } else {
    for (size_t i = 0; i < d; i++) {
      nonfinite |= !isfinite(g[i]);
      nonzero |= g[i] != 0.0f;
    }
  }
  RETURN_IF(nonfinite, HGQ_ERROR_NONFINITE_INPUT);
  const bool zero = !nonzero;

  const size_t hdr = header_bytes(q);
  RETURN_IF(capacity < hdr, HGQ_ERROR_DST_TOO_SMALL);
  write_header(q, out, zero ? HGQ_WIRE_FLAG_ZERO : 0);

  float *recon = q->error_feedback ? q->ef_output : g_hat;
  uint64_t payload_bits = 0;
  if (zero) {
    if (recon)
      memset(recon, 0, d * sizeof(float));
  } else {
    /* A failed encode leaves the quantizer as it was: the RNG state is
     * restored, and the memory is only updated after success. */
    hgq_rng saved_rng = q->rng;
    hgq_bit_writer w;
    hgq_bit_writer_init(&w, out + hdr, capacity - hdr);
    int status = q->ops->encode(q, x, &w, recon);
    if (status >= 0)
      status = hgq_bit_writer_finish(&w);
    if (status < 0) {
      q->rng = saved_rng;
      return status;
    }
    payload_bits = hgq_bit_writer_bits(&w);
  }

  if (q->error_feedback) {
    /* e <- x - Q(x): everything the server did not receive. */
    for (size_t i = 0; i < d; i++)
      q->ef_memory[i] = q->ef_input[i] - q->ef_output[i];
    if (g_hat)
      memcpy(g_hat, q->ef_output, d * sizeof(float));
  }

  q->last_stats.header_bits = (uint64_t)hdr * 8;
  q->last_stats.payload_bits = payload_bits;
  q->last_stats.total_bytes = hdr + (payload_bits + 7) / 8;
  q->has_stats = true;
  *bytes_written = (size_t)q->last_stats.total_bytes;
  return HGQ_OK;
}

int hgq_quantizer_decode(hgq_quantizer *q, const uint8_t *in, size_t length,
                         float *g_hat, size_t dimension) {
  RETURN_IF(!q || !in || !g_hat, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension != q->cfg.dimension, HGQ_ERROR_DIMENSION_MISMATCH);
  RETURN_IF(length < 2, HGQ_ERROR_TRUNCATED);
  RETURN_IF(in[0] != HGQ_WIRE_MAGIC0 || in[1] != HGQ_WIRE_MAGIC1,
            HGQ_ERROR_BAD_MAGIC);
  RETURN_IF(length < HGQ_WIRE_FIXED_HEADER_BYTES, HGQ_ERROR_TRUNCATED);
  RETURN_IF(in[2] != HGQ_WIRE_VERSION, HGQ_ERROR_VERSION);
  RETURN_IF(in[3] != (uint8_t)q->cfg.method, HGQ_ERROR_METHOD_MISMATCH);
  RETURN_IF(get_le32(in + 4) != q->cfg.dimension, HGQ_ERROR_DIMENSION_MISMATCH);
  const uint8_t flags = in[8];
  RETURN_IF(flags & ~HGQ_WIRE_FLAG_ZERO, HGQ_ERROR_CORRUPT_PAYLOAD);
  RETURN_IF(get_le32(in + 9) != q->codebook_id, HGQ_ERROR_CODEBOOK_MISMATCH);
  const size_t n = in[13];
  RETURN_IF(length < HGQ_WIRE_FIXED_HEADER_BYTES + n, HGQ_ERROR_TRUNCATED);
  RETURN_IF(n != q->params_length ||
                memcmp(in + HGQ_WIRE_FIXED_HEADER_BYTES, q->params, n) != 0,
            HGQ_ERROR_METHOD_MISMATCH);

  const size_t hdr = HGQ_WIRE_FIXED_HEADER_BYTES + n;
  if (flags & HGQ_WIRE_FLAG_ZERO) {
    RETURN_IF(length > hdr, HGQ_ERROR_TRAILING_BYTES);
    memset(g_hat, 0, dimension * sizeof(float));
    return HGQ_OK;
  }

  hgq_bit_reader r;
  hgq_bit_reader_init(&r, in + hdr, length - hdr);
  int status = q->ops->decode(q, &r, g_hat);
  /* Running off the end means the payload is short, whatever else the
   * method concluded from the zeros it read there. */
  RETURN_IF(r.overrun, HGQ_ERROR_TRUNCATED);
  FORWARD_IF_ERROR(status);
  uint64_t used_bytes = (r.bit_pos + 7) / 8;
  RETURN_IF(length - hdr > used_bytes, HGQ_ERROR_TRAILING_BYTES);
  /* Canonical form: the padding bits of the last byte are zero. */
  unsigned used_in_last = (unsigned)(r.bit_pos & 7);
  if (used_in_last != 0) {
    uint8_t last = in[hdr + used_bytes - 1];
    RETURN_IF(last >> used_in_last, HGQ_ERROR_CORRUPT_PAYLOAD);
  }
  return HGQ_OK;
}

int hgq_quantizer_last_stats(const hgq_quantizer *q, hgq_encode_stats *stats) {
  RETURN_IF(!q || !stats, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(!q->has_stats, HGQ_ERROR_STATE);
  *stats = q->last_stats;
  return HGQ_OK;
}

int hgq_quantizer_reset(hgq_quantizer *q) {
  RETURN_IF(!q, HGQ_ERROR_NULL_ARGUMENT);
  if (q->ef_memory)
    memset(q->ef_memory, 0, q->cfg.dimension * sizeof(float));
  hgq_rng_seed(&q->rng, q->cfg.seed);
  if (q->ops->reset)
    q->ops->reset(q);
  return HGQ_OK;
}

int hgq_quantizer_plan(const hgq_quantizer *q, char *buf, size_t capacity) {
  RETURN_IF(!q || !buf, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(capacity == 0, HGQ_ERROR_DST_TOO_SMALL);
  buf[0] = '\0';
  if (!q->ops->describe)
    return HGQ_OK;
  return q->ops->describe(q, buf, capacity);
}

int hgq_quantizer_print(const hgq_quantizer *q, char *buf, size_t capacity) {
  RETURN_IF(!q || !buf, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(capacity == 0, HGQ_ERROR_DST_TOO_SMALL);
  char params[256];
  int status = hgq_quantizer_plan(q, params, sizeof params);
  if (status < 0)
    snprintf(params, sizeof params, "?");
  int written = snprintf(
      buf, capacity, "%s D=%u %s ef=%s seed=%llu max_bytes=%zu",
      method_names[q->cfg.method], q->cfg.dimension, params,
      q->error_feedback ? "on" : "off", (unsigned long long)q->cfg.seed,
      hgq_quantizer_max_encoded_bytes(q));
  RETURN_IF(written < 0, HGQ_ERROR_GENERIC);
  RETURN_IF((size_t)written >= capacity, HGQ_ERROR_DST_TOO_SMALL);
  return HGQ_OK;
}

hgq_method hgq_quantizer_method(const hgq_quantizer *q) {
  return q ? q->cfg.method : HGQ_METHOD_COUNT;
}

uint32_t hgq_quantizer_dimension(const hgq_quantizer *q) {
  return q ? q->cfg.dimension : 0;
}
