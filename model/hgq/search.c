/*
 * Codeword search (see search.h): i_m = argmax_i |c_i . x_m| with ties to the
 * lowest index, a_m = c_{i_m} . x_m. For unit x_m, maximising (c . x)^2 is
 * minimising the chordal distance 1 - (c . x)^2 (HGQ.md), so this is the
 * nearest-neighbour rule of Grassmannian quantization.
 *
 * Cost and where the time goes. Brute force is 2 K L flops per block, 2 K
 * flops per coefficient. HGQ.md measured that an sgemm into a score matrix
 * followed by a scalar abs-argmax runs at 80 M coef/s: the argmax, not the
 * multiply, is the wall. This file therefore never writes scores. A small
 * register-blocked kernel computes R blocks x V vectors of codeword scores
 * in registers, and folds each score vector straight into a per-lane running
 * (max |score|, signed score, index) state, so the argmax costs a handful of
 * vector operations per 16 scores instead of a scalar compare per score.
 *
 * Tiling: the codebook is transposed once per call into scratch (C^T, L rows
 * of K_pad floats, K_pad = K rounded up to 16, zero columns in the padding)
 * so that one aligned vector load gives 16 codewords' coordinate j. Blocks
 * are processed in tiles of HGQ_SEARCH_TILE blocks against panels of
 * codewords whose C^T slice fits in L1; the per-lane running state of a tile
 * lives in a small stack array between panels.
 *
 * The score is defined exactly, so every code path gives the same bits:
 *   s_i = fma(x_{L-1}, c_{i,L-1}, ... fma(x_1, c_{i,1}, fma(x_0, c_{i,0}, 0)))
 * (a fused multiply-add chain in increasing j, one rounding per step). The
 * AVX-512, AVX2 and portable (fmaf) paths compute the same chain, so indices
 * and projections are bit-identical across machines and the encoder is
 * deterministic. The reference (hgq_codeword_search_reference) rounds the
 * product and the sum separately, so its dot products differ from s_i by at
 * most about 2 L u sum_j |c_ij x_j| (u = 2^-24, Higham's gamma_L bound for
 * each); the two searches can pick different indices only where the two
 * largest |scores| are that close (a near-tie), and a_m always equals the
 * s_i of the returned index, i.e. |a_m| is the maximum of the computed
 * scores. Exact ties (duplicate or negated codewords) give identical scores
 * and resolve to the lowest index in every path, as in the reference.
 */
#include "search.h"

#include <math.h>
#include <string.h>

/* -DHGQ_SEARCH_NO_SIMD builds only the portable path (as on non-x86). */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && \
    !defined(HGQ_SEARCH_NO_SIMD)
#define HGQ_SEARCH_X86 1
#include <immintrin.h>
#else
#define HGQ_SEARCH_X86 0
#endif
/* The BF16 intrinsics need GCC >= 10 or Clang >= 9. */
#if HGQ_SEARCH_X86 &&                                \
    ((defined(__clang__) && __clang_major__ >= 9) || \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 10))
#define HGQ_SEARCH_BF16 1
#else
#define HGQ_SEARCH_BF16 0
#endif

/* Codebook padding: a multiple of the widest vector (16 floats). */
#define HGQ_SEARCH_PAD         16u
/* Blocks per tile: the tile's running state (3 x 64 B per block) and its
 * blocks stay in L1 while the codeword panels stream past. */
#define HGQ_SEARCH_TILE        64u
/* From this padded codebook size on, the AVX-512 kernel recomputes the
 * winner's signed score instead of tracking it (measured crossover). */
#define HGQ_SEARCH_RECOMPUTE_K 512u
/* Codewords per chunk of the packed C^T (see transpose_codebook). */
#define HGQ_SEARCH_CHUNK       64u
/* Bytes of C^T a panel may hold (L1 is 32-48 KiB on current x86 cores). */
#define HGQ_SEARCH_PANEL_BYTES 16384u
/* Blocks per tile of the bf16 screen (its approximate scores, 4 K bytes per
 * block, stay in L1/L2 until the exact pass reads them back). */
#define HGQ_SEARCH_BF16_TILE   8u
/* The bf16 screen pays for its second pass on large searches only
 * (measured on Zen 5 against the fp32 kernel: 1.08x at 1024 x 16, 1.2x at
 * 1024 x 24, 1.16x at 2048 x 12, 1.3x at 4096 x 12; slower at 1024 x 12 and
 * below 1024 codewords). */
#define HGQ_SEARCH_BF16_MIN_K  1024u
#define HGQ_SEARCH_BF16_MIN_L  8u
#define HGQ_SEARCH_BF16_MIN_KL 16384u

static size_t padded_size(uint32_t codebook_size) {
  return ((size_t)codebook_size + HGQ_SEARCH_PAD - 1) / HGQ_SEARCH_PAD *
         HGQ_SEARCH_PAD;
}

/* The one rule both the scratch size and the dispatch use. */
static int bf16_worth_it(uint32_t codebook_size, uint32_t block_length) {
  return codebook_size >= HGQ_SEARCH_BF16_MIN_K &&
         block_length >= HGQ_SEARCH_BF16_MIN_L && block_length < 16384u &&
         (uint64_t)codebook_size * block_length >= HGQ_SEARCH_BF16_MIN_KL;
}

size_t hgq_codeword_search_scratch_floats(uint32_t codebook_size,
                                          uint32_t block_length) {
  size_t k_pad = padded_size(codebook_size);
  size_t pairs = ((size_t)block_length + 1) / 2;
  if (!bf16_worth_it(codebook_size, block_length))
    return (size_t)block_length * k_pad + HGQ_SEARCH_PAD; /* C^T only */
  /* C^T (fp32), then for the bf16 screen: C^T in bf16 pairs, a tile of
   * approximate scores and the tile's blocks in bf16; 64-byte alignment
   * slack before each. */
  return (size_t)block_length * k_pad + pairs * k_pad +
         (size_t)HGQ_SEARCH_BF16_TILE * k_pad +
         (size_t)HGQ_SEARCH_BF16_TILE * pairs +
         (size_t)HGQ_SEARCH_BF16_TILE * (k_pad / 16) + 5 * HGQ_SEARCH_PAD;
}

/* ------------------------------------------------------------ reference */

static void search_one(const float *codebook, uint32_t codebook_size,
                       uint32_t block_length, const float *x, uint32_t *index,
                       float *projection) {
  uint32_t best = 0;
  float best_abs = -1.0f;
  float best_dot = 0.0f;
  for (uint32_t i = 0; i < codebook_size; ++i) {
    const float *c = codebook + (size_t)i * block_length;
    float dot = 0.0f;
    for (uint32_t j = 0; j < block_length; ++j) {
      dot += c[j] * x[j];
    }
    float a = fabsf(dot);
    if (a > best_abs) { /* strict: ties keep the lowest index */
      best_abs = a;
      best_dot = dot;
      best = i;
    }
  }
  *index = best;
  *projection = best_dot;
}

void hgq_codeword_search_reference(const float *codebook,
                                   uint32_t codebook_size,
                                   uint32_t block_length, const float *blocks,
                                   size_t block_count, uint32_t *indices,
                                   float *projections) {
  for (size_t m = 0; m < block_count; ++m) {
    search_one(codebook, codebook_size, block_length, blocks + m * block_length,
               &indices[m], &projections[m]);
  }
}

/* ------------------------------------------------------ portable kernel */

/* The defined score chain, one codeword at a time (fmaf rounds once). */
static void search_portable(const float *codebook, uint32_t codebook_size,
                            uint32_t block_length, const float *blocks,
                            size_t block_count, uint32_t *indices,
                            float *projections) {
  for (size_t m = 0; m < block_count; ++m) {
    const float *x = blocks + m * block_length;
    uint32_t best = 0;
    float best_abs = -1.0f;
    float best_dot = 0.0f;
    for (uint32_t i = 0; i < codebook_size; ++i) {
      const float *c = codebook + (size_t)i * block_length;
      float dot = 0.0f;
      for (uint32_t j = 0; j < block_length; ++j)
        dot = fmaf(x[j], c[j], dot);
      float a = fabsf(dot);
      if (a > best_abs) {
        best_abs = a;
        best_dot = dot;
        best = i;
      }
    }
    indices[m] = best;
    projections[m] = best_dot;
  }
}

#if HGQ_SEARCH_X86
/* C^T in a packed layout: chunks of HGQ_SEARCH_CHUNK codewords, each
 * chunk L rows of w floats (w = 64, or what is left in the last chunk), so
 * that a kernel's loads stream through consecutive cache lines. Rows k_pad
 * floats apart (plain C^T) sit a multiple of 4 KiB apart for K >= 1024 and
 * alias in the sets of the L1 cache. Element (i, j) is at
 * chunk_offset(i, L) + j * chunk_width(i). */
static inline size_t chunk_width(size_t i, size_t k_pad) {
  size_t w = k_pad - i / HGQ_SEARCH_CHUNK * HGQ_SEARCH_CHUNK;
  return w < HGQ_SEARCH_CHUNK ? w : HGQ_SEARCH_CHUNK;
}

static inline size_t chunk_offset(size_t i, size_t rows) {
  size_t c0 = i / HGQ_SEARCH_CHUNK * HGQ_SEARCH_CHUNK;
  return c0 * rows + (i - c0);
}

static float *align64(float *p) {
  return (float *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u);
}

/* Packed C^T into 64-byte aligned scratch; zero for i >= K (a zero column
 * scores exactly 0, which can only tie the maximum when every real score is
 * 0, and then the lowest index wins). */
static float *transpose_codebook(const float *codebook, uint32_t codebook_size,
                                 uint32_t block_length, size_t k_pad,
                                 float *scratch) {
  float *ct = align64(scratch);
  for (size_t i = 0; i < k_pad; ++i) {
    float *col = ct + chunk_offset(i, block_length);
    size_t w = chunk_width(i, k_pad);
    for (uint32_t j = 0; j < block_length; ++j)
      col[j * w] = i < codebook_size ? codebook[i * block_length + j] : 0.0f;
  }
  return ct;
}

static size_t panel_size(uint32_t block_length, size_t k_pad) {
  size_t p = HGQ_SEARCH_PANEL_BYTES / (sizeof(float) * block_length);
  p = p / 64u * 64u;
  if (p < 64u)
    p = 64u;
  return p < k_pad ? p : k_pad;
}

/* ------------------------------------------------------ AVX-512 kernel */

#define AVX512_TARGET __attribute__((target("avx512f,avx2,fma")))

/* Per-lane running state of one block: lane l has seen codewords
 * l, l + 16, ... of the panels so far. */
typedef struct avx512_state {
  __m512 abs_best;
  __m512 val_best;
  __m512i idx_best;
} avx512_state;

/* Folds one vector of scores (codewords base .. base + 15) into a state. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512_update(avx512_state *s, __m512 acc, uint32_t base) {
  const __m512i lane =
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512 a = _mm512_abs_ps(acc);
  __mmask16 k = _mm512_cmp_ps_mask(a, s->abs_best, _CMP_GT_OQ);
  s->abs_best = _mm512_mask_mov_ps(s->abs_best, k, a);
  s->val_best = _mm512_mask_mov_ps(s->val_best, k, acc);
  s->idx_best = _mm512_mask_mov_epi32(
      s->idx_best, k, _mm512_add_epi32(lane, _mm512_set1_epi32((int)base)));
}

/* Across lanes: the largest |score|, then the lowest index holding it. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512_finish(const avx512_state *s, uint32_t codebook_size, uint32_t *index,
              float *projection) {
  float best = _mm512_reduce_max_ps(s->abs_best);
  __mmask16 k =
      _mm512_cmp_ps_mask(s->abs_best, _mm512_set1_ps(best), _CMP_EQ_OQ);
  uint32_t idx = (uint32_t)_mm512_mask_reduce_min_epu32(k, s->idx_best);
  __mmask16 w =
      _mm512_mask_cmpeq_epi32_mask(k, s->idx_best, _mm512_set1_epi32((int)idx));
  float val = _mm512_cvtss_f32(_mm512_maskz_compress_ps(w, s->val_best));
  if (idx >= codebook_size || k == 0) { /* every score NaN */
    idx = 0;
    val = 0.0f;
  }
  *index = idx;
  *projection = val;
}

/* R blocks (rows x, stride L) against the panel's codewords [0, p) of C^T
 * (row stride k_pad), codeword numbers starting at base. R, V compile-time. */
#define AVX512_KERNEL(R, V)                                                   \
  static inline __attribute__((always_inline))                                \
  AVX512_TARGET void avx512_kernel_##R##x##V(                                 \
      const float *ct, size_t k_pad, uint32_t block_length, const float *x,   \
      avx512_state *st, uint32_t base, const int track_value) {               \
    __m512 acc[R][V];                                                         \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)                       \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =       \
            _mm512_setzero_ps();                                              \
    for (uint32_t j = 0; j < block_length; ++j) {                             \
      const float *row = ct + (size_t)j * k_pad;                              \
      __m512 c[V];                                                            \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) c[v] =              \
          _mm512_load_ps(row + 16 * v);                                       \
      _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                   \
        __m512 b = _mm512_set1_ps(x[(size_t)r * block_length + j]);           \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =       \
            _mm512_fmadd_ps(b, c[v], acc[r][v]);                              \
      }                                                                       \
    }                                                                         \
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,  \
                                           11, 12, 13, 14, 15);               \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                     \
      __m512 ab = st[r].abs_best, vb = st[r].val_best;                        \
      __m512i ib = st[r].idx_best;                                            \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) {                   \
        __m512 a = _mm512_abs_ps(acc[r][v]);                                  \
        __mmask16 k = _mm512_cmp_ps_mask(a, ab, _CMP_GT_OQ);                  \
        /* max(a, ab) keeps ab when a is NaN, as the compare does. */         \
        ab = _mm512_max_ps(a, ab);                                            \
        if (track_value)                                                      \
          vb = _mm512_mask_mov_ps(vb, k, acc[r][v]);                          \
        ib = _mm512_mask_mov_epi32(                                           \
            ib, k,                                                            \
            _mm512_add_epi32(lane, _mm512_set1_epi32((int)(base + 16 * v)))); \
      }                                                                       \
      st[r].abs_best = ab;                                                    \
      st[r].val_best = vb;                                                    \
      st[r].idx_best = ib;                                                    \
    }                                                                         \
  }

AVX512_KERNEL(4, 4)
AVX512_KERNEL(4, 1)
AVX512_KERNEL(1, 4)
AVX512_KERNEL(1, 1)

AVX512_TARGET static void search_avx512(const float *codebook, const float *ct,
                                        size_t k_pad, uint32_t codebook_size,
                                        uint32_t block_length,
                                        const float *blocks, size_t block_count,
                                        uint32_t *indices, float *projections) {
  avx512_state st[HGQ_SEARCH_TILE];
  const size_t panel = panel_size(block_length, k_pad);
  /* Large codebooks: one masked move less per score vector, and the
   * winner's score recomputed once per block (the same FMA chain, so the
   * same bits); small ones keep the signed score (cheaper than the chain). */
  const int track = k_pad < HGQ_SEARCH_RECOMPUTE_K;
  for (size_t m0 = 0; m0 < block_count; m0 += HGQ_SEARCH_TILE) {
    size_t t = block_count - m0;
    if (t > HGQ_SEARCH_TILE)
      t = HGQ_SEARCH_TILE;
    const float *xt = blocks + m0 * block_length;
    for (size_t r = 0; r < t; ++r) {
      st[r].abs_best = _mm512_set1_ps(-1.0f);
      st[r].val_best = _mm512_setzero_ps();
      st[r].idx_best = _mm512_setzero_si512();
    }
    for (size_t p0 = 0; p0 < k_pad; p0 += panel) {
      size_t p = k_pad - p0;
      if (p > panel)
        p = panel;
      size_t r = 0;
      for (; r + 4 <= t; r += 4) {
        const float *x = xt + r * block_length;
        size_t v = 0;
        for (; v + 64 <= p; v += 64)
          avx512_kernel_4x4(ct + chunk_offset(p0 + v, block_length),
                            chunk_width(p0 + v, k_pad), block_length, x, st + r,
                            (uint32_t)(p0 + v), track);
        for (; v < p; v += 16)
          avx512_kernel_4x1(ct + chunk_offset(p0 + v, block_length),
                            chunk_width(p0 + v, k_pad), block_length, x, st + r,
                            (uint32_t)(p0 + v), track);
      }
      for (; r < t; ++r) {
        const float *x = xt + r * block_length;
        size_t v = 0;
        for (; v + 64 <= p; v += 64)
          avx512_kernel_1x4(ct + chunk_offset(p0 + v, block_length),
                            chunk_width(p0 + v, k_pad), block_length, x, st + r,
                            (uint32_t)(p0 + v), track);
        for (; v < p; v += 16)
          avx512_kernel_1x1(ct + chunk_offset(p0 + v, block_length),
                            chunk_width(p0 + v, k_pad), block_length, x, st + r,
                            (uint32_t)(p0 + v), track);
      }
    }
    /* Across lanes: the largest |score|, then the lowest index holding it. */
    for (size_t r = 0; r < t; ++r) {
      float best = _mm512_reduce_max_ps(st[r].abs_best);
      __mmask16 k =
          _mm512_cmp_ps_mask(st[r].abs_best, _mm512_set1_ps(best), _CMP_EQ_OQ);
      uint32_t idx = (uint32_t)_mm512_mask_reduce_min_epu32(k, st[r].idx_best);
      float val = 0.0f;
      if (idx >= codebook_size || k == 0 || !(best >= 0.0f)) {
        idx = 0; /* every score NaN */
      } else if (track) {
        __mmask16 w = _mm512_mask_cmpeq_epi32_mask(k, st[r].idx_best,
                                                   _mm512_set1_epi32((int)idx));
        val = _mm512_cvtss_f32(_mm512_maskz_compress_ps(w, st[r].val_best));
      } else {
        const float *x = xt + r * block_length;
        const float *c = codebook + (size_t)idx * block_length;
        __m128 acc = _mm_setzero_ps();
        for (uint32_t j = 0; j < block_length; ++j)
          acc = _mm_fmadd_ss(_mm_set_ss(x[j]), _mm_set_ss(c[j]), acc);
        val = _mm_cvtss_f32(acc);
      }
      indices[m0 + r] = idx;
      projections[m0 + r] = val;
    }
  }
}

#if HGQ_SEARCH_BF16
/* ----------------------------------------------- AVX-512 BF16 screen */

/*
 * Two passes per tile of blocks. Pass 1 computes approximate scores a_i with
 * bf16 inputs (VDPBF16PS: 2 products per lane and instruction, about twice
 * the multiply rate of fp32 FMA) and stores them; pass 2 computes the exact
 * score chain s_i (the same FMA chain as every other path) only for the
 * vectors of 16 codewords that hold a candidate, |a_i| >= max_k |a_k| - 2e.
 *
 * Why this is exact. bf16 rounding (to nearest) moves each input by at most
 * 2^-9 relative, so each product by 2^-8 + 2^-18; the fp32 accumulation adds
 * (L + 1) 2^-24 and flushed denormals at most L 2^-125 in all. The exact
 * chain itself is within L 2^-24 sum_j |c_j x_j| of c . x. With
 * sum_j |c_j x_j| <= ||c|| ||x|| (Cauchy-Schwarz), the total relative term
 * 2^-8 + 2^-18 + (2L + 1) 2^-24 (1 + 2^-8) is below 1.0625 2^-8 for
 * L <= 1024 and below 2^-7 for L < 2^14, so
 *   |a_i - s_i| <= e = eps_L ||x|| max_k ||c_k|| + 2^-100
 * with eps_L = 1.0625 2^-8 (L <= 1024) or 2^-7. ||x|| is summed in double
 * (squares of floats neither underflow nor overflow there).
 * If i* maximises |s|, then |a_i*| >= |s_i*| - e and every |a_k| <= |s_i*|
 * + e, so |a_i*| >= max_k |a_k| - 2e: i* and every codeword tied with it
 * are candidates, and the exact pass over the candidate vectors (in index
 * order, the same strict-greater running argmax) returns exactly what the
 * full fp32 search returns. A non-finite threshold falls back to scoring
 * every vector exactly.
 */
#define BF16_TARGET __attribute__((target("avx512f,avx512bf16,fma")))

/* float -> bf16, round to nearest even (inputs are finite here). */
static inline uint32_t bf16_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return u >> 16;
}

/* C^T in bf16 pairs, packed as the fp32 C^T with `pairs` rows: pair row t
 * of codeword i holds (c_{i,2t}, c_{i,2t+1}), low half first; zero for
 * i >= K and for an odd L's last high half. Returns max_i ||c_i||_2 (rounded
 * up a little), or -1 if not finite. */
static double transpose_codebook_bf16(const float *codebook,
                                      uint32_t codebook_size,
                                      uint32_t block_length, size_t k_pad,
                                      uint32_t *ct2) {
  size_t pairs = ((size_t)block_length + 1) / 2;
  for (size_t i = 0; i < k_pad; ++i) {
    uint32_t *col = ct2 + chunk_offset(i, pairs);
    size_t w = chunk_width(i, k_pad);
    const float *c = codebook + i * block_length;
    for (size_t t = 0; t < pairs; ++t) {
      size_t j = 2 * t;
      uint32_t lo = 0u, hi = 0u;
      if (i < codebook_size) {
        lo = bf16_bits(c[j]);
        hi = j + 1 < block_length ? bf16_bits(c[j + 1]) : 0u;
      }
      col[t * w] = lo | (hi << 16);
    }
  }
  double cmax = 0.0;
  for (uint32_t i = 0; i < codebook_size; ++i) {
    const float *c = codebook + (size_t)i * block_length;
    double n2 = 0.0;
    for (uint32_t j = 0; j < block_length; ++j)
      n2 += (double)c[j] * c[j];
    if (n2 > cmax)
      cmax = n2;
  }
  cmax = sqrt(cmax) * (1.0 + 1e-6);
  return isfinite(cmax) ? cmax : -1.0;
}

/* Pass 1 for R blocks (bf16 pairs xp, stride `pairs`) and V vectors of
 * codewords: approximate scores into s (row stride k_pad), and the running
 * per-lane max |a| into amax. */
#define BF16_KERNEL(R, V)                                                  \
  static inline __attribute__((always_inline))                             \
  BF16_TARGET void bf16_kernel_##R##x##V(                                  \
      const uint32_t *ct2, size_t k_pad, size_t pairs, const uint32_t *xp, \
      float *s, size_t s_stride, __m512 *amax) {                           \
    __m512 acc[R][V];                                                      \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)                    \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =    \
            _mm512_setzero_ps();                                           \
    for (size_t t = 0; t < pairs; ++t) {                                   \
      const uint32_t *row = ct2 + t * k_pad;                               \
      __m512bh c[V];                                                       \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) c[v] =           \
          (__m512bh)_mm512_load_si512((const void *)(row + 16 * v));       \
      _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                \
        __m512bh b =                                                       \
            (__m512bh)_mm512_set1_epi32((int)xp[(size_t)r * pairs + t]);   \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =    \
            _mm512_dpbf16_ps(acc[r][v], b, c[v]);                          \
      }                                                                    \
    }                                                                      \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                  \
      __m512 m = amax[r];                                                  \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) {                \
        _mm512_store_ps(s + (size_t)r * s_stride + 16 * v, acc[r][v]);     \
        m = _mm512_max_ps(m, _mm512_abs_ps(acc[r][v]));                    \
      }                                                                    \
      amax[r] = m;                                                         \
    }                                                                      \
  }

BF16_KERNEL(4, 4)
BF16_KERNEL(4, 1)
BF16_KERNEL(1, 4)
BF16_KERNEL(1, 1)

/* Appends to cand the numbers (base + v) of the score vectors with a lane
 * |a| >= thr; returns the new count. Candidates are rare: four vectors are
 * tested together and skipped with one branch. */
static inline __attribute__((always_inline)) BF16_TARGET size_t
bf16_scan(const float *srow, size_t vectors, __m512 thr_v, uint32_t base,
          uint32_t *cand, size_t count) {
  size_t v = 0;
  for (; v + 4 <= vectors; v += 4) {
    __mmask16 m0 = _mm512_cmp_ps_mask(
        _mm512_abs_ps(_mm512_load_ps(srow + 16 * v)), thr_v, _CMP_GE_OQ);
    __mmask16 m1 = _mm512_cmp_ps_mask(
        _mm512_abs_ps(_mm512_load_ps(srow + 16 * v + 16)), thr_v, _CMP_GE_OQ);
    __mmask16 m2 = _mm512_cmp_ps_mask(
        _mm512_abs_ps(_mm512_load_ps(srow + 16 * v + 32)), thr_v, _CMP_GE_OQ);
    __mmask16 m3 = _mm512_cmp_ps_mask(
        _mm512_abs_ps(_mm512_load_ps(srow + 16 * v + 48)), thr_v, _CMP_GE_OQ);
    if ((m0 | m1 | m2 | m3) == 0)
      continue;
    cand[count] = base + (uint32_t)v;
    count += m0 != 0;
    cand[count] = base + (uint32_t)v + 1;
    count += m1 != 0;
    cand[count] = base + (uint32_t)v + 2;
    count += m2 != 0;
    cand[count] = base + (uint32_t)v + 3;
    count += m3 != 0;
  }
  for (; v < vectors; ++v) {
    __mmask16 m = _mm512_cmp_ps_mask(
        _mm512_abs_ps(_mm512_load_ps(srow + 16 * v)), thr_v, _CMP_GE_OQ);
    cand[count] = base + (uint32_t)v;
    count += m != 0;
  }
  return count;
}

BF16_TARGET static void
search_avx512_bf16(const float *ct, const uint32_t *ct2, double cmax,
                   float *scores, uint32_t *xp, uint32_t *cand, size_t k_pad,
                   uint32_t codebook_size, uint32_t block_length,
                   const float *blocks, size_t block_count, uint32_t *indices,
                   float *projections) {
  const size_t pairs = ((size_t)block_length + 1) / 2;
  size_t panel = HGQ_SEARCH_PANEL_BYTES / (sizeof(uint32_t) * pairs);
  panel = panel / 64u * 64u;
  if (panel < 64u)
    panel = 64u;
  if (panel > k_pad)
    panel = k_pad;
  __m512 amax[HGQ_SEARCH_BF16_TILE];
  avx512_state st[HGQ_SEARCH_BF16_TILE];
  const size_t vectors = k_pad / 16;
  const double eps = block_length <= 1024u ? 1.0625 * 0x1p-8 : 0x1p-7;

  for (size_t m0 = 0; m0 < block_count; m0 += HGQ_SEARCH_BF16_TILE) {
    size_t t = block_count - m0;
    if (t > HGQ_SEARCH_BF16_TILE)
      t = HGQ_SEARCH_BF16_TILE;
    const float *xt = blocks + m0 * block_length;
    /* The tile's blocks as bf16 pairs (zero high half past an odd L). */
    for (size_t r = 0; r < t; ++r) {
      const float *x = xt + r * block_length;
      for (size_t q = 0; q < pairs; ++q) {
        size_t j = 2 * q;
        uint32_t lo = bf16_bits(x[j]);
        uint32_t hi = j + 1 < block_length ? bf16_bits(x[j + 1]) : 0u;
        xp[r * pairs + q] = lo | (hi << 16);
      }
      amax[r] = _mm512_setzero_ps();
    }
    /* Pass 1: approximate scores of the whole tile. */
    for (size_t p0 = 0; p0 < k_pad; p0 += panel) {
      size_t p = k_pad - p0;
      if (p > panel)
        p = panel;
      size_t r = 0;
      for (; r + 4 <= t; r += 4) {
        size_t v = 0;
        for (; v + 64 <= p; v += 64)
          bf16_kernel_4x4(ct2 + chunk_offset(p0 + v, pairs),
                          chunk_width(p0 + v, k_pad), pairs, xp + r * pairs,
                          scores + r * k_pad + p0 + v, k_pad, amax + r);
        for (; v < p; v += 16)
          bf16_kernel_4x1(ct2 + chunk_offset(p0 + v, pairs),
                          chunk_width(p0 + v, k_pad), pairs, xp + r * pairs,
                          scores + r * k_pad + p0 + v, k_pad, amax + r);
      }
      for (; r < t; ++r) {
        size_t v = 0;
        for (; v + 64 <= p; v += 64)
          bf16_kernel_1x4(ct2 + chunk_offset(p0 + v, pairs),
                          chunk_width(p0 + v, k_pad), pairs, xp + r * pairs,
                          scores + r * k_pad + p0 + v, k_pad, amax + r);
        for (; v < p; v += 16)
          bf16_kernel_1x1(ct2 + chunk_offset(p0 + v, pairs),
                          chunk_width(p0 + v, k_pad), pairs, xp + r * pairs,
                          scores + r * k_pad + p0 + v, k_pad, amax + r);
      }
    }
    /* Pass 2a: the candidate vectors, block by block in codeword order. */
    size_t candidates = 0;
    for (size_t r = 0; r < t; ++r) {
      const float *x = xt + r * block_length;
      __m512d sq = _mm512_setzero_pd();
      for (uint32_t j = 0; j < block_length; j += 16) {
        uint32_t left = block_length - j;
        __mmask16 m =
            left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(m, x + j);
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
        __m512d hi = _mm512_cvtps_pd(
            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
        sq = _mm512_fmadd_pd(lo, lo, sq);
        sq = _mm512_fmadd_pd(hi, hi, sq);
      }
      /* Summation error in double is far below the margin of eps_L. */
      double xn = sqrt(_mm512_reduce_add_pd(sq));
      double e = eps * xn * cmax + 0x1p-100;
      double thr = (double)_mm512_reduce_max_ps(amax[r]) - 2.0 * e;
      /* Widened a little so that rounding to float never narrows it. */
      thr -= fabs(thr) * 0x1p-20;
      /* Near the float range bf16 rounding or the products may overflow
       * (and inf - inf is NaN, which a max ignores): score every vector
       * exactly there, as for a non-finite threshold. */
      if (!isfinite(thr) ||
          !(xn <= 0x1p120 && cmax <= 0x1p120 && xn * cmax <= 0x1p120))
        thr = -INFINITY;
      const __m512 thr_v = _mm512_set1_ps((float)thr);
      candidates = bf16_scan(scores + r * k_pad, vectors, thr_v,
                             (uint32_t)(r * vectors), cand, candidates);
      st[r].abs_best = _mm512_set1_ps(-1.0f);
      st[r].val_best = _mm512_setzero_ps();
      st[r].idx_best = _mm512_setzero_si512();
    }
    /* Pass 2b: exact FMA chains, four independent ones at a time (one chain
     * alone waits on the FMA latency), applied in list order. */
    size_t q = 0;
    for (; q + 4 <= candidates; q += 4) {
      const float *xs[4], *cs[4];
      size_t ws[4], rs[4], vs[4];
      __m512 acc[4];
      for (int u = 0; u < 4; ++u) {
        rs[u] = cand[q + u] / vectors;
        vs[u] = (cand[q + u] % vectors) * 16;
        xs[u] = xt + rs[u] * block_length;
        cs[u] = ct + chunk_offset(vs[u], block_length);
        ws[u] = chunk_width(vs[u], k_pad);
        acc[u] = _mm512_setzero_ps();
      }
      for (uint32_t j = 0; j < block_length; ++j) {
        _Pragma("GCC unroll 4") for (int u = 0; u < 4; ++u) acc[u] =
            _mm512_fmadd_ps(_mm512_set1_ps(xs[u][j]),
                            _mm512_load_ps(cs[u] + (size_t)j * ws[u]), acc[u]);
      }
      for (int u = 0; u < 4; ++u)
        avx512_update(&st[rs[u]], acc[u], (uint32_t)vs[u]);
    }
    for (; q < candidates; ++q) {
      size_t r = cand[q] / vectors, v = (cand[q] % vectors) * 16;
      const float *x = xt + r * block_length;
      const float *cv = ct + chunk_offset(v, block_length);
      const size_t w = chunk_width(v, k_pad);
      __m512 acc = _mm512_setzero_ps();
      for (uint32_t j = 0; j < block_length; ++j)
        acc = _mm512_fmadd_ps(_mm512_set1_ps(x[j]),
                              _mm512_load_ps(cv + (size_t)j * w), acc);
      avx512_update(&st[r], acc, (uint32_t)v);
    }
    for (size_t r = 0; r < t; ++r)
      avx512_finish(&st[r], codebook_size, &indices[m0 + r],
                    &projections[m0 + r]);
  }
}

#endif /* HGQ_SEARCH_BF16 */

/* --------------------------------------------------------- AVX2 kernel */

#define AVX2_TARGET __attribute__((target("avx2,fma")))

typedef struct avx2_state {
  __m256 abs_best;
  __m256 val_best;
  __m256i idx_best;
} avx2_state;

/* Same as the AVX-512 kernel with 8 lanes and 16 registers. */
#define AVX2_KERNEL(R, V)                                                   \
  static inline __attribute__((always_inline))                              \
  AVX2_TARGET void avx2_kernel_##R##x##V(                                   \
      const float *ct, size_t k_pad, uint32_t block_length, const float *x, \
      avx2_state *st, uint32_t base) {                                      \
    const __m256 sign = _mm256_set1_ps(-0.0f);                              \
    __m256 acc[R][V];                                                       \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)                     \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =     \
            _mm256_setzero_ps();                                            \
    for (uint32_t j = 0; j < block_length; ++j) {                           \
      const float *row = ct + (size_t)j * k_pad;                            \
      __m256 c[V];                                                          \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) c[v] =            \
          _mm256_load_ps(row + 8 * v);                                      \
      _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                 \
        __m256 b = _mm256_broadcast_ss(x + (size_t)r * block_length + j);   \
        _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) acc[r][v] =     \
            _mm256_fmadd_ps(b, c[v], acc[r][v]);                            \
      }                                                                     \
    }                                                                       \
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);         \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {                   \
      __m256 ab = st[r].abs_best, vb = st[r].val_best;                      \
      __m256 ib = _mm256_castsi256_ps(st[r].idx_best);                      \
      _Pragma("GCC unroll 8") for (int v = 0; v < V; ++v) {                 \
        __m256 a = _mm256_andnot_ps(sign, acc[r][v]);                       \
        __m256 k = _mm256_cmp_ps(a, ab, _CMP_GT_OQ);                        \
        ab = _mm256_blendv_ps(ab, a, k);                                    \
        vb = _mm256_blendv_ps(vb, acc[r][v], k);                            \
        ib = _mm256_blendv_ps(                                              \
            ib,                                                             \
            _mm256_castsi256_ps(_mm256_add_epi32(                           \
                lane, _mm256_set1_epi32((int)(base + 8 * v)))),             \
            k);                                                             \
      }                                                                     \
      st[r].abs_best = ab;                                                  \
      st[r].val_best = vb;                                                  \
      st[r].idx_best = _mm256_castps_si256(ib);                             \
    }                                                                       \
  }

AVX2_KERNEL(4, 2)
AVX2_KERNEL(4, 1)
AVX2_KERNEL(1, 2)
AVX2_KERNEL(1, 1)

AVX2_TARGET static void search_avx2(const float *ct, size_t k_pad,
                                    uint32_t codebook_size,
                                    uint32_t block_length, const float *blocks,
                                    size_t block_count, uint32_t *indices,
                                    float *projections) {
  avx2_state st[HGQ_SEARCH_TILE];
  const size_t panel = panel_size(block_length, k_pad);
  for (size_t m0 = 0; m0 < block_count; m0 += HGQ_SEARCH_TILE) {
    size_t t = block_count - m0;
    if (t > HGQ_SEARCH_TILE)
      t = HGQ_SEARCH_TILE;
    const float *xt = blocks + m0 * block_length;
    for (size_t r = 0; r < t; ++r) {
      st[r].abs_best = _mm256_set1_ps(-1.0f);
      st[r].val_best = _mm256_setzero_ps();
      st[r].idx_best = _mm256_setzero_si256();
    }
    for (size_t p0 = 0; p0 < k_pad; p0 += panel) {
      size_t p = k_pad - p0;
      if (p > panel)
        p = panel;
      size_t r = 0;
      for (; r + 4 <= t; r += 4) {
        const float *x = xt + r * block_length;
        size_t v = 0;
        for (; v + 16 <= p; v += 16)
          avx2_kernel_4x2(ct + chunk_offset(p0 + v, block_length),
                          chunk_width(p0 + v, k_pad), block_length, x, st + r,
                          (uint32_t)(p0 + v));
        for (; v < p; v += 8)
          avx2_kernel_4x1(ct + chunk_offset(p0 + v, block_length),
                          chunk_width(p0 + v, k_pad), block_length, x, st + r,
                          (uint32_t)(p0 + v));
      }
      for (; r < t; ++r) {
        const float *x = xt + r * block_length;
        size_t v = 0;
        for (; v + 16 <= p; v += 16)
          avx2_kernel_1x2(ct + chunk_offset(p0 + v, block_length),
                          chunk_width(p0 + v, k_pad), block_length, x, st + r,
                          (uint32_t)(p0 + v));
        for (; v < p; v += 8)
          avx2_kernel_1x1(ct + chunk_offset(p0 + v, block_length),
                          chunk_width(p0 + v, k_pad), block_length, x, st + r,
                          (uint32_t)(p0 + v));
      }
    }
    for (size_t r = 0; r < t; ++r) {
      float ab[8], vb[8];
      uint32_t ib[8];
      _mm256_storeu_ps(ab, st[r].abs_best);
      _mm256_storeu_ps(vb, st[r].val_best);
      _mm256_storeu_si256((__m256i *)ib, st[r].idx_best);
      float best = ab[0];
      for (int l = 1; l < 8; ++l)
        best = ab[l] > best ? ab[l] : best;
      uint32_t idx = UINT32_MAX;
      float val = 0.0f;
      for (int l = 0; l < 8; ++l)
        if (ab[l] == best && ib[l] < idx) {
          idx = ib[l];
          val = vb[l];
        }
      if (idx >= codebook_size) { /* every score NaN */
        idx = 0;
        val = 0.0f;
      }
      indices[m0 + r] = idx;
      projections[m0 + r] = val;
    }
  }
}
#endif /* HGQ_SEARCH_X86 */

/* ------------------------------------------------------------- dispatch */

int hgq_codeword_search_isa_supported(hgq_search_isa isa) {
  switch (isa) {
  case HGQ_SEARCH_ISA_AUTO:
  case HGQ_SEARCH_ISA_PORTABLE:
    return 1;
#if HGQ_SEARCH_X86
  case HGQ_SEARCH_ISA_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case HGQ_SEARCH_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  case HGQ_SEARCH_ISA_AVX512_BF16:
#if HGQ_SEARCH_BF16
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bf16") &&
           __builtin_cpu_supports("fma");
#else
    return 0;
#endif
#endif
  default:
    return 0;
  }
}

static hgq_search_isa resolve_isa(hgq_search_isa isa) {
  if (isa != HGQ_SEARCH_ISA_AUTO)
    return isa;
  if (hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AVX512_BF16))
    return HGQ_SEARCH_ISA_AVX512_BF16;
  if (hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AVX512))
    return HGQ_SEARCH_ISA_AVX512;
  if (hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AVX2))
    return HGQ_SEARCH_ISA_AVX2;
  return HGQ_SEARCH_ISA_PORTABLE;
}

const char *hgq_codeword_search_isa_name(hgq_search_isa isa) {
  switch (resolve_isa(isa)) {
  case HGQ_SEARCH_ISA_PORTABLE:
    return "portable";
  case HGQ_SEARCH_ISA_AVX2:
    return "avx2";
  case HGQ_SEARCH_ISA_AVX512:
    return "avx512";
  case HGQ_SEARCH_ISA_AVX512_BF16:
    return "avx512-bf16";
  default:
    return "unknown";
  }
}

int hgq_codeword_search_isa(hgq_search_isa isa, const float *codebook,
                            uint32_t codebook_size, uint32_t block_length,
                            const float *blocks, size_t block_count,
                            uint32_t *indices, float *projections,
                            float *scratch) {
  isa = resolve_isa(isa);
  if (!hgq_codeword_search_isa_supported(isa))
    return -1;
  if (block_count == 0)
    return 0;
  if (codebook_size == 0 || block_length == 0) {
    /* Nothing to choose from, or every score is 0: index 0, projection 0. */
    memset(indices, 0, block_count * sizeof *indices);
    memset(projections, 0, block_count * sizeof *projections);
    return 0;
  }
#if HGQ_SEARCH_X86
  if (isa == HGQ_SEARCH_ISA_AVX512_BF16 || isa == HGQ_SEARCH_ISA_AVX512 ||
      isa == HGQ_SEARCH_ISA_AVX2) {
    size_t k_pad = padded_size(codebook_size);
    const float *ct = transpose_codebook(codebook, codebook_size, block_length,
                                         k_pad, scratch);
#if HGQ_SEARCH_BF16
    if (isa == HGQ_SEARCH_ISA_AVX512_BF16) {
      /* Small codebooks or long blocks: the plain fp32 kernel is faster
       * (and gives the same bits). */
      if (!bf16_worth_it(codebook_size, block_length))
        isa = HGQ_SEARCH_ISA_AVX512;
    }
    if (isa == HGQ_SEARCH_ISA_AVX512_BF16) {
      size_t pairs = ((size_t)block_length + 1) / 2;
      uint32_t *ct2 =
          (uint32_t *)align64((float *)ct + (size_t)block_length * k_pad);
      float *scores = align64((float *)(ct2 + pairs * k_pad));
      uint32_t *xp = (uint32_t *)align64(scores + HGQ_SEARCH_BF16_TILE * k_pad);
      uint32_t *cand = (uint32_t *)align64(
          (float *)(xp + (size_t)HGQ_SEARCH_BF16_TILE * pairs));
      double cmax = transpose_codebook_bf16(codebook, codebook_size,
                                            block_length, k_pad, ct2);
      if (cmax >= 0.0) {
        search_avx512_bf16(ct, ct2, cmax, scores, xp, cand, k_pad,
                           codebook_size, block_length, blocks, block_count,
                           indices, projections);
        return 0;
      }
      isa = HGQ_SEARCH_ISA_AVX512;
    }
#endif
    if (isa == HGQ_SEARCH_ISA_AVX512)
      search_avx512(codebook, ct, k_pad, codebook_size, block_length, blocks,
                    block_count, indices, projections);
    else
      search_avx2(ct, k_pad, codebook_size, block_length, blocks, block_count,
                  indices, projections);
    return 0;
  }
#endif
  (void)scratch;
  search_portable(codebook, codebook_size, block_length, blocks, block_count,
                  indices, projections);
  return 0;
}

void hgq_codeword_search(const float *codebook, uint32_t codebook_size,
                         uint32_t block_length, const float *blocks,
                         size_t block_count, uint32_t *indices,
                         float *projections, float *scratch) {
  (void)hgq_codeword_search_isa(HGQ_SEARCH_ISA_AUTO, codebook, codebook_size,
                                block_length, blocks, block_count, indices,
                                projections, scratch);
}
