/*
 * Scalar baselines with exact bit-packing (HGQ.md, "Baselines"). Each method
 * writes exactly the bits listed below after the wire header, and its
 * encoder reconstructs through the same function its decoder uses, so the
 * encoder's g_hat equals the decoder's output bit for bit.
 *
 *  fp32        D raw IEEE floats: 32 D bits.
 *  signsgd     scale = mean |g| (float; the sum in double, in the fixed
 *              32-lane order of baselines.h), then D sign bits: 32 + D bits;
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
#include "baselines.h"
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

/* ----------------------------------------------------- sign kernels */

/* The sign encoders are one streaming pass: sign bits and the L1 partial
 * sums come from the same loads, and the bits go straight into the output
 * bytes (hgq_bit_writer_reserve). The lane order of the sum is fixed
 * (baselines.h), so the SIMD kernels give the portable kernel's bits. */

/* -DHGQ_SEARCH_NO_SIMD (search.c's switch) builds only the portable path. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && \
    !defined(HGQ_SEARCH_NO_SIMD)
#define HGQ_BASELINES_X86 1
#include <immintrin.h>
#else
#define HGQ_BASELINES_X86 0
#endif

#define LANES HGQ_SIGN_L1_LANES

/* lanes[j] += |x_i| for i = j, j + 32, ...: the reference order. */
static void l1_lanes_portable(const float *x, size_t d, double *lanes) {
  size_t i = 0;
  for (; i + LANES <= d; i += LANES)
    for (unsigned j = 0; j < LANES; j++)
      lanes[j] += fabs((double)x[i + j]);
  for (unsigned j = 0; i + j < d; j++)
    lanes[j] += fabs((double)x[i + j]);
}

static double l1_combine(double *lanes) {
  for (unsigned h = LANES / 2; h > 0; h /= 2)
    for (unsigned j = 0; j < h; j++)
      lanes[j] += lanes[j + h];
  return lanes[0];
}

/* Signs of x[0..d) as floor(d/8) bytes and a tail; lanes as above. */
static void pack_portable(const float *x, size_t d, uint8_t *bytes,
                          uint32_t *tail, double *lanes) {
  size_t nb = d / 8;
  for (size_t b = 0; b < nb; b++) {
    unsigned v = 0;
    for (unsigned j = 0; j < 8; j++)
      v |= (unsigned)(x[8 * b + j] < 0.0f) << j;
    bytes[b] = (uint8_t)v;
  }
  uint32_t t = 0;
  for (unsigned j = 0; 8 * nb + j < d; j++)
    t |= (uint32_t)(x[8 * nb + j] < 0.0f) << j;
  *tail = t;
  if (lanes)
    l1_lanes_portable(x, d, lanes);
}

static void expand_portable(const uint8_t *bytes, size_t d, float magnitude,
                            float *out) {
  uint32_t m;
  memcpy(&m, &magnitude, sizeof m);
  for (size_t i = 0; i < d; i++) {
    uint32_t v = m | ((uint32_t)((bytes[i / 8] >> (i % 8)) & 1u) << 31);
    memcpy(&out[i], &v, sizeof v);
  }
}

#if HGQ_BASELINES_X86
#define AVX512_TARGET __attribute__((target("avx512f")))
#define AVX2_TARGET   __attribute__((target("avx2")))

/* |v| widened to double, low and high 8 floats. */
AVX512_TARGET static inline __m512d abs_lo_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_abs_ps(v)));
}
AVX512_TARGET static inline __m512d abs_hi_pd(__m512 v) {
  __m512d a = _mm512_castps_pd(_mm512_abs_ps(v));
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
}

/* 64 coefficients per step: one 64-bit sign word, and lanes 0-31 in four
 * accumulators (x[i .. i+15] -> lanes 0-15, x[i+16 .. i+31] -> 16-31,
 * then again), so each lane still adds in increasing i. */
AVX512_TARGET static void pack_avx512(const float *x, size_t d, uint8_t *bytes,
                                      uint32_t *tail, double *lanes) {
  const __m512 zero = _mm512_setzero_ps();
  __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 64 <= d; i += 64) {
    __m512 v0 = _mm512_loadu_ps(x + i);
    __m512 v1 = _mm512_loadu_ps(x + i + 16);
    __m512 v2 = _mm512_loadu_ps(x + i + 32);
    __m512 v3 = _mm512_loadu_ps(x + i + 48);
    /* _CMP_LT_OQ is x < 0.0f: -0.0 gives 0, as in the portable loop. */
    uint64_t word = (uint64_t)_mm512_cmp_ps_mask(v0, zero, _CMP_LT_OQ) |
                    (uint64_t)_mm512_cmp_ps_mask(v1, zero, _CMP_LT_OQ) << 16 |
                    (uint64_t)_mm512_cmp_ps_mask(v2, zero, _CMP_LT_OQ) << 32 |
                    (uint64_t)_mm512_cmp_ps_mask(v3, zero, _CMP_LT_OQ) << 48;
    memcpy(bytes + i / 8, &word, sizeof word); /* x86: little-endian */
    if (lanes) {
      s0 = _mm512_add_pd(s0, abs_lo_pd(v0));
      s1 = _mm512_add_pd(s1, abs_hi_pd(v0));
      s2 = _mm512_add_pd(s2, abs_lo_pd(v1));
      s3 = _mm512_add_pd(s3, abs_hi_pd(v1));
      s0 = _mm512_add_pd(s0, abs_lo_pd(v2));
      s1 = _mm512_add_pd(s1, abs_hi_pd(v2));
      s2 = _mm512_add_pd(s2, abs_lo_pd(v3));
      s3 = _mm512_add_pd(s3, abs_hi_pd(v3));
    }
  }
  if (lanes) {
    _mm512_storeu_pd(lanes, s0);
    _mm512_storeu_pd(lanes + 8, s1);
    _mm512_storeu_pd(lanes + 16, s2);
    _mm512_storeu_pd(lanes + 24, s3);
  }
  /* i is a multiple of 32, so the rest continues lane i mod 32 = 0. */
  pack_portable(x + i, d - i, bytes + i / 8, tail, lanes);
}

AVX512_TARGET static void expand_avx512(const uint8_t *bytes, size_t d,
                                        float magnitude, float *out) {
  const __m512 pos = _mm512_set1_ps(magnitude);
  const __m512 neg = _mm512_castsi512_ps(_mm512_or_epi32(
      _mm512_castps_si512(pos), _mm512_set1_epi32((int)0x80000000u)));
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    uint16_t m;
    memcpy(&m, bytes + i / 8, sizeof m);
    _mm512_storeu_ps(out + i, _mm512_mask_blend_ps((__mmask16)m, pos, neg));
  }
  expand_portable(bytes + i / 8, d - i, magnitude, out + i);
}

/* |v| widened to double, low and high 4 floats. */
AVX2_TARGET static inline __m256d abs_lo_pd256(__m256 v, __m256 absmask) {
  return _mm256_cvtps_pd(_mm256_castps256_ps128(_mm256_and_ps(v, absmask)));
}
AVX2_TARGET static inline __m256d abs_hi_pd256(__m256 v, __m256 absmask) {
  return _mm256_cvtps_pd(_mm256_extractf128_ps(_mm256_and_ps(v, absmask), 1));
}

/* 32 coefficients per step: a 32-bit sign word and the 32 lanes in eight
 * accumulators of four. */
AVX2_TARGET static void pack_avx2(const float *x, size_t d, uint8_t *bytes,
                                  uint32_t *tail, double *lanes) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256d s[8];
  for (unsigned k = 0; k < 8; k++)
    s[k] = _mm256_setzero_pd();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    __m256 v[4];
    uint32_t word = 0;
    for (unsigned k = 0; k < 4; k++) {
      v[k] = _mm256_loadu_ps(x + i + 8 * k);
      /* A compare, not the raw sign bit: -0.0 must give 0. */
      word |=
          (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v[k], zero, _CMP_LT_OQ))
          << (8 * k);
    }
    memcpy(bytes + i / 8, &word, sizeof word);
    if (lanes) {
      for (unsigned k = 0; k < 4; k++) {
        s[2 * k] = _mm256_add_pd(s[2 * k], abs_lo_pd256(v[k], absmask));
        s[2 * k + 1] = _mm256_add_pd(s[2 * k + 1], abs_hi_pd256(v[k], absmask));
      }
    }
  }
  if (lanes)
    for (unsigned k = 0; k < 8; k++)
      _mm256_storeu_pd(lanes + 4 * k, s[k]);
  pack_portable(x + i, d - i, bytes + i / 8, tail, lanes);
}

AVX2_TARGET static void expand_avx2(const uint8_t *bytes, size_t d,
                                    float magnitude, float *out) {
  const __m256i pos = _mm256_castps_si256(_mm256_set1_ps(magnitude));
  const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
  /* Bit j of the byte moves to bit 31 of lane j. */
  const __m256i shifts = _mm256_setr_epi32(31, 30, 29, 28, 27, 26, 25, 24);
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256i b = _mm256_set1_epi32(bytes[i / 8]);
    __m256i bit = _mm256_and_si256(_mm256_sllv_epi32(b, shifts), sign);
    _mm256_storeu_si256((__m256i *)(out + i), _mm256_or_si256(pos, bit));
  }
  expand_portable(bytes + i / 8, d - i, magnitude, out + i);
}
#endif /* HGQ_BASELINES_X86 */

/* AUTO -> the widest supported; the support test is the search's. */
static hgq_search_isa sign_isa(hgq_search_isa isa) {
  if (isa == HGQ_SEARCH_ISA_AUTO) {
    if (hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AVX512))
      return HGQ_SEARCH_ISA_AVX512;
    if (hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AVX2))
      return HGQ_SEARCH_ISA_AVX2;
    return HGQ_SEARCH_ISA_PORTABLE;
  }
  if (!hgq_codeword_search_isa_supported(isa))
    return HGQ_SEARCH_ISA_AUTO; /* unsupported */
  return isa == HGQ_SEARCH_ISA_AVX512_BF16 ? HGQ_SEARCH_ISA_AVX512 : isa;
}

int hgq_sign_pack(hgq_search_isa isa, const float *x, size_t d, uint8_t *bytes,
                  uint32_t *tail, double *l1) {
  double lanes[LANES] = {0};
  double *lp = l1 ? lanes : NULL;
  switch (sign_isa(isa)) {
  case HGQ_SEARCH_ISA_PORTABLE:
    pack_portable(x, d, bytes, tail, lp);
    break;
#if HGQ_BASELINES_X86
  case HGQ_SEARCH_ISA_AVX512:
    pack_avx512(x, d, bytes, tail, lp);
    break;
  case HGQ_SEARCH_ISA_AVX2:
    pack_avx2(x, d, bytes, tail, lp);
    break;
#endif
  default:
    return -1;
  }
  if (l1)
    *l1 = l1_combine(lanes);
  return 0;
}

int hgq_sign_expand(hgq_search_isa isa, const uint8_t *bytes, size_t d,
                    float magnitude, float *out) {
  switch (sign_isa(isa)) {
  case HGQ_SEARCH_ISA_PORTABLE:
    expand_portable(bytes, d, magnitude, out);
    return 0;
#if HGQ_BASELINES_X86
  case HGQ_SEARCH_ISA_AVX512:
    expand_avx512(bytes, d, magnitude, out);
    return 0;
  case HGQ_SEARCH_ISA_AVX2:
    expand_avx2(bytes, d, magnitude, out);
    return 0;
#endif
  default:
    return -1;
  }
}

/* The writer path when the payload cannot be reserved in one piece (the
 * writer is not byte-aligned, or it overflows, which it then records): D
 * sign bits (1 = negative), 32 per writer call. */
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

/* g_hat of an encode from the packed bits (D/8 bytes, not 4 D, to read):
 * the whole bytes, then the d mod 8 tail bits. */
static void expand_encoded(const uint8_t *bytes, uint32_t tail, size_t d,
                           float magnitude, float *out) {
  size_t whole = d / 8 * 8;
  (void)hgq_sign_expand(HGQ_SEARCH_ISA_AUTO, bytes, whole, magnitude, out + 0);
  uint8_t t = (uint8_t)tail;
  expand_portable(&t, d - whole, magnitude, out + whole);
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
  /* 4 d bytes cannot wrap where size_t is 32 bits: the writer path then. */
  uint8_t *p = d <= SIZE_MAX / 4 ? hgq_bit_writer_reserve(w, 4 * d) : NULL;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* The wire's little-endian floats are the host's bytes: one copy. */
  if (p)
    memcpy(p, g, 4 * d);
#else
  if (p)
    for (size_t i = 0; i < d; i++) {
      uint32_t u;
      memcpy(&u, &g[i], sizeof u);
      for (unsigned k = 0; k < 4; k++)
        p[4 * i + k] = (uint8_t)(u >> (8 * k));
    }
#endif
  if (!p)
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
  /* One pass: the scale's 4 bytes and the whole sign bytes are reserved
   * up front (a fresh writer is byte-aligned), the signs and the L1 sum
   * come from the same loads, and the scale is stored after. */
  uint8_t *p = hgq_bit_writer_reserve(w, 4 + d / 8);
  if (p) {
    uint32_t tail = 0;
    double l1 = 0.0;
    (void)hgq_sign_pack(HGQ_SEARCH_ISA_AUTO, g, d, p + 4, &tail, &l1);
    float scale = (float)(l1 / (double)d);
    uint32_t u;
    memcpy(&u, &scale, sizeof u);
    for (unsigned k = 0; k < 4; k++)
      p[k] = (uint8_t)(u >> (8 * k));
    hgq_bit_writer_put(w, tail, (unsigned)(d % 8));
    if (g_hat)
      expand_encoded(p + 4, tail, d, scale, g_hat);
    return HGQ_OK;
  }
  double lanes[LANES] = {0};
  l1_lanes_portable(g, d, lanes);
  float scale = (float)(l1_combine(lanes) / (double)d);
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
  uint8_t *p = hgq_bit_writer_reserve(w, d / 8);
  if (p) {
    uint32_t tail = 0;
    (void)hgq_sign_pack(HGQ_SEARCH_ISA_AUTO, g, d, p, &tail, NULL);
    hgq_bit_writer_put(w, tail, (unsigned)(d % 8));
    if (g_hat)
      expand_encoded(p, tail, d, 1.0f, g_hat);
    return HGQ_OK;
  }
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
  /* sum g_i^2 in the lanes of the sign methods' L1 (independent chains
   * the compiler can vectorize, one fixed order). */
  double lanes[LANES] = {0};
  size_t i0 = 0;
  for (; i0 + LANES <= d; i0 += LANES)
    for (unsigned j = 0; j < LANES; j++)
      lanes[j] += (double)g[i0 + j] * (double)g[i0 + j];
  for (unsigned j = 0; i0 + j < d; j++)
    lanes[j] += (double)g[i0 + j] * (double)g[i0 + j];
  float norm = (float)sqrt(l1_combine(lanes));
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
  /* max |g_i| in 16 independent lanes: the maximum is exact, so any
   * order gives the same float. */
  float lanes[16] = {0};
  size_t i0 = 0;
  for (; i0 + 16 <= d; i0 += 16)
    for (unsigned j = 0; j < 16; j++) {
      float a = fabsf(g[i0 + j]);
      lanes[j] = a > lanes[j] ? a : lanes[j];
    }
  for (unsigned j = 0; i0 + j < d; j++) {
    float a = fabsf(g[i0 + j]);
    lanes[j] = a > lanes[j] ? a : lanes[j];
  }
  float scale = 0.0f;
  for (unsigned j = 0; j < 16; j++)
    scale = lanes[j] > scale ? lanes[j] : scale;
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
