/*
 * Codeword search (model/hgq/search.h): the fast search against the plain
 * reference and against double-precision truth, on random codebooks and
 * blocks of many shapes (K = 1, L = 1, block counts that are not a multiple
 * of the kernel's register block or tile), plus exact ties, zero blocks and
 * buffer guards.
 *
 * What "correct" means (search.c): every instruction-set variant computes
 * the same fused multiply-add chain, so variants must agree bit for bit. The
 * reference rounds products and sums separately; the two may pick different
 * indices only on near-ties, i.e. when the true |scores| of the two choices
 * differ by less than the rounding bound of the two dot products
 * (Higham: |fl(c.x) - c.x| <= gamma_L sum_j |c_j x_j|, gamma_L ~ L u).
 */
#include "search.h"
#include "test-util.h"

#include <float.h>

#define GUARD_FLOATS 64
#define GUARD_VALUE  12345.0f

/* AUTO last: check_case compares hgq_codeword_search against it. */
static const hgq_search_isa all_isas[] = {
    HGQ_SEARCH_ISA_PORTABLE, HGQ_SEARCH_ISA_AVX2, HGQ_SEARCH_ISA_AVX512,
    HGQ_SEARCH_ISA_AVX512_BF16, HGQ_SEARCH_ISA_AUTO};
#define ISA_COUNT (sizeof all_isas / sizeof all_isas[0])

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "test-search: out of memory\n");
    exit(2);
  }
  return p;
}

/* Unit-norm rows: the codebooks the quantizer uses are unit vectors. */
static void fill_codebook(float *c, uint32_t k, uint32_t l, uint64_t *state) {
  for (uint32_t i = 0; i < k; ++i) {
    float *row = c + (size_t)i * l;
    double norm = 0.0;
    do {
      test_fill_gaussian(row, l, state);
      norm = 0.0;
      for (uint32_t j = 0; j < l; ++j)
        norm += (double)row[j] * row[j];
    } while (norm == 0.0);
    for (uint32_t j = 0; j < l; ++j)
      row[j] = (float)(row[j] / sqrt(norm));
  }
}

/* The defined score: fma chain over increasing j. */
static float fma_score(const float *c, const float *x, uint32_t l) {
  float s = 0.0f;
  for (uint32_t j = 0; j < l; ++j)
    s = fmaf(x[j], c[j], s);
  return s;
}

/* Exact-ish score (double) and its rounding bound for a float dot product. */
static void true_score(const float *c, const float *x, uint32_t l,
                       double *score, double *bound) {
  double s = 0.0, e = 0.0;
  for (uint32_t j = 0; j < l; ++j) {
    s += (double)c[j] * x[j];
    e += fabs((double)c[j] * x[j]);
  }
  *score = s;
  /* (L + 1) u sum |terms|, plus a denormal floor. */
  *bound = (double)(l + 1) * (FLT_EPSILON / 2) * e + 1e-37;
}

typedef struct outputs {
  uint32_t *indices; /* n + GUARD_FLOATS, guards after n */
  float *projections;
} outputs;

/* Runs every supported variant on (c, x) and checks them; returns the number
 * of reference mismatches (near-ties) seen. */
static size_t check_case(const float *c, uint32_t k, uint32_t l, const float *x,
                         size_t n, int expect_exact_reference,
                         const char *what) {
  size_t scratch_n = hgq_codeword_search_scratch_floats(k, l);
  /* +1 float of offset: scratch need not be 64-byte aligned. */
  float *scratch_base = xmalloc((scratch_n + 1 + GUARD_FLOATS) * sizeof(float));
  float *scratch = scratch_base + 1;
  uint32_t *ref_idx = xmalloc((n + 1) * sizeof(uint32_t));
  float *ref_proj = xmalloc((n + 1) * sizeof(float));
  outputs out[ISA_COUNT];
  int ran[ISA_COUNT];

  hgq_codeword_search_reference(c, k, l, x, n, ref_idx, ref_proj);

  for (size_t v = 0; v < ISA_COUNT; ++v) {
    out[v].indices = xmalloc((n + GUARD_FLOATS) * sizeof(uint32_t));
    out[v].projections = xmalloc((n + GUARD_FLOATS) * sizeof(float));
    for (size_t i = 0; i < n + GUARD_FLOATS; ++i) {
      out[v].indices[i] = 0xdeadbeefu;
      out[v].projections[i] = GUARD_VALUE;
    }
    for (size_t i = 0; i < scratch_n + GUARD_FLOATS; ++i)
      scratch[i] = GUARD_VALUE;
    int supported = hgq_codeword_search_isa_supported(all_isas[v]);
    int rc = hgq_codeword_search_isa(all_isas[v], c, k, l, x, n, out[v].indices,
                                     out[v].projections, scratch);
    ran[v] = supported;
    CHECK(rc == (supported ? 0 : -1), "%s K=%u L=%u n=%zu isa %s: rc %d", what,
          k, l, n, hgq_codeword_search_isa_name(all_isas[v]), rc);
    for (size_t i = 0; i < GUARD_FLOATS; ++i) {
      CHECK(out[v].indices[n + i] == 0xdeadbeefu &&
                out[v].projections[n + i] == GUARD_VALUE,
            "%s K=%u L=%u n=%zu: wrote past the outputs", what, k, l, n);
      CHECK(scratch[scratch_n + i] == GUARD_VALUE,
            "%s K=%u L=%u n=%zu: wrote past the scratch space", what, k, l, n);
    }
  }

  /* The public entry point equals AUTO. */
  {
    uint32_t *idx = xmalloc((n + 1) * sizeof(uint32_t));
    float *proj = xmalloc((n + 1) * sizeof(float));
    hgq_codeword_search(c, k, l, x, n, idx, proj, scratch);
    size_t auto_v = ISA_COUNT - 1;
    for (size_t m = 0; m < n; ++m)
      CHECK(idx[m] == out[auto_v].indices[m] &&
                memcmp(&proj[m], &out[auto_v].projections[m], sizeof(float)) ==
                    0,
            "%s K=%u L=%u: hgq_codeword_search differs from AUTO at %zu", what,
            k, l, m);
    free(idx);
    free(proj);
  }

  size_t mismatches = 0;
  for (size_t m = 0; m < n; ++m) {
    const float *xm = x + m * l;
    uint32_t fi = out[0].indices[m]; /* portable: always supported */
    float fp = out[0].projections[m];
    /* Variants agree bit for bit. */
    for (size_t v = 1; v < ISA_COUNT; ++v) {
      if (!ran[v])
        continue;
      CHECK(out[v].indices[m] == fi &&
                memcmp(&out[v].projections[m], &fp, sizeof(float)) == 0,
            "%s K=%u L=%u n=%zu block %zu: %s gives (%u, %a), portable (%u, "
            "%a)",
            what, k, l, n, m, hgq_codeword_search_isa_name(all_isas[v]),
            out[v].indices[m], (double)out[v].projections[m], fi, (double)fp);
    }
    CHECK(fi < k, "%s K=%u L=%u: index %u out of range", what, k, l, fi);
    if (fi >= k)
      continue;
    /* The projection is the defined score of the chosen codeword. */
    float expect = fma_score(c + (size_t)fi * l, xm, l);
    CHECK(memcmp(&expect, &fp, sizeof(float)) == 0,
          "%s K=%u L=%u block %zu: projection %a, fma chain %a", what, k, l, m,
          (double)fp, (double)expect);
    /* The chosen |score| is the true maximum up to rounding. */
    double best = -1.0, best_bound = 0.0, chosen, chosen_bound;
    true_score(c + (size_t)fi * l, xm, l, &chosen, &chosen_bound);
    for (uint32_t i = 0; i < k; ++i) {
      double s, b;
      true_score(c + (size_t)i * l, xm, l, &s, &b);
      if (fabs(s) > best) {
        best = fabs(s);
        best_bound = b;
      }
    }
    CHECK(fabs(chosen) >= best - chosen_bound - best_bound,
          "%s K=%u L=%u block %zu: |score| %.9g of index %u below the max "
          "%.9g",
          what, k, l, m, fabs(chosen), fi, best);
    CHECK(fabs((double)fp - chosen) <= chosen_bound,
          "%s K=%u L=%u block %zu: projection %.9g, true %.9g", what, k, l, m,
          (double)fp, chosen);
    /* Against the reference: same index, or a near-tie. */
    uint32_t ri = ref_idx[m];
    if (ri != fi) {
      mismatches++;
      double rs, rb;
      true_score(c + (size_t)ri * l, xm, l, &rs, &rb);
      CHECK(!expect_exact_reference,
            "%s K=%u L=%u block %zu: index %u, reference %u (exact ties "
            "expected)",
            what, k, l, m, fi, ri);
      CHECK(fabs(fabs(rs) - fabs(chosen)) <= 2.0 * (rb + chosen_bound),
            "%s K=%u L=%u block %zu: index %u (|s| %.9g), reference %u (|s| "
            "%.9g): not a near-tie",
            what, k, l, m, fi, fabs(chosen), ri, fabs(rs));
    } else {
      CHECK(fabs((double)fp - (double)ref_proj[m]) <= 2.0 * chosen_bound,
            "%s K=%u L=%u block %zu: projection %.9g, reference %.9g", what, k,
            l, m, (double)fp, (double)ref_proj[m]);
    }
  }

  for (size_t v = 0; v < ISA_COUNT; ++v) {
    free(out[v].indices);
    free(out[v].projections);
  }
  free(scratch_base);
  free(ref_idx);
  free(ref_proj);
  return mismatches;
}

/* Random unit codebooks and Gaussian or Laplacian blocks of many shapes. */
static void test_random_shapes(uint64_t *state) {
  static const uint32_t ks[] = {1,  2,   3,   15,  16,  17,   63,  64,
                                65, 128, 200, 256, 300, 1024, 1100};
  static const uint32_t ls[] = {1, 2, 3, 4, 7, 8, 16, 24, 33};
  static const size_t ns[] = {0, 1, 3, 4, 5, 63, 64, 65, 131, 300};
  size_t blocks = 0, mismatches = 0;
  for (size_t a = 0; a < sizeof ks / sizeof ks[0]; ++a) {
    for (size_t b = 0; b < sizeof ls / sizeof ls[0]; ++b) {
      uint32_t k = ks[a], l = ls[b];
      float *c = xmalloc((size_t)k * l * sizeof(float));
      fill_codebook(c, k, l, state);
      for (size_t d = 0; d < sizeof ns / sizeof ns[0]; ++d) {
        size_t n = ns[d];
        float *x = xmalloc((n * l + 1) * sizeof(float));
        if ((a + b + d) % 2)
          test_fill_gaussian(x, n * l, state);
        else
          test_fill_laplacian(x, n * l, state);
        mismatches += check_case(c, k, l, x, n, 0, "random");
        blocks += n;
        free(x);
      }
      free(c);
    }
  }
  /* Near-ties at float rounding are rare on continuous data: a kernel that
   * picks wrong codewords would show up here as well as in the checks. */
  CHECK(mismatches * 1000 <= blocks,
        "%zu of %zu blocks differ from the reference (near-ties should be "
        "rare)",
        mismatches, blocks);
  printf("random shapes: %zu blocks, %zu near-tie differences from the "
         "reference\n",
         blocks, mismatches);
}

/* Duplicate and negated codewords score identically: the lowest index wins,
 * across lanes (offsets not multiples of 16) and within a lane (multiples). */
static void test_exact_ties(uint64_t *state) {
  /* K >= 1024 and K L >= 16384 so that the bf16 screen runs too. */
  const uint32_t base_k = 260, l = 16, k = 4 * base_k + 16;
  float *c = xmalloc((size_t)k * l * sizeof(float));
  fill_codebook(c, base_k, l, state);
  for (uint32_t i = 0; i < base_k; ++i) {
    for (uint32_t j = 0; j < l; ++j) {
      float v = c[(size_t)i * l + j];
      c[(size_t)(base_k + i) * l + j] = -v;     /* negated */
      c[(size_t)(2 * base_k + i) * l + j] = v;  /* duplicate */
      c[(size_t)(3 * base_k + i) * l + j] = -v; /* negated duplicate */
    }
  }
  /* 16 more copies of row 0 at the end (one per lane). */
  for (uint32_t i = 4 * base_k; i < k; ++i)
    memcpy(c + (size_t)i * l, c, l * sizeof(float));
  size_t n = 257;
  float *x = xmalloc(n * l * sizeof(float));
  test_fill_gaussian(x, n * l, state);
  size_t mismatches = check_case(c, k, l, x, n, 0, "ties");
  uint32_t *idx = xmalloc(n * sizeof(uint32_t));
  float *proj = xmalloc(n * sizeof(float));
  float *scratch =
      xmalloc(hgq_codeword_search_scratch_floats(k, l) * sizeof(float));
  hgq_codeword_search(c, k, l, x, n, idx, proj, scratch);
  for (size_t m = 0; m < n; ++m)
    CHECK(idx[m] < base_k, "ties: block %zu chose %u, a later copy of a row", m,
          idx[m]);
  CHECK(mismatches * 100 <= n, "ties: %zu of %zu differ from the reference",
        mismatches, n);

  /* Every codeword the same: index 0 for every block. */
  const uint32_t same_k = 48;
  float *same = xmalloc((size_t)same_k * l * sizeof(float));
  for (uint32_t i = 0; i < same_k; ++i)
    memcpy(same + (size_t)i * l, c, l * sizeof(float));
  check_case(same, same_k, l, x, n, 1, "all-equal");
  hgq_codeword_search(same, same_k, l, x, n, idx, proj, scratch);
  for (size_t m = 0; m < n; ++m)
    CHECK(idx[m] == 0, "all-equal: block %zu chose %u", m, idx[m]);

  free(same);
  free(scratch);
  free(idx);
  free(proj);
  free(x);
  free(c);
}

/* Axis codebook (+e_0, -e_0, +e_1, -e_1, ...) and blocks with exactly tied
 * coordinates: the answer is known in closed form. */
static void test_axis_codebook(void) {
  const uint32_t l = 5, k = 2 * l;
  float c[2 * 5 * 5];
  memset(c, 0, sizeof c);
  for (uint32_t j = 0; j < l; ++j) {
    c[(2 * j) * l + j] = 1.0f;
    c[(2 * j + 1) * l + j] = -1.0f;
  }
  const float x[4][5] = {{0.5f, -0.5f, 0.25f, 0, 0},
                         {0, -2.0f, 0, 2.0f, 0},
                         {0, 0, 0, 0, -3.0f},
                         {0.1f, 0.2f, -0.3f, 0.3f, 0.3f}};
  const uint32_t want_idx[4] = {0, 2, 8, 4};
  const float want_proj[4] = {0.5f, -2.0f, -3.0f, -0.3f};
  check_case(c, k, l, &x[0][0], 4, 1, "axis");
  uint32_t idx[4];
  float proj[4];
  float scratch[256];
  CHECK(hgq_codeword_search_scratch_floats(k, l) <= 256, "scratch size %zu",
        hgq_codeword_search_scratch_floats(k, l));
  hgq_codeword_search(c, k, l, &x[0][0], 4, idx, proj, scratch);
  for (int m = 0; m < 4; ++m)
    CHECK(idx[m] == want_idx[m] && proj[m] == want_proj[m],
          "axis block %d: (%u, %g), want (%u, %g)", m, idx[m], (double)proj[m],
          want_idx[m], (double)want_proj[m]);
}

/* Zero blocks (the padding of the last block): index 0, projection 0, also
 * with K not a multiple of 16 (padded codeword lanes must never win). */
static void test_zero_blocks(uint64_t *state) {
  static const uint32_t ks[] = {1, 5, 16, 33, 300};
  const uint32_t l = 6;
  const size_t n = 70;
  float *x = xmalloc(n * l * sizeof(float));
  memset(x, 0, n * l * sizeof(float));
  for (size_t a = 0; a < sizeof ks / sizeof ks[0]; ++a) {
    uint32_t k = ks[a];
    float *c = xmalloc((size_t)k * l * sizeof(float));
    fill_codebook(c, k, l, state);
    check_case(c, k, l, x, n, 1, "zero");
    uint32_t *idx = xmalloc(n * sizeof(uint32_t));
    float *proj = xmalloc(n * sizeof(float));
    float *scratch =
        xmalloc(hgq_codeword_search_scratch_floats(k, l) * sizeof(float));
    hgq_codeword_search(c, k, l, x, n, idx, proj, scratch);
    for (size_t m = 0; m < n; ++m)
      CHECK(idx[m] == 0 && proj[m] == 0.0f, "zero block K=%u: (%u, %g)", k,
            idx[m], (double)proj[m]);
    free(scratch);
    free(idx);
    free(proj);
    free(c);
  }
  free(x);
}

/* Blocks far from unit norm: huge, tiny and denormal coordinates (the bf16
 * screen flushes denormals and must then fall back to exact scores). */
static void test_scaled_blocks(uint64_t *state) {
  static const float scales[] = {1e-42f, 1e-38f, 1e-30f, 1e30f};
  const uint32_t k = 1030, l = 17; /* bf16 screen, partial last chunk */
  const size_t n = 41;
  float *c = xmalloc((size_t)k * l * sizeof(float));
  float *x = xmalloc(n * l * sizeof(float));
  fill_codebook(c, k, l, state);
  for (size_t a = 0; a < sizeof scales / sizeof scales[0]; ++a) {
    test_fill_gaussian(x, n * l, state);
    for (size_t i = 0; i < n * l; ++i)
      x[i] *= scales[a];
    check_case(c, k, l, x, n, 0, "scaled");
  }
  /* Coordinates at the top of the float range, of both signs: bf16 rounds
   * them to infinity (and inf - inf is NaN) where fp32 may still be finite.
   * Scores may overflow, so only the agreement of the variants is checked. */
  test_fill_gaussian(x, n * l, state);
  for (size_t m = 0; m < n; ++m) {
    x[m * l] = 3.4e38f;
    x[m * l + 1] = (m % 2) ? -3.4e38f : 1e-3f;
  }
  float *scratch =
      xmalloc(hgq_codeword_search_scratch_floats(k, l) * sizeof(float));
  uint32_t *idx0 = xmalloc(n * sizeof(uint32_t)), *idx = xmalloc(n * 4);
  float *proj0 = xmalloc(n * sizeof(float)), *proj = xmalloc(n * 4);
  hgq_codeword_search_isa(HGQ_SEARCH_ISA_PORTABLE, c, k, l, x, n, idx0, proj0,
                          scratch);
  for (size_t v = 0; v < ISA_COUNT; ++v) {
    if (!hgq_codeword_search_isa_supported(all_isas[v]))
      continue;
    hgq_codeword_search_isa(all_isas[v], c, k, l, x, n, idx, proj, scratch);
    for (size_t m = 0; m < n; ++m)
      CHECK(idx[m] == idx0[m] && memcmp(&proj[m], &proj0[m], 4) == 0,
            "huge block %zu, %s: (%u, %g), portable (%u, %g)", m,
            hgq_codeword_search_isa_name(all_isas[v]), idx[m], (double)proj[m],
            idx0[m], (double)proj0[m]);
  }
  free(scratch);
  free(idx0);
  free(idx);
  free(proj0);
  free(proj);
  free(x);
  free(c);
}

/* A block with a NaN coordinate (the quantizer never passes one: it rejects
 * non-finite gradients) has no comparable score: every variant returns
 * index 0 and projection 0, and the other blocks are unaffected. */
static void test_nan_block(uint64_t *state) {
  static const uint32_t ks[] = {5, 64, 1030}; /* 1030 x 17: bf16 screen */
  const uint32_t l = 17;
  const size_t n = 9;
  float *x = xmalloc(n * l * sizeof(float));
  for (size_t a = 0; a < sizeof ks / sizeof ks[0]; ++a) {
    uint32_t k = ks[a];
    float *c = xmalloc((size_t)k * l * sizeof(float));
    fill_codebook(c, k, l, state);
    test_fill_gaussian(x, n * l, state);
    x[4 * l + 3] = NAN;
    float *scratch =
        xmalloc(hgq_codeword_search_scratch_floats(k, l) * sizeof(float));
    uint32_t idx0[9], idx[9];
    float proj0[9], proj[9];
    hgq_codeword_search_isa(HGQ_SEARCH_ISA_PORTABLE, c, k, l, x, n, idx0, proj0,
                            scratch);
    CHECK(idx0[4] == 0 && proj0[4] == 0.0f, "NaN block K=%u: (%u, %g)", k,
          idx0[4], (double)proj0[4]);
    for (size_t v = 0; v < ISA_COUNT; ++v) {
      if (!hgq_codeword_search_isa_supported(all_isas[v]))
        continue;
      hgq_codeword_search_isa(all_isas[v], c, k, l, x, n, idx, proj, scratch);
      for (size_t m = 0; m < n; ++m)
        CHECK(idx[m] == idx0[m] &&
                  memcmp(&proj[m], &proj0[m], sizeof(float)) == 0,
              "NaN block K=%u, %s, block %zu: (%u, %g), portable (%u, %g)", k,
              hgq_codeword_search_isa_name(all_isas[v]), m, idx[m],
              (double)proj[m], idx0[m], (double)proj0[m]);
    }
    free(scratch);
    free(c);
  }
  free(x);
}

/* L = 1: scores are c_i x, the largest |c_i| wins, ties to the lowest. */
static void test_scalar_codebook(void) {
  const float c[6] = {0.5f, -1.0f, 0.25f, 1.0f, -0.75f, -1.0f};
  const float x[3] = {2.0f, -3.0f, 0.0f};
  uint32_t idx[3];
  float proj[3];
  float scratch[64];
  check_case(c, 6, 1, x, 3, 1, "scalar");
  hgq_codeword_search(c, 6, 1, x, 3, idx, proj, scratch);
  CHECK(idx[0] == 1 && proj[0] == -2.0f, "L=1: (%u, %g)", idx[0],
        (double)proj[0]);
  CHECK(idx[1] == 1 && proj[1] == 3.0f, "L=1: (%u, %g)", idx[1],
        (double)proj[1]);
  CHECK(idx[2] == 0 && proj[2] == 0.0f, "L=1: (%u, %g)", idx[2],
        (double)proj[2]);
}

static void test_dispatch(void) {
  CHECK(hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_PORTABLE) == 1,
        "portable must always run");
  CHECK(hgq_codeword_search_isa_supported(HGQ_SEARCH_ISA_AUTO) == 1,
        "auto must always run");
  CHECK(hgq_codeword_search_isa_supported((hgq_search_isa)99) == 0,
        "unknown variant reported as supported");
  CHECK(strcmp(hgq_codeword_search_isa_name(HGQ_SEARCH_ISA_AUTO), "unknown") !=
            0,
        "auto resolves to no variant");
  float c[4] = {1, 0, 0, 1}, x[2] = {1, 2}, p;
  uint32_t i;
  CHECK(hgq_codeword_search_isa((hgq_search_isa)99, c, 2, 2, x, 1, &i, &p, c) ==
            -1,
        "unknown variant ran");
  printf("dispatch: auto = %s\n",
         hgq_codeword_search_isa_name(HGQ_SEARCH_ISA_AUTO));
}

int main(int argc, char **argv) {
  uint64_t state = test_init(argc, argv, 20261204u);
  test_dispatch();
  test_random_shapes(&state);
  test_exact_ties(&state);
  test_axis_codebook();
  test_zero_blocks(&state);
  test_scaled_blocks(&state);
  test_nan_block(&state);
  test_scalar_codebook();
  return test_finish("test-search");
}
