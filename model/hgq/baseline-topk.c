/*
 * Top-k sparsification (Aji and Heafield 2017; Stich et al., "Sparsified SGD
 * with Memory", NeurIPS 2018): send the k coefficients of largest magnitude
 * and keep the rest in the error-feedback memory (on by default).
 *
 * Selection: T = the k-th largest |x_i| by quickselect (three-way partition,
 * median-of-three pivot) on a copy of |x| held in scratch sized at create;
 * then one ascending scan takes every |x_i| > T and, among |x_i| == T, the
 * lowest indices until k are taken. The result is exactly a set of k largest
 * magnitudes, deterministic, and already sorted by index.
 *
 * Payload (LSB-first bit fields):
 *   b (5 bits, 1..31): the gap width chosen for this payload
 *   k times: gap, value
 *     gap v = i_j - i_{j-1} - 1 (i_{-1} = -1), written in b bits when
 *       v < 2^b - 1; otherwise the escape 2^b - 1 followed by v in
 *       W = max(1, ceil(log2 D)) bits (W bits hold any index < D);
 *     value: the coefficient as a raw IEEE float (32 bits).
 * The encoder picks the b in 1..31 that minimises
 *   k b + W #{v_j >= 2^b - 1}
 * from a histogram of the gaps' bit lengths (ties: the smaller b), so
 * payload bits = 5 + k b + W #escapes + 32 k. b = min(W + 1, 31) never
 * escapes, which bounds the payload by 5 + k (min(W + 1, 31) + 32).
 * Param block: k as u32 little-endian.
 */
#include "hgq-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct topk_state {
  uint32_t k;
  unsigned wide_bits; /* W */
  float *magnitude;   /* D floats: |x| for the selection */
  uint32_t *indices;  /* k selected indices, ascending */
} topk_state;

static void topk_destroy(void *state) {
  topk_state *s = state;
  if (!s)
    return;
  free(s->magnitude);
  free(s->indices);
  free(s);
}

static unsigned bit_length(uint64_t v) {
  unsigned n = 0;
  while (v) {
    n++;
    v >>= 1;
  }
  return n;
}

static int topk_create(hgq_quantizer *q) {
  const uint32_t d = q->cfg.dimension;
  uint64_t k = q->cfg.topk_k;
  if (k == 0) {
    double want = ceil(q->cfg.topk_fraction * (double)d);
    k = want < 1.0 ? 1 : (want > (double)d ? d : (uint64_t)want);
  }
  RETURN_IF(k < 1 || k > d, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  topk_state *s = calloc(1, sizeof *s);
  RETURN_IF(!s, HGQ_ERROR_ALLOCATION);
  q->state = s; /* hgq_quantizer_destroy unwinds it on failure */
  s->k = (uint32_t)k;
  unsigned w = bit_length(d - 1u);
  s->wide_bits = w < 1 ? 1 : w;
  s->magnitude = malloc((size_t)d * sizeof(float));
  s->indices = malloc((size_t)k * sizeof(uint32_t));
  RETURN_IF(!s->magnitude || !s->indices, HGQ_ERROR_ALLOCATION);
  q->codebook_id = 0;
  q->params[0] = (uint8_t)k;
  q->params[1] = (uint8_t)(k >> 8);
  q->params[2] = (uint8_t)(k >> 16);
  q->params[3] = (uint8_t)(k >> 24);
  q->params_length = 4;
  return HGQ_OK;
}

static uint64_t topk_max_payload_bits(const hgq_quantizer *q) {
  const topk_state *s = q->state;
  unsigned b = s->wide_bits + 1 < 31 ? s->wide_bits + 1 : 31;
  return 5ull + (uint64_t)s->k * (b + 32ull);
}

static inline void swap_float(float *a, float *b) {
  float t = *a;
  *a = *b;
  *b = t;
}

static inline float median3(float a, float b, float c) {
  if (a > b)
    swap_float(&a, &b);
  if (b > c)
    b = c;
  return a > b ? a : b;
}

/* The value of rank `kth` (0 = smallest) of a[0..n); reorders a. */
static float select_rank(float *a, size_t n, size_t kth) {
  size_t lo = 0, hi = n;
  while (hi - lo > 1) {
    float pivot = median3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
    /* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot: runs of equal
     * magnitudes (zeros, clipped values) cannot make it quadratic. */
    size_t lt = lo, i = lo, gt = hi;
    while (i < gt) {
      if (a[i] < pivot)
        swap_float(&a[lt++], &a[i++]);
      else if (a[i] > pivot)
        swap_float(&a[i], &a[--gt]);
      else
        i++;
    }
    if (kth < lt)
      hi = lt;
    else if (kth >= gt)
      lo = gt;
    else
      return pivot;
  }
  return a[lo];
}

/* Fills s->indices with the k selected indices, ascending. */
static void topk_select(topk_state *s, const float *x, size_t d) {
  for (size_t i = 0; i < d; i++)
    s->magnitude[i] = fabsf(x[i]);
  float threshold = select_rank(s->magnitude, d, d - s->k);
  size_t above = 0;
  for (size_t i = 0; i < d; i++)
    above += fabsf(x[i]) > threshold;
  size_t ties = s->k - above; /* >= 1: the threshold itself is one */
  size_t taken = 0;
  for (size_t i = 0; i < d && taken < s->k; i++) {
    float a = fabsf(x[i]);
    if (a > threshold || (a == threshold && ties > 0)) {
      if (a == threshold)
        ties--;
      s->indices[taken++] = (uint32_t)i;
    }
  }
}

static int topk_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                       float *g_hat) {
  topk_state *s = q->state;
  const size_t d = q->cfg.dimension;
  const unsigned wide = s->wide_bits;
  topk_select(s, g, d);

  /* hist[n]: gaps v with bit_length(v + 1) == n; v escapes at width b iff
   * v + 1 >= 2^b iff bit_length(v + 1) > b. */
  uint64_t hist[34] = {0};
  uint64_t prev_next = 0; /* i_{j-1} + 1 */
  for (uint32_t j = 0; j < s->k; j++) {
    uint64_t gap = s->indices[j] - prev_next;
    hist[bit_length(gap + 1)]++;
    prev_next = (uint64_t)s->indices[j] + 1;
  }
  unsigned best_b = 31;
  uint64_t best_cost = UINT64_MAX;
  uint64_t escapes = s->k - hist[0]; /* hist[0] is always 0 */
  for (unsigned b = 1; b <= 31; b++) {
    escapes -= hist[b]; /* now: gaps with bit_length(v + 1) > b */
    uint64_t cost = (uint64_t)s->k * b + escapes * wide;
    if (cost < best_cost) {
      best_cost = cost;
      best_b = b;
    }
  }

  const uint32_t escape = (1u << best_b) - 1u;
  hgq_bit_writer_put(w, best_b, 5);
  prev_next = 0;
  for (uint32_t j = 0; j < s->k; j++) {
    uint32_t i = s->indices[j];
    uint32_t gap = (uint32_t)(i - prev_next);
    if (gap < escape) {
      hgq_bit_writer_put(w, gap, best_b);
    } else {
      hgq_bit_writer_put(w, escape, best_b);
      hgq_bit_writer_put(w, gap, wide);
    }
    uint32_t bits;
    memcpy(&bits, &g[i], sizeof bits);
    hgq_bit_writer_put(w, bits, 32);
    prev_next = (uint64_t)i + 1;
  }
  if (g_hat) {
    /* Index by index (g is read before g_hat[i] is written), so the
     * reconstruction is right even if a caller passes g_hat == g. */
    uint32_t j = 0;
    for (size_t i = 0; i < d; i++) {
      bool kept = j < s->k && s->indices[j] == i;
      g_hat[i] = kept ? g[i] : 0.0f;
      j += kept;
    }
  }
  return HGQ_OK;
}

static int topk_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  const topk_state *s = q->state;
  const size_t d = q->cfg.dimension;
  memset(g_hat, 0, d * sizeof(float));
  unsigned b = hgq_bit_reader_get(r, 5);
  RETURN_IF(b == 0, HGQ_ERROR_CORRUPT_PAYLOAD);
  const uint32_t escape = (1u << b) - 1u;
  uint64_t next = 0; /* smallest index the next entry may take */
  for (uint32_t j = 0; j < s->k; j++) {
    uint32_t gap = hgq_bit_reader_get(r, b);
    if (gap == escape) {
      gap = hgq_bit_reader_get(r, s->wide_bits);
      /* Canonical: only gaps that do not fit in b bits escape. */
      RETURN_IF(gap < escape, HGQ_ERROR_CORRUPT_PAYLOAD);
    }
    uint64_t i = next + gap;
    RETURN_IF(i >= d, HGQ_ERROR_CORRUPT_PAYLOAD);
    uint32_t bits = hgq_bit_reader_get(r, 32);
    float v;
    memcpy(&v, &bits, sizeof v);
    RETURN_IF(!isfinite(v), HGQ_ERROR_CORRUPT_PAYLOAD);
    g_hat[i] = v;
    next = i + 1;
  }
  return HGQ_OK;
}

static int topk_describe(const hgq_quantizer *q, char *buf, size_t capacity) {
  const topk_state *s = q->state;
  int n = snprintf(buf, capacity, "k=%u", s->k);
  RETURN_IF(n < 0, HGQ_ERROR_GENERIC);
  RETURN_IF((size_t)n >= capacity, HGQ_ERROR_DST_TOO_SMALL);
  return HGQ_OK;
}

const hgq_method_ops hgq_topk_ops = {
    .method = HGQ_METHOD_TOPK,
    .create = topk_create,
    .destroy = topk_destroy,
    .max_payload_bits = topk_max_payload_bits,
    .encode = topk_encode,
    .decode = topk_decode,
    .reset = NULL,
    .describe = topk_describe,
};
