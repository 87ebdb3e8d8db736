/*
 * The hgq method: hierarchical Grassmannian quantization (Du, Yang, Huang,
 * IEEE TSP 68 (2020); our design in shared/design/HGQ.md).
 *
 * Encoder. rho = ||g|| (double); s = g / rho. Level l cuts its input v
 * (length n_l: D, then M_{l-1}) into M_l = ceil(n_l / L_l) blocks x_m, the
 * last zero-padded, and sends i_m = argmax_i |c_i . x_m| (lowest index on
 * ties; an all-zero block therefore sends index 0 with a_m = 0). The hinge
 * a_m = c_{i_m} . x_m carries each block's magnitude and sign; the next
 * input is h = a / ||a||, the minimum-distortion scaling (it maximises
 * s . s_hat subject to ||s_hat|| = 1). The last level has M == 1: its single
 * hinge scalar is sent as one sign bit (without it the decoder could return
 * -g).
 *
 * Decoder, top-down: h = +-1; for l = J..1: out[m L_l + j] = h[m] c_{i_m}[j],
 * truncated to n_l and renormalised; g_hat = rho_hat h. Without padding
 * ||out|| = ||h|| = 1 and s . s_hat = prod_l ||a_l||, so the shape
 * distortion composes: 1 - cos^2 = 1 - prod_l (1 - d_l), d_l = 1 - ||a_l||^2.
 *
 * Payload (bit writer, in this order): norm field (32-bit float, or B_rho-bit
 * uniform index on [0, rho_max] after a clip flag), then every level's M_l
 * indices of B_l bits, level 1 first, then the sign bit. The parameter block
 * of the wire header: B_rho (u8), rho_max (f32 LE), top_block (u16 LE),
 * entry count J (u8), then (L_j, B_j) as bytes.
 *
 * top_block T >= 2 (HGQ.md's alternative stop): once a hinge level's input
 * has at most T values, that whole hinge is quantized by one codebook of
 * length T (zero-padded) and the sign bit, i.e. by a signed codebook. The
 * encoder's reconstruction is computed by the same function as the decoder's,
 * so it is bit-identical.
 *
 * Speed (no change to the mathematics). Every sum of squares is taken in
 * HGQ_SUM_LANES independent double lanes (element i goes to lane i mod
 * HGQ_SUM_LANES) combined pairwise in a fixed tree: a float product is exact
 * in a double, so each lane's sum is the same on every machine and code path
 * (with or without fused multiply-add), and the lanes break the add-latency
 * chain. Level 1 of the encoder normalises g into a cache-sized chunk of
 * blocks and searches it at once, instead of writing the whole shape to
 * memory first. The decoder gets ||out|| of a level from the hinge and the
 * codewords' squared norms (precomputed at create) before expanding, so each
 * level writes its output once, already scaled: g_hat = (rho_hat h_m /
 * ||out||) c_{i_m}, one float product per coefficient. The decoder reads the
 * indices with inline word loads (the payload length is checked first).
 */
#include "hgq-method.h"

#include "allocator.h"
#include "codebook.h"
#include "hgq-internal.h"
#include "search.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Independent partial sums of a reduction (see the top of the file). */
#define HGQ_SUM_LANES          16
/* Level-1 coefficients normalised and searched per chunk: at least 128 KB
 * (in L2), and at least HGQ_CHUNK_PER_TABLE times the table's K L, since
 * each search call lays out the table again (for large K the search, not
 * memory, is the cost, and a chunk in L3 is as good). */
#define HGQ_CHUNK_COEFFICIENTS 32768u
#define HGQ_CHUNK_PER_TABLE    32u

typedef struct hgq_state {
  hgq_codebook owned[HGQ_MAX_EXPANDED_LEVELS]; /* copies of the tables used */
  uint32_t owned_count;
  hgq_plan plan; /* resolved and trimmed */
  uint32_t level_count;
  hgq_level levels[HGQ_MAX_EXPANDED_LEVELS];
  const hgq_codebook *codebooks[HGQ_MAX_EXPANDED_LEVELS];
  uint64_t index_offset[HGQ_MAX_EXPANDED_LEVELS];
  uint32_t norm_bits;
  float norm_max;
  uint32_t top_block; /* 0: off */
  /* scratch, sized at create */
  float *shape;        /* chunk_blocks L_1: a chunk of the level-1 input */
  size_t chunk_blocks; /* level-1 blocks per search call */
  double *owned_norms[HGQ_MAX_EXPANDED_LEVELS]; /* ||c_i||^2 per owned table */
  const double *norms[HGQ_MAX_EXPANDED_LEVELS]; /* the same, per level */
  float *hinge_a;    /* M_1 + 64: hinge of the current level / top-down h */
  float *hinge_b;    /* M_1 + 64 */
  uint32_t *indices; /* sum_l M_l */
  float *search_scratch;
  double last_norms[HGQ_MAX_EXPANDED_LEVELS];
  int has_last;
} hgq_state;

static void state_destroy(void *opaque) {
  hgq_state *st = (hgq_state *)opaque;
  if (st == NULL)
    return;
  for (uint32_t i = 0; i < st->owned_count; ++i) {
    hgq_codebook_release(&st->owned[i]);
    free(st->owned_norms[i]);
  }
  free(st->shape);
  free(st->hinge_a);
  free(st->hinge_b);
  free(st->indices);
  free(st->search_scratch);
  free(st);
}

/*
 * sum_i x_i^2 in double: element i is added to lane i mod HGQ_SUM_LANES, and
 * the lanes are combined pairwise (0+1, 2+3, ..., then pairs of pairs). Each
 * product is exact, so the result depends only on n and x, on every machine.
 */
static double sum_squares(const float *x, size_t n) {
  double lane[HGQ_SUM_LANES] = {0};
  size_t i = 0;
  for (; i + HGQ_SUM_LANES <= n; i += HGQ_SUM_LANES)
    for (size_t k = 0; k < HGQ_SUM_LANES; ++k)
      lane[k] += (double)x[i + k] * (double)x[i + k];
  for (size_t k = 0; i + k < n; ++k)
    lane[k] += (double)x[i + k] * (double)x[i + k];
  for (size_t width = HGQ_SUM_LANES / 2; width >= 1; width /= 2)
    for (size_t k = 0; k < width; ++k)
      lane[k] = lane[2 * k] + lane[2 * k + 1];
  return lane[0];
}

static void put_f32_le(uint8_t *p, float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(u >> (8 * i));
}

/* The tables of the plan, copied out of the set (deduplicated). */
static int keep_table(hgq_state *st, const hgq_codebook *cb,
                      const hgq_codebook **kept) {
  for (uint32_t i = 0; i < st->owned_count; ++i) {
    if (st->owned[i].role == cb->role &&
        st->owned[i].block_length == cb->block_length &&
        st->owned[i].bits == cb->bits) {
      *kept = &st->owned[i];
      return HGQ_OK;
    }
  }
  const uint32_t slot = st->owned_count;
  FORWARD_IF_ERROR(hgq_codebook_copy(cb, &st->owned[slot]));
  st->owned_count++; /* released by state_destroy from here on */
  const hgq_codebook *own = &st->owned[slot];
  st->owned_norms[slot] = malloc((own->size ? own->size : 1) * sizeof(double));
  RETURN_IF(st->owned_norms[slot] == NULL, HGQ_ERROR_ALLOCATION);
  for (uint32_t i = 0; i < own->size; ++i)
    st->owned_norms[slot][i] = sum_squares(
        own->codewords + (size_t)i * own->block_length, own->block_length);
  *kept = own;
  return HGQ_OK;
}

static int resolve(hgq_quantizer *q, hgq_state *st,
                   const hgq_codebook_set *set) {
  const hgq_config *cfg = &q->cfg;
  /* top_block 1 means "stop at M == 1", the same as 0. */
  st->top_block = cfg->top_block >= 2 ? cfg->top_block : 0;
  RETURN_IF(st->top_block > 0xffffu, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  st->norm_bits = cfg->norm_bits;
  st->norm_max = cfg->norm_bits < 32 ? cfg->norm_max : 0.0f;
  RETURN_IF(st->norm_bits < 1 || st->norm_bits > 32,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  RETURN_IF(st->norm_bits < 32 &&
                !(st->norm_max > 0.0f && isfinite(st->norm_max)),
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);

  const uint64_t d = cfg->dimension;
  if (cfg->plan != NULL && cfg->plan[0] != '\0') {
    FORWARD_IF_ERROR(hgq_plan_parse(cfg->plan, &st->plan));
  } else {
    RETURN_IF(!(cfg->bits_per_coef > 0.0), HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
    uint64_t budget = (uint64_t)floor(cfg->bits_per_coef * (double)d);
    FORWARD_IF_ERROR(hgq_allocate(set, d, budget, st->norm_bits, st->top_block,
                                  &st->plan, NULL));
  }
  hgq_plan_trim(&st->plan, d, st->top_block);
  FORWARD_IF_ERROR(hgq_plan_expand(&st->plan, d, st->top_block, st->levels,
                                   &st->level_count));
  uint64_t offset = 0;
  for (uint32_t j = 0; j < st->level_count; ++j) {
    const hgq_codebook *cb = hgq_codebook_set_find(
        set, hgq_level_role(j), st->levels[j].block_length, st->levels[j].bits);
    RETURN_IF(cb == NULL, HGQ_ERROR_CODEBOOK_UNAVAILABLE);
    FORWARD_IF_ERROR(keep_table(st, cb, &st->codebooks[j]));
    st->norms[j] = st->owned_norms[st->codebooks[j] - st->owned];
    st->index_offset[j] = offset;
    offset += st->levels[j].blocks;
  }

  /* Header parameter block. */
  size_t n = hgq_plan_param_bytes(&st->plan);
  RETURN_IF(n > HGQ_WIRE_MAX_PARAM_BYTES, HGQ_ERROR_BAD_PLAN);
  q->params[0] = (uint8_t)st->norm_bits;
  put_f32_le(q->params + 1, st->norm_max);
  q->params[5] = (uint8_t)st->top_block;
  q->params[6] = (uint8_t)(st->top_block >> 8);
  q->params[7] = (uint8_t)st->plan.count;
  for (uint32_t j = 0; j < st->plan.count; ++j) {
    q->params[8 + 2 * j] = (uint8_t)st->plan.entries[j].block_length;
    q->params[9 + 2 * j] = (uint8_t)st->plan.entries[j].bits;
  }
  q->params_length = n;
  q->codebook_id = set->id;

  /* Scratch. */
  const hgq_level *l1 = &st->levels[0];
  size_t hinge_floats = (size_t)l1->blocks + HGQ_CODEBOOK_MAX_L;
  size_t search_floats = 0;
  for (uint32_t j = 0; j < st->level_count; ++j) {
    size_t s = hgq_codeword_search_scratch_floats(st->codebooks[j]->size,
                                                  st->levels[j].block_length);
    if (s > search_floats)
      search_floats = s;
  }
  /* Chunks of whole blocks, a multiple of 64 blocks (the search's tile). */
  size_t chunk_coefficients =
      (size_t)HGQ_CHUNK_PER_TABLE * st->codebooks[0]->size * l1->block_length;
  if (chunk_coefficients < HGQ_CHUNK_COEFFICIENTS)
    chunk_coefficients = HGQ_CHUNK_COEFFICIENTS;
  size_t chunk = chunk_coefficients / l1->block_length;
  chunk = (chunk + 63) / 64 * 64;
  st->chunk_blocks = chunk < (size_t)l1->blocks ? chunk : (size_t)l1->blocks;
  st->shape = malloc(st->chunk_blocks * l1->block_length * sizeof(float));
  st->hinge_a = malloc(hinge_floats * sizeof(float));
  st->hinge_b = malloc(hinge_floats * sizeof(float));
  st->indices = malloc((size_t)offset * sizeof(uint32_t));
  st->search_scratch =
      malloc((search_floats ? search_floats : 1) * sizeof(float));
  RETURN_IF(!st->shape || !st->hinge_a || !st->hinge_b || !st->indices ||
                !st->search_scratch,
            HGQ_ERROR_ALLOCATION);
  return HGQ_OK;
}

static int hgq_create(hgq_quantizer *q) {
  hgq_state *st = calloc(1, sizeof *st);
  RETURN_IF(st == NULL, HGQ_ERROR_ALLOCATION);
  hgq_codebook_set *set = NULL;
  int status = hgq_codebook_set_open(q->cfg.codebook_dir, &set);
  if (status == HGQ_OK)
    status = resolve(q, st, set);
  hgq_codebook_set_destroy(set);
  if (status != HGQ_OK) {
    state_destroy(st);
    q->params_length = 0;
    return status;
  }
  q->state = st;
  return HGQ_OK;
}

static uint64_t hgq_max_payload_bits(const hgq_quantizer *q) {
  const hgq_state *st = (const hgq_state *)q->state;
  return hgq_plan_payload_bits(st->levels, st->level_count, st->norm_bits);
}

/* out[m L + j] = h_m scale c_{i_m}[j] for whole blocks (float products). */
static void expand_blocks(float *out, const float *h, double scale,
                          const float *codewords, const uint32_t *idx,
                          size_t whole, uint32_t l) {
  for (size_t m = 0; m < whole; ++m) {
    const float *c = codewords + (size_t)idx[m] * l;
    double hs = (double)h[m] * scale;
    /* |hs| <= rho_hat (||out|| >= |h_m| ||c||, ||c|| = 1 to float
     * precision); the clamp keeps a rounding at FLT_MAX finite. */
    hs = hs > FLT_MAX ? FLT_MAX : hs < -FLT_MAX ? -FLT_MAX : hs;
    const float hf = (float)hs;
    float *o = out + m * l;
    for (size_t j = 0; j < l; ++j)
      o[j] = hf * c[j];
  }
}

/*
 * The decoder's reconstruction (top-down), shared by encode so that the
 * encoder's g_hat is bit-identical to what a decoder produces.
 */
static void reconstruct(hgq_state *st, unsigned sign, float rho_hat,
                        float *g_hat, size_t dimension) {
  float *cur = st->hinge_a, *next = st->hinge_b;
  cur[0] = sign ? -1.0f : 1.0f;
  for (uint32_t jj = st->level_count; jj-- > 0;) {
    const hgq_level *lv = &st->levels[jj];
    const hgq_codebook *cb = st->codebooks[jj];
    const double *cn2 = st->norms[jj];
    const uint32_t l = lv->block_length;
    const uint32_t *idx = st->indices + st->index_offset[jj];
    const size_t n = jj == 0 ? dimension : (size_t)lv->input_length;
    const size_t blocks = lv->blocks;
    float *out = jj == 0 ? g_hat : next;
    /* ||out||^2 before writing out: sum_m h_m^2 ||c_{i_m}||^2 over the whole
     * blocks (in lanes, as sum_squares), plus the truncated last block's
     * kept part. */
    const size_t whole = n / l < blocks ? n / l : blocks;
    double lane[HGQ_SUM_LANES] = {0};
    for (size_t m = 0; m < whole; ++m)
      lane[m % HGQ_SUM_LANES] += (double)cur[m] * (double)cur[m] * cn2[idx[m]];
    for (size_t width = HGQ_SUM_LANES / 2; width >= 1; width /= 2)
      for (size_t k = 0; k < width; ++k)
        lane[k] = lane[2 * k] + lane[2 * k + 1];
    double norm2 = lane[0];
    if (whole < blocks) {
      const float *c = cb->codewords + (size_t)idx[whole] * l;
      const double h = cur[whole];
      for (size_t j = 0; j < n - whole * l; ++j)
        norm2 += (h * c[j]) * (h * c[j]);
    }
    /* A zero vector (possible only if truncation removed all its energy)
     * stays zero: deterministic on both sides. */
    double scale = norm2 > 0.0 ? 1.0 / sqrt(norm2) : 0.0;
    if (jj == 0)
      scale *= (double)rho_hat;
    /* Expand, scaled, and truncate to n. */
    expand_blocks(out, cur, scale, cb->codewords, idx, whole, l);
    if (whole < blocks) {
      const float *c = cb->codewords + (size_t)idx[whole] * l;
      const double h = (double)cur[whole] * scale;
      for (size_t j = 0; j < n - whole * l; ++j)
        out[whole * l + j] = (float)(h * c[j]);
    }
    float *t = cur;
    cur = next;
    next = t;
  }
}

static void put_norm(hgq_bit_writer *w, const hgq_state *st, double rho,
                     float *rho_hat) {
  if (st->norm_bits >= 32) {
    float r = (float)rho;
    uint32_t u;
    memcpy(&u, &r, sizeof u);
    hgq_bit_writer_put(w, u, 32);
    *rho_hat = r;
    return;
  }
  const uint32_t top = (uint32_t)((1ull << st->norm_bits) - 1u);
  const double step = (double)st->norm_max / (double)top;
  const unsigned clip = rho > (double)st->norm_max;
  uint32_t index = top;
  if (!clip) {
    double t = floor(rho / step + 0.5);
    index = t >= (double)top ? top : (uint32_t)t;
  }
  hgq_bit_writer_put(w, clip, 1);
  hgq_bit_writer_put(w, index, st->norm_bits);
  *rho_hat = (float)((double)index * step);
}

static int hgq_encode(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                      float *g_hat) {
  hgq_state *st = (hgq_state *)q->state;
  const size_t d = q->cfg.dimension;
  const double rho = sqrt(sum_squares(g, d));
  /* A finite gradient whose norm overflows a float cannot be sent. */
  RETURN_IF(!(rho <= (double)FLT_MAX), HGQ_ERROR_NONFINITE_INPUT);
  RETURN_IF(!(rho > 0.0), HGQ_ERROR_GENERIC); /* the core sends zero */

  float rho_hat;
  put_norm(w, st, rho, &rho_hat);

  /* Level 1: the shape s = g / rho, one chunk of blocks at a time (the
   * last block zero-padded), searched while the chunk is in cache. */
  const hgq_level *l1 = &st->levels[0];
  const size_t l1_length = l1->block_length;
  const double inv = 1.0 / rho;
  float *a = st->hinge_a;
  for (size_t m0 = 0; m0 < l1->blocks; m0 += st->chunk_blocks) {
    size_t count = (size_t)l1->blocks - m0;
    if (count > st->chunk_blocks)
      count = st->chunk_blocks;
    const size_t begin = m0 * l1_length;
    const size_t end = begin + count * l1_length;
    const size_t kept = (end < d ? end : d) - begin;
    for (size_t i = 0; i < kept; ++i)
      st->shape[i] = (float)((double)g[begin + i] * inv);
    for (size_t i = kept; i < count * l1_length; ++i)
      st->shape[i] = 0.0f;
    hgq_codeword_search(st->codebooks[0]->codewords, st->codebooks[0]->size,
                        l1->block_length, st->shape, count, st->indices + m0,
                        a + m0, st->search_scratch);
  }

  unsigned sign = 0;
  for (uint32_t j = 0;; ++j) {
    const hgq_level *lv = &st->levels[j];
    if (j > 0) {
      const hgq_codebook *cb = st->codebooks[j];
      const float *input = a;
      a = (input == st->hinge_a) ? st->hinge_b : st->hinge_a;
      hgq_codeword_search(cb->codewords, cb->size, lv->block_length, input,
                          (size_t)lv->blocks, st->indices + st->index_offset[j],
                          a, st->search_scratch);
    }
    const double norm2 = sum_squares(a, lv->blocks);
    st->last_norms[j] = sqrt(norm2);
    if (j + 1 == st->level_count) {
      sign = a[0] < 0.0f;
      break;
    }
    /* Next input h = a / ||a||, zero-padded to M_{l+1} L_{l+1}. */
    const hgq_level *up = &st->levels[j + 1];
    double scale = norm2 > 0.0 ? 1.0 / sqrt(norm2) : 0.0;
    for (size_t m = 0; m < lv->blocks; ++m)
      a[m] = (float)((double)a[m] * scale);
    for (size_t m = lv->blocks; m < (size_t)up->blocks * up->block_length; ++m)
      a[m] = 0.0f;
  }
  st->has_last = 1;

  /* The writer appends least significant bit first, so packing the indices
   * here and handing it 32 bits at a time writes the same stream as one put
   * per index, with a call per word instead of per index. */
  uint64_t acc = 0;
  unsigned acc_bits = 0; /* < 32 between indices */
  for (uint32_t j = 0; j < st->level_count; ++j) {
    const uint32_t *idx = st->indices + st->index_offset[j];
    const unsigned bits = st->levels[j].bits; /* <= 32 */
    const uint64_t mask = (1ull << bits) - 1; /* as the writer's */
    for (size_t m = 0; m < st->levels[j].blocks; ++m) {
      acc |= ((uint64_t)idx[m] & mask) << acc_bits;
      acc_bits += bits;
      if (acc_bits >= 32) {
        hgq_bit_writer_put(w, (uint32_t)acc, 32);
        acc >>= 32;
        acc_bits -= 32;
      }
    }
  }
  acc |= (uint64_t)sign << acc_bits;
  hgq_bit_writer_put(w, (uint32_t)acc, acc_bits + 1);

  if (g_hat != NULL)
    reconstruct(st, sign, rho_hat, g_hat, d);
  return HGQ_OK;
}

/*
 * Reads `count` indices of `bits` bits (what hgq_bit_reader_get would
 * return, in the same stream order) and returns 1 if any is >= k. Inline
 * little-endian word loads while 8 bytes remain, the reader for the tail.
 */
static int read_indices(hgq_bit_reader *r, uint32_t *idx, size_t count,
                        unsigned bits, uint32_t k) {
  const uint64_t mask = (1ull << bits) - 1; /* bits <= 32 */
  uint64_t pos = r->bit_pos;
  uint32_t bad = 0;
  size_t m = 0;
  for (; m < count && (pos >> 3) + 8 <= r->length; ++m) {
    const uint8_t *p = r->data + (pos >> 3);
    const uint64_t word = (uint64_t)p[0] | (uint64_t)p[1] << 8 |
                          (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
                          (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                          (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    const uint32_t v = (uint32_t)((word >> (pos & 7)) & mask);
    idx[m] = v;
    bad |= v >= k;
    pos += bits;
  }
  r->bit_pos = pos;
  for (; m < count; ++m) {
    idx[m] = hgq_bit_reader_get(r, bits);
    bad |= idx[m] >= k;
  }
  return bad != 0;
}

static int hgq_decode(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat) {
  hgq_state *st = (hgq_state *)q->state;
  RETURN_IF(hgq_bit_reader_remaining(r) < hgq_plan_payload_bits(st->levels,
                                                                st->level_count,
                                                                st->norm_bits),
            HGQ_ERROR_TRUNCATED);
  float rho_hat;
  if (st->norm_bits >= 32) {
    uint32_t u = hgq_bit_reader_get(r, 32);
    memcpy(&rho_hat, &u, sizeof rho_hat);
    RETURN_IF(!isfinite(rho_hat) || !(rho_hat >= 0.0f),
              HGQ_ERROR_CORRUPT_PAYLOAD);
  } else {
    const uint32_t top = (uint32_t)((1ull << st->norm_bits) - 1u);
    uint32_t clip = hgq_bit_reader_get(r, 1);
    uint32_t index = hgq_bit_reader_get(r, st->norm_bits);
    RETURN_IF(index > top || (clip && index != top), HGQ_ERROR_CORRUPT_PAYLOAD);
    rho_hat = (float)((double)index * ((double)st->norm_max / (double)top));
  }
  for (uint32_t j = 0; j < st->level_count; ++j)
    RETURN_IF(read_indices(r, st->indices + st->index_offset[j],
                           st->levels[j].blocks, st->levels[j].bits,
                           st->codebooks[j]->size) != 0,
              HGQ_ERROR_CORRUPT_PAYLOAD);
  unsigned sign = hgq_bit_reader_get(r, 1);
  RETURN_IF(r->overrun, HGQ_ERROR_TRUNCATED);
  reconstruct(st, sign, rho_hat, g_hat, q->cfg.dimension);
  return HGQ_OK;
}

static int hgq_describe(const hgq_quantizer *q, char *buf, size_t capacity) {
  const hgq_state *st = (const hgq_state *)q->state;
  FORWARD_IF_ERROR(hgq_plan_format(&st->plan, buf, capacity));
  if (st->norm_bits < 32) {
    size_t used = strlen(buf);
    int n = snprintf(buf + used, capacity - used, " norm_bits=%u norm_max=%g",
                     st->norm_bits, (double)st->norm_max);
    RETURN_IF(n < 0 || (size_t)n >= capacity - used, HGQ_ERROR_DST_TOO_SMALL);
  }
  if (st->top_block != 0) {
    size_t used = strlen(buf);
    int n =
        snprintf(buf + used, capacity - used, " top_block=%u", st->top_block);
    RETURN_IF(n < 0 || (size_t)n >= capacity - used, HGQ_ERROR_DST_TOO_SMALL);
  }
  return HGQ_OK;
}

int hgq_hgq_last_hinge_norms(const hgq_quantizer *q, double *norms,
                             uint32_t capacity, uint32_t *count) {
  RETURN_IF(q == NULL || norms == NULL || count == NULL,
            HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(q->cfg.method != HGQ_METHOD_HGQ, HGQ_ERROR_METHOD_MISMATCH);
  const hgq_state *st = (const hgq_state *)q->state;
  RETURN_IF(st == NULL || !st->has_last, HGQ_ERROR_STATE);
  *count = st->level_count;
  RETURN_IF(capacity < st->level_count, HGQ_ERROR_DST_TOO_SMALL);
  for (uint32_t j = 0; j < st->level_count; ++j)
    norms[j] = st->last_norms[j];
  return HGQ_OK;
}

int hgq_hgq_predicted_distortion(const hgq_quantizer *q, double *distortion) {
  RETURN_IF(q == NULL || distortion == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(q->cfg.method != HGQ_METHOD_HGQ, HGQ_ERROR_METHOD_MISMATCH);
  const hgq_state *st = (const hgq_state *)q->state;
  RETURN_IF(st == NULL, HGQ_ERROR_STATE);
  double keep = 1.0;
  for (uint32_t j = 0; j < st->level_count; ++j)
    keep *= 1.0 - st->codebooks[j]->distortion;
  *distortion = 1.0 - keep;
  return HGQ_OK;
}

const hgq_method_ops hgq_hgq_ops = {
    .method = HGQ_METHOD_HGQ,
    .create = hgq_create,
    .destroy = state_destroy,
    .max_payload_bits = hgq_max_payload_bits,
    .encode = hgq_encode,
    .decode = hgq_decode,
    .reset = NULL,
    .describe = hgq_describe,
};
