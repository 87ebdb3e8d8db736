/*
 * Codeword search (see search.h): i_m = argmax_i |c_i . x_m| with ties to the
 * lowest index, a_m = c_{i_m} . x_m. For unit x_m, maximising (c . x)^2 is
 * minimising the chordal distance 1 - (c . x)^2 (HGQ.md), so this is the
 * nearest-neighbour rule of Grassmannian quantization.
 *
 * This first version is plain loops (one dot product at a time); the fast,
 * tiled sgemm version replaces hgq_codeword_search and must give the same
 * indices as the reference (up to ties within float rounding).
 */
#include "search.h"

#include <math.h>

size_t hgq_codeword_search_scratch_floats(uint32_t codebook_size,
                                          uint32_t block_length) {
  (void)block_length;
  /* One row of scores; the reference loop does not use it. */
  return (size_t)codebook_size;
}

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

void hgq_codeword_search(const float *codebook, uint32_t codebook_size,
                         uint32_t block_length, const float *blocks,
                         size_t block_count, uint32_t *indices,
                         float *projections, float *scratch) {
  (void)scratch;
  hgq_codeword_search_reference(codebook, codebook_size, block_length, blocks,
                                block_count, indices, projections);
}
